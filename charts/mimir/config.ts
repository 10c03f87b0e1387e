/**
 * Mimir's configuration file (`-config.file`), built from typed input and emitted with js-yaml.
 *
 * Keys are Mimir 3.0 configuration parameters (the version mimir-distributed 6.0.4 ships; its
 * values.yaml `mimir.config` uses the same blocks). Everything not set here keeps Mimir's default:
 * every ring (distributor, ingester, store-gateway, compactor, ruler, query-scheduler) uses the
 * memberlist KV store by default, and in monolithic mode the query-frontend and the querier
 * workers find the in-process query-scheduler on 127.0.0.1 by themselves.
 */
import * as yaml from 'js-yaml';
import { Duration } from '../../lib/duration';

/** Where each component keeps its files, all on the pod's one volume. */
export interface MimirPaths {
  /** The volume's mount path. Mimir creates the directories below it, but not a file's parent. */
  readonly data: string;
  /** Ruler rule files, `<rules>/<tenant>/<file>.yaml` (Mimir's local rule store layout). */
  readonly rules: string;
}

export interface MimirConfigInput {
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly memberlistPort: number;
  /** `dns+<headless Service>:<port>`: every pod, ready or not, so the ring forms at start. */
  readonly joinMembers: readonly string[];
  /** Gossip is accepted only from peers with this label, never from another memberlist cluster (Loki's) in the namespace. */
  readonly clusterLabel: string;
  readonly s3: { readonly region: string; readonly bucket: string; readonly prefix: string };
  /** Ingester and store-gateway replication factor. */
  readonly replicationFactor: number;
  readonly paths: MimirPaths;
  readonly alertmanagerUrl: string;
  /** How long blocks stay in the bucket (printed as Mimir reads it, e.g. `90d`). */
  readonly retention: Duration;
  readonly limits: {
    readonly maxGlobalSeriesPerUser: number;
    readonly ingestionRate: number;
    readonly ingestionBurstSize: number;
    readonly maxGlobalExemplarsPerUser: number;
  };
}

/** The configuration blocks we set (Mimir 3.0 YAML keys). */
export interface MimirConfig {
  /** One tenant (`anonymous`): no X-Scope-OrgID header needed by writers and readers. */
  readonly multitenancy_enabled: false;
  readonly usage_stats: { readonly enabled: boolean };
  readonly server: { readonly http_listen_port: number; readonly grpc_listen_port: number; readonly log_level: 'info' };
  readonly common: {
    readonly storage: { readonly backend: 's3'; readonly s3: { readonly endpoint: string; readonly region: string; readonly bucket_name: string } };
  };
  readonly blocks_storage: {
    readonly storage_prefix: string;
    readonly tsdb: { readonly dir: string };
    readonly bucket_store: { readonly sync_dir: string };
  };
  readonly compactor: { readonly data_dir: string };
  /** Classic architecture: no Kafka between distributors and ingesters. */
  readonly ingest_storage: { readonly enabled: false };
  readonly ingester: {
    /** Distributors push to ingesters over gRPC (the classic write path). */
    readonly push_grpc_method_enabled: true;
    readonly ring: {
      readonly replication_factor: number;
      readonly tokens_file_path: string;
      readonly unregister_on_shutdown: boolean;
      readonly final_sleep: string;
    };
  };
  readonly store_gateway: {
    readonly sharding_ring: { readonly replication_factor: number; readonly tokens_file_path: string; readonly unregister_on_shutdown: boolean };
  };
  readonly memberlist: {
    readonly bind_port: number;
    readonly join_members: readonly string[];
    readonly abort_if_cluster_join_fails: boolean;
    readonly cluster_label: string;
  };
  readonly ruler: { readonly rule_path: string };
  readonly ruler_storage: { readonly backend: 'local'; readonly local: { readonly directory: string } };
  readonly activity_tracker: { readonly filepath: string };
  readonly limits: {
    readonly compactor_blocks_retention_period: string;
    readonly max_global_series_per_user: number;
    readonly ingestion_rate: number;
    readonly ingestion_burst_size: number;
    readonly max_global_exemplars_per_user: number;
    /** Where the ruler sends alerts; the per-tenant successor of the deprecated `ruler.alertmanager_url`. */
    readonly ruler_alertmanager_client_config: { readonly alertmanager_url: string };
  };
}

export function mimirConfig(i: MimirConfigInput): MimirConfig {
  const data = i.paths.data;
  return {
    multitenancy_enabled: false,
    usage_stats: { enabled: false },
    server: { http_listen_port: i.httpPort, grpc_listen_port: i.grpcPort, log_level: 'info' },
    common: {
      storage: {
        backend: 's3',
        // No credentials: Mimir's S3 client reads the IRSA web identity token the pod is given.
        s3: { endpoint: `s3.${i.s3.region}.amazonaws.com`, region: i.s3.region, bucket_name: i.s3.bucket },
      },
    },
    blocks_storage: {
      storage_prefix: i.s3.prefix,
      tsdb: { dir: `${data}/tsdb` },
      bucket_store: { sync_dir: `${data}/tsdb-sync` },
    },
    compactor: { data_dir: `${data}/compactor` },
    ingest_storage: { enabled: false },
    ingester: {
      push_grpc_method_enabled: true,
      ring: {
        replication_factor: i.replicationFactor,
        // Tokens survive a restart, so a restarted pod owns the same series it replays from its WAL.
        tokens_file_path: `${data}/ingester-tokens`,
        // A rolling restart leaves the pod in the ring: the other two replicas keep the quorum.
        unregister_on_shutdown: false,
        final_sleep: '0s',
      },
    },
    store_gateway: {
      sharding_ring: { replication_factor: i.replicationFactor, tokens_file_path: `${data}/store-gateway-tokens`, unregister_on_shutdown: false },
    },
    memberlist: {
      bind_port: i.memberlistPort,
      join_members: [...i.joinMembers],
      // The first pod finds no peer yet; it keeps retrying instead of exiting.
      abort_if_cluster_join_fails: false,
      cluster_label: i.clusterLabel,
    },
    // The ruler's scratch copy of the rule files it evaluates.
    ruler: { rule_path: `${data}/ruler` },
    ruler_storage: { backend: 'local', local: { directory: i.paths.rules } },
    // The default is relative to the working directory, which is on the read-only root filesystem.
    activity_tracker: { filepath: `${data}/metrics-activity.log` },
    limits: {
      compactor_blocks_retention_period: i.retention.toString(),
      max_global_series_per_user: i.limits.maxGlobalSeriesPerUser,
      ingestion_rate: i.limits.ingestionRate,
      ingestion_burst_size: i.limits.ingestionBurstSize,
      max_global_exemplars_per_user: i.limits.maxGlobalExemplarsPerUser,
      ruler_alertmanager_client_config: { alertmanager_url: i.alertmanagerUrl },
    },
  };
}

/** The file as Mimir reads it: sorted keys, no anchors, no line folding. */
export function renderMimirConfig(c: MimirConfig): string {
  return yaml.dump(c, { sortKeys: true, lineWidth: -1, noRefs: true });
}
