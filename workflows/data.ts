/**
 * Workflow 7, Data: CloudNativePG (PostgreSQL + Barman Cloud backups), Redis, Kafka. Operators
 * and data stores share the `data` namespace (the guide's "data_components: data"); the Barman
 * Cloud plugin must run in the CloudNativePG operator's namespace anyway.
 */
import { barmanCloudComponent } from '../charts/barman-cloud';
import { cloudnativePgComponent } from '../charts/cloudnative-pg';
import { kafkaComponent } from '../charts/kafka';
import { postgresComponent } from '../charts/postgres';
import { redisComponent } from '../charts/redis';
import { redisOperatorComponent } from '../charts/redis-operator';
import { strimziComponent } from '../charts/strimzi';
import { byTier } from '../config/defaults';
import { ServiceConfig } from '../config/schema';
import { IMAGES } from '../config/versions';
import { Component } from '../lib/component';
import { Resources } from '../lib/resources';
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

/** The S3 bucket of the Postgres backups: `<platform>-<environment>-postgres-backups`. */
export function postgresBackupBucket(platformName: string, envName: string): string {
  return `${platformName}-${envName}-postgres-backups`;
}

export function dataComponents(ctx: PlatformContext): Component[] {
  const { env, services } = ctx;
  const ns = NS.data;
  const ha = env.highAvailability;
  const clients = kafkaClients(services);
  return [
    cloudnativePgComponent({ namespace: ns }),
    barmanCloudComponent({ namespace: ns, operatorNamespace: ns }),
    postgresComponent({
      namespace: ns,
      target: { clusterName: env.clusterName, accountId: env.accountId },
      region: env.region,
      bucket: postgresBackupBucket(env.platformName, env.name),
      image: IMAGES.postgres,
      instances: ha ? 3 : 1,
      spreadAcrossZones: ha,
      storageSize: byTier(env, { dev: '5Gi', staging: '20Gi', prod: '20Gi' }),
      resources: byTier(env, {
        dev: Resources.of({ cpu: '50m', memory: '256Mi' }, { cpu: '500m', memory: '512Mi' }),
        staging: Resources.of({ cpu: '100m', memory: '512Mi' }, { cpu: '1', memory: '1Gi' }),
        prod: Resources.of({ cpu: '100m', memory: '512Mi' }, { cpu: '1', memory: '1Gi' }),
      }),
      databases: services.filter((s) => s.database).map((s) => s.name),
      // The point-in-time recovery window.
      retentionPolicy: byTier(env, { dev: '7d', staging: '14d', prod: '30d' }),
    }),
    redisOperatorComponent({ namespace: ns }),
    redisComponent({
      namespace: ns,
      highAvailability: ha,
      images: { redis: IMAGES.redis, sentinel: IMAGES.redisSentinel, exporter: IMAGES.redisExporter },
      resources: byTier(env, {
        dev: Resources.of({ cpu: '25m', memory: '64Mi' }, { cpu: '250m', memory: '128Mi' }),
        staging: Resources.of({ cpu: '25m', memory: '128Mi' }, { cpu: '500m', memory: '256Mi' }),
        prod: Resources.of({ cpu: '25m', memory: '128Mi' }, { cpu: '500m', memory: '256Mi' }),
      }),
      storageSize: byTier(env, { dev: '1Gi', staging: '2Gi', prod: '2Gi' }),
    }),
    strimziComponent({ namespace: ns }),
    kafkaComponent({
      namespace: ns,
      highAvailability: ha,
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
      partitions: byTier(env, { dev: 1, staging: 3, prod: 3 }),
      dual: { resources: Resources.of({ cpu: '100m', memory: '768Mi' }, { cpu: '1', memory: '1Gi' }), storage: '10Gi' },
      controllers: { resources: Resources.of({ cpu: '50m', memory: '384Mi' }, { cpu: '500m', memory: '768Mi' }), storage: '5Gi' },
      brokers: { resources: Resources.of({ cpu: '100m', memory: '768Mi' }, { cpu: '1', memory: '1536Mi' }), storage: '20Gi' },
    }),
  ];
}
