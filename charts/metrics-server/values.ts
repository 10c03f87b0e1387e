/** The metrics-server chart keys we set, at the version `CHARTS.metricsServer` pins. Checked against chart-values/metrics-server/<version>. */
import { K8sResources } from '../../lib/resources';

export interface MetricsServerValues {
  readonly replicas: number;
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
  readonly resources: K8sResources;
  readonly metrics: { readonly enabled: boolean };
  readonly serviceMonitor: { readonly enabled: boolean };
}
