/** The mimir-distributed chart (6.0.4) keys we set. Checked against chart-values/mimir-distributed/6.0.4. */
import { K8sResources } from '../../lib/resources';

/** Every Mimir component section shares these keys. */
export interface MimirComponentValues {
  readonly replicas: number;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
}

export interface MimirZone {
  readonly name: string;
  /** Pins the zone's StatefulSet to one availability zone; absent, the zone is logical. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

export interface ZoneAwareReplicationValues {
  readonly enabled: boolean;
  /** Anti-affinity between the zones' pods (one node never holds two zones). */
  readonly topologyKey?: string;
  readonly zones?: readonly MimirZone[];
}

export interface VolumeValues {
  readonly name: string;
  readonly configMap: { readonly name: string; readonly optional: boolean };
}

export interface VolumeMountValues {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
}

/**
 * Mimir's own configuration (free-form, named in the key test): merged over the chart's templated
 * `mimir.config`.
 */
export interface MimirStructuredConfig {
  readonly multitenancy_enabled: boolean;
  readonly common: {
    readonly storage: { readonly backend: 's3'; readonly s3: { readonly endpoint: string; readonly region: string; readonly bucket_name: string } };
  };
  readonly blocks_storage: { readonly storage_prefix: string };
  readonly ruler_storage: { readonly backend: 'local'; readonly local: { readonly directory: string } };
  readonly ingest_storage: { readonly enabled: boolean };
  readonly ingester: { readonly push_grpc_method_enabled: boolean; readonly ring: { readonly replication_factor: number } };
  readonly store_gateway: { readonly sharding_ring: { readonly replication_factor: number } };
  readonly ruler: { readonly alertmanager_url: string };
  readonly limits: {
    readonly compactor_blocks_retention_period: string;
    readonly max_global_series_per_user: number;
    readonly ingestion_rate: number;
    readonly ingestion_burst_size: number;
    readonly max_global_exemplars_per_user: number;
  };
}

export interface MimirValues {
  readonly serviceAccount: { readonly create: boolean; readonly name: string; readonly annotations: Record<string, string> };
  readonly mimir: { readonly structuredConfig: MimirStructuredConfig };
  /** Classic architecture: no Kafka (ingest storage off), no demo object store. */
  readonly kafka: { readonly enabled: boolean };
  readonly minio: { readonly enabled: boolean };
  /** `resources` and `priorityClassName` are subchart keys (allowlisted with their proof). */
  readonly rollout_operator: { readonly enabled: boolean; readonly resources?: K8sResources; readonly priorityClassName?: string };
  readonly alertmanager: { readonly enabled: boolean };
  readonly overrides_exporter: { readonly enabled: boolean };
  readonly distributor: MimirComponentValues;
  readonly ingester: MimirComponentValues & {
    readonly persistentVolume: { readonly size: string };
    readonly zoneAwareReplication: ZoneAwareReplicationValues;
  };
  readonly querier: MimirComponentValues;
  readonly query_frontend: MimirComponentValues;
  readonly query_scheduler: MimirComponentValues;
  readonly store_gateway: MimirComponentValues & { readonly zoneAwareReplication: ZoneAwareReplicationValues };
  readonly compactor: MimirComponentValues & { readonly persistentVolume: { readonly size: string } };
  /** `priorityClassName` is read by templates/ruler/ruler-dep.yaml but missing from values.yaml (allowlisted). */
  readonly ruler: MimirComponentValues & { readonly extraVolumes: readonly VolumeValues[]; readonly extraVolumeMounts: readonly VolumeMountValues[] };
  readonly gateway: MimirComponentValues;
  readonly metaMonitoring: { readonly serviceMonitor: { readonly enabled: boolean } };
}
