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
 * Access (README, "Kafka and Redis access"): one internal listener, `tls` on 9093, TLS from the
 * cluster CA Strimzi manages, SCRAM-SHA-512 authentication and `simple` authorization. No plaintext
 * listener: nothing in the platform talks to Kafka but the services (Strimzi's own components use
 * the replication listener with their own certificates and are super users). Each service that
 * produces or consumes gets a KafkaUser named after it, whose ACLs are exactly its config: Write and
 * Describe on what it produces, Read and Describe on what it consumes, Read on its consumer group
 * (named after the service). The User Operator writes each user's password into the Secret
 * `kafka-user-<service>` here; the prefix keeps a service's name from colliding with another
 * component's Secret in this namespace (CloudNativePG's `postgres-app`, say).
 *
 * Credential route: the services run in another namespace and Secrets do not cross namespaces. Each
 * service's own component renders a SecretStore (External Secrets, Kubernetes provider) that reads
 * this namespace as the service's ServiceAccount `<service>-data-reader`, and an ExternalSecret that
 * copies the password and the cluster CA certificate into the service's Secret (apps/microservice).
 * This chart grants that ServiceAccount `get` on exactly two Secrets: its user's and
 * `kafka-cluster-ca-cert` (the CA certificate only; the CA key is `kafka-cluster-ca`, never granted).
 * Nothing is in git, nothing goes through OpenBao, and a renewed CA or a recreated user reaches the
 * service at the ExternalSecret's next refresh. The listener's NetworkPolicy (Strimzi renders it from
 * `networkPolicyPeers`) still admits only the client pods.
 *
 * No backup, and that is a stated, accepted loss (the `Kafka` resource declares it: `recovery`):
 * replication (factor 3 across zones, min.insync.replicas 2) keeps every acknowledged message
 * through the loss of a broker or a zone, but nothing keeps the topics through the loss of the
 * whole cluster. Per-broker volume snapshots would not be consistent with each other (taken
 * seconds apart, they disagree on which messages and offsets were committed), and neither
 * consistent mechanism is available from what is vendored: MirrorMaker 2 needs a second Kafka
 * cluster to mirror to, tiered storage a RemoteStorageManager plugin that no vendored image ships.
 * So the RPO for losing the cluster is the topics' retention: everything in them. The services'
 * systems of record are Postgres (backed up) and their own stores; Kafka carries events between
 * them, and a rebuilt cluster starts empty (bootstrap README, "Kafka: rebuilding a lost cluster").
 */
import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { PlatformComponentId } from '../../config/ids';
import { recoveryAnnotations, RecoveryObjective } from '../../lib/backup';
import { PlatformComponent, manifests, RunbookSection, Workflow } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { Endpoint } from '../../lib/endpoint';
import { LabelDomain, standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { PRIORITY } from '../../lib/priority';
import { crdQuantities, Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TierPolicy, ZONE_TOPOLOGY_KEY } from '../../lib/tier-policy';
import { TrafficEdge } from '../../lib/traffic';
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
  KafkaSpecEntityOperatorUserOperatorResourcesLimits,
  KafkaSpecEntityOperatorUserOperatorResourcesRequests,
  KafkaSpecKafkaAuthorizationType,
  KafkaSpecKafkaListenersAuthenticationType,
  KafkaSpecKafkaListenersNetworkPolicyPeers,
  KafkaSpecKafkaListenersType,
  KafkaSpecKafkaMetricsConfigType,
  KafkaTopic,
  KafkaUser,
  KafkaUserSpecAuthenticationType,
  KafkaUserSpecAuthorizationAcls,
  KafkaUserSpecAuthorizationAclsOperations,
  KafkaUserSpecAuthorizationAclsResourcePatternType,
  KafkaUserSpecAuthorizationAclsResourceType,
  KafkaUserSpecAuthorizationType,
} from '../../imports/kafka.strimzi.io';

export const ID = 'kafka' satisfies PlatformComponentId;

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
  readonly storage: Storage;
}

