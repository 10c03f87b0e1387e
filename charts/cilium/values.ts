/** The Cilium chart keys we set, at the version `CHARTS.cilium` pins. Checked against chart-values/cilium/<version>. */
import { K8sResources } from '../../lib/resources';

export interface CiliumValues {
  readonly cni: { readonly chainingMode: 'aws-cni'; readonly exclusive: boolean };
  readonly enableIPv4Masquerade: boolean;
  readonly routingMode: 'native';
  readonly endpointRoutes: { readonly enabled: boolean };
  /** Templates read it; values.yaml only mentions it in a comment (allowlisted in the key test). */
  readonly socketLB: { readonly hostNamespaceOnly: boolean };
  readonly enableCriticalPriorityClass: boolean;
  readonly resources: K8sResources;
  readonly prometheus: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean; readonly trustCRDsExist: boolean } };
  readonly operator: {
    readonly replicas: number;
    readonly resources: K8sResources;
    readonly prometheus: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } };
  };
  readonly hubble: {
    readonly enabled: boolean;
    readonly tls: { readonly auto: { readonly enabled: boolean; readonly method: 'cronJob' } };
    readonly metrics: { readonly enabled: readonly string[]; readonly serviceMonitor: { readonly enabled: boolean } };
    readonly relay: {
      readonly enabled: boolean;
      readonly replicas: number;
      readonly resources: K8sResources;
      readonly priorityClassName: string;
      readonly prometheus: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } };
    };
  };
}
