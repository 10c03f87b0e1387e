import { needsServerSideApply } from '../../argocd/applications';
import { roleSecretName } from '../../charts/postgres';
import { parseConfig } from '../../config/load';
import { SIZING } from '../../config/sizing';
import { ManifestSource, Workflow } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { pathReaders } from '../../lib/secret-readers';
import { podTotal, WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { buildEnvironment, EnvironmentModel } from '../../platform';
import { kafkaClients, kafkaTopics, postgresBackupBucket } from '../../workflows/data';
import { ENDPOINTS } from '../../workflows/endpoints';
import { NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, hydratedFixture, helmValues, FIXTURE_CONFIG_TEXT, fixtureEnvironment } from '../support';

const DATA_IDS = ['cloudnative-pg', 'barman-cloud', 'postgres', 'redis-operator', 'redis', 'strimzi', 'kafka'];
const rendered = (m: EnvironmentModel, id: string): K8sObject[] => synthObjects(component(m, id).source as ManifestSource);
const ofKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind) as any[];

const SIXTH = FIXTURE_CONFIG_TEXT + [
  '  - name: reviews',
  '    image: ghcr.io/acme/reviews:1.0.0@sha256:fc79bda5c2b079ef13ea7b313df3f1d194e1dafe444c982e522f6a676ed99b3f',
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

  it('runs one Postgres instance where the tier is not highly available and three across zones where it is', () => {
    for (const env of ENVIRONMENTS) {
      const m = fixtureEnvironment(env);
      const cluster = ofKind(rendered(m, 'postgres'), 'Cluster')[0];
      expect(cluster.metadata.name).toBe('postgres');
      expect(cluster.spec.instances).toBe(m.env.tierPolicy.highAvailability ? 3 : 1);
      expect(Boolean(cluster.spec.topologySpreadConstraints)).toBe(m.env.tierPolicy.highAvailability);
    }
  });

  it.each(ENVIRONMENTS)('%s: spreads every replicated data store over zones as the tier policy says, and nothing where it says none', (env) => {
    const m = fixtureEnvironment(env);
    const rule = m.env.tierPolicy.whenUnsatisfiable('replicated');
    const spreads = [
      ...ofKind(rendered(m, 'postgres'), 'Cluster').map((c) => c.spec.topologySpreadConstraints),
      ...ofKind(rendered(m, 'kafka'), 'KafkaNodePool').map((p) => p.spec.template.pod.topologySpreadConstraints),
      ...rendered(m, 'redis').filter((o) => o.kind === 'RedisReplication' || o.kind === 'RedisSentinel').map((o: any) => o.spec.topologySpreadConstraints),
    ];
    expect(spreads.length).toBeGreaterThan(0);
    for (const constraints of spreads) {
      expect((constraints ?? []).map((c: any) => [c.topologyKey, c.whenUnsatisfiable])).toEqual(rule ? [['topology.kubernetes.io/zone', rule]] : []);
    }
  });

  it.each(ENVIRONMENTS)('%s: sizes Postgres, Redis and Kafka from the tier row of config/sizing.ts', (env) => {
    const m = fixtureEnvironment(env);
    const size = { postgres: m.env.tierPolicy.sized(SIZING.postgres), redis: m.env.tierPolicy.sized(SIZING.redis), kafka: m.env.tierPolicy.sized(SIZING.kafka) };
    const cluster = ofKind(rendered(m, 'postgres'), 'Cluster')[0];
    expect(cluster.spec.storage.size).toBe(size.postgres.storage.toString());
    expect(cluster.spec.resources).toEqual(size.postgres.resources.toK8s());
    const redis = rendered(m, 'redis').find((o) => o.kind === 'RedisReplication' || o.kind === 'Redis') as any;
    expect(redis.spec.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe(size.redis.storage.toString());
    expect(redis.spec.kubernetesConfig.resources).toEqual(size.redis.resources.toK8s());
    const kafka = rendered(m, 'kafka');
    expect(ofKind(kafka, 'KafkaTopic').every((t) => t.spec.partitions === size.kafka.partitions)).toBe(true);
    const pools: Record<string, { storage: { toString(): string }; resources: { toK8s(): object } }> = { dual: size.kafka.dual, controller: size.kafka.controllers, broker: size.kafka.brokers };
    for (const pool of ofKind(kafka, 'KafkaNodePool')) {
      expect([pool.metadata.name, pool.spec.storage.volumes[0].size]).toEqual([pool.metadata.name, pools[pool.metadata.name].storage.toString()]);
      expect([pool.metadata.name, pool.spec.resources]).toEqual([pool.metadata.name, pools[pool.metadata.name].resources.toK8s()]);
    }
  });

  it('runs each data operator with the resources it passes to its chart, and syncs the large-CRD operators server-side', async () => {
    const prod = await hydratedFixture('prod');
    for (const id of ['cloudnative-pg', 'barman-cloud', 'redis-operator', 'strimzi']) {
      const [operator] = componentWorkloads(prod, id);
      expect([id, operator.containers.map((x) => x.resources.toK8s())]).toEqual([id, [helmValues(prod, id).resources]]);
    }
    for (const id of ['cloudnative-pg', 'redis-operator']) expect([id, needsServerSideApply(prod.objects.get(id)!)]).toEqual([id, true]);
  });

  it('backs up daily to the environment bucket through the plugin with the IRSA role eksctl creates', () => {
    const m = fixtureEnvironment('prod');
    const objs = rendered(m, 'postgres');
    expect(ofKind(objs, 'ObjectStore')[0].spec.configuration.destinationPath).toBe(`s3://${postgresBackupBucket(m.env.platformName, m.env.name)}/`);
    expect(ofKind(objs, 'ScheduledBackup')[0].spec).toMatchObject({ schedule: '0 0 3 * * *', method: 'plugin' });
    const role = component(m, 'postgres').irsa!.find((r) => r.serviceAccount === 'postgres')!;
    expect(role.namespace).toBe(NS.data);
    expect(ofKind(objs, 'Cluster')[0].spec.serviceAccountTemplate.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(role.roleArn);
    const dev = fixtureEnvironment('dev');
    expect(ofKind(rendered(dev, 'postgres'), 'ObjectStore')[0].spec.configuration.destinationPath).toBe(`s3://${postgresBackupBucket(dev.env.platformName, dev.env.name)}/`);
    expect(postgresBackupBucket(dev.env.platformName, dev.env.name)).not.toBe(postgresBackupBucket(m.env.platformName, m.env.name));
  });

  it('gives exactly the services with database: true a database, a role and a password Secret', () => {
    const m = fixtureEnvironment('prod');
    const dbs = m.config.services.filter((s) => s.database).map((s) => s.name);
    expect(ofKind(rendered(m, 'postgres'), 'Database').map((d) => d.spec.name).sort()).toEqual([...dbs].sort());
    expect(component(m, 'postgres').secrets!.map((s) => s.name).sort()).toEqual(dbs.map(roleSecretName).sort());
  });

  it('runs Redis replication with Sentinel where the tier is highly available and a standalone Redis where it is not', () => {
    for (const env of ENVIRONMENTS) {
      const m = fixtureEnvironment(env);
      const kinds = rendered(m, 'redis').map((o) => o.kind).filter((k) => k.startsWith('Redis')).sort();
      expect([env, kinds]).toEqual([env, m.env.tierPolicy.highAvailability ? ['RedisReplication', 'RedisSentinel'] : ['Redis']]);
    }
  });

  it('creates a KafkaTopic for every topic the services declare, once, and one dual node in dev vs 3+3 in prod', () => {
    const m = fixtureEnvironment('prod');
    const topics = ofKind(rendered(m, 'kafka'), 'KafkaTopic');
    const declared = m.config.services.flatMap((s) => [...(s.kafka?.produces ?? []), ...(s.kafka?.consumes ?? [])]);
    expect(declared.length).toBeGreaterThan(0);
    expect(topics.map((t) => t.metadata.name)).toEqual([...new Set(declared)].sort());
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
    const before = fixtureEnvironment('prod');
    expect(ofKind(kafka, 'KafkaTopic').map((t) => t.metadata.name)).toEqual([...kafkaTopics(before.config.services), 'reviews.posted'].sort());
    expect(kafkaTopics(m.config.services)).toContain('reviews.posted');
    const peers = ofKind(kafka, 'Kafka')[0].spec.kafka.listeners[0].networkPolicyPeers;
    expect(peers[0].podSelector.matchExpressions[0].values).toEqual([...kafkaClients(before.config.services), 'reviews'].sort());
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
    // 6.75Gi: 3 controllers x 384Mi + 3 brokers x 768Mi + topic and user operators 2 x 256Mi (3.8Gi),
    // 3 Postgres instances x 576Mi (1.7Gi), Redis 3 x 160Mi + Sentinels 3 x 32Mi, operators 640Mi.
    // The User Operator (a JVM; per-service KafkaUsers, issue 10) added 256Mi. See the report.
    expect(mem).toBeLessThanOrEqual(6.75 * 1024);
  });
});

/**
 * Issue 10, point 6 (Kafka and Redis): encryption in transit and per-service credentials, checked on
 * the rendered objects of the fixture's three environments.
 */
describe('Kafka and Redis access', () => {
  const models = ENVIRONMENTS.map((env) => [env, fixtureEnvironment(env)] as const);
  const servicesOf = (m: EnvironmentModel) => m.components.filter((c) => c.workflow === Workflow.Apps && m.config.services.some((s) => s.name === c.id));
  const rollout = (m: EnvironmentModel, name: string) => ofKind(rendered(m, name), 'Rollout')[0];
  const envOf = (m: EnvironmentModel, name: string): any[] => rollout(m, name).spec.template.spec.containers[0].env;

  it.each(ENVIRONMENTS)('%s: every service that produces or consumes has one KafkaUser whose ACLs are exactly its config, and no other service has one', (env) => {
    const m = fixtureEnvironment(env);
    const users = ofKind(rendered(m, 'kafka'), 'KafkaUser');
    expect(users.map((u) => u.metadata.name).sort()).toEqual(kafkaClients(m.config.services));
    for (const u of users) {
      const s = m.config.services.find((x) => x.name === u.metadata.name)!;
      const expected = [
        ...(s.kafka?.produces ?? []).flatMap((t) => [`topic:${t}:Write`, `topic:${t}:Describe`]),
        ...(s.kafka?.consumes ?? []).flatMap((t) => [`topic:${t}:Read`, `topic:${t}:Describe`]),
        ...((s.kafka?.consumes.length ?? 0) > 0 ? [`group:${s.name}:Read`] : []),
      ];
      const actual = (u.spec.authorization.acls as any[]).flatMap((a) => a.operations.map((op: string) => `${a.resource.type}:${a.resource.name}:${op}`));
      expect(u.spec.authorization.acls.every((a: any) => a.resource.patternType === 'literal' && (a.type ?? 'allow') === 'allow')).toBe(true);
      expect(actual.sort()).toEqual([...new Set(expected)].sort());
      expect(u.spec.authentication.type).toBe('scram-sha-512');
    }
  });

  it('serves Kafka on TLS listeners with SCRAM-SHA-512 only, with simple authorization and the User Operator', () => {
    for (const [, m] of models) {
      const kafka = ofKind(rendered(m, 'kafka'), 'Kafka')[0];
      expect(kafka.spec.kafka.listeners.length).toBeGreaterThan(0);
      for (const l of kafka.spec.kafka.listeners) {
        expect(l.tls).toBe(true);
        expect(l.authentication).toEqual({ type: 'scram-sha-512' });
      }
      expect(kafka.spec.kafka.authorization.type).toBe('simple');
      expect(kafka.spec.entityOperator.userOperator).toBeDefined();
      const port = kafka.spec.kafka.listeners[0].port;
      expect(ENDPOINTS.kafkaBootstrap).toBe(`${kafka.metadata.name}-kafka-bootstrap.${NS.data}.svc.cluster.local:${port}`);
    }
  });

  it("points each service's Kafka and Redis settings at Secrets its own ExternalSecrets create, from Secrets the data components let its reader get", () => {
    for (const [, m] of models) {
      const kafka = rendered(m, 'kafka');
      const kafkaCr = ofKind(kafka, 'Kafka')[0];
      const redis = rendered(m, 'redis');
      const dataRoles = [...ofKind(kafka, 'Role'), ...ofKind(redis, 'Role')];
      const dataBindings = [...ofKind(kafka, 'RoleBinding'), ...ofKind(redis, 'RoleBinding')];
      /** The Secrets in the data namespace a ServiceAccount of the apps namespace may get. */
      const readable = (sa: string): Set<string> => {
        const roles = dataBindings.filter((b) => b.subjects.some((x: any) => x.kind === 'ServiceAccount' && x.name === sa && x.namespace === NS.apps)).map((b) => b.roleRef.name);
        return new Set(dataRoles.filter((r) => roles.includes(r.metadata.name)).flatMap((r) => r.rules.flatMap((rule: any) => rule.resourceNames)));
      };
      for (const c of servicesOf(m)) {
        const s = m.config.services.find((x) => x.name === c.id)!;
        const objs = rendered(m, c.id);
        const targets = new Map(ofKind(objs, 'ExternalSecret').map((e) => [e.spec.target.name, e]));
        const declared = new Set((c.secrets ?? []).map((r) => r.name));
        const pod = rollout(m, c.id).spec.template.spec;
        const refs = [
          ...envOf(m, c.id).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.valueFrom.secretKeyRef.name),
          ...(pod.volumes as any[]).filter((v) => v.secret).map((v) => v.secret.secretName),
        ];
        // Every Secret the pod reads is created by an ExternalSecret of the service or a declared requirement.
        for (const ref of refs) expect(targets.has(ref) || declared.has(ref)).toBe(true);
        const usesKafka = (s.kafka?.produces.length ?? 0) + (s.kafka?.consumes.length ?? 0) > 0;
        expect(targets.has(`${s.name}-kafka`)).toBe(usesKafka);
        expect(targets.has(`${s.name}-redis-ca`)).toBe(s.redis);
        for (const es of targets.values()) {
          const store = ofKind(objs, 'SecretStore').find((x) => x.metadata.name === es.spec.secretStoreRef.name);
          expect(store.spec.provider.kubernetes.remoteNamespace).toBe(NS.data);
          const sa = store.spec.provider.kubernetes.auth.serviceAccount.name;
          expect(ofKind(objs, 'ServiceAccount').some((x) => x.metadata.name === sa)).toBe(true);
          const keys = [...(es.spec.data ?? []).map((d: any) => d.remoteRef.key), ...(es.spec.dataFrom ?? []).map((d: any) => d.extract.key)];
          for (const key of keys) expect(readable(sa).has(key)).toBe(true);
        }
        const env = Object.fromEntries(envOf(m, c.id).map((e) => [e.name, e.value ?? e.valueFrom]));
        if (usesKafka) {
          const es = targets.get(`${s.name}-kafka`);
          // The password comes from the Secret the User Operator writes for this service's KafkaUser.
          const passwordRef = es.spec.data.find((d: any) => d.secretKey === 'password').remoteRef;
          expect(passwordRef.key).toBe(`${kafkaCr.spec.entityOperator.userOperator.secretPrefix}${s.name}`);
          expect(es.spec.dataFrom[0].extract.key).toBe(`${kafkaCr.metadata.name}-cluster-ca-cert`);
          expect(env).toMatchObject({
            KAFKA_BOOTSTRAP_SERVERS: ENDPOINTS.kafkaBootstrap,
            KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
            KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
            KAFKA_SASL_USERNAME: s.name,
            KAFKA_SASL_PASSWORD: { secretKeyRef: { name: `${s.name}-kafka`, key: 'password' } },
          });
          expect(readable(`${s.name}-data-reader`)).not.toContain(`${kafkaCr.metadata.name}-cluster-ca`);
        } else {
          expect(Object.keys(env).filter((k) => k.startsWith('KAFKA_'))).toEqual([]);
        }
        if (s.redis) expect(env).toMatchObject({ REDIS_TLS: 'true', REDIS_TLS_CA_FILE: expect.stringMatching(/ca\.crt$/) });
      }
    }
  });

  it('runs Redis 7.4 or later with TLS on every Redis kind', () => {
    for (const [, m] of models) {
      const objs = rendered(m, 'redis').filter((o) => o.apiVersion.startsWith('redis.redis.opstreelabs.in/')) as any[];
      expect(objs.length).toBeGreaterThan(0);
      const server = ofKind(rendered(m, 'redis'), 'Certificate').find((c) => !c.spec.isCA);
      for (const o of objs) {
        const [major, minor] = /:v?(\d+)\.(\d+)/.exec(o.spec.kubernetesConfig.image)!.slice(1).map(Number);
        expect(major * 100 + minor).toBeGreaterThanOrEqual(704);
        expect(o.spec.TLS.secret.secretName).toBe(server.spec.secretName);
      }
    }
  });

  it("gives each service with redis: true an ACL user of its own, whose password only data and the service's namespace read, and keeps Sentinel on the default user", () => {
    for (const [env, m] of models) {
      const redis = rendered(m, 'redis');
      const users = m.config.services.filter((s) => s.redis).map((s) => s.name).sort();
      const acl = ofKind(redis, 'ExternalSecret').find((e) => e.spec.target.name === 'redis-acl');
      const file: string = acl.spec.target.template.data['user.acl'];
      const lines = file.trim().split('\n');
      expect([env, lines.map((l) => l.split(' ')[1])]).toEqual([env, ['default', ...users]]);
      for (const name of users) {
        const line = lines.find((l) => l.startsWith(`user ${name} `))!;
        expect(line).toContain(` ~${name}:* resetchannels &${name}:* +@all -@dangerous `);
      }
      for (const o of redis.filter((x) => x.kind === 'Redis' || x.kind === 'RedisReplication') as any[]) expect(o.spec.acl.secret.secretName).toBe('redis-acl');
      for (const o of ofKind(redis, 'RedisSentinel')) expect([o.spec.acl, o.spec.redisSentinelConfig.redisReplicationPassword.secretKeyRef.name]).toEqual([undefined, 'redis-auth']);
      // Who reads which password: the service's own path by data and the service's namespace; the shared one by data alone.
      const readers = pathReaders(m.components.flatMap((c) => c.secrets ?? []));
      for (const name of users) {
        expect(readers.get(`data/redis/users/${name}`)).toEqual([NS.apps, NS.data].sort());
        const vars = Object.fromEntries(envOf(m, name).map((e) => [e.name, e.value ?? e.valueFrom]));
        expect(vars).toMatchObject({ REDIS_USERNAME: name, REDIS_KEY_PREFIX: `${name}:`, REDIS_PASSWORD: { secretKeyRef: { name: `${name}-redis`, key: 'password' } } });
      }
      expect(readers.get('data/redis')).toEqual([NS.data]);
    }
  });

  it('admits to Redis from the services namespace only the services with redis: true', () => {
    for (const [, m] of models) {
      const policies = ofKind(rendered(m, 'redis'), 'NetworkPolicy');
      const fromApps = policies.flatMap((p) => p.spec.ingress).flatMap((r: any) => r.from).filter((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === NS.apps);
      const admitted = fromApps.flatMap((f: any) => f.podSelector.matchExpressions.flatMap((e: any) => e.values));
      expect(admitted.sort()).toEqual(m.config.services.filter((s) => s.redis).map((s) => s.name).sort());
    }
  });
});

describe('Secrets in the rendered output', () => {
  jest.setTimeout(300_000);
  it.each(ENVIRONMENTS)('%s: no data or service component renders a Secret with data (credentials arrive through ExternalSecrets and operators)', async (env) => {
    const m = await hydratedFixture(env);
    const scope = m.components.filter((c) => c.workflow === Workflow.Data || c.workflow === Workflow.Apps);
    expect(scope.map((c) => c.id)).toEqual(expect.arrayContaining(['kafka', 'redis', 'strimzi', 'redis-operator']));
    const withData = scope.flatMap((c) =>
      (m.objects.get(c.id) ?? []).filter((o) => o.kind === 'Secret' && (Object.keys((o as any).data ?? {}).length > 0 || Object.keys((o as any).stringData ?? {}).length > 0)).map((o) => `${c.id}: ${o.metadata.name}`),
    );
    expect(withData).toEqual([]);
  });
});
