/**
 * Default-deny in the `data` namespace (issue 10 point 5): the flows the generic test
 * (traffic.test.ts) cannot see, because the operators create the pods that make them. The pods
 * CloudNativePG, Strimzi and the redis-operator create are built here from the labels and ports the
 * charts export (and the operators document), the rest are the rendered pods, and the rendered
 * policies are evaluated with the same evaluator. Every assertion is over the shipped config's
 * services (every service with `database: true`, ...), never over the example's names.
 */
import { PLUGIN as BARMAN_CLOUD } from '../../charts/barman-cloud';
import { OPERATOR_POD_LABELS as CNPG_OPERATOR } from '../../charts/cloudnative-pg';
import { DEFAULTS as KAFKA, STRIMZI_PORTS } from '../../charts/kafka';
import { PROMETHEUS_POD_LABELS } from '../../charts/kube-prometheus-stack';
import { CNPG, clusterPods, DEFAULTS as POSTGRES, instancePods } from '../../charts/postgres';
import { DEFAULTS as REDIS, REDIS_PODS } from '../../charts/redis';
import { OPERATOR_POD_LABELS as REDIS_OPERATOR } from '../../charts/redis-operator';
import { OPERATOR_POD_LABELS as STRIMZI_OPERATOR } from '../../charts/strimzi';
import { ServiceConfig } from '../../config/schema';
import { selectorLabels, standardLabels } from '../../lib/labels';
import type { K8sObject } from '../../lib/render';
import { usesKafka } from '../../apps/microservice';
import { NS } from '../../workflows/namespaces';
import { ENVIRONMENTS, hydratedFixture } from '../support';
import { allowed, Labels, Pod, podsOf, selects } from './traffic-evaluator';

const ns = NS.data;
const pod = (what: string, labels: Labels, ports: Pod['ports'] = [], namespace: string = ns): Pod => ({ namespace, labels, ports, what });

