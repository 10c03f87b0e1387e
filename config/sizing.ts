/**
 * Tier sizing, decided once: the requests, limits, volume sizes and counts of every platform
 * component whose size differs between tiers. Workflows read a row with
 * `env.tierPolicy.sized(SIZING.<id>)` and hand it to the chart as props; charts keep no
 * per-tier sizes of their own (no `devResources`), and a component whose size is the same in
 * every tier keeps it in its chart's DEFAULTS.
 *
 * Sections follow the workflows; each row is `{ dev, staging, prod }`.
 */
import { Resources } from '../lib/resources';
import { Storage } from '../lib/storage';
import type { PlatformComponentId } from './ids';
import type { Tier } from './schema';

/** One value per tier. */
export type PerTier<T> = Readonly<Record<Tier, T>>;

/** Production-like tiers share one size: `productionLike(x)` is `{ staging: x, prod: x }`. */
export function productionLike<T>(size: T): { readonly staging: T; readonly prod: T } {
  return { staging: size, prod: size };
}

export const SIZING = {
  // Foundation

  // Ingress
  /** cert-manager's controller: the seed's "cert-manager Optimization" (50m/64Mi, limits 200m/256Mi); dev requests less, same limits. */
  'cert-manager': {
    dev: Resources.of({ cpu: '25m', memory: '48Mi' }, { cpu: '200m', memory: '256Mi' }),
    ...productionLike(Resources.of({ cpu: '50m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' })),
  },
  /** The seed's external-dns numbers: requests 25m/32Mi, limits 100m/128Mi; dev requests less. */
  'external-dns': {
    dev: Resources.of({ cpu: '10m', memory: '24Mi' }, { cpu: '100m', memory: '128Mi' }),
    ...productionLike(Resources.of({ cpu: '25m', memory: '32Mi' }, { cpu: '100m', memory: '128Mi' })),
  },
  /**
   * Emissary: the seed's "Ambassador Optimization" (requests 200m/256Mi, limits 500m/512Mi), and its
   * Istio sidecar, which only proxies Emissary's upstream calls (Envoy's idle footprint is ~40Mi).
   * Dev requests less, with the same gateway limits.
   */
  'emissary-ingress': {
    dev: {
      gateway: Resources.of({ cpu: '100m', memory: '192Mi' }, { cpu: '500m', memory: '512Mi' }),
      sidecar: Resources.of({ cpu: '25m', memory: '48Mi' }, { cpu: '250m', memory: '256Mi' }),
    },
    ...productionLike({
      gateway: Resources.of({ cpu: '200m', memory: '256Mi' }, { cpu: '500m', memory: '512Mi' }),
      sidecar: Resources.of({ cpu: '50m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
    }),
  },

  // Observability
  /**
   * Staging and prod: the seed's numbers. Mimir's one monolithic pod runs what were eight
   * Deployments and StatefulSets under the chart: requests are the sum of those eight targets'
   * production requests (360m / 1248Mi) less the ~8m / 32Mi each separate Go process paid for its
   * runtime, server and ring clients, which seven of them no longer pay: 300m / 1Gi; limits are the
   * ingester's (1 CPU / 2Gi, the steady memory holder) plus the largest burst of the others
   * (querier, store-gateway or compactor: 500m / 1Gi). dev, by the same rule from the development
   * sizing: 180m / 640Mi less 7 × 4m / 16Mi; limits 500m / 1Gi + 250m / 512Mi. The volume holds
   * the ingester WAL and TSDB head, the store-gateway index headers and compactor scratch.
   */
  mimir: {
    dev: { resources: Resources.of({ cpu: '150m', memory: '512Mi' }, { cpu: '750m', memory: '1536Mi' }), volumeSize: Storage.gibibytes(5) },
    ...productionLike({ resources: Resources.of({ cpu: '300m', memory: '1Gi' }, { cpu: '1500m', memory: '3Gi' }), volumeSize: Storage.gibibytes(10) }),
  },
  /** Seed: requests { cpu: "200m", memory: "512Mi" }, limits { cpu: "1", memory: "2Gi" }. Volume: WAL and index cache. */
  loki: {
    dev: { resources: Resources.of({ cpu: '100m', memory: '256Mi' }, { cpu: '500m', memory: '1Gi' }), volumeSize: Storage.gibibytes(5) },
    ...productionLike({ resources: Resources.of({ cpu: '200m', memory: '512Mi' }, { cpu: '1', memory: '2Gi' }), volumeSize: Storage.gibibytes(10) }),
  },
  tempo: {
    dev: { resources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }), volumeSize: Storage.gibibytes(5) },
    ...productionLike({ resources: Resources.of({ cpu: '100m', memory: '256Mi' }, { cpu: '1', memory: '1Gi' }), volumeSize: Storage.gibibytes(10) }),
  },
  /** Prometheus, seed: requests { cpu: "500m", memory: "2Gi" }, limits { cpu: "2", memory: "4Gi" }; its TSDB volume. */
  'kube-prometheus-stack': {
    dev: {
      resources: {
        prometheus: Resources.of({ cpu: '200m', memory: '1Gi' }, { cpu: '1', memory: '2Gi' }),
        alertmanager: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '128Mi' }),
        operator: Resources.of({ cpu: '25m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
        kubeStateMetrics: Resources.of({ cpu: '10m', memory: '64Mi' }, { cpu: '100m', memory: '128Mi' }),
        nodeExporter: Resources.of({ cpu: '10m', memory: '24Mi' }, { cpu: '100m', memory: '64Mi' }),
      },
      volumeSize: Storage.gibibytes(10),
    },
    ...productionLike({
      resources: {
        prometheus: Resources.of({ cpu: '500m', memory: '2Gi' }, { cpu: '2', memory: '4Gi' }),
        alertmanager: Resources.of({ cpu: '20m', memory: '64Mi' }, { cpu: '100m', memory: '128Mi' }),
        operator: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '200m', memory: '256Mi' }),
        kubeStateMetrics: Resources.of({ cpu: '20m', memory: '96Mi' }, { cpu: '200m', memory: '256Mi' }),
        nodeExporter: Resources.of({ cpu: '20m', memory: '32Mi' }, { cpu: '200m', memory: '64Mi' }),
      },
      volumeSize: Storage.gibibytes(20),
    }),
  },
  /** Per node: OTLP relay plus log tailing. The memory limit sets GOMEMLIMIT and the memory_limiter ceiling. */
  'opentelemetry-collector': {
    dev: { resources: Resources.of({ cpu: '25m', memory: '96Mi' }, { cpu: '250m', memory: '256Mi' }) },
    ...productionLike({ resources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }) }),
  },
  /** Seed: requests { cpu: "100m", memory: "256Mi" }, limits { cpu: "500m", memory: "1Gi" }. */
  grafana: {
    dev: { resources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '250m', memory: '512Mi' }) },
    ...productionLike({ resources: Resources.of({ cpu: '100m', memory: '256Mi' }, { cpu: '500m', memory: '1Gi' }) }),
  },

  // GitOps
  /** PipelineRuns the CI namespace quota leaves room for at once. */
  'tekton-config': { dev: { concurrentRuns: 1 }, ...productionLike({ concurrentRuns: 2 }) },

  // Security
  /**
   * Each OpenBao raft voter: the server's requests and limits and its data volume (also the
   * snapshot job's scratch space). Dev's single voter holds a few secrets and requests less.
   */
  openbao: {
    dev: { resources: Resources.of({ cpu: '25m', memory: '96Mi' }, { cpu: '250m', memory: '256Mi' }), storage: Storage.gibibytes(2) },
    ...productionLike({ resources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }), storage: Storage.gibibytes(10) }),
  },

  // Service mesh
  /**
   * Mesh-wide default requests and limits of an injected `istio-proxy` sidecar (and of the
   * `istio-validation` init container the CNI mode injects instead of `istio-init`). Workloads that
   * carry a sidecar set their own through the `sidecar.istio.io/proxy*` annotations and declare it
   * as a container of their workload, so their namespace quota counts it; this default only covers
   * a pod that sets none. Istio's own default (100m/128Mi) would add 1.5 CPU over 15 service pods.
   */
  istiod: {
    dev: { sidecarResources: Resources.of({ cpu: '10m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }) },
    ...productionLike({ sidecarResources: Resources.of({ cpu: '30m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }) }),
  },
  /** Every request traced where traffic is low (dev, staging load tests); a sample in prod. */
  'istio-config': { dev: { samplingPercentage: 100 }, staging: { samplingPercentage: 100 }, prod: { samplingPercentage: 10 } },

  // Data
  postgres: {
    dev: { storage: Storage.gibibytes(5), resources: Resources.of({ cpu: '50m', memory: '256Mi' }, { cpu: '500m', memory: '512Mi' }) },
    ...productionLike({ storage: Storage.gibibytes(20), resources: Resources.of({ cpu: '100m', memory: '512Mi' }, { cpu: '1', memory: '1Gi' }) }),
  },
  redis: {
    dev: { storage: Storage.gibibytes(1), resources: Resources.of({ cpu: '25m', memory: '64Mi' }, { cpu: '250m', memory: '128Mi' }) },
    ...productionLike({ storage: Storage.gibibytes(2), resources: Resources.of({ cpu: '25m', memory: '128Mi' }, { cpu: '500m', memory: '256Mi' }) }),
  },
  // Every tier names all three node pools: which of them run follows the tier policy's high availability.
  kafka: {
    dev: {
      partitions: 1,
      dual: { resources: Resources.of({ cpu: '100m', memory: '768Mi' }, { cpu: '1', memory: '1Gi' }), storage: Storage.gibibytes(10) },
      controllers: { resources: Resources.of({ cpu: '50m', memory: '384Mi' }, { cpu: '500m', memory: '768Mi' }), storage: Storage.gibibytes(5) },
      brokers: { resources: Resources.of({ cpu: '100m', memory: '768Mi' }, { cpu: '1', memory: '1536Mi' }), storage: Storage.gibibytes(20) },
    },
    ...productionLike({
      partitions: 3,
      dual: { resources: Resources.of({ cpu: '100m', memory: '768Mi' }, { cpu: '1', memory: '1Gi' }), storage: Storage.gibibytes(10) },
      controllers: { resources: Resources.of({ cpu: '50m', memory: '384Mi' }, { cpu: '500m', memory: '768Mi' }), storage: Storage.gibibytes(5) },
      brokers: { resources: Resources.of({ cpu: '100m', memory: '768Mi' }, { cpu: '1', memory: '1536Mi' }), storage: Storage.gibibytes(20) },
    }),
  },

} satisfies Partial<Record<PlatformComponentId, PerTier<object>>>;

