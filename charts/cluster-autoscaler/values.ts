/** The cluster-autoscaler chart keys we set, at the version `CHARTS.clusterAutoscaler` pins. Checked against chart-values/cluster-autoscaler/<version>. */
import { K8sResources } from '../../lib/resources';

export interface ClusterAutoscalerValues {
  readonly cloudProvider: 'aws';
  readonly awsRegion: string;
  readonly autoDiscovery: { readonly clusterName: string };
  readonly image: { readonly tag: string };
  readonly replicaCount: number;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly rbac: { readonly serviceAccount: { readonly name: string; readonly annotations: Record<string, string> } };
  /** Free-form flag map (named in the key test). */
  readonly extraArgs: Record<string, string | number | boolean>;
  /** Priority → ASG name patterns; higher wins. */
  readonly expanderPriorities: Record<string, readonly string[]>;
  readonly serviceMonitor: { readonly enabled: boolean; readonly namespace: string };
  readonly podDisruptionBudget: { readonly maxUnavailable: number };
}
