import type { k8s } from 'cdk8s-plus-28';
import type { K8sResources } from '../../lib/resources';

/** The k6-operator chart keys we set. */
export interface K6OperatorValues {
  readonly installCRDs: boolean;
  /** platform-base owns every Namespace. */
  readonly namespace: { readonly create: boolean };
  readonly manager: {
    readonly replicas: number;
    readonly resources: K8sResources;
    readonly logging: { readonly development: boolean };
    readonly env: readonly { readonly name: string; readonly value: string }[];
    readonly podSecurityContext: k8s.PodSecurityContext;
    readonly containerSecurityContext: k8s.SecurityContext;
  };
  readonly metrics: { readonly serviceMonitor: { readonly enabled: boolean } };
}
