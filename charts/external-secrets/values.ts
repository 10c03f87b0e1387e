/** The external-secrets chart's keys we set (checked against the pinned chart's values.yaml by the key test). */
import type { K8sResources } from '../../lib/resources';

interface Metrics {
  readonly service: { readonly enabled: boolean };
}

interface PodDisruptionBudget {
  readonly enabled: boolean;
  readonly minAvailable: number;
}

/** What the controller, the webhook and the cert-controller each take. */
interface Deployment {
  readonly replicaCount: number;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly metrics: Metrics;
}

export interface ExternalSecretsValues extends Deployment {
  readonly installCRDs: boolean;
  readonly leaderElect: boolean;
  readonly podDisruptionBudget: PodDisruptionBudget;
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  /** A Prometheus duration (`30s`). */
  readonly serviceMonitor: { readonly enabled: boolean; readonly interval: string };
  readonly webhook: Deployment & { readonly podDisruptionBudget: PodDisruptionBudget };
  readonly certController: Deployment;
}
