/**
 * Loki (grafana-community chart 18.11.0): logs in S3 through IRSA, the efficiency guide's
 * "Loki Optimization" block.
 *
 * - `deploymentMode: Monolithic`: one process with every target. The platform writes a few GB a
 *   day, far below the "few tens of GB/day" the chart gives for this mode, and SimpleScalable is
 *   deprecated. One replica everywhere: Loki's HA needs three replicas with replication factor 3
 *   (a write quorum of two), three times the seed's single 200m/512Mi allocation. An outage delays
 *   logs rather than losing them: the collector tails the node's files from a checkpoint and
 *   retries, and the WAL on the volume replays on restart.
 * - `auth_enabled: false` (tenant `fake`): one platform tenant; with it on, every client (the
 *   collector, Grafana) must send X-Scope-OrgID and the chart's gateway would be needed for auth.
 *   Without the gateway, clients use the `loki` Service on 3100 directly.
 * - Memcached caches off: the chunks cache alone asks for about 10Gi, which no t3.large schedules.
 *   Query results are cached in-process instead (`embedded_cache`, 64 MB of the pod's memory).
 * - Retention through the compactor (`retention_enabled`, deletes recorded in S3); the bucket's
 *   lifecycle rule (runbook) is only a backstop one day later.
 * - Loki accepts writes only from the collectors (issue 10, point 5): a NetworkPolicy (added after
 *   rendering: no chart value creates one for the monolithic target) admits the HTTP port only from
 *   the declared `clients` (writers, readers, the metrics scraper) and gRPC and memberlist only from
 *   Loki's own pods. Push, query and /metrics share port 3100 and `auth_enabled` is off, so the
 *   policy limits who connects, not which path: a reader (Grafana) could push. An L7 rule would need
 *   Cilium's proxy or a sidecar, neither of which runs in `observability`.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { Duration } from '../../lib/duration';
import { Endpoint } from '../../lib/endpoint';
import { PlatformComponent, RunbookSection, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { standardLabels } from '../../lib/labels';
import { K8sObject } from '../../lib/render';
import { irsaAnnotations, irsaRole, IrsaTarget, s3BucketPolicy } from '../../lib/irsa';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TrafficEdge } from '../../lib/traffic';
import { LokiValues } from './values';

/** Pods of another component that connect to Loki's HTTP port. */
export interface LokiPeer {
  /** Namespace of the pods. */
  readonly namespace: string;
  /** Labels every pod of the peer carries (its pod template's or operator's); never empty. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** What it does with Loki, for messages. */
  readonly purpose: string;
}

/** Who may connect to Loki's HTTP port (3100: push, query and /metrics alike). */
export interface LokiClients {
  /** Push logs: the OpenTelemetry collector, Falcosidekick. At least one. */
  readonly writers: readonly LokiPeer[];
  /** Query: Grafana. */
  readonly readers: readonly LokiPeer[];
  /** Scrape /metrics: Prometheus. */
  readonly scrapers: readonly LokiPeer[];
}

export interface LokiProps {
  readonly namespace: string;
  /** The pods the NetworkPolicy admits besides Loki's own. */
  readonly clients: LokiClients;
  readonly target: IrsaTarget & { readonly region: string };
  /** S3 bucket for chunks and the TSDB index (created by the operator, see the runbook). */
  readonly bucket: string;
  /** Requests and limits of the single binary (config/sizing.ts). */
  readonly resources: Resources;
  /** @default DEFAULTS.retention */
  readonly retention?: Duration;
  /** @default DEFAULTS.chunkTargetSize */
  readonly chunkTargetSize?: number;
  /** @default DEFAULTS.maxChunkAge */
  readonly maxChunkAge?: Duration;
  /** @default DEFAULTS.indexPeriod */
  readonly indexPeriod?: Duration;
  /** WAL and index cache volume (config/sizing.ts). */
  readonly volumeSize: Storage;
  readonly runbook?: readonly RunbookSection[];
}