describe.each(ENVIRONMENTS)('%s: traffic of the data namespace', (env) => {
  let objects: K8sObject[];
  let policies: K8sObject[];
  let dataPolicies: K8sObject[];
  let rendered: ReturnType<typeof podsOf>;
  let services: readonly ServiceConfig[];
  let ha: boolean;

  // The pods the operators create, as they label them.
  let postgres: Pod[];
  let joinJob: Pod;
  let pitr: Pod[];
  let redisServers: Pod[];
  let sentinels: Pod[];
  let restore: Pod;
  let kafkaNodes: Pod[];
  let entityOperator: Pod;
  // Rendered pods.
  let cnpgOperator: Pod;
  let plugin: Pod;
  let redisOperator: Pod;
  let strimziOperator: Pod;
  let snapshot: Pod;
  const prometheus = pod('prometheus', { ...PROMETHEUS_POD_LABELS }, [], NS.observability);

  const client = (s: ServiceConfig): Pod => pod(`service ${s.name}`, selectorLabels({ name: s.name, instance: s.name }), [{ name: 'http', containerPort: s.port }], NS.apps);
  const renderedPod = (kind: string, name: string): Pod => {
    const p = rendered.find((x) => x.object.kind === kind && x.object.metadata.name === name && x.namespace === ns);
    if (!p) throw new Error(`no rendered ${kind} ${ns}/${name}`);
    return p;
  };
  const reaches = (from: Pod | 'world', to: Pod | 'world', port: number) => allowed(policies, from === 'world' ? { entity: 'world' } : { pod: from }, to === 'world' ? { entity: 'world' } : { pod: to }, port);
  /** Whether the data namespace's own policies admit `from` (its ingress side only). */
  const dataAdmits = (from: Pod, to: Pod, port: number) => allowed(dataPolicies, { pod: from }, { pod: to }, port);

  beforeAll(async () => {
    const model = await hydratedFixture(env);
    objects = [...model.objects.values()].flat();
    policies = objects.filter((o) => o.kind === 'NetworkPolicy' || o.kind === 'CiliumNetworkPolicy');
    dataPolicies = policies.filter((p) => p.metadata.namespace === ns);
    rendered = podsOf(objects);
    services = model.config.services;
    ha = model.env.tierPolicy.highAvailability;

    const cnpgPorts = [
      { name: 'postgresql', containerPort: CNPG.ports.postgresql },
      { name: 'metrics', containerPort: CNPG.ports.metrics },
      { name: 'status', containerPort: CNPG.ports.status },
    ];
    const instance = (cluster: string, n: number, role: string) =>
      pod(`${cluster}-${n}`, { ...instancePods(cluster), 'cnpg.io/instanceName': `${cluster}-${n}`, 'cnpg.io/instanceRole': role, role, 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': cluster }, cnpgPorts);
    const cluster = objects.find((o) => o.kind === 'Cluster' && o.metadata.namespace === ns && o.metadata.name === POSTGRES.clusterName)!;
    const instances = (cluster.spec as any).instances as number;
    postgres = Array.from({ length: instances }, (_, i) => instance(POSTGRES.clusterName, i + 1, i === 0 ? 'primary' : 'replica'));
    joinJob = pod('join Job', { ...clusterPods(POSTGRES.clusterName), 'cnpg.io/jobRole': 'join', 'cnpg.io/instanceName': `${POSTGRES.clusterName}-${instances + 1}` });
    pitr = [
      instance(POSTGRES.recoveryClusterName, 1, 'primary'),
      pod('full-recovery Job', { ...clusterPods(POSTGRES.recoveryClusterName), 'cnpg.io/jobRole': 'full-recovery', 'cnpg.io/instanceName': `${POSTGRES.recoveryClusterName}-1` }),
    ];

    // The redis-operator copies the custom resource's labels onto its pods and adds its own.
    const cr = (kind: string) => objects.find((o) => o.kind === kind && o.metadata.namespace === ns);
    const serverPorts = [
      { name: 'redis', containerPort: REDIS.port },
      { name: 'redis-exporter', containerPort: REDIS.exporterPort },
    ];
    if (ha) {
      const replication = cr('RedisReplication')!;
      const sentinel = cr('RedisSentinel')!;
      const size = (replication.spec as any).clusterSize as number;
      redisServers = Array.from({ length: size }, (_, i) =>
        pod(`${replication.metadata.name}-${i}`, { ...(replication.metadata.labels as Labels), app: replication.metadata.name, redis_setup_type: 'replication', 'redis-role': i === 0 ? 'master' : 'slave' }, serverPorts),
      );
      sentinels = Array.from({ length: (sentinel.spec as any).clusterSize as number }, (_, i) =>
        pod(`${sentinel.metadata.name}-sentinel-${i}`, { ...(sentinel.metadata.labels as Labels), app: `${sentinel.metadata.name}-sentinel`, redis_setup_type: 'sentinel' }, [{ name: 'sentinel', containerPort: REDIS.sentinelPort }]),
      );
    } else {
      const standalone = cr('Redis')!;
      redisServers = [pod(`${standalone.metadata.name}-0`, { ...(standalone.metadata.labels as Labels), app: standalone.metadata.name, redis_setup_type: 'standalone' }, serverPorts)];
      sentinels = [];
    }
    // The runbook's restore pod (charts/redis restorePod).
    restore = pod('redis-restore', standardLabels({ name: REDIS.restore.name, instance: 'redis', component: 'restore' }));

    // Strimzi's labels and ports (its KafkaCluster and KafkaPool models), per node pool.
    kafkaNodes = objects
      .filter((o) => o.kind === 'KafkaNodePool' && o.metadata.namespace === ns)
      .flatMap((p) => {
        const roles = (p.spec as any).roles as string[];
        const broker = roles.includes('broker');
        const controller = roles.includes('controller');
        const ports = [
          { name: 'tcp-kafkaagent', containerPort: STRIMZI_PORTS.agent },
          ...(controller ? [{ name: 'tcp-ctrlplane', containerPort: STRIMZI_PORTS.controlPlane }] : []),
          ...(broker ? [{ name: 'tcp-replication', containerPort: STRIMZI_PORTS.replication }, { name: `tcp-${KAFKA.listener.name}`, containerPort: KAFKA.listener.port }] : []),
          { name: 'tcp-prometheus', containerPort: STRIMZI_PORTS.metrics },
        ];
        return Array.from({ length: (p.spec as any).replicas as number }, (_, i) =>
          pod(
            `kafka-${p.metadata.name}-${i}`,
            {
              'strimzi.io/cluster': KAFKA.clusterName,
              'strimzi.io/kind': 'Kafka',
              'strimzi.io/name': `${KAFKA.clusterName}-kafka`,
              'strimzi.io/component-type': 'kafka',
              'strimzi.io/pool-name': p.metadata.name,
              'strimzi.io/broker-role': String(broker),
              'strimzi.io/controller-role': String(controller),
              'app.kubernetes.io/name': 'kafka',
              'app.kubernetes.io/instance': KAFKA.clusterName,
            },
            ports,
          ),
        );
      });
    entityOperator = pod(
      'entity operator',
      { 'strimzi.io/cluster': KAFKA.clusterName, 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': `${KAFKA.clusterName}-entity-operator`, 'strimzi.io/component-type': 'entity-operator' },
      [
        { name: 'healthcheck', containerPort: 8080 },
        { name: 'healthcheck', containerPort: 8081 },
      ],
    );

    cnpgOperator = renderedPod('Deployment', 'cloudnative-pg');
    plugin = renderedPod('Deployment', 'barman-cloud-plugin-barman-cloud');
    redisOperator = renderedPod('Deployment', 'redis-operator');
    strimziOperator = renderedPod('Deployment', 'strimzi-cluster-operator');
    snapshot = renderedPod('CronJob', REDIS.snapshot.name);
  });

  const brokers = () => kafkaNodes.filter((p) => p.labels['strimzi.io/broker-role'] === 'true');
  const controllers = () => kafkaNodes.filter((p) => p.labels['strimzi.io/controller-role'] === 'true');

  it('denies by default, with pods rendered there, and the exported pod labels select the rendered pods', () => {
    expect(dataPolicies.find((p) => p.metadata.name === 'default-deny')?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(selects({ matchLabels: CNPG_OPERATOR }, cnpgOperator.labels)).toBe(true);
    expect(selects({ matchLabels: BARMAN_CLOUD.podLabels }, plugin.labels)).toBe(true);
    expect(plugin.ports.map((p) => p.containerPort)).toContain(BARMAN_CLOUD.port);
    const pluginPort = (o: K8sObject) => (o.metadata.annotations as Record<string, string> | undefined)?.['cnpg.io/pluginPort'];
    const pluginService = objects.find((o) => o.kind === 'Service' && o.metadata.namespace === ns && pluginPort(o));
    expect(pluginService && pluginPort(pluginService)).toBe(String(BARMAN_CLOUD.port));
    expect(selects({ matchLabels: REDIS_OPERATOR }, redisOperator.labels)).toBe(true);
    expect(selects({ matchLabels: STRIMZI_OPERATOR }, strimziOperator.labels)).toBe(true);
    expect(selects({ matchLabels: REDIS_PODS.snapshot }, snapshot.labels)).toBe(true);
    for (const p of redisServers) expect(selects({ matchLabels: REDIS_PODS.server }, p.labels)).toBe(true);
    for (const p of sentinels) expect(selects({ matchLabels: REDIS_PODS.sentinel }, p.labels)).toBe(true);
    expect(selects({ matchLabels: REDIS_PODS.restore }, restore.labels)).toBe(true);
    expect(brokers().length).toBeGreaterThan(0);
    expect(controllers().length).toBeGreaterThan(0);
  });

  it("resolves every PodMonitor there to a pod's named port, and lets Prometheus scrape it", () => {
    const candidates = [...postgres, ...redisServers, ...sentinels, ...kafkaNodes, entityOperator, ...rendered.filter((p) => p.namespace === ns)];
    const monitors = objects.filter((o) => o.kind === 'PodMonitor' && o.metadata.namespace === ns);
    expect(monitors.length).toBeGreaterThan(0);
    for (const m of monitors) {
      const spec = m.spec as any;
      let targets = 0;
      for (const p of candidates.filter((c) => selects(spec.selector, c.labels))) {
        for (const e of spec.podMetricsEndpoints ?? []) {
          for (const port of p.ports.filter((c) => c.name === e.port)) {
            targets++;
            expect([m.metadata.name, p.what, port.containerPort, reaches(prometheus, p, port.containerPort)]).toEqual([m.metadata.name, p.what, port.containerPort, true]);
          }
        }
      }
      expect([m.metadata.name, targets > 0]).toEqual([m.metadata.name, true]);
    }
  });

  it('lets every service with database: true reach every Postgres instance on 5432, and no other service', () => {
    const db = services.filter((s) => s.database);
    expect(db.length).toBeGreaterThan(0);
    for (const s of services) {
      for (const p of postgres) {
        expect([s.name, p.what, reaches(client(s), p, CNPG.ports.postgresql)]).toEqual([s.name, p.what, !!s.database]);
        expect([s.name, p.what, dataAdmits(client(s), p, CNPG.ports.postgresql)]).toEqual([s.name, p.what, !!s.database]);
        // Nothing but PostgreSQL: not the instance manager, not the recovery side cluster.
        expect(dataAdmits(client(s), p, CNPG.ports.status)).toBe(false);
      }
      for (const p of pitr) expect(dataAdmits(client(s), p, CNPG.ports.postgresql)).toBe(false);
    }
  });

  it('lets the CloudNativePG operator reach every instance and the Barman Cloud plugin, and the instances replicate and archive to S3', () => {
    for (const p of [...postgres, pitr[0]]) {
      expect([p.what, reaches(cnpgOperator, p, CNPG.ports.status)]).toEqual([p.what, true]);
      expect([p.what, reaches(cnpgOperator, p, CNPG.ports.postgresql)]).toEqual([p.what, true]);
    }
    expect(reaches(cnpgOperator, plugin, BARMAN_CLOUD.port)).toBe(true);
    for (const a of postgres) {
      for (const b of postgres) {
        expect([a.what, b.what, reaches(a, b, CNPG.ports.postgresql)]).toEqual([a.what, b.what, true]);
        expect([a.what, b.what, reaches(a, b, CNPG.ports.status)]).toEqual([a.what, b.what, true]);
      }
      expect([joinJob.what, a.what, reaches(joinJob, a, CNPG.ports.postgresql)]).toEqual([joinJob.what, a.what, true]);
      expect([a.what, reaches(a, 'world', 443)]).toEqual([a.what, true]);
      // The recovery side cluster never talks to the live one.
      expect(reaches(pitr[0], a, CNPG.ports.postgresql)).toBe(false);
    }
    for (const p of pitr) expect([p.what, reaches(p, 'world', 443)]).toEqual([p.what, true]);
    // The plugin's own pod and the operator never reach S3, and other operators never reach Postgres.
    expect(reaches(plugin, 'world', 443)).toBe(false);
    expect(reaches(cnpgOperator, 'world', 443)).toBe(false);
    for (const other of [redisOperator, strimziOperator, snapshot]) expect([other.what, reaches(other, postgres[0], CNPG.ports.postgresql)]).toEqual([other.what, false]);
  });

  it('lets every service with redis: true reach the Redis instances on 6379 only, and no other service', () => {
    expect(services.filter((s) => s.redis).length).toBeGreaterThan(0);
    for (const s of services) {
      for (const p of redisServers) {
        expect([s.name, p.what, reaches(client(s), p, REDIS.port)]).toEqual([s.name, p.what, !!s.redis]);
        expect([s.name, p.what, dataAdmits(client(s), p, REDIS.port)]).toEqual([s.name, p.what, !!s.redis]);
      }
      for (const p of sentinels) expect([s.name, p.what, dataAdmits(client(s), p, REDIS.sentinelPort)]).toEqual([s.name, p.what, false]);
    }
  });

  it('lets Redis replicate, the Sentinels monitor and vote, the operator manage, and the snapshot and restore pods copy', () => {
    for (const p of redisServers) {
      expect([p.what, reaches(redisOperator, p, REDIS.port)]).toEqual([p.what, true]);
      expect([p.what, reaches(snapshot, p, REDIS.port)]).toEqual([p.what, true]);
      expect([p.what, reaches(restore, p, REDIS.port)]).toEqual([p.what, true]);
      for (const q of redisServers) if (q !== p) expect([q.what, p.what, reaches(q, p, REDIS.port)]).toEqual([q.what, p.what, true]);
      for (const s of sentinels) expect([s.what, p.what, reaches(s, p, REDIS.port)]).toEqual([s.what, p.what, true]);
      expect([p.what, reaches(p, 'world', 443)]).toEqual([p.what, false]);
    }
    for (const s of sentinels) {
      expect([s.what, reaches(redisOperator, s, REDIS.sentinelPort)]).toEqual([s.what, true]);
      for (const t of sentinels) if (t !== s) expect([t.what, s.what, reaches(t, s, REDIS.sentinelPort)]).toEqual([t.what, s.what, true]);
    }
    expect(reaches(snapshot, 'world', 443)).toBe(true);
    expect(reaches(restore, 'world', 443)).toBe(false);
    // Other operators never reach Redis.
    for (const other of [cnpgOperator, strimziOperator]) expect([other.what, reaches(other, redisServers[0], REDIS.port)]).toEqual([other.what, false]);
  });

  it('lets every Kafka client reach the brokers on the TLS listener only, and no other service', () => {
    expect(services.filter(usesKafka).length).toBeGreaterThan(0);
    for (const s of services) {
      for (const b of brokers()) {
        expect([s.name, b.what, reaches(client(s), b, KAFKA.listener.port)]).toEqual([s.name, b.what, usesKafka(s)]);
        expect([s.name, b.what, dataAdmits(client(s), b, KAFKA.listener.port)]).toEqual([s.name, b.what, usesKafka(s)]);
        expect([s.name, b.what, dataAdmits(client(s), b, STRIMZI_PORTS.replication)]).toEqual([s.name, b.what, false]);
      }
    }
  });

  it('lets the Kafka nodes form their quorum and replicate, and the Strimzi operators administer them', () => {
    for (const n of kafkaNodes) {
      for (const c of controllers()) expect([n.what, c.what, reaches(n, c, STRIMZI_PORTS.controlPlane)]).toEqual([n.what, c.what, true]);
      expect([n.what, reaches(strimziOperator, n, STRIMZI_PORTS.agent)]).toEqual([n.what, true]);
      expect([n.what, reaches(n, 'world', 443)]).toEqual([n.what, false]);
    }
    for (const b of brokers()) {
      for (const o of brokers()) expect([o.what, b.what, reaches(o, b, STRIMZI_PORTS.replication)]).toEqual([o.what, b.what, true]);
      expect([b.what, reaches(strimziOperator, b, STRIMZI_PORTS.replication)]).toEqual([b.what, true]);
      expect([b.what, reaches(entityOperator, b, STRIMZI_PORTS.replication)]).toEqual([b.what, true]);
      // The entity operator is no client of the TLS listener, and other operators never reach the brokers.
      expect(reaches(entityOperator, b, KAFKA.listener.port)).toBe(false);
      for (const other of [cnpgOperator, redisOperator, snapshot]) expect([other.what, b.what, reaches(other, b, STRIMZI_PORTS.replication)]).toEqual([other.what, b.what, false]);
    }
    for (const c of controllers()) expect([c.what, reaches(strimziOperator, c, STRIMZI_PORTS.controlPlane)]).toEqual([c.what, true]);
    expect(reaches(entityOperator, 'world', 443)).toBe(false);
  });

  it('gives the world on 443 to the pods that call S3 only, and keeps a stray pod there and one elsewhere out', () => {
    const callers = [snapshot, ...postgres, ...pitr];
    const others = [cnpgOperator, plugin, redisOperator, strimziOperator, restore, joinJob, ...redisServers, ...sentinels, ...kafkaNodes, entityOperator];
    for (const p of callers) expect([p.what, reaches(p, 'world', 443)]).toEqual([p.what, true]);
    for (const p of others) expect([p.what, reaches(p, 'world', 443)]).toEqual([p.what, false]);
    for (const p of [...callers, ...others]) expect([p.what, reaches(p, 'world', 80)]).toEqual([p.what, false]);
    // A pod nothing declares, in this namespace or another: it reaches nothing here, and nothing reaches it.
    const stray = pod('a stray pod in data', { 'app.kubernetes.io/name': 'stray' }, [{ containerPort: 8080 }]);
    const stranger = pod('a pod in another namespace', { 'app.kubernetes.io/name': 'stranger' }, [], 'stranger');
    const targets: [Pod, number][] = [
      ...postgres.map((p): [Pod, number] => [p, CNPG.ports.postgresql]),
      ...redisServers.map((p): [Pod, number] => [p, REDIS.port]),
      ...sentinels.map((p): [Pod, number] => [p, REDIS.sentinelPort]),
      ...brokers().map((p): [Pod, number] => [p, KAFKA.listener.port]),
      ...brokers().map((p): [Pod, number] => [p, STRIMZI_PORTS.replication]),
      ...controllers().map((p): [Pod, number] => [p, STRIMZI_PORTS.controlPlane]),
      [plugin, BARMAN_CLOUD.port],
    ];
    for (const [t, port] of targets) {
      for (const from of [stray, stranger]) expect([from.what, t.what, port, reaches(from, t, port)]).toEqual([from.what, t.what, port, false]);
    }
    expect(reaches(stray, 'world', 443)).toBe(false);
    for (const p of [cnpgOperator, redisOperator, strimziOperator]) expect([p.what, reaches(p, stray, 8080)]).toEqual([p.what, false]);
  });
});
