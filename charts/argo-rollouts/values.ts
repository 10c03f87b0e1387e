import type { k8s } from 'cdk8s-plus-28';
import type { K8sResources } from '../../lib/resources';

/** The argo-rollouts chart keys we set. */
export interface ArgoRolloutsValues {
  readonly installCRDs: boolean;
  readonly keepCRDs: boolean;
  readonly controller: {
    readonly replicas: number;
    readonly resources: K8sResources;
    readonly priorityClassName: string;
    readonly metrics: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } };
    readonly pdb: { readonly enabled: boolean; readonly minAvailable?: number };
  };
  readonly podSecurityContext: k8s.PodSecurityContext;
  readonly containerSecurityContext: k8s.SecurityContext;
  readonly dashboard: { readonly enabled: boolean };
  readonly providerRBAC: { readonly enabled: boolean };
}