export const DEFAULTS = {
  /** Seed: retention_period "30d". */
  retention: Duration.days(30),
  /** Seed: chunk_target_size "1572864" (1.5MB). */
  chunkTargetSize: 1572864,
  /** Seed: max_chunk_age "2h". */
  maxChunkAge: Duration.hours(2),
  /** Seed: index_period "24h" (TSDB requires 24h). */
  indexPeriod: Duration.hours(24),
  /** Seed: compression "gzip". */
  chunkEncoding: 'gzip',
  /** First day of the one schema period; any past date works for a new installation. */
  schemaFrom: '2024-04-01',
  serviceAccount: 'loki',
  resultsCacheMb: 64,
  /** The chart's ports (its `loki.server` and `memberlist` defaults, unchanged here). */
  ports: { http: 3100, grpc: 9095, memberlist: 7946 },
  /** The labels the chart gives every Loki pod (release `loki`). */
  podLabels: { 'app.kubernetes.io/instance': 'loki', 'app.kubernetes.io/name': 'loki' },
  networkPolicyName: 'loki-ingress',
  /** How often Prometheus scrapes Loki's /metrics. */
  scrapeInterval: Duration.seconds(30),
} as const;

/** The Helm release, and so the Service name (monolithic, no gateway). */
/** This component's id (its Argo CD Application name), also its Helm release. */
export const ID = 'loki' satisfies PlatformComponentId;
const RELEASE = ID;

/** Loki's HTTP API paths: push, and OTLP logs (the otlphttp exporter appends /v1/logs). */
export const LOKI_API_PATHS = { push: '/loki/api/v1/push', otlp: '/otlp' } as const;

/** The address clients call in `namespace`: the `loki` Service on its HTTP port (push, query and /metrics). */
export function lokiEndpoints(namespace: string): { readonly http: Endpoint } {
  return { http: Endpoint.service(RELEASE, namespace, DEFAULTS.ports.http) };
}

/** Throws when a client list would admit more than it names (an empty selector selects every pod). */
function validateClients(clients: LokiClients): void {
  if (clients.writers.length === 0) {
    throw new Error('loki: clients.writers is empty; name the collector pods that push logs, or no log ever reaches Loki through its NetworkPolicy');
  }
  for (const role of ['writers', 'readers', 'scrapers'] as const) {
    clients[role].forEach((peer, i) => {
      if (Object.keys(peer.podLabels).length === 0) {
        throw new Error(`loki: clients.${role}[${i}].podLabels is empty (${peer.purpose}); an empty selector admits every pod of namespace ${peer.namespace}: give the labels of the peer's pods`);
      }
    });
  }
}

/**
 * The NetworkPolicy in front of Loki's pods: HTTP from the clients, every Loki port from Loki's own
 * pods (memberlist, the querier's gRPC to the frontend), nothing else. Kubelet probes come from the
 * node, which NetworkPolicies do not filter.
 */
export function lokiNetworkPolicy(namespace: string, clients: LokiClients): K8sObject {
  const p = DEFAULTS.ports;
  const tcp = (port: number) => ({ protocol: 'TCP', port });
  const peer = (c: LokiPeer) => ({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': c.namespace } },
    podSelector: { matchLabels: Object.fromEntries(Object.entries(c.podLabels).sort(([a], [b]) => a.localeCompare(b))) },
  });
  const http = (peers: readonly LokiPeer[]) => (peers.length > 0 ? [{ from: peers.map(peer), ports: [tcp(p.http)] }] : []);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: DEFAULTS.networkPolicyName,
      namespace,
      labels: standardLabels({ name: 'loki', instance: 'loki', component: 'network' }),
    },
    spec: {
      podSelector: { matchLabels: { ...DEFAULTS.podLabels } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: { ...DEFAULTS.podLabels } } }], ports: [tcp(p.http), tcp(p.grpc), tcp(p.memberlist), { protocol: 'UDP', port: p.memberlist }] },
        ...http(clients.writers),
        ...http(clients.readers),
        ...http(clients.scrapers),
      ],
    },
  };
}

/**
 * Loki's own traffic in a default-deny namespace (lib/traffic.ts): its pods reach each other on
 * every port its NetworkPolicy opens to them (the memberlist join through the `loki-memberlist`
 * Service, gRPC between its targets), and S3 and STS (IRSA) over HTTPS. Its clients are declared
 * where both ends are known (workflows/observability.ts, from the same `clients` its NetworkPolicy
 * admits), so the allows never admit more than `loki-ingress` does.
 */
