/**
 * Workflow 7, Data: CloudNativePG (PostgreSQL + Barman Cloud backups), Redis, Kafka. Operators
 * and data stores share the `data` namespace (the guide's "data_components: data"); the Barman
 * Cloud plugin must run in the CloudNativePG operator's namespace anyway.
 */
import { dataCredentials, redisCredentials, secretNames } from '../apps/microservice';
import { barmanCloudComponent, PLUGIN as BARMAN_CLOUD } from '../charts/barman-cloud';
import { cloudnativePgComponent, OPERATOR_POD_LABELS as CNPG_OPERATOR_POD_LABELS } from '../charts/cloudnative-pg';
import { kafkaComponent, STRIMZI_PODS, STRIMZI_PORTS } from '../charts/kafka';
import { CNPG, DEFAULTS as POSTGRES, instancePods, postgresComponent } from '../charts/postgres';
import { redisComponent } from '../charts/redis';
import { OPERATOR_POD_LABELS, redisOperatorComponent } from '../charts/redis-operator';
import { OPERATOR_POD_LABELS as STRIMZI_OPERATOR_POD_LABELS, strimziComponent } from '../charts/strimzi';
import { ServiceConfig } from '../config/schema';
import { SIZING } from '../config/sizing';
import { IMAGES } from '../config/versions';
import { BACKUP_RETENTION_DAYS, backupBucketName } from '../lib/backup';
import { PlatformComponent } from '../lib/component';
import { Duration } from '../lib/duration';
import { TrafficEdge, withTraffic } from '../lib/traffic';
import { PlatformContext } from './context';
import { NS } from './namespaces';

/** Every topic any service produces or consumes, once, sorted. */
export function kafkaTopics(services: readonly ServiceConfig[]): string[] {
  return [...new Set(services.flatMap((s) => [...(s.kafka?.produces ?? []), ...(s.kafka?.consumes ?? [])]))].sort();
}

/** Services that talk to Kafka (produce or consume anything). */
export function kafkaClients(services: readonly ServiceConfig[]): string[] {
  return services.filter((s) => (s.kafka?.produces.length ?? 0) + (s.kafka?.consumes.length ?? 0) > 0).map((s) => s.name).sort();
}

/**
 * The services' credential readers: the ServiceAccount each service's SecretStore reads the data
 * namespace as (apps/microservice, README "Kafka and Redis access").
 */
function reader(service: string): { namespace: string; serviceAccount: string } {
  return { namespace: NS.apps, serviceAccount: dataCredentials(service).reader };
}

/** The S3 bucket of the Postgres backups: `<platform>-<environment>-postgres-backups`. */
export function postgresBackupBucket(platformName: string, envName: string): string {
  return backupBucketName(platformName, envName, 'postgres-backups');
}

/** The S3 bucket of the Redis snapshots: `<platform>-<environment>-redis-snapshots`. */
export function redisSnapshotBucket(platformName: string, envName: string): string {
  return backupBucketName(platformName, envName, 'redis-snapshots');
}

/**
 * The calls between the data components that neither chart knows alone (lib/traffic.ts; the flows
 * inside each chart come from its `<x>Traffic`): the CloudNativePG operator to every instance and
 * to the Barman Cloud plugin, and the Strimzi cluster operator to the Kafka nodes.
 */
export function dataOperatorTraffic(namespace: string): { cloudnativePg: TrafficEdge[]; strimzi: TrafficEdge[] } {
  const at = (pods: Readonly<Record<string, string>>) => ({ namespace, pods });
  return {
    cloudnativePg: [
      {
        name: 'cnpg-operator-instances',
        from: at(CNPG_OPERATOR_POD_LABELS),
        to: at(instancePods()),
        ports: [{ port: CNPG.ports.status }, { port: CNPG.ports.postgresql }],
        reason: "The CloudNativePG operator polls every instance manager's status API and connects to PostgreSQL (every Cluster here, the recovery side cluster included).",
      },
      {
        name: 'cnpg-operator-barman-cloud',
        from: at(CNPG_OPERATOR_POD_LABELS),
        to: at(BARMAN_CLOUD.podLabels),
        ports: [{ port: BARMAN_CLOUD.port }],
        reason: 'The CloudNativePG operator calls the Barman Cloud plugin over gRPC (mTLS) to inject its sidecar and run backups.',
      },
    ],
    strimzi: [
      {
        name: 'strimzi-operator-agent',
        from: at(STRIMZI_OPERATOR_POD_LABELS),
        to: at(STRIMZI_PODS.nodes),
        ports: [{ port: STRIMZI_PORTS.agent }],
        reason: "The Strimzi cluster operator reads every Kafka node's state from its KafkaAgent during reconciles and rolls.",
      },
      {
        name: 'strimzi-operator-controllers',
        from: at(STRIMZI_OPERATOR_POD_LABELS),
        to: at(STRIMZI_PODS.controllers),
        ports: [{ port: STRIMZI_PORTS.controlPlane }],
        reason: 'The Strimzi cluster operator talks to the KRaft controllers (quorum checks, configuration) while rolling them.',
      },
      {
        name: 'strimzi-operator-brokers',
        from: at(STRIMZI_OPERATOR_POD_LABELS),
        to: at(STRIMZI_PODS.brokers),
        ports: [{ port: STRIMZI_PORTS.replication }],
        reason: 'The Strimzi cluster operator administers the brokers (Admin API over the replication listener) during reconciles and rolls.',
      },
    ],
  };
}

