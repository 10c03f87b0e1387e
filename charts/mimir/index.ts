/**
 * Grafana Mimir (mimir-distributed 6.0.4): long-term metrics in S3 through IRSA.
 *
 * - Classic architecture: distributors push straight to ingesters. Chart 6.x defaults to the
 *   Kafka-based ingest storage with a demo Kafka; Kafka arrives only with the Data workflow, later
 *   in the graph, so `kafka.enabled: false`, `ingest_storage.enabled: false` and the ingesters'
 *   push gRPC method back on (the chart's own classic-architecture.yaml and its 5.x→6.0 guide).
 * - One bucket, `<platform>-<env>-mimir`: blocks under the `blocks/` prefix, so ruler or
 *   Alertmanager state could later share the bucket under their own prefixes. Neither uses it now:
 *   Mimir's Alertmanager is off (alerts go to the kube-prometheus-stack Alertmanager) and the ruler
 *   reads its rules read-only from a ConfigMap (`ruler_storage.backend: local`) that
 *   observability-config renders, so rules stay in git like every other object.
 * - Single tenant (`multitenancy_enabled: false`, tenant `anonymous`): one cluster, one platform
 *   team; writers and readers need no X-Scope-OrgID header. Access control is the network.
 * - Zone-aware replication (HA): three ingester and three store-gateway StatefulSets, replication
 *   factor 3, each zone pinned to one availability zone where the environment has a spot group per
 *   zone (prod), logical zones with host anti-affinity otherwise (staging). Zone StatefulSets use
 *   the OnDelete update strategy, so the chart's rollout-operator is what rolls them one zone at a
 *   time: it runs wherever zone-awareness does. Chart 6.x turns its webhooks on (no-downscale,
 *   prepare-downscale, pod-eviction, ZoneAwarePodDisruptionBudget validation); their CRDs ship in
 *   the subchart and Argo CD applies them in the same sync, and the operator injects its own CA
 *   into the webhook configurations, which Argo CD ignores as drift. Without zone-awareness (dev)
 *   the operator and its webhooks are off: one replica of everything, replication factor 1.
 */
import { CHARTS } from '../../config/versions';
import { Duration } from '../../imports/monitoring';
import { OPERATOR_KINDS, WEBHOOK_KINDS } from '../../lib/cluster-scope';
import { Component, helm, RunbookSection, Workflow } from '../../lib/component';
import { irsaAnnotations, irsaRole, IrsaTarget, s3BucketPolicy } from '../../lib/irsa';
import { PRIORITY } from '../../lib/priority';
import { Resources, Workload, workload, WorkloadKind } from '../../lib/resources';
import { MimirComponentValues, MimirValues, MimirZone, ZoneAwareReplicationValues } from './values';

/** The Mimir workloads we size, by their values section. */
export type MimirTarget =
  | 'distributor' | 'ingester' | 'querier' | 'query_frontend' | 'query_scheduler'
  | 'store_gateway' | 'compactor' | 'ruler' | 'gateway' | 'rollout_operator';

export interface MimirProps {
  readonly namespace: string;
  readonly target: IrsaTarget & { readonly region: string };
  /** S3 bucket for the blocks (created by the operator, see the runbook). */
  readonly bucket: string;
  /** Replicated stateless components, zone-aware ingesters and store-gateways, the rollout-operator. */
  readonly highAvailability: boolean;
  /**
   * Availability zones the three zone StatefulSets are pinned to (exactly three). Empty: logical
   * zones, spread across nodes only.
   * @default DEFAULTS.zones
   */
  readonly zones?: readonly string[];
  /** Where the ruler sends alerts (the kube-prometheus-stack Alertmanager). */
  readonly alertmanagerUrl: string;
  /** ConfigMap (in `namespace`) holding the ruler's rule files; optional, so the ruler starts before it exists. */
  readonly rulerRulesConfigMap: string;
  /** @default DEFAULTS.resources */
  readonly resources?: Partial<Record<MimirTarget, Resources>>;
  /** How long blocks stay in S3. @default DEFAULTS.retention */
  readonly retention?: Duration;
  /** Ingester and compactor volume size. @default DEFAULTS.volumeSize */
  readonly volumeSize?: string;
  /** Operator steps outside the cluster (the bucket). */
  readonly runbook?: readonly RunbookSection[];
}

const r = Resources.of;

