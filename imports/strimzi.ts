/**
 * Typed L1 constructs for the Strimzi custom resources we emit, limited to the fields we use.
 * Strimzi 1.x serves `kafka.strimzi.io/v1` only (v1beta2 was removed): Kafka, KafkaNodePool and
 * KafkaTopic. Checked against crds/kafka.strimzi.io/{kafka,kafkanodepool,kafkatopic}_v1.json.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

export const STRIMZI_API_VERSION = 'kafka.strimzi.io/v1';
/** The label binding node pools and topics to their Kafka cluster. */
export const STRIMZI_CLUSTER_LABEL = 'strimzi.io/cluster';

export interface ResourceRequirements {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; readonly values?: readonly string[] }[];
}

export interface NetworkPolicyPeer {
  readonly namespaceSelector?: LabelSelector;
  readonly podSelector?: LabelSelector;
}

export interface GenericKafkaListener {
  readonly name: string;
  readonly port: number;
  readonly type: 'internal' | 'cluster-ip';
  readonly tls: boolean;
  /** Who may connect; Strimzi renders the listener's NetworkPolicy from it (empty = everyone). */
  readonly networkPolicyPeers?: readonly NetworkPolicyPeer[];
}

export interface PodTemplate {
  readonly priorityClassName?: string;
  readonly topologySpreadConstraints?: readonly {
    readonly maxSkew: number;
    readonly topologyKey: string;
    readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
    readonly labelSelector: LabelSelector;
  }[];
}

export interface KafkaSpec {
  readonly kafka: {
    /** Unset: the operator's default Kafka version for its release. */
    readonly version?: string;
    readonly listeners: readonly GenericKafkaListener[];
    /** Broker configuration (server.properties keys). */
    readonly config: Readonly<Record<string, string | number | boolean>>;
    readonly rack?: { readonly topologyKey: string };
    readonly metricsConfig?: { readonly type: 'strimziMetricsReporter'; readonly values?: { readonly allowList?: readonly string[] } };
  };
  readonly entityOperator?: {
    readonly topicOperator?: { readonly resources?: ResourceRequirements; readonly reconciliationIntervalMs?: number };
    readonly template?: { readonly pod?: PodTemplate };
  };
}

export class Kafka extends ApiObject {
  static readonly GVK = { apiVersion: STRIMZI_API_VERSION, kind: 'Kafka' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: KafkaSpec }) {
    super(scope, id, { ...Kafka.GVK, ...props });
  }
}

export interface JbodVolume {
  readonly id: number;
  readonly type: 'persistent-claim';
  readonly size: string;
  readonly class: string;
  readonly deleteClaim: boolean;
  /** The KRaft metadata log lives on this volume. */
  readonly kraftMetadata?: 'shared';
}

export interface KafkaNodePoolSpec {
  readonly replicas: number;
  readonly roles: readonly ('controller' | 'broker')[];
  readonly storage: { readonly type: 'jbod'; readonly volumes: readonly JbodVolume[] };
  readonly resources: ResourceRequirements;
  readonly jvmOptions?: { readonly '-Xms'?: string; readonly '-Xmx'?: string };
  readonly template?: { readonly pod?: PodTemplate };
}

export class KafkaNodePool extends ApiObject {
  static readonly GVK = { apiVersion: STRIMZI_API_VERSION, kind: 'KafkaNodePool' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: KafkaNodePoolSpec }) {
    super(scope, id, { ...KafkaNodePool.GVK, ...props });
  }
}

export interface KafkaTopicSpec {
  readonly partitions: number;
  readonly replicas: number;
  /** Topic configuration (e.g. `min.insync.replicas`, `retention.ms`). */
  readonly config?: Readonly<Record<string, string | number | boolean>>;
  /** Only needed when the topic name is not a valid object name. */
  readonly topicName?: string;
}

export class KafkaTopic extends ApiObject {
  static readonly GVK = { apiVersion: STRIMZI_API_VERSION, kind: 'KafkaTopic' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: KafkaTopicSpec }) {
    super(scope, id, { ...KafkaTopic.GVK, ...props });
  }
}