/** A service that produces or consumes: its KafkaUser and who may read its credentials. */
export interface KafkaClient {
  /** The service: the KafkaUser, the SCRAM username and the consumer group are named after it. */
  readonly name: string;
  readonly produces: readonly string[];
  readonly consumes: readonly string[];
  /**
   * Where the credentials go: the service's namespace, the ServiceAccount its SecretStore reads this
   * namespace as, and the ExternalSecret there that copies them.
   */
  readonly reader: { readonly namespace: string; readonly serviceAccount: string; readonly externalSecret: string };
}

export interface KafkaProps {
  readonly namespace: string;
  /**
   * Separate controller and broker pools spread across zones (as the policy says:
   * lib/tier-policy.ts) with rack-aware replicas where the tier is highly available; otherwise one
   * dual-role node.
   */
  readonly tierPolicy: TierPolicy;
  /** Every topic the services declare (duplicates are merged). */
  readonly topics: readonly string[];
  /** Pods allowed to connect to the listener (the services that use Kafka). */
  readonly clientPeers: readonly NetworkPolicyPeer[];
  /** One KafkaUser each, with ACLs for exactly its topics and its consumer group. */
  readonly clients: readonly KafkaClient[];
  /** Prefix of the platform's annotation keys (the accepted recovery objective on the Kafka resource). */
  readonly labelDomain: LabelDomain;
  /** Partitions per topic. */
  readonly partitions: number;
  /** The dual-role node, where the tier is not highly available. */
  readonly dual: NodePoolSize;
  readonly controllers: NodePoolSize;
  readonly brokers: NodePoolSize;
  /** Controllers and brokers each, where highly available. @default DEFAULTS.replicas */
  readonly replicas?: number;
  /** @default DEFAULTS.topicOperatorResources */
  readonly topicOperatorResources?: Resources;
  /** @default DEFAULTS.userOperatorResources */
  readonly userOperatorResources?: Resources;
  /** How long topics keep their messages (`retention.ms`). @default DEFAULTS.retention */
  readonly retention?: Duration;
  /** @default DEFAULTS.storageClass */
  readonly storageClass?: string;
}

export const DEFAULTS = {
  clusterName: 'kafka',
  listener: { name: 'tls', port: 9093 },
  replicas: 3,
  storageClass: 'gp3',
  /** A JVM: the topic operator's heap needs ~200Mi. */
  topicOperatorResources: Resources.of({ cpu: '20m', memory: '256Mi' }, { cpu: '200m', memory: '384Mi' }),
  /** Also a JVM, reconciling a handful of users. */
  userOperatorResources: Resources.of({ cpu: '20m', memory: '256Mi' }, { cpu: '200m', memory: '384Mi' }),
  retention: Duration.days(7),
  /** Strimzi Metrics Reporter: the broker and controller metrics dashboards and alerts use. */
  metricsAllowList: ['kafka_controller_.*', 'kafka_log_.*', 'kafka_network_.*', 'kafka_server_.*', 'kafka_cluster_.*', 'kafka_coordinator_.*'],
} as const;

const TOPIC_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * What a client needs to connect, one source for the chart and the services' wiring: the listener's
 * port and protocol, the SCRAM mechanism, and the Secrets (in the Kafka namespace) holding the
 * user's password (`password`) and the cluster CA certificate (`ca.crt`).
 */
export const KAFKA_ACCESS = {
  port: DEFAULTS.listener.port,
  securityProtocol: 'SASL_SSL',
  saslMechanism: 'SCRAM-SHA-512',
  /** The User Operator's `secretPrefix`: the user's Secret is `<prefix><KafkaUser name>`. */
  userSecretPrefix: 'kafka-user-',
  passwordKey: 'password',
  /** Strimzi's `<cluster>-cluster-ca-cert`: the CA certificate alone (the key is `<cluster>-cluster-ca`). */
  clusterCaSecret: `${DEFAULTS.clusterName}-cluster-ca-cert`,
  clusterCaKey: 'ca.crt',
} as const;

/**
 * The pods Strimzi creates for the cluster and their ports. Every node (whatever its pool) carries
 * `strimzi.io/cluster` and `strimzi.io/name: <cluster>-kafka` (the selector of Strimzi's own
 * NetworkPolicy), and `strimzi.io/broker-role` / `strimzi.io/controller-role` "true" for its roles
 * (a dual-role node has both); the entity operator is `<cluster>-entity-operator`. Ports: KRaft's
 * control plane (controllers), replication (brokers; also Strimzi's operators' admin connections),
 * the KafkaAgent the cluster operator polls on every node, and the metrics reporter.
 */