/** Each service with `database: true` reaches the Postgres instances (the Service postgres-rw follows the primary). */
export function postgresClientTraffic(namespace: string, services: readonly ServiceConfig[]): TrafficEdge[] {
  return services
    .filter((s) => s.database)
    .map((s) => ({
      name: `postgres-client-${s.name}`,
      from: { namespace: NS.apps, pods: { 'app.kubernetes.io/name': s.name } },
      to: { namespace, pods: instancePods(POSTGRES.clusterName) },
      ports: [{ port: CNPG.ports.postgresql }],
      reason: `The service ${s.name} (database: true) uses its database through the Service ${POSTGRES.clusterName}-rw.`,
    }));
}


export function dataComponents(ctx: PlatformContext): PlatformComponent[] {
  const { env, services } = ctx;
  const { tierPolicy } = env;
  const ns = NS.data;
  const clients = kafkaClients(services);
  const target = { clusterName: env.clusterName, accountId: env.accountId };
  const retentionDays = BACKUP_RETENTION_DAYS[env.tier];
  const postgres = tierPolicy.sized(SIZING.postgres);
  const redis = tierPolicy.sized(SIZING.redis);
  const kafka = tierPolicy.sized(SIZING.kafka);
  const operators = dataOperatorTraffic(ns);
  return [
    withTraffic(cloudnativePgComponent({ namespace: ns }), operators.cloudnativePg),
    barmanCloudComponent({ namespace: ns, operatorNamespace: ns }),
    withTraffic(
      postgresComponent({
        namespace: ns,
        target,
        region: env.region,
        bucket: postgresBackupBucket(env.platformName, env.name),
        labelDomain: env.labelDomain,
        image: IMAGES.postgres,
        tierPolicy,
        storageSize: postgres.storage,
        resources: postgres.resources,
        databases: services.filter((s) => s.database).map((s) => s.name),
        // The point-in-time recovery window.
        retentionPolicy: Duration.days(retentionDays),
      }),
      postgresClientTraffic(ns, services),
    ),
    redisOperatorComponent({ namespace: ns }),
    redisComponent({
      namespace: ns,
      clients: services
        .filter((s) => s.redis)
        .map((s) => {
          const user = redisCredentials(s.name);
          return { name: s.name, reader: reader(s.name), password: user.password, keyPrefix: user.keyPrefix };
        }),
      operatorPodLabels: OPERATOR_POD_LABELS,
      scrapeNamespace: NS.observability,
      tierPolicy,
      images: { redis: IMAGES.redis, sentinel: IMAGES.redisSentinel, exporter: IMAGES.redisExporter },
      resources: redis.resources,
      storageSize: redis.storage,
      labelDomain: env.labelDomain,
      backup: { target, bucket: redisSnapshotBucket(env.platformName, env.name), region: env.region, retentionDays, uploaderImage: IMAGES.awsCli },
    }),
    withTraffic(strimziComponent({ namespace: ns }), operators.strimzi),
    kafkaComponent({
      namespace: ns,
      tierPolicy,
      topics: kafkaTopics(services),
      clientPeers:
        clients.length > 0
          ? [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS.apps } },
                podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: clients }] },
              },
            ]
          : [],
      clients: services
        .filter((s) => clients.includes(s.name))
        .map((s) => ({
          name: s.name,
          produces: s.kafka?.produces ?? [],
          consumes: s.kafka?.consumes ?? [],
          reader: { ...reader(s.name), externalSecret: secretNames(s.name).kafka },
        })),
      labelDomain: env.labelDomain,
      partitions: kafka.partitions,
      dual: kafka.dual,
      controllers: kafka.controllers,
      brokers: kafka.brokers,
    }),
  ];
}
