/** The loki chart (grafana-community 18.11.0) keys we set. Checked against chart-values/loki/18.11.0. */
import { K8sResources } from '../../lib/resources';

export interface LokiSchemaPeriod {
  readonly from: string;
  readonly store: 'tsdb';
  readonly object_store: 's3';
  readonly schema: 'v13';
  readonly index: { readonly prefix: string; readonly period: string };
}

export interface LokiValues {
  readonly deploymentMode: 'Monolithic';
  readonly serviceAccount: { readonly create: boolean; readonly name: string; readonly annotations: Record<string, string> };
  readonly loki: {
    readonly auth_enabled: boolean;
    readonly commonConfig: { readonly replication_factor: number };
    readonly storage: {
      readonly type: 's3';
      readonly bucketNames: { readonly chunks: string };
      readonly s3: { readonly region: string };
    };
    readonly schemaConfig: { readonly configs: readonly LokiSchemaPeriod[] };
    /** Loki configuration blocks (the schema declares them open objects). */
    readonly ingester: { readonly chunk_target_size: number; readonly max_chunk_age: string; readonly chunk_encoding: 'gzip' };
    readonly limits_config: { readonly retention_period: string };
    readonly compactor: { readonly retention_enabled: boolean; readonly delete_request_store: 's3' };
    readonly query_range: {
      readonly cache_results: boolean;
      readonly results_cache: { readonly cache: { readonly embedded_cache: { readonly enabled: boolean; readonly max_size_mb: number } } };
    };
  };
  readonly singleBinary: {
    readonly replicas: number;
    readonly resources: K8sResources;
    readonly priorityClassName: string;
    readonly sidecar: boolean;
    readonly persistence: { readonly size: string };
  };
  /** The simple-scalable targets, which the chart defaults to 3 replicas each. */
  readonly read: { readonly replicas: 0 };
  readonly write: { readonly replicas: 0 };
  readonly backend: { readonly replicas: 0 };
  readonly gateway: { readonly enabled: boolean };
  readonly lokiCanary: { readonly enabled: boolean };
  readonly test: { readonly enabled: boolean };
  readonly chunksCache: { readonly enabled: boolean };
  readonly resultsCache: { readonly enabled: boolean };
  readonly ruler: { readonly enabled: boolean };
  readonly monitoring: { readonly serviceMonitor: { readonly enabled: boolean; readonly interval: string } };
}
