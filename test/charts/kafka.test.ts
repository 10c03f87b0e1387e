import { KAFKA_ACCESS, kafkaComponent, kafkaEndpoints, KafkaProps, kafkaUserSecret, REBUILD_RUNBOOK } from '../../charts/kafka';
import { recoveryKeys } from '../../lib/backup';
import { ManifestSource } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { LabelDomain } from '../../lib/labels';
import { K8sObject, synthObjects } from '../../lib/render';
import { Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';

const PROD = TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true });
const STAGING = TierPolicy.of({ tier: 'staging', highAvailability: true, nodeGroupPerZone: false });
const DEV = TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false });
const size = { resources: Resources.of({ cpu: '100m', memory: '768Mi' }, { cpu: '1', memory: '1Gi' }), storage: Storage.gibibytes(10) };
const props: KafkaProps = {
  namespace: 'data',
  tierPolicy: PROD,
  topics: ['b.events', 'a.events', 'b.events'],
  clientPeers: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } } }],
  clients: [
    { name: 'orders', produces: ['a.events'], consumes: ['b.events'], reader: { namespace: 'apps', serviceAccount: 'orders-data-reader', externalSecret: 'orders-kafka' } },
    { name: 'audit', produces: [], consumes: ['a.events', 'b.events'], reader: { namespace: 'apps', serviceAccount: 'audit-data-reader', externalSecret: 'audit-kafka' } },
  ],
  partitions: 3,
  dual: size,
  controllers: size,
  brokers: size,
  labelDomain: LabelDomain.of('platform.example.com'),
};
const render = (p: KafkaProps): K8sObject[] => synthObjects(kafkaComponent(p).source as ManifestSource);

describe('kafka', () => {
  const ha = render(props);
  const kafka = ha.find((o) => o.kind === 'Kafka') as any;

  it('uses kafka.strimzi.io/v1 only', () => {
    expect(new Set(ha.filter((o) => o.apiVersion.startsWith('kafka.strimzi.io')).map((o) => o.apiVersion))).toEqual(new Set(['kafka.strimzi.io/v1']));
  });

  it('runs three controllers and three brokers, each pool spread across zones as a hard rule in prod, with rack awareness', () => {
    const pools = ha.filter((o) => o.kind === 'KafkaNodePool') as any[];
    expect(pools.map((p) => [p.metadata.name, p.spec.roles, p.spec.replicas])).toEqual([
      ['controller', ['controller'], 3],
      ['broker', ['broker'], 3],
    ]);
    for (const p of pools) {
      expect(p.metadata.labels['strimzi.io/cluster']).toBe('kafka');
      expect(p.spec.template.pod.topologySpreadConstraints).toEqual([
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'strimzi.io/cluster': 'kafka', 'strimzi.io/pool-name': p.metadata.name } } },
      ]);
      expect(p.spec.storage.volumes[0].size).toBe('10Gi');
    }
    expect(kafka.spec.kafka.rack.topologyKey).toBe('topology.kubernetes.io/zone');
  });

  it('prefers the zone spread in staging, where the autoscaler cannot pick a zone', () => {
    const pools = render({ ...props, tierPolicy: STAGING }).filter((o) => o.kind === 'KafkaNodePool') as any[];
    expect(pools.flatMap((p) => p.spec.template.pod.topologySpreadConstraints.map((c: any) => c.whenUnsatisfiable))).toEqual(['ScheduleAnyway', 'ScheduleAnyway']);
  });

  it('serves the bootstrap endpoint on the TLS listener of the Service Strimzi names after the cluster', () => {
    const bootstrap = kafkaEndpoints('data').bootstrap;
    expect(bootstrap.hostPort).toBe(`${kafka.metadata.name}-kafka-bootstrap.data.svc.cluster.local:${kafka.spec.kafka.listeners[0].port}`);
    expect(bootstrap.port).toBe(KAFKA_ACCESS.port);
  });

  it('has one KafkaTopic per distinct topic with replication 3 and min.insync.replicas 2', () => {
    const topics = ha.filter((o) => o.kind === 'KafkaTopic') as any[];
    expect(topics.map((t) => t.metadata.name)).toEqual(['a.events', 'b.events']);
    expect(topics[0].spec).toMatchObject({ partitions: 3, replicas: 3, config: { 'min.insync.replicas': 2 } });
    expect(kafka.spec.kafka.config['auto.create.topics.enable']).toBe(false);
  });

  it('exposes one TLS listener with SCRAM-SHA-512 on 9093 restricted to the client pods, simple authorization, with metrics and PodMonitors', () => {
    expect(kafka.spec.kafka.listeners).toEqual([
      { name: 'tls', port: 9093, type: 'internal', tls: true, authentication: { type: 'scram-sha-512' }, networkPolicyPeers: props.clientPeers },
    ]);
    expect(kafka.spec.kafka.authorization).toEqual({ type: 'simple' });
    expect(kafka.spec.kafka.metricsConfig.type).toBe('strimziMetricsReporter');
    expect(ha.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name)).toEqual(['kafka-resources-metrics', 'kafka-entity-operator-metrics']);
  });

  it('runs one dual-role node with replication 1 in dev, and never opens the listener to everyone', () => {
    const dev = render({ ...props, tierPolicy: DEV, clientPeers: [], partitions: 1 });
    const pools = dev.filter((o) => o.kind === 'KafkaNodePool') as any[];
    expect(pools.map((p) => [p.metadata.name, p.spec.roles, p.spec.replicas])).toEqual([['dual', ['controller', 'broker'], 1]]);
    expect(pools[0].spec.template.pod.topologySpreadConstraints).toBeUndefined();
    const topic = dev.find((o) => o.kind === 'KafkaTopic') as any;
    expect(topic.spec).toMatchObject({ partitions: 1, replicas: 1, config: { 'min.insync.replicas': 1 } });
    const k = dev.find((o) => o.kind === 'Kafka') as any;
    expect(k.spec.kafka.listeners[0].networkPolicyPeers).toEqual([{ podSelector: { matchLabels: { 'strimzi.io/cluster': 'kafka' } } }]);
  });

  it('states on the Kafka resource that it has no backup and accepts losing up to the topics retention, naming the rebuild runbook', () => {
    const k = recoveryKeys(props.labelDomain);
    expect(kafka.metadata.annotations[k.rpo]).toBe('7d');
    expect(kafka.metadata.annotations[k.recovery]).toMatch(/^accepted loss: replication factor 3 across zones with min\.insync\.replicas 2/);
    expect(kafka.metadata.annotations[k.recovery]).toContain('not consistent with each other');
    expect(kafka.metadata.annotations[k.runbook]).toBe(REBUILD_RUNBOOK);
    const dev = render({ ...props, tierPolicy: DEV }).find((o) => o.kind === 'Kafka') as any;
    expect(dev.metadata.annotations[k.recovery]).toMatch(/^accepted loss: one broker, no replication/);
    const rebuild = kafkaComponent(props).runbook!.find((r) => r.title === REBUILD_RUNBOOK)!;
    expect(rebuild.phase).toBe('operations');
    expect(rebuild.body).toContain('kubectl -n data delete pvc -l strimzi.io/cluster=kafka');
  });

  it('keeps messages for the retention it is given, and declares that retention as the RPO', () => {
    const objs = render({ ...props, retention: Duration.days(3) });
    expect((objs.find((o) => o.kind === 'KafkaTopic') as any).spec.config['retention.ms']).toBe(3 * 86_400_000);
    expect((objs.find((o) => o.kind === 'Kafka') as any).metadata.annotations[recoveryKeys(props.labelDomain).rpo]).toBe('3d');
    expect(() => kafkaComponent({ ...props, retention: Duration.seconds(0) })).toThrow(/retention must be longer than 0s/);
  });

  it('rejects an even controller quorum', () => {
    expect(() => kafkaComponent({ ...props, replicas: 2 })).toThrow(/odd number of at least 3/);
  });
});

