/**
 * The recommended `app.kubernetes.io/*` labels, computed once per object. Selectors use
 * `selectorLabels`, which never include the version (a version bump must not orphan pods).
 */
export const PART_OF = 'eks-platform';
export const MANAGED_BY = 'cdk8s';

export interface LabelProps {
  /** `app.kubernetes.io/name`: what the thing is. */
  readonly name: string;
  /** `app.kubernetes.io/instance`: this installation of it (the component id). */
  readonly instance: string;
  readonly version?: string;
  readonly component?: string;
}

export function selectorLabels(p: Pick<LabelProps, 'name' | 'instance'>): Record<string, string> {
  return { 'app.kubernetes.io/instance': p.instance, 'app.kubernetes.io/name': p.name };
}

export function standardLabels(p: LabelProps): Record<string, string> {
  return {
    ...selectorLabels(p),
    ...(p.version ? { 'app.kubernetes.io/version': p.version } : {}),
    ...(p.component ? { 'app.kubernetes.io/component': p.component } : {}),
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/part-of': PART_OF,
  };
}