export const STRIMZI_PODS = {
  nodes: { [STRIMZI_CLUSTER_LABEL]: DEFAULTS.clusterName, 'strimzi.io/name': `${DEFAULTS.clusterName}-kafka` },
  brokers: { [STRIMZI_CLUSTER_LABEL]: DEFAULTS.clusterName, 'strimzi.io/name': `${DEFAULTS.clusterName}-kafka`, 'strimzi.io/broker-role': 'true' },
  controllers: { [STRIMZI_CLUSTER_LABEL]: DEFAULTS.clusterName, 'strimzi.io/name': `${DEFAULTS.clusterName}-kafka`, 'strimzi.io/controller-role': 'true' },
  entityOperator: { [STRIMZI_CLUSTER_LABEL]: DEFAULTS.clusterName, 'strimzi.io/name': `${DEFAULTS.clusterName}-entity-operator` },
} as const;

export const STRIMZI_PORTS = { controlPlane: 9090, replication: 9091, agent: 8443, metrics: 9404 } as const;

/**
 * The flows of the Kafka cluster (lib/traffic.ts): KRaft and replication between its nodes, the
 * entity operator's admin connections, and the services on the TLS listener. Strimzi's generated
 * NetworkPolicy already admits these on the nodes; in the default-deny namespace the callers also
 * need their egress. The cluster operator's calls are declared in workflows/data.ts, the scrapes
 * are derived from the PodMonitors.
 */
export function kafkaTraffic(props: Pick<KafkaProps, 'namespace' | 'clients'>): TrafficEdge[] {
  const at = (pods: Readonly<Record<string, string>>) => ({ namespace: props.namespace, pods });
  return [
    {
      name: 'kafka-control-plane',
      from: at(STRIMZI_PODS.nodes),
      to: at(STRIMZI_PODS.controllers),
      ports: [{ port: STRIMZI_PORTS.controlPlane }],
      reason: 'KRaft: the controllers form the metadata quorum and the brokers fetch metadata from it.',
    },
    {
      name: 'kafka-replication',
      from: at(STRIMZI_PODS.brokers),
      to: at(STRIMZI_PODS.brokers),
      ports: [{ port: STRIMZI_PORTS.replication }],
      reason: 'Brokers replicate partitions from each other on the replication listener.',
    },
    {
      name: 'kafka-entity-operator',
      from: at(STRIMZI_PODS.entityOperator),
      to: at(STRIMZI_PODS.brokers),
      ports: [{ port: STRIMZI_PORTS.replication }],
      reason: "The topic and user operators manage topics, SCRAM credentials and ACLs through the brokers' replication listener.",
    },
    ...[...props.clients]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(
        (c): TrafficEdge => ({
          name: `kafka-client-${c.name}`,
          from: { namespace: c.reader.namespace, pods: { 'app.kubernetes.io/name': c.name } },
          to: at(STRIMZI_PODS.brokers),
          ports: [{ port: DEFAULTS.listener.port }],
          reason: `The service ${c.name} produces or consumes on the TLS listener (SCRAM-SHA-512, its KafkaUser).`,
        }),
      ),
  ];
}

/** The Secret the User Operator writes for a service's KafkaUser. */
export const kafkaUserSecret = (service: string) => `${KAFKA_ACCESS.userSecretPrefix}${service}`;

/** The Role (and RoleBinding) that lets a service's reader get its two Secrets. */
const credentialsRole = (service: string) => `kafka-credentials-${service}`;

const topicAcl = (topic: string, operations: KafkaUserSpecAuthorizationAclsOperations[]): KafkaUserSpecAuthorizationAcls => ({
  resource: { type: KafkaUserSpecAuthorizationAclsResourceType.TOPIC, name: topic, patternType: KafkaUserSpecAuthorizationAclsResourcePatternType.LITERAL },
  operations,
});

