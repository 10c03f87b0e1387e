import type { K8sResources } from '../../lib/resources';
import type { WhenUnsatisfiable } from '../../lib/tier-policy';
import type { NotificationEntries } from './notifications';

/** Prometheus metrics with a ServiceMonitor, the shape every Argo CD component takes. */
export interface MetricsValues {
  readonly enabled: boolean;
  readonly serviceMonitor: { readonly enabled: boolean };
}

export interface PdbValues {
  readonly enabled: boolean;
  readonly minAvailable: number;
}

/** A zone spread constraint without a selector: the chart adds each component's own. */
export interface TopologySpread {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: WhenUnsatisfiable;
}

/** The redis-ha subchart (DandyDeveloper/redis-ha 4.38.0): only the keys we set. */
export interface RedisHaValues {
  readonly enabled: boolean;
  readonly replicas: number;
  readonly redis: { readonly resources: K8sResources };
  readonly sentinel: { readonly resources: K8sResources };
  readonly splitBrainDetection: { readonly resources: K8sResources };
  readonly init: { readonly resources: K8sResources };
  readonly exporter: { readonly enabled: boolean; readonly resources: K8sResources; readonly serviceMonitor: { readonly enabled: boolean } };
  readonly haproxy: {
    readonly replicas: number;
    readonly resources: K8sResources;
    readonly init: { readonly resources: K8sResources };
    readonly metrics: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } };
  };
  readonly topologySpreadConstraints: { readonly enabled: boolean; readonly topologyKey: string; readonly maxSkew: number; readonly whenUnsatisfiable: WhenUnsatisfiable };
}

export interface ArgoCdValues {
  readonly global: {
    readonly priorityClassName: string;
    readonly topologySpreadConstraints: readonly TopologySpread[];
    /** The chart's per-component NetworkPolicies (ingress only). */
    readonly networkPolicy: { readonly create: boolean };
  };
  readonly crds: { readonly install: boolean; readonly keep: boolean };
  readonly configs: {
    /** argocd-cm: free-form keys (named in the key test). */
    readonly cm: Record<string, string | boolean>;
    readonly params: Record<string, string | boolean | number>;
    /** argocd-rbac-cm (./sso.ts). */
    readonly rbac: { readonly 'policy.csv': string; readonly 'policy.default': string; readonly scopes: string };
  };
  readonly controller: { readonly replicas: number; readonly resources: K8sResources; readonly metrics: MetricsValues; readonly pdb: PdbValues };
  readonly server: { readonly replicas: number; readonly resources: K8sResources; readonly metrics: MetricsValues; readonly pdb: PdbValues };
  readonly repoServer: { readonly replicas: number; readonly resources: K8sResources; readonly metrics: MetricsValues; readonly pdb: PdbValues };
  readonly applicationSet: { readonly replicas: number; readonly resources: K8sResources; readonly metrics: MetricsValues };
  readonly redis: {
    readonly resources: K8sResources;
    readonly exporter: { readonly enabled: boolean; readonly resources: K8sResources };
    readonly metrics: MetricsValues;
  };
  readonly 'redis-ha': RedisHaValues;
  /** The Job that generates the Redis password in-cluster (never rendered into git). */
  readonly redisSecretInit: { readonly resources: K8sResources };
  readonly dex: { readonly enabled: boolean };
  /** argocd-notifications-cm: Alertmanager as the one notifier (./notifications.ts). */
  readonly notifications: { readonly resources: K8sResources; readonly metrics: MetricsValues } & NotificationEntries;
}
