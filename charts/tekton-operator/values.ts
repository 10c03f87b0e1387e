import type { k8s } from 'cdk8s-plus-28';
import type { K8sResources } from '../../lib/resources';

/** The tekton-operator chart keys we set. */
export interface TektonOperatorValues {
  readonly installCRDs: boolean;
  readonly kubernetesMinVersion: string;
  readonly operator: {
    readonly replicas: number;
    readonly autoInstallComponents: boolean;
    readonly defaultTargetNamespace: string;
    /** Applied to both containers of the operator pod (lifecycle and cluster-operations). */
    readonly resources: K8sResources;
  };
  readonly webhook: { readonly replicas: number; readonly resources: K8sResources };
  readonly service: { readonly createServiceMonitor: boolean };
  readonly podSecurityContext: k8s.PodSecurityContext;
  readonly securityContext: k8s.SecurityContext;
}