/**
 * A client's ACLs, exactly its config: Write and Describe per produced topic, Read and Describe per
 * consumed topic, and Read on its consumer group (named after the service) when it consumes.
 * Producers are idempotent by default; since Kafka 3.0 Write on a topic implies IdempotentWrite.
 */
export function clientAcls(c: Pick<KafkaClient, 'name' | 'produces' | 'consumes'>): KafkaUserSpecAuthorizationAcls[] {
  const O = KafkaUserSpecAuthorizationAclsOperations;
  const acls = [
    ...[...new Set(c.produces)].sort().map((t) => topicAcl(t, [O.WRITE, O.DESCRIBE])),
    ...[...new Set(c.consumes)].sort().map((t) => topicAcl(t, [O.READ, O.DESCRIBE])),
  ];
  if (c.consumes.length > 0) {
    acls.push({ resource: { type: KafkaUserSpecAuthorizationAclsResourceType.GROUP, name: c.name, patternType: KafkaUserSpecAuthorizationAclsResourcePatternType.LITERAL }, operations: [O.READ] });
  }
  return acls;
}

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
  return props.tierPolicy.highAvailability
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
    const zoneSpread = (pool: string): Pick<KafkaNodePoolSpecTemplatePod, 'topologySpreadConstraints'> => {
      const spread = props.tierPolicy.zoneSpreadConstraints({ [STRIMZI_CLUSTER_LABEL]: name, 'strimzi.io/pool-name': pool });
      return spread.length > 0 ? { topologySpreadConstraints: spread } : {};
    };
    // An empty peer list would admit everyone: with no client, only Kafka's own pods.
    const peers = props.clientPeers.length > 0 ? props.clientPeers : [{ podSelector: { matchLabels: { [STRIMZI_CLUSTER_LABEL]: name } } }];

    new Kafka(this, 'kafka', {
      metadata: { ...meta(name, 'kafka'), annotations: recoveryAnnotations(props.labelDomain, kafkaRecovery(props)) },
      spec: {
        kafka: {
          // TLS from the cluster CA, SCRAM-SHA-512 users; no plaintext listener.
          listeners: [
            {
              name: DEFAULTS.listener.name,
              port: DEFAULTS.listener.port,
              type: KafkaSpecKafkaListenersType.INTERNAL,
              tls: true,
              authentication: { type: KafkaSpecKafkaListenersAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512 },
              networkPolicyPeers: [...peers],
            },
          ],
          // Every user reaches only what its KafkaUser's ACLs allow; Strimzi's own components are super users.
          authorization: { type: KafkaSpecKafkaAuthorizationType.SIMPLE },
          config: {
            'auto.create.topics.enable': false,
            'default.replication.factor': factor,
            'min.insync.replicas': minInsync,
            'offsets.topic.replication.factor': factor,
            'transaction.state.log.replication.factor': factor,
            'transaction.state.log.min.isr': minInsync,
          } satisfies KafkaConfig,
          // Replicas of a partition land in different zones.
          ...(props.tierPolicy.highAvailability ? { rack: { topologyKey: ZONE_TOPOLOGY_KEY } } : {}),
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
          userOperator: {
            secretPrefix: KAFKA_ACCESS.userSecretPrefix,
            resources: crdQuantities(
              (props.userOperatorResources ?? DEFAULTS.userOperatorResources).toK8s(),
              KafkaSpecEntityOperatorUserOperatorResourcesRequests.fromString,
              KafkaSpecEntityOperatorUserOperatorResourcesLimits.fromString,
            ),
          },
          template: { pod: { priorityClassName: PRIORITY.platformCritical } },
        },
      },
    });

    for (const client of [...props.clients].sort((a, b) => a.name.localeCompare(b.name))) {
      new KafkaUser(this, `kafkauser-${client.name}`, {
        metadata: meta(client.name, 'user', { [STRIMZI_CLUSTER_LABEL]: name }),
        spec: {
          authentication: { type: KafkaUserSpecAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512 },
          authorization: { type: KafkaUserSpecAuthorizationType.SIMPLE, acls: clientAcls(client) },
        },
      });
      // The service's SecretStore reads its password and the CA certificate, nothing else.
      const role = credentialsRole(client.name);
      new k8s.KubeRole(this, `role-${client.name}`, {
        metadata: meta(role, 'credentials'),
        rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [kafkaUserSecret(client.name), KAFKA_ACCESS.clusterCaSecret], verbs: ['get'] }],
      });
      new k8s.KubeRoleBinding(this, `rolebinding-${client.name}`, {
        metadata: meta(role, 'credentials'),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
        subjects: [{ kind: 'ServiceAccount', name: client.reader.serviceAccount, namespace: client.reader.namespace }],
      });
    }

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
                size: pool.size.storage.toString(),
                class: props.storageClass ?? DEFAULTS.storageClass,
                deleteClaim: false,
                kraftMetadata: KafkaNodePoolSpecStorageVolumesKraftMetadata.SHARED,
              },
            ],
          },
          resources: crdQuantities(pool.size.resources.toK8s(), KafkaNodePoolSpecResourcesRequests.fromString, KafkaNodePoolSpecResourcesLimits.fromString),
          jvmOptions: heap(pool.size.resources),
          template: { pod: { priorityClassName: PRIORITY.platformCritical, ...zoneSpread(pool.name) } },
        },
      });
    }

    for (const topic of [...new Set(props.topics)].sort()) {
      new KafkaTopic(this, `kafkatopic-${topic}`, {
        metadata: meta(topic, 'topic', { [STRIMZI_CLUSTER_LABEL]: name }),
        spec: {
          partitions: props.partitions,
          replicas: factor,
          config: { 'min.insync.replicas': minInsync, 'retention.ms': (props.retention ?? DEFAULTS.retention).totalSeconds * 1000 } satisfies KafkaConfig,
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
        selector: { matchLabels: { ...STRIMZI_PODS.entityOperator } },
        podMetricsEndpoints: [{ port: 'healthcheck', path: '/metrics' }],
      },
    });
  }
}

