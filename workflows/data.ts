/**
 * Workflow 7, Data: CloudNativePG (PostgreSQL + Barman Cloud backups), Redis, Kafka. Operators
 * and data stores share the `data` namespace (the guide's "data_components: data"); the Barman
 * Cloud plugin must run in the CloudNativePG operator's namespace anyway.
 */
import { dataCredentials, redisCredentials, secretNames } from '../apps/microservice';
import { barmanCloudComponent } from '../charts/barman-cloud';
import { cloudnativePgComponent } from '../charts/cloudnative-pg';
import { kafkaComponent } from '../charts/kafka';
import { postgresComponent } from '../charts/postgres';
import { redisComponent } from '../charts/redis';
import { OPERATOR_POD_LABELS, redisOperatorComponent } from '../charts/redis-operator';
import { strimziComponent } from '../charts/strimzi';
import { ServiceConfig } from '../config/schema';
import { SIZING } from '../config/sizing';
import { IMAGES } from '../config/versions';
import { BACKUP_RETENTION_DAYS, backupBucketName } from '../lib/backup';
import { PlatformComponent } from '../lib/component';
import { Duration } from '../lib/duration';
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
  return [
    cloudnativePgComponent({ namespace: ns }),
    barmanCloudComponent({ namespace: ns, operatorNamespace: ns }),
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
    strimziComponent({ namespace: ns }),
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
