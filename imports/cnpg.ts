/**
 * Typed L1 constructs for the CloudNativePG custom resources we emit, limited to the fields we
 * use: Cluster, Database and ScheduledBackup (postgresql.cnpg.io/v1) and the Barman Cloud plugin's
 * ObjectStore (barmancloud.cnpg.io/v1). Checked against crds/postgresql.cnpg.io/*_v1.json and
 * crds/barmancloud.cnpg.io/objectstore_v1.json.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

/** The plugin name the Barman Cloud plugin registers with the operator. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

export interface ResourceRequirements {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> };
}

export interface PluginConfiguration {
  readonly name: string;
  readonly isWALArchiver?: boolean;
  readonly parameters?: Readonly<Record<string, string>>;
}

export interface ManagedRole {
  readonly name: string;
  readonly ensure: 'present' | 'absent';
  readonly login: boolean;
  readonly inherit?: boolean;
  readonly connectionLimit?: number;
  /** A Secret in the cluster's namespace with `username` and `password`. */
  readonly passwordSecret: { readonly name: string };
  readonly comment?: string;
}

export interface ClusterSpec {
  readonly instances: number;
  readonly imageName: string;
  readonly enableSuperuserAccess?: boolean;
  readonly primaryUpdateStrategy?: 'unsupervised' | 'supervised';
  readonly storage: { readonly storageClass: string; readonly size: string; readonly resizeInUseVolumes?: boolean };
  readonly resources: ResourceRequirements;
  readonly priorityClassName?: string;
  readonly affinity?: {
    readonly enablePodAntiAffinity?: boolean;
    readonly topologyKey?: string;
    readonly podAntiAffinityType?: 'preferred' | 'required';
  };
  readonly topologySpreadConstraints?: readonly TopologySpreadConstraint[];
  readonly postgresql?: { readonly parameters?: Readonly<Record<string, string>> };
  readonly plugins?: readonly PluginConfiguration[];
  readonly serviceAccountTemplate?: { readonly metadata: { readonly annotations?: Readonly<Record<string, string>>; readonly labels?: Readonly<Record<string, string>> } };
  readonly managed?: { readonly roles?: readonly ManagedRole[] };
  readonly bootstrap?: {
    readonly recovery?: {
      readonly source: string;
      readonly database?: string;
      readonly owner?: string;
      readonly recoveryTarget?: { readonly targetTime?: string; readonly targetLSN?: string; readonly targetImmediate?: boolean };
    };
  };
  readonly externalClusters?: readonly { readonly name: string; readonly plugin: PluginConfiguration }[];
}

export class Cluster extends ApiObject {
  static readonly GVK = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: ClusterSpec }) {
    super(scope, id, { ...Cluster.GVK, ...props });
  }
}

export interface DatabaseSpec {
  readonly cluster: { readonly name: string };
  /** The database name inside Postgres. */
  readonly name: string;
  readonly owner: string;
  readonly ensure?: 'present' | 'absent';
  /** `retain`: deleting the Database object never drops the data. */
  readonly databaseReclaimPolicy?: 'delete' | 'retain';
}

export class Database extends ApiObject {
  static readonly GVK = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: DatabaseSpec }) {
    super(scope, id, { ...Database.GVK, ...props });
  }
}

export interface ScheduledBackupSpec {
  readonly cluster: { readonly name: string };
  /** Six-field cron: seconds first. */
  readonly schedule: string;
  readonly method: 'plugin' | 'volumeSnapshot' | 'barmanObjectStore';
  readonly pluginConfiguration?: { readonly name: string; readonly parameters?: Readonly<Record<string, string>> };
  readonly backupOwnerReference?: 'none' | 'self' | 'cluster';
  /** Take the first backup right away instead of waiting for the schedule. */
  readonly immediate?: boolean;
  readonly target?: 'primary' | 'prefer-standby';
}

export class ScheduledBackup extends ApiObject {
  static readonly GVK = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: ScheduledBackupSpec }) {
    super(scope, id, { ...ScheduledBackup.GVK, ...props });
  }
}

export interface ObjectStoreSpec {
  readonly configuration: {
    /** `s3://bucket/path/`. */
    readonly destinationPath: string;
    /** IRSA: the credentials come from the pod's ServiceAccount role. */
    readonly s3Credentials: { readonly inheritFromIAMRole: boolean };
    readonly wal?: { readonly compression?: 'gzip' | 'bzip2' | 'snappy' | 'lz4' | 'xz' | 'zstd'; readonly encryption?: 'AES256' | 'aws:kms'; readonly maxParallel?: number };
    readonly data?: { readonly compression?: 'gzip' | 'bzip2' | 'snappy'; readonly encryption?: 'AES256' | 'aws:kms'; readonly jobs?: number };
  };
  /** e.g. `30d`: base backups and WAL older than this (and not needed by a newer backup) are deleted. */
  readonly retentionPolicy?: string;
  /** The plugin's sidecar in every instance pod. */
  readonly instanceSidecarConfiguration?: { readonly resources?: ResourceRequirements };
}

export class ObjectStore extends ApiObject {
  static readonly GVK = { apiVersion: 'barmancloud.cnpg.io/v1', kind: 'ObjectStore' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: ObjectStoreSpec }) {
    super(scope, id, { ...ObjectStore.GVK, ...props });
  }
}