/** Title of the rebuild runbook (bootstrap README, Operations). */
export const REBUILD_RUNBOOK = 'Kafka: rebuilding a lost cluster';

/** What the Kafka resource declares: no backup, and the loss that is accepted instead. */
export function kafkaRecovery(props: KafkaProps): RecoveryObjective {
  const retention = props.retention ?? DEFAULTS.retention;
  const brokers = pools(props).filter((p) => p.roles.includes(KafkaNodePoolSpecRoles.BROKER)).reduce((n, p) => n + p.replicas, 0);
  const { factor, minInsync } = replication(brokers);
  const survives =
    factor > 1
      ? `replication factor ${factor} across zones with min.insync.replicas ${minInsync} keeps acknowledged messages through the loss of a broker or a zone`
      : 'one broker, no replication: its volume is the only copy';
  return {
    rpo: retention,
    backedUp: false,
    mechanism:
      `${survives}; losing the whole cluster loses the topics' contents, up to their retention (${retention}). ` +
      'Per-broker volume snapshots are not consistent with each other, and no consistent mechanism (MirrorMaker 2 to a second cluster, tiered storage) is vendored',
    runbook: REBUILD_RUNBOOK,
  };
}

function rebuildRunbook(props: KafkaProps): RunbookSection {
  const ns = props.namespace;
  const name = DEFAULTS.clusterName;
  return {
    phase: 'operations',
    title: REBUILD_RUNBOOK,
    body: `Kafka has no backup (charts/kafka explains why): when the cluster is lost beyond what replication covers (every
broker's volume, or the KRaft metadata quorum), it is rebuilt empty. Topics come back from their KafkaTopic resources;
their messages and the consumer groups' offsets do not, so consumers start where their \`auto.offset.reset\` says and
producers that can replay from their own store should. Stop Argo CD from recreating the cluster midway (as in Rollback),
delete the cluster and its volumes (\`deleteClaim: false\` keeps them otherwise), sync it again, and then switch automated
sync back on as Rollback does (apply the root app):

\`\`\`bash
kubectl -n argocd patch application root --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'
argocd app set ${name} --sync-policy none
kubectl -n ${ns} delete kafka.kafka.strimzi.io ${name} --wait --timeout=600s
kubectl -n ${ns} delete pvc -l strimzi.io/cluster=${name} --timeout=600s
argocd app sync ${name}
kubectl -n ${ns} wait kafka.kafka.strimzi.io/${name} --for=condition=Ready --timeout=900s
kubectl -n ${ns} wait kafkatopics.kafka.strimzi.io --all --for=condition=Ready --timeout=300s
kubectl -n ${ns} wait kafkausers.kafka.strimzi.io --all --for=condition=Ready --timeout=300s
\`\`\`

A rebuilt cluster has a new cluster CA, and the User Operator generates new passwords. The services' ExternalSecrets copy
both at their next refresh; force it, then restart the services (they read the password from the environment at start):

\`\`\`bash
${clientRestarts(props)}
\`\`\``,
  };
}