describe('kafka users', () => {
  const objs = render(props);
  const kafka = objs.find((o) => o.kind === 'Kafka') as any;
  const users = objs.filter((o) => o.kind === 'KafkaUser') as any[];
  const acls = (name: string) => users.find((u) => u.metadata.name === name).spec.authorization.acls.map((a: any) => `${a.resource.type}:${a.resource.name}:${a.operations.join('+')}`);

  it('runs the User Operator, which writes each user Secret with the shared prefix', () => {
    expect(kafka.spec.entityOperator.userOperator.secretPrefix).toBe(KAFKA_ACCESS.userSecretPrefix);
    expect(kafka.spec.entityOperator.userOperator.resources.requests.memory).toBeDefined();
    expect(kafkaUserSecret('orders')).toBe(`${KAFKA_ACCESS.userSecretPrefix}orders`);
  });

  it('gives each client one SCRAM KafkaUser with exactly its topics and its own consumer group', () => {
    expect(users.map((u) => u.metadata.name)).toEqual(['audit', 'orders']);
    for (const u of users) {
      expect(u.metadata.labels['strimzi.io/cluster']).toBe('kafka');
      expect(u.spec.authentication).toEqual({ type: 'scram-sha-512' });
      expect(u.spec.authorization.type).toBe('simple');
    }
    expect(acls('orders')).toEqual(['topic:a.events:Write+Describe', 'topic:b.events:Read+Describe', 'group:orders:Read']);
    expect(acls('audit')).toEqual(['topic:a.events:Read+Describe', 'topic:b.events:Read+Describe', 'group:audit:Read']);
  });

  it("lets each client's reader get only its own password Secret and the cluster CA certificate", () => {
    const role = objs.find((o) => o.kind === 'Role' && o.metadata.name === 'kafka-credentials-orders') as any;
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['kafka-user-orders', KAFKA_ACCESS.clusterCaSecret], verbs: ['get'] }]);
    expect(KAFKA_ACCESS.clusterCaSecret).toBe(`${kafka.metadata.name}-cluster-ca-cert`);
    const binding = objs.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'kafka-credentials-orders') as any;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'orders-data-reader', namespace: 'apps' }]);
    expect(objs.some((o) => o.kind === 'Secret')).toBe(false);
  });

  it('rejects a client that uses an undeclared topic or no topic at all, naming the client', () => {
    const reader = { namespace: 'apps', serviceAccount: 'x-data-reader', externalSecret: 'x-kafka' };
    expect(() => kafkaComponent({ ...props, clients: [{ name: 'x', produces: ['c.events'], consumes: [], reader }] })).toThrow(/client "x" uses topic "c\.events", which is not in topics/);
    expect(() => kafkaComponent({ ...props, clients: [{ name: 'x', produces: [], consumes: [], reader }] })).toThrow(/client "x" neither produces nor consumes/);
  });

  it('tells the rebuild runbook to refresh every client credential copy and restart the client', () => {
    const rebuild = kafkaComponent(props).runbook!.find((r) => r.title === REBUILD_RUNBOOK)!;
    expect(rebuild.body).toContain('kubectl -n apps annotate externalsecrets.external-secrets.io orders-kafka force-sync=');
    expect(rebuild.body).toContain('kubectl -n apps patch rollout audit');
  });
});