export function lokiTraffic(namespace: string): TrafficEdge[] {
  const loki = { namespace, pods: DEFAULTS.podLabels };
  const p = DEFAULTS.ports;
  return [
    {
      name: 'loki-peers',
      from: loki,
      to: loki,
      ports: [{ port: p.http }, { port: p.grpc }, { port: p.memberlist }, { port: p.memberlist, protocol: 'UDP' }],
      reason: "Loki's pods gossip (memberlist) and call each other's HTTP and gRPC APIs, as its NetworkPolicy admits.",
    },
    { name: 'loki-s3', from: loki, to: { entity: 'world' }, ports: [{ port: 443 }], reason: 'Chunks and the index in S3, and STS for its IRSA role, over HTTPS; Cilium has no FQDN policies under chaining (lib/traffic.ts).' },
  ];
}

export function lokiComponent(props: LokiProps): PlatformComponent {
  const ns = props.namespace;
  const resources = props.resources;
  const indexPeriod = props.indexPeriod ?? DEFAULTS.indexPeriod;
  if (indexPeriod.totalSeconds !== Duration.hours(24).totalSeconds) {
    throw new Error(`loki: indexPeriod ${indexPeriod} is not supported; the TSDB index store requires a 24h period`);
  }
  const chunkTargetSize = props.chunkTargetSize ?? DEFAULTS.chunkTargetSize;
  if (!Number.isInteger(chunkTargetSize) || chunkTargetSize <= 0) {
    throw new Error(`loki: chunkTargetSize must be a positive number of bytes, got ${chunkTargetSize}`);
  }
  validateClients(props.clients);
  const role = irsaRole(props.target, ns, DEFAULTS.serviceAccount, s3BucketPolicy(props.bucket));
  const values: LokiValues = {
    deploymentMode: 'Monolithic',
    serviceAccount: { create: true, name: DEFAULTS.serviceAccount, annotations: irsaAnnotations(role) },
    loki: {
      auth_enabled: false,
      commonConfig: { replication_factor: 1 },
      storage: { type: 's3', bucketNames: { chunks: props.bucket }, s3: { region: props.target.region } },
      schemaConfig: {
        configs: [
          { from: DEFAULTS.schemaFrom, store: 'tsdb', object_store: 's3', schema: 'v13', index: { prefix: 'index_', period: indexPeriod.toHours() } },
        ],
      },
      ingester: {
        chunk_target_size: chunkTargetSize,
        max_chunk_age: (props.maxChunkAge ?? DEFAULTS.maxChunkAge).toString(),
        chunk_encoding: DEFAULTS.chunkEncoding,
      },
      limits_config: { retention_period: (props.retention ?? DEFAULTS.retention).toHours() },
      compactor: { retention_enabled: true, delete_request_store: 's3' },
      query_range: {
        cache_results: true,
        results_cache: { cache: { embedded_cache: { enabled: true, max_size_mb: DEFAULTS.resultsCacheMb } } },
      },
    },
    singleBinary: {
      replicas: 1,
      resources: resources.toK8s(),
      priorityClassName: PRIORITY.platformCritical,
      // The rules sidecar only serves the Loki ruler, which is off.
      sidecar: false,
      persistence: { size: props.volumeSize.toString() },
    },
    // The chart's simple-scalable targets default to 3 replicas each, and its validate.yaml refuses
    // to render Monolithic with any of them above zero (found when the chart was first rendered).
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    gateway: { enabled: false },
    // The canary is a DaemonSet writing test logs from every node: budget for nothing we read.
    lokiCanary: { enabled: false },
    test: { enabled: false },
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    // Alerts on logs are written as PrometheusRules on Loki's own metrics (observability-config).
    ruler: { enabled: false },
    monitoring: { serviceMonitor: { enabled: true, interval: DEFAULTS.scrapeInterval.toString() } },
  };
  return helmComponent({
    id: RELEASE,
    workflow: Workflow.Observability,
    namespace: ns,
    dependsOn: [],
    chart: CHARTS.loki,
    values,
    // The chart has no NetworkPolicy for the monolithic target: ours joins its objects.
    postRender: (objects) => [...objects, lokiNetworkPolicy(ns, props.clients)],
    irsa: [role],
    traffic: lokiTraffic(ns),
    runbook: props.runbook ?? [],
  });
}