/**
 * Per client: refresh its credentials ExternalSecret now, wait until the copy is newer than the
 * request, then restart its pods (they read the password from the environment at start).
 */
function clientRestarts(props: KafkaProps): string {
  if (props.clients.length === 0) return '# no service uses Kafka';
  const lines = ['since="$(date -u +%Y-%m-%dT%H:%M:%SZ)"', 'sleep 1'];
  for (const c of [...props.clients].sort((a, b) => a.name.localeCompare(b.name))) {
    const es = `kubectl -n ${c.reader.namespace} get externalsecrets.external-secrets.io ${c.reader.externalSecret}`;
    lines.push(
      `kubectl -n ${c.reader.namespace} annotate externalsecrets.external-secrets.io ${c.reader.externalSecret} force-sync="$(date +%s)" --overwrite`,
      `until [[ "$(${es} -o jsonpath='{.status.refreshTime}')" > "$since" ]]; do sleep 2; done`,
      `kubectl -n ${c.reader.namespace} patch rollout ${c.name} --type merge -p "{\\"spec\\":{\\"restartAt\\":\\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\\"}}"`,
    );
  }
  return lines.join('\n');
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
  if (props.retention !== undefined && props.retention.totalSeconds === 0) {
    throw new Error('kafka: retention must be longer than 0s (it is how long topics keep their messages), e.g. Duration.days(7)');
  }
  const replicas = props.replicas ?? DEFAULTS.replicas;
  if (props.tierPolicy.highAvailability && (!Number.isInteger(replicas) || replicas < 3 || replicas % 2 === 0)) {
    throw new Error(`kafka: replicas must be an odd number of at least 3 (a KRaft controller quorum), got ${replicas}`);
  }
  const topics = new Set(props.topics);
  const seen = new Set<string>();
  for (const c of props.clients) {
    if (seen.has(c.name)) throw new Error(`kafka: two clients are named "${c.name}"; each service gets one KafkaUser, so service names must be unique`);
    seen.add(c.name);
    if (c.produces.length + c.consumes.length === 0) {
      throw new Error(`kafka: client "${c.name}" neither produces nor consumes; leave it out of clients (a KafkaUser without ACLs is a credential for nothing)`);
    }
    const unknown = [...c.produces, ...c.consumes].find((t) => !topics.has(t));
    if (unknown) throw new Error(`kafka: client "${c.name}" uses topic "${unknown}", which is not in topics; add it to topics (workflows/data.ts kafkaTopics derives both from services[].kafka)`);
  }
}

/**
 * The addresses the cluster serves in `namespace`: Strimzi's `<cluster>-kafka-bootstrap` Service on
 * the TLS listener (SCRAM-SHA-512, KAFKA_ACCESS).
 */
export function kafkaEndpoints(namespace: string): { readonly bootstrap: Endpoint } {
  return { bootstrap: Endpoint.service(`${DEFAULTS.clusterName}-kafka-bootstrap`, namespace, DEFAULTS.listener.port) };
}

export function kafkaComponent(props: KafkaProps): PlatformComponent {
  validate(props);
  return {
    id: ID,
    workflow: Workflow.Data,
    namespace: props.namespace,
    dependsOn: ['strimzi'],
    source: manifests((scope) => new KafkaChart(scope, 'kafka', props)),
    traffic: kafkaTraffic(props),
    runbook: [rebuildRunbook(props)],
  };
}
