/** The `base` chart keys we set. Istio charts take keys at top level (components.md). */
export interface IstioBaseValues {
  readonly defaultRevision: string;
  readonly global: { readonly istioNamespace: string; readonly enableReaderRBAC: boolean };
  /**
   * `Fail` from the start: istiod flips the webhook from `Ignore` to `Fail` once it is ready,
   * which Argo CD would report as drift forever. Read by the template, absent from values.yaml
   * (allowlisted with proof in the key test).
   */
  readonly base: { readonly validationFailurePolicy: ValidationFailurePolicy };
}

export type ValidationFailurePolicy = 'Fail' | 'Ignore';
