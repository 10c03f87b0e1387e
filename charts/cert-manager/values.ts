/** The cert-manager chart keys we set, at the version `CHARTS.certManager` pins. Checked against chart-values/cert-manager/<version> (values.schema.json). */
import { K8sResources } from '../../lib/resources';

export interface PodDisruptionBudgetValues {
  readonly enabled: boolean;
  readonly minAvailable?: number;
}

export interface CertManagerValues {
  readonly global: { readonly priorityClassName: string; readonly leaderElection: { readonly namespace: string } };
  readonly crds: { readonly enabled: boolean; readonly keep: boolean };
  readonly replicaCount: number;
  readonly resources: K8sResources;
  /** Comma-separated `host:port` list: `--dns01-recursive-nameservers`. */
  readonly dns01RecursiveNameservers: string;
  /** `--dns01-recursive-nameservers-only`. */
  readonly dns01RecursiveNameserversOnly: boolean;
  readonly prometheus: { readonly enabled: boolean; readonly servicemonitor: { readonly enabled: boolean } };
  readonly webhook: {
    readonly replicaCount: number;
    readonly resources: K8sResources;
    readonly podDisruptionBudget: PodDisruptionBudgetValues;
  };
  readonly cainjector: { readonly replicaCount: number; readonly resources: K8sResources };
  readonly startupapicheck: { readonly resources: K8sResources };
}
