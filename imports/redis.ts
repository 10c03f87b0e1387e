/**
 * Typed L1 constructs for the OT-Container-Kit redis-operator custom resources we emit
 * (redis.redis.opstreelabs.in/v1beta2: Redis, RedisReplication, RedisSentinel), limited to the
 * fields we use. Checked against crds/redis.redis.opstreelabs.in/*_v1beta2.json.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

export interface ResourceRequirements {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface ContainerSecurityContext {
  readonly allowPrivilegeEscalation: boolean;
  readonly readOnlyRootFilesystem: boolean;
  readonly runAsNonRoot: boolean;
  readonly capabilities: { readonly drop: readonly string[] };
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
}

export interface PodSecurityContext {
  readonly runAsNonRoot: boolean;
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
}

export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

export interface KubernetesConfig {
  readonly image: string;
  readonly imagePullPolicy: 'IfNotPresent' | 'Always';
  readonly resources: ResourceRequirements;
  /** The password Secret (the operator's `existingPasswordSecret`). */
  readonly redisSecret?: SecretKeyRef;
}

export interface RedisExporter {
  readonly enabled: boolean;
  readonly image: string;
  readonly imagePullPolicy?: 'IfNotPresent' | 'Always';
  readonly resources: ResourceRequirements;
  readonly securityContext: ContainerSecurityContext;
}

export interface Storage {
  readonly volumeClaimTemplate: {
    readonly spec: {
      readonly storageClassName: string;
      readonly accessModes: readonly string[];
      readonly resources: { readonly requests: { readonly storage: string } };
    };
  };
}

export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> };
}

/** Fields shared by the three kinds. */
export interface RedisCommonSpec {
  readonly kubernetesConfig: KubernetesConfig;
  readonly podSecurityContext: PodSecurityContext;
  readonly securityContext: ContainerSecurityContext;
  readonly priorityClassName?: string;
  readonly redisExporter?: RedisExporter;
}

export interface RedisConfig {
  /** `maxmemory` as a percentage of the container's memory limit. */
  readonly maxMemoryPercentOfLimit?: number;
}

export interface RedisSpec extends RedisCommonSpec {
  readonly storage?: Storage;
  readonly redisConfig?: RedisConfig;
}

export class Redis extends ApiObject {
  static readonly GVK = { apiVersion: 'redis.redis.opstreelabs.in/v1beta2', kind: 'Redis' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: RedisSpec }) {
    super(scope, id, { ...Redis.GVK, ...props });
  }
}

export interface RedisReplicationSpec extends RedisCommonSpec {
  readonly clusterSize: number;
  readonly storage?: Storage;
  readonly redisConfig?: RedisConfig;
  readonly topologySpreadConstraints?: readonly TopologySpreadConstraint[];
  readonly pdb?: { readonly enabled: boolean; readonly maxUnavailable?: number };
}

export class RedisReplication extends ApiObject {
  static readonly GVK = { apiVersion: 'redis.redis.opstreelabs.in/v1beta2', kind: 'RedisReplication' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: RedisReplicationSpec }) {
    super(scope, id, { ...RedisReplication.GVK, ...props });
  }
}

export interface RedisSentinelSpec extends RedisCommonSpec {
  readonly clusterSize: number;
  readonly topologySpreadConstraints?: readonly TopologySpreadConstraint[];
  readonly pdb?: { readonly enabled: boolean; readonly maxUnavailable?: number };
  readonly redisSentinelConfig: {
    readonly redisReplicationName: string;
    readonly redisReplicationPassword?: { readonly secretKeyRef: SecretKeyRef };
    readonly masterGroupName?: string;
    readonly quorum?: string;
    readonly downAfterMilliseconds?: string;
    readonly failoverTimeout?: string;
  };
}

export class RedisSentinel extends ApiObject {
  static readonly GVK = { apiVersion: 'redis.redis.opstreelabs.in/v1beta2', kind: 'RedisSentinel' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: RedisSentinelSpec }) {
    super(scope, id, { ...RedisSentinel.GVK, ...props });
  }
}
