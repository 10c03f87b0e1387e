import { roleSecretName } from '../../charts/postgres';
import { parseConfig } from '../../config/load';
import { ManifestSource, Workflow } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { podTotal, WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { buildEnvironment, EnvironmentModel } from '../../platform';
import { kafkaTopics } from '../../workflows/data';
import { ENDPOINTS } from '../../workflows/endpoints';
import { NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, hydratedFixture, FIXTURE_CONFIG_TEXT, fixtureEnvironment } from '../support';

const DATA_IDS = ['cloudnative-pg', 'barman-cloud', 'postgres', 'redis-operator', 'redis', 'strimzi', 'kafka'];
const rendered = (m: EnvironmentModel, id: string): K8sObject[] => synthObjects(component(m, id).source as ManifestSource);
const ofKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind) as any[];

const SIXTH = FIXTURE_CONFIG_TEXT + [
  '  - name: reviews',
  '    image: ghcr.io/acme/reviews:1.0.0',
  '    port: 8080',
  '    database: true',
  '    kafka:',
  '      produces: [reviews.posted]',
  '      consumes: [orders.created]',
  '',
].join('\n');

describe('the data workflow', () => {
  it('has its seven components in the data namespace in every environment', () => {
    for (const env of ENVIRONMENTS) {
      const m = fixtureEnvironment(env);
      expect(m.components.filter((c) => c.workflow === Workflow.Data).map((c) => c.id).sort()).toEqual([...DATA_IDS].sort());
      for (const id of DATA_IDS) expect(component(m, id).namespace).toBe(NS.data);
    }
  });

  it('syncs each operator before its instances, the plugin after cert-manager, and postgres after its secrets exist', () => {
    const m = fixtureEnvironment('prod');
    const wave = (id: string) => m.graph.waves.get(id)!;
    expect(wave('cloudnative-pg')).toBeLessThan(wave('barman-cloud'));
    expect(wave('cert-manager')).toBeLessThan(wave('barman-cloud'));
    expect(wave('barman-cloud')).toBeLessThan(wave('postgres'));
    expect(wave('external-secrets-config')).toBeLessThan(wave('postgres'));
    expect(wave('redis-operator')).toBeLessThan(wave('redis'));
    expect(wave('external-secrets-config')).toBeLessThan(wave('redis'));
    expect(wave('strimzi')).toBeLessThan(wave('kafka'));
    expect(component(m, 'postgres').dependsOn).toContain('external-secrets-config');
  });

  it('runs one Postgres instance in dev and three across zones in staging and prod', () => {
    for (const [env, n] of [['dev', 1], ['staging', 3], ['prod', 3]] as const) {
      const cluster = ofKind(rendered(fixtureEnvironment(env), 'postgres'), 'Cluster')[0];
      expect(cluster.metadata.name).toBe('postgres');
      expect(cluster.spec.instances).toBe(n);
      expect(Boolean(cluster.spec.topologySpreadConstraints)).toBe(n > 1);
    }
  });

  it('backs up daily to the environment bucket through the plugin with the IRSA role eksctl creates', () => {
    const m = fixtureEnvironment('prod');
    const objs = rendered(m, 'postgres');
    expect(ofKind(objs, 'ObjectStore')[0].spec.configuration.destinationPath).toBe('s3://acme-prod-postgres-backups/');
    expect(ofKind(objs, 'ScheduledBackup')[0].spec).toMatchObject({ schedule: '0 0 3 * * *', method: 'plugin' });
    const role = component(m, 'postgres').irsa!.find((r) => r.serviceAccount === 'postgres')!;
    expect(role.namespace).toBe(NS.data);
    expect(ofKind(objs, 'Cluster')[0].spec.serviceAccountTemplate.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(role.roleArn);
    expect(ofKind(rendered(fixtureEnvironment('dev'), 'postgres'), 'ObjectStore')[0].spec.configuration.destinationPath).toBe('s3://acme-dev-postgres-backups/');
  });

  it('gives exactly the services with database: true a database, a role and a password Secret', () => {
    const m = fixtureEnvironment('prod');
    const dbs = m.config.services.filter((s) => s.database).map((s) => s.name);
    expect(ofKind(rendered(m, 'postgres'), 'Database').map((d) => d.spec.name).sort()).toEqual([...dbs].sort());
    expect(component(m, 'postgres').secrets!.map((s) => s.name).sort()).toEqual(dbs.map(roleSecretName).sort());
    expect(dbs).not.toContain('gateway-api');
  });

  it('runs Redis replication with Sentinel in staging and prod and a standalone Redis in dev', () => {
    const kinds = (env: string) => rendered(fixtureEnvironment(env), 'redis').map((o) => o.kind).filter((k) => k.startsWith('Redis')).sort();
    expect(kinds('prod')).toEqual(['RedisReplication', 'RedisSentinel']);
    expect(kinds('staging')).toEqual(['RedisReplication', 'RedisSentinel']);
    expect(kinds('dev')).toEqual(['Redis']);
  });

  it('creates a KafkaTopic for every topic the services declare, once, and one dual node in dev vs 3+3 in prod', () => {
    const m = fixtureEnvironment('prod');
    const topics = ofKind(rendered(m, 'kafka'), 'KafkaTopic');
    expect(topics.map((t) => t.metadata.name)).toEqual(['orders.cancelled', 'orders.created', 'payments.settled']);
    expect(topics.every((t) => t.spec.replicas === 3 && t.spec.config['min.insync.replicas'] === 2)).toBe(true);
    const devTopics = ofKind(rendered(fixtureEnvironment('dev'), 'kafka'), 'KafkaTopic');
    expect(devTopics.every((t) => t.spec.replicas === 1 && t.spec.partitions === 1)).toBe(true);
    expect(ofKind(rendered(m, 'kafka'), 'KafkaNodePool').map((p) => p.spec.replicas)).toEqual([3, 3]);
    expect(ofKind(rendered(fixtureEnvironment('dev'), 'kafka'), 'KafkaNodePool').map((p) => p.spec.roles)).toEqual([['controller', 'broker']]);
  });

  it('gives a sixth service its database, role, secret, topics and Kafka access without code changes', () => {
    const m = buildEnvironment(parseConfig(SIXTH), 'prod');
    expect(ofKind(rendered(m, 'postgres'), 'Database').map((d) => d.spec.name)).toContain('reviews');
    expect(ofKind(rendered(m, 'postgres'), 'Cluster')[0].spec.managed.roles.map((r: any) => r.name)).toContain('reviews');
    expect(component(m, 'postgres').secrets!.map((s) => s.name)).toContain('postgres-role-reviews');
    const kafka = rendered(m, 'kafka');
    expect(ofKind(kafka, 'KafkaTopic').map((t) => t.metadata.name)).toEqual(['orders.cancelled', 'orders.created', 'payments.settled', 'reviews.posted']);
    expect(kafkaTopics(m.config.services)).toContain('reviews.posted');
    const peers = ofKind(kafka, 'Kafka')[0].spec.kafka.listeners[0].networkPolicyPeers;
    expect(peers[0].podSelector.matchExpressions[0].values).toEqual(['orders', 'payments', 'reviews', 'users']);
  });

  it('publishes the addresses the services use, matching what it renders', () => {
    const m = fixtureEnvironment('prod');
    expect(ENDPOINTS.postgresRw).toBe(`${ofKind(rendered(m, 'postgres'), 'Cluster')[0].metadata.name}-rw.${NS.data}.svc.cluster.local`);
    const svc = ofKind(rendered(m, 'redis'), 'Service')[0];
    expect(ENDPOINTS.redis).toBe(`${svc.metadata.name}.${NS.data}.svc.cluster.local`);
    expect(ENDPOINTS.redisPort).toBe(svc.spec.ports[0].port);
    const kafka = ofKind(rendered(m, 'kafka'), 'Kafka')[0];
    expect(ENDPOINTS.kafkaBootstrap).toBe(`${kafka.metadata.name}-kafka-bootstrap.${NS.data}.svc.cluster.local:${kafka.spec.kafka.listeners[0].port}`);
  });

  it('stays within ~1.5 CPU in prod; memory is over the ~3Gi target by the HA Kafka and Postgres JVM/buffer floor', async () => {
    const m = await hydratedFixture('prod');
    let cpu = 0;
    let mem = 0;
    for (const c of m.components.filter((x) => x.workflow === Workflow.Data)) {
      for (const w of componentWorkloads(m, c.id)) {
        if (w.kind === WorkloadKind.Job || w.kind === WorkloadKind.DaemonSet) continue;
        const t = podTotal(w, 'requests');
        cpu += t.cpu.millicores * w.replicas;
        mem += t.memory.mebibytes * w.replicas;
      }
    }
    expect(cpu).toBeLessThanOrEqual(1500);
    // 6.5Gi: 3 controllers x 384Mi + 3 brokers x 768Mi + topic operator 256Mi (3.6Gi), 3 Postgres
    // instances x 576Mi (1.7Gi), Redis 3 x 160Mi + Sentinels 3 x 32Mi, operators 640Mi. See the report.
    expect(mem).toBeLessThanOrEqual(6.5 * 1024);
  });
});