export const DEFAULTS = {
  /** Production sizing: small requests, limits with room for query and compaction bursts. */
  resources: {
    distributor: r({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
    ingester: r({ cpu: '100m', memory: '512Mi' }, { cpu: '1', memory: '2Gi' }),
    querier: r({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '1Gi' }),
    query_frontend: r({ cpu: '25m', memory: '64Mi' }, { cpu: '250m', memory: '256Mi' }),
    query_scheduler: r({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '128Mi' }),
    store_gateway: r({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '1Gi' }),
    compactor: r({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '1Gi' }),
    ruler: r({ cpu: '25m', memory: '128Mi' }, { cpu: '250m', memory: '512Mi' }),
    gateway: r({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '128Mi' }),
    rollout_operator: r({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '128Mi' }),
  } satisfies Record<MimirTarget, Resources>,
  /** Development sizing: one of everything, the least each process starts with. */
  devResources: {
    distributor: r({ cpu: '25m', memory: '64Mi' }, { cpu: '250m', memory: '256Mi' }),
    ingester: r({ cpu: '50m', memory: '256Mi' }, { cpu: '500m', memory: '1Gi' }),
    querier: r({ cpu: '25m', memory: '64Mi' }, { cpu: '250m', memory: '512Mi' }),
    query_frontend: r({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '128Mi' }),
    query_scheduler: r({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
    store_gateway: r({ cpu: '25m', memory: '64Mi' }, { cpu: '250m', memory: '512Mi' }),
    compactor: r({ cpu: '25m', memory: '64Mi' }, { cpu: '250m', memory: '512Mi' }),
    ruler: r({ cpu: '10m', memory: '64Mi' }, { cpu: '100m', memory: '256Mi' }),
    gateway: r({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
    rollout_operator: r({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
  } satisfies Record<MimirTarget, Resources>,
  zones: [] as readonly string[],
  /** Long-term history: six times Prometheus' 15 days, and three times the 30-day forecast window. */
  retention: Duration.days(90),
  volumeSize: '10Gi',
  serviceAccount: 'mimir',
  /** The tenant every write and read lands in with multi-tenancy off. */
  tenant: 'anonymous',
  /** Ruler rule files: `<dir>/<tenant>/<file>.yaml` (Mimir's local rule store layout). */
  rulesDirectory: '/etc/mimir-rules',
  /**
   * Per-tenant limits above Mimir's defaults (150k series, 10k samples/s), which one cluster's
   * Prometheus at a 30 s scrape interval already reaches; and exemplar storage, off by default,
   * which Grafana's metric → trace links need.
   */
  limits: { maxGlobalSeriesPerUser: 1_000_000, ingestionRate: 40_000, ingestionBurstSize: 800_000, maxGlobalExemplarsPerUser: 100_000 },
} as const;

/** The chart's default zone names; rollout-operator and the zone Services are named after them. */
const ZONE_NAMES = ['zone-a', 'zone-b', 'zone-c'] as const;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function mimirComponent(props: MimirProps): Component {
  const ns = props.namespace;
  const res: Record<MimirTarget, Resources> = { ...DEFAULTS.resources, ...props.resources };
  const zones = props.zones ?? DEFAULTS.zones;
  if (!S3_BUCKET.test(props.bucket)) {
    throw new Error(`mimir: bucket "${props.bucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, "." or "-")`);
  }
  if (zones.length !== 0 && zones.length !== ZONE_NAMES.length) {
    throw new Error(`mimir: zones lists ${zones.length} availability zones (${zones.join(', ')}); zone-aware replication needs exactly 3, or none for logical zones`);
  }
  const ha = props.highAvailability;
  const zoneAware = ha;
  const many = ha ? 2 : 1;
  const replicationFactor = zoneAware ? ZONE_NAMES.length : 1;
  const role = irsaRole(props.target, ns, DEFAULTS.serviceAccount, s3BucketPolicy(props.bucket));
  const component = (t: MimirTarget, replicas: number): MimirComponentValues => ({
    replicas,
    resources: res[t].toK8s(),
    priorityClassName: PRIORITY.platformCritical,
  });
  const zoneValues = (): ZoneAwareReplicationValues =>
    zoneAware
      ? {
          enabled: true,
          topologyKey: 'kubernetes.io/hostname',
          // The list replaces the chart's default zones whole.
          zones: ZONE_NAMES.map((name, i): MimirZone => (zones.length ? { name, nodeSelector: { 'topology.kubernetes.io/zone': zones[i] } } : { name })),
        }
      : { enabled: false };
  const volumeSize = props.volumeSize ?? DEFAULTS.volumeSize;
  const values: MimirValues = {
    serviceAccount: { create: true, name: DEFAULTS.serviceAccount, annotations: irsaAnnotations(role) },
    mimir: {
      structuredConfig: {
        multitenancy_enabled: false,
        common: {
          storage: {
            backend: 's3',
            s3: { endpoint: `s3.${props.target.region}.amazonaws.com`, region: props.target.region, bucket_name: props.bucket },
          },
        },
        blocks_storage: { storage_prefix: 'blocks' },
        ruler_storage: { backend: 'local', local: { directory: DEFAULTS.rulesDirectory } },
        ingest_storage: { enabled: false },
        ingester: { push_grpc_method_enabled: true, ring: { replication_factor: replicationFactor } },
        store_gateway: { sharding_ring: { replication_factor: replicationFactor } },
        ruler: { alertmanager_url: props.alertmanagerUrl },
        limits: {
          compactor_blocks_retention_period: (props.retention ?? DEFAULTS.retention).toString(),
          max_global_series_per_user: DEFAULTS.limits.maxGlobalSeriesPerUser,
          ingestion_rate: DEFAULTS.limits.ingestionRate,
          ingestion_burst_size: DEFAULTS.limits.ingestionBurstSize,
          max_global_exemplars_per_user: DEFAULTS.limits.maxGlobalExemplarsPerUser,
        },
      },
    },
    kafka: { enabled: false },
    minio: { enabled: false },
    rollout_operator: zoneAware
      ? { enabled: true, resources: res.rollout_operator.toK8s(), priorityClassName: PRIORITY.platformCritical }
      : { enabled: false },
    alertmanager: { enabled: false },
    overrides_exporter: { enabled: false },
    distributor: component('distributor', many),
    ingester: {
      ...component('ingester', replicationFactor),
      persistentVolume: { size: volumeSize },
      zoneAwareReplication: zoneValues(),
    },
    querier: component('querier', many),
    query_frontend: component('query_frontend', many),
    query_scheduler: component('query_scheduler', many),
    store_gateway: { ...component('store_gateway', replicationFactor), zoneAwareReplication: zoneValues() },
    compactor: { ...component('compactor', 1), persistentVolume: { size: volumeSize } },
    ruler: {
      ...component('ruler', 1),
      extraVolumes: [{ name: 'rules', configMap: { name: props.rulerRulesConfigMap, optional: true } }],
      extraVolumeMounts: [{ name: 'rules', mountPath: `${DEFAULTS.rulesDirectory}/${DEFAULTS.tenant}`, readOnly: true }],
    },
    gateway: component('gateway', many),
    metaMonitoring: { serviceMonitor: { enabled: true } },
  };

  const zoned = (name: string, t: MimirTarget, container: string): Workload[] =>
    zoneAware
      ? ZONE_NAMES.map((z) => workload(WorkloadKind.StatefulSet, `mimir-${name}-${z}`, ns, 1, res[t], container))
      : [workload(WorkloadKind.StatefulSet, `mimir-${name}`, ns, 1, res[t], container)];
  const workloads: Workload[] = [
    workload(WorkloadKind.Deployment, 'mimir-distributor', ns, many, res.distributor, 'distributor'),
    ...zoned('ingester', 'ingester', 'ingester'),
    workload(WorkloadKind.Deployment, 'mimir-querier', ns, many, res.querier, 'querier'),
    workload(WorkloadKind.Deployment, 'mimir-query-frontend', ns, many, res.query_frontend, 'query-frontend'),
    workload(WorkloadKind.Deployment, 'mimir-query-scheduler', ns, many, res.query_scheduler, 'query-scheduler'),
    ...zoned('store-gateway', 'store_gateway', 'store-gateway'),
    workload(WorkloadKind.StatefulSet, 'mimir-compactor', ns, 1, res.compactor, 'compactor'),
    workload(WorkloadKind.Deployment, 'mimir-ruler', ns, 1, res.ruler, 'ruler'),
    workload(WorkloadKind.Deployment, 'mimir-gateway', ns, many, res.gateway, 'gateway'),
    ...(zoneAware ? [workload(WorkloadKind.Deployment, 'mimir-rollout-operator', ns, 1, res.rollout_operator, 'rollout-operator')] : []),
  ];

  return {
    id: 'mimir',
    workflow: Workflow.Observability,
    namespace: ns,
    dependsOn: [],
    source: helm(CHARTS.mimir, values),
    workloads,
    irsa: [role],
    // RBAC and CRDs always (a superset is harmless in an AppProject); the rollout-operator's
    // webhooks only where it runs.
    clusterResources: zoneAware ? [...OPERATOR_KINDS, ...WEBHOOK_KINDS] : [...OPERATOR_KINDS],
    ...(zoneAware
      ? {
          // The rollout-operator writes its self-signed CA into the webhooks it labels.
          ignoreDifferences: WEBHOOK_KINDS.map((k) => ({
            group: 'admissionregistration.k8s.io',
            kind: k.split('/')[1],
            jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
          })),
        }
      : {}),
    runbook: props.runbook ?? [],
  };
}
