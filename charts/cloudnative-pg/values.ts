/** The `cloudnative-pg` chart keys we set. Checked against chart-values/cloudnative-pg/<version>. */
import { K8sResources } from '../../lib/resources';

export interface CloudnativePgValues {
  readonly replicaCount: number;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly crds: { readonly create: boolean };
  readonly monitoring: { readonly podMonitorEnabled: boolean };
}
