/**
 * Istio `base`: the Istio CRDs and the default-revision validating webhook. Installed before
 * istiod and istio-cni (components.md: base, then istiod).
 */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';

/** The `base` chart (1.30.3) keys we set. Istio charts take keys at top level (components.md). */
export interface IstioBaseValues {
  readonly defaultRevision: string;
  readonly global: { readonly istioNamespace: string; readonly enableReaderRBAC: boolean };
  /**
   * `Fail` from the start: istiod flips the webhook from `Ignore` to `Fail` once it is ready,
   * which Argo CD would report as drift forever. Read by the template, absent from values.yaml
   * (allowlisted with proof in the key test).
   */
  readonly base: { readonly validationFailurePolicy: 'Fail' | 'Ignore' };
}

export interface IstioBaseProps {
  readonly namespace: string;
  /** @default DEFAULTS.validationFailurePolicy */
  readonly validationFailurePolicy?: 'Fail' | 'Ignore';
}

export const DEFAULTS = {
  validationFailurePolicy: 'Fail',
} as const;

export function istioBaseComponent(props: IstioBaseProps): PlatformComponent {
  const values: IstioBaseValues = {
    defaultRevision: 'default',
    // The istio-reader RBAC is for multicluster remote secrets; one cluster needs none.
    global: { istioNamespace: props.namespace, enableReaderRBAC: false },
    base: { validationFailurePolicy: props.validationFailurePolicy ?? DEFAULTS.validationFailurePolicy },
  };
  return {
    id: 'istio-base',
    workflow: Workflow.Mesh,
    namespace: props.namespace,
    dependsOn: [],
    source: helm(CHARTS.istioBase, values),
    // istiod patches its CA bundle into the validating webhooks once it serves.
    ignoreDifferences: [
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
    ],
  };
}
