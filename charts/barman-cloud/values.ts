/** The `plugin-barman-cloud` chart keys we set. Checked against chart-values/plugin-barman-cloud/<version>. */
import { K8sResources } from '../../lib/resources';

export interface BarmanCloudValues {
  readonly replicaCount: number;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly crds: { readonly create: boolean };
}
