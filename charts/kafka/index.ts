/**
 * kafka: the platform's Kafka, a Strimzi `Kafka` in KRaft mode with KafkaNodePools.
 *
 * - dev: one node that is both controller and broker. Highly available environments: three
 *   controllers and three brokers, each pool spread across zones, rack-aware replica placement.
 * - One KafkaTopic per topic any service produces or consumes (deduplicated); partitions,
 *   replication and `min.insync.replicas` follow the environment. Automatic topic creation is off:
 *   the services' config is the only source of topics.
 * - Metrics through the Strimzi Metrics Reporter (no JMX exporter ConfigMap), scraped by PodMonitors.
 *
 * No authentication on the one listener (plain, 9092, internal): Kafka is reachable only inside
 * the cluster, and Strimzi renders a NetworkPolicy for the listener from `networkPolicyPeers` that
 * admits exactly the pods of the services that declare Kafka topics (plus Strimzi's own
 * components). Namespace isolation and that policy are the access control; adding SCRAM would
 * mean a KafkaUser and a credential Secret per service for no boundary the policy does not draw.
 */
import { ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { Component, manifests, Workflow } from '../../lib/component';
import { standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { PRIORITY } from '../../lib/priority';
import { crdQuantities, Resources } from '../../lib/resources';
import { PodMonitor } from '../../imports/monitoring.coreos.com';
import {
  Kafka,
  KafkaNodePool,
  KafkaNodePoolSpecJvmOptions,
  KafkaNodePoolSpecResourcesLimits,
  KafkaNodePoolSpecResourcesRequests,
  KafkaNodePoolSpecRoles,
  KafkaNodePoolSpecStorageType,
  KafkaNodePoolSpecStorageVolumesKraftMetadata,
  KafkaNodePoolSpecStorageVolumesType,
  KafkaNodePoolSpecTemplatePod,
  KafkaSpecEntityOperatorTopicOperatorResourcesLimits,
  KafkaSpecEntityOperatorTopicOperatorResourcesRequests,
  KafkaSpecKafkaListenersNetworkPolicyPeers,
  KafkaSpecKafkaListenersType,
  KafkaSpecKafkaMetricsConfigType,
  KafkaTopic,
} from '../../imports/kafka.strimzi.io';

/** The label binding node pools and topics to their Kafka cluster. */
export const STRIMZI_CLUSTER_LABEL = 'strimzi.io/cluster';

/** Who may connect to the listener; Strimzi renders the listener's NetworkPolicy from it (empty = everyone). */
export type NetworkPolicyPeer = KafkaSpecKafkaListenersNetworkPolicyPeers;

/**
 * Broker and topic configuration (server.properties and topic-level keys). The CRD leaves `config`
 * free-form (`x-kubernetes-preserve-unknown-fields`), so the generated type is `any`; this keeps
 * ours typed.
 */
type KafkaConfig = Readonly<Record<string, string | number | boolean>>;

/**
 * Requests and limits in the generated types: imports/kafka.strimzi.io.ts wraps each quantity in a
 * class per field (an IntOrString, unwrapped by the construct's toJson); this builds them from one
 * K8sResources with that field's factories.
 */

/** One node pool's sizing. */
export interface NodePoolSize {
  readonly resources: Resources;
  /** Size of the pool's persistent volume (gp3). */
  readonly storage: string;
}

export interface KafkaProps {
  readonly namespace: string;
  /** Separate controller and broker pools across zones; otherwise one dual-role node. */
  readonly highAvailability: boolean;
  /** Every topic the services declare (duplicates are merged). */
  readonly topics: readonly string[];
  /** Pods allowed to connect to the listener (the services that use Kafka). */
  readonly clientPeers: readonly NetworkPolicyPeer[];
  /** Partitions per topic. */
  readonly partitions: number;
  /** dev's dual-role node. */
  readonly dual: NodePoolSize;
  readonly controllers: NodePoolSize;
  readonly brokers: NodePoolSize;
  /** Controllers and brokers each, where highly available. @default DEFAULTS.replicas */
  readonly replicas?: number;
  /** @default DEFAULTS.topicOperatorResources */
  readonly topicOperatorResources?: Resources;
  /** @default DEFAULTS.retentionMs */
  readonly retentionMs?: number;
  /** @default DEFAULTS.storageClass */
  readonly storageClass?: string;
}

export const DEFAULTS = {
  clusterName: 'kafka',
  listener: { name: 'plain', port: 9092 },
  replicas: 3,
  storageClass: 'gp3',
  /** A JVM: the topic operator's heap needs ~200Mi. */
  topicOperatorResources: Resources.of({ cpu: '20m', memory: '256Mi' }, { cpu: '200m', memory: '384Mi' }),
  /** Seven days. */
  retentionMs: 7 * 24 * 3600 * 1000,
  /** Strimzi Metrics Reporter: the broker and controller metrics dashboards and alerts use. */
  metricsAllowList: ['kafka_controller_.*', 'kafka_log_.*', 'kafka_network_.*', 'kafka_server_.*', 'kafka_cluster_.*', 'kafka_coordinator_.*'],
} as const;

const TOPIC_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Replication settings that follow from the broker count. */
export function replication(brokers: number): { factor: number; minInsync: number } {
  const factor = Math.min(3, brokers);
  return { factor, minInsync: factor > 1 ? factor - 1 : 1 };
}

/** Half the memory request as heap (Xms = Xmx), the rest for page cache and off-heap buffers. */
function heap(r: Resources): KafkaNodePoolSpecJvmOptions {
  const mb = `${Math.floor(r.requests.memory.mebibytes / 2)}m`;
  return { xms: mb, xmx: mb };
}

interface PoolPlan {
  readonly name: string;
  readonly roles: readonly KafkaNodePoolSpecRoles[];
  readonly replicas: number;
  readonly size: NodePoolSize;
}

function pools(props: KafkaProps): PoolPlan[] {
  const replicas = props.replicas ?? DEFAULTS.replicas;
  return props.highAvailability
    ? [
        { name: 'controller', roles: [KafkaNodePoolSpecRoles.CONTROLLER], replicas, size: props.controllers },
        { name: 'broker', roles: [KafkaNodePoolSpecRoles.BROKER], replicas, size: props.brokers },
      ]
    : [{ name: 'dual', roles: [KafkaNodePoolSpecRoles.CONTROLLER, KafkaNodePoolSpecRoles.BROKER], replicas: 1, size: props.dual }];
}

export class KafkaChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: KafkaProps) {
    super(scope, id);
    const name = DEFAULTS.clusterName;
    const meta = (n: string, component: string, extra: Record<string, string> = {}): ApiObjectMetadata => ({
      name: n,
      namespace: props.namespace,
      labels: { ...standardLabels({ name: n, instance: id, component }), ...extra },
    });
    const plan = pools(props);
    const brokers = plan.filter((p) => p.roles.includes(KafkaNodePoolSpecRoles.BROKER)).reduce((n, p) => n + p.replicas, 0);
    const { factor, minInsync } = replication(brokers);
    const zoneSpread = (pool: string): KafkaNodePoolSpecTemplatePod['topologySpreadConstraints'] =>
      props.highAvailability
        ? [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { [STRIMZI_CLUSTER_LABEL]: name, 'strimzi.io/pool-name': pool } } }]
        : undefined;
    // An empty peer list would admit everyone: with no client, only Kafka's own pods.
    const peers = props.clientPeers.length > 0 ? props.clientPeers : [{ podSelector: { matchLabels: { [STRIMZI_CLUSTER_LABEL]: name } } }];

    new Kafka(this, 'kafka', {
      metadata: meta(name, 'kafka'),
      spec: {
        kafka: {
          listeners: [{ name: DEFAULTS.listener.name, port: DEFAULTS.listener.port, type: KafkaSpecKafkaListenersType.INTERNAL, tls: false, networkPolicyPeers: [...peers] }],
          config: {
            'auto.create.topics.enable': false,
            'default.replication.factor': factor,
            'min.insync.replicas': minInsync,
            'offsets.topic.replication.factor': factor,
            'transaction.state.log.replication.factor': factor,
            'transaction.state.log.min.isr': minInsync,
          } satisfies KafkaConfig,
          // Replicas of a partition land in different zones.
          ...(props.highAvailability ? { rack: { topologyKey: 'topology.kubernetes.io/zone' } } : {}),
          metricsConfig: { type: KafkaSpecKafkaMetricsConfigType.STRIMZI_METRICS_REPORTER, values: { allowList: [...DEFAULTS.metricsAllowList] } },
        },
        entityOperator: {
          topicOperator: {
            resources: crdQuantities(
              (props.topicOperatorResources ?? DEFAULTS.topicOperatorResources).toK8s(),
              KafkaSpecEntityOperatorTopicOperatorResourcesRequests.fromString,
              KafkaSpecEntityOperatorTopicOperatorResourcesLimits.fromString,
            ),
          },
          template: { pod: { priorityClassName: PRIORITY.platformCritical } },
        },
      },
    });

    for (const pool of plan) {
      new KafkaNodePool(this, `kafkanodepool-${pool.name}`, {
        metadata: meta(pool.name, 'kafka', { [STRIMZI_CLUSTER_LABEL]: name }),
        spec: {
          replicas: pool.replicas,
          roles: [...pool.roles],
          storage: {
            type: KafkaNodePoolSpecStorageType.JBOD,
            volumes: [
              {
                id: 0,
                type: KafkaNodePoolSpecStorageVolumesType.PERSISTENT_HYPHEN_CLAIM,
                size: pool.size.storage,
                class: props.storageClass ?? DEFAULTS.storageClass,
                deleteClaim: false,
                kraftMetadata: KafkaNodePoolSpecStorageVolumesKraftMetadata.SHARED,
              },
            ],
          },
          resources: crdQuantities(pool.size.resources.toK8s(), KafkaNodePoolSpecResourcesRequests.fromString, KafkaNodePoolSpecResourcesLimits.fromString),
          jvmOptions: heap(pool.size.resources),
          template: { pod: { priorityClassName: PRIORITY.platformCritical, ...(zoneSpread(pool.name) ? { topologySpreadConstraints: zoneSpread(pool.name) } : {}) } },
        },
      });
    }

    for (const topic of [...new Set(props.topics)].sort()) {
      new KafkaTopic(this, `kafkatopic-${topic}`, {
        metadata: meta(topic, 'topic', { [STRIMZI_CLUSTER_LABEL]: name }),
        spec: {
          partitions: props.partitions,
          replicas: factor,
          config: { 'min.insync.replicas': minInsync, 'retention.ms': props.retentionMs ?? DEFAULTS.retentionMs } satisfies KafkaConfig,
        },
      });
    }

    new PodMonitor(this, 'podmonitor-kafka', {
      metadata: meta('kafka-resources-metrics', 'monitoring'),
      spec: {
        selector: { matchLabels: { [STRIMZI_CLUSTER_LABEL]: name, 'strimzi.io/kind': 'Kafka' } },
        podMetricsEndpoints: [{ port: 'tcp-prometheus', path: '/metrics' }],
      },
    });
    new PodMonitor(this, 'podmonitor-entity-operator', {
      metadata: meta('kafka-entity-operator-metrics', 'monitoring'),
      spec: {
        selector: { matchLabels: { [STRIMZI_CLUSTER_LABEL]: name, 'strimzi.io/name': `${name}-entity-operator` } },
        podMetricsEndpoints: [{ port: 'healthcheck', path: '/metrics' }],
      },
    });
  }
}

function validate(props: KafkaProps): void {
  for (const t of props.topics) {
    if (!TOPIC_NAME.test(t) || t.length > 249) {
      throw new Error(`kafka: topic "${t}" is not a valid topic and object name; use lowercase letters, digits, "." and "-"`);
    }
  }
  if (!Number.isInteger(props.partitions) || props.partitions < 1) {
    throw new Error(`kafka: partitions must be a whole number of at least 1, got ${props.partitions}`);
  }
  const replicas = props.replicas ?? DEFAULTS.replicas;
  if (props.highAvailability && (!Number.isInteger(replicas) || replicas < 3 || replicas % 2 === 0)) {
    throw new Error(`kafka: replicas must be an odd number of at least 3 (a KRaft controller quorum), got ${replicas}`);
  }
}

export function kafkaComponent(props: KafkaProps): Component {
  validate(props);
  return {
    id: 'kafka',
    workflow: Workflow.Data,
    namespace: props.namespace,
    dependsOn: ['strimzi'],
    source: manifests((scope) => new KafkaChart(scope, 'kafka', props)),
  };
}
