import { kafkaComponent, KafkaProps } from '../../charts/kafka';
import { ManifestSource } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { Resources } from '../../lib/resources';

const size = { resources: Resources.of({ cpu: '100m', memory: '768Mi' }, { cpu: '1', memory: '1Gi' }), storage: '10Gi' };
const props: KafkaProps = {
  namespace: 'data',
  highAvailability: true,
  topics: ['b.events', 'a.events', 'b.events'],
  clientPeers: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } } }],
  partitions: 3,
  dual: size,
  controllers: size,
  brokers: size,
};
const render = (p: KafkaProps): K8sObject[] => synthObjects(kafkaComponent(p).source as ManifestSource);

describe('kafka', () => {
  const ha = render(props);
  const kafka = ha.find((o) => o.kind === 'Kafka') as any;

  it('uses kafka.strimzi.io/v1 only', () => {
    expect(new Set(ha.filter((o) => o.apiVersion.startsWith('kafka.strimzi.io')).map((o) => o.apiVersion))).toEqual(new Set(['kafka.strimzi.io/v1']));
  });

  it('runs three controllers and three brokers, each pool spread across zones, with rack awareness', () => {
    const pools = ha.filter((o) => o.kind === 'KafkaNodePool') as any[];
    expect(pools.map((p) => [p.metadata.name, p.spec.roles, p.spec.replicas])).toEqual([
      ['controller', ['controller'], 3],
      ['broker', ['broker'], 3],
    ]);
    for (const p of pools) {
      expect(p.metadata.labels['strimzi.io/cluster']).toBe('kafka');
      expect(p.spec.template.pod.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    }
    expect(kafka.spec.kafka.rack.topologyKey).toBe('topology.kubernetes.io/zone');
  });

  it('has one KafkaTopic per distinct topic with replication 3 and min.insync.replicas 2', () => {
    const topics = ha.filter((o) => o.kind === 'KafkaTopic') as any[];
    expect(topics.map((t) => t.metadata.name)).toEqual(['a.events', 'b.events']);
    expect(topics[0].spec).toMatchObject({ partitions: 3, replicas: 3, config: { 'min.insync.replicas': 2 } });
    expect(kafka.spec.kafka.config['auto.create.topics.enable']).toBe(false);
  });

  it('exposes one plain internal listener on 9092 restricted to the client pods, with metrics and PodMonitors', () => {
    expect(kafka.spec.kafka.listeners).toEqual([
      { name: 'plain', port: 9092, type: 'internal', tls: false, networkPolicyPeers: props.clientPeers },
    ]);
    expect(kafka.spec.kafka.metricsConfig.type).toBe('strimziMetricsReporter');
    expect(ha.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name)).toEqual(['kafka-resources-metrics', 'kafka-entity-operator-metrics']);
  });

  it('runs one dual-role node with replication 1 in dev, and never opens the listener to everyone', () => {
    const dev = render({ ...props, highAvailability: false, clientPeers: [], partitions: 1 });
    const pools = dev.filter((o) => o.kind === 'KafkaNodePool') as any[];
    expect(pools.map((p) => [p.metadata.name, p.spec.roles, p.spec.replicas])).toEqual([['dual', ['controller', 'broker'], 1]]);
    const topic = dev.find((o) => o.kind === 'KafkaTopic') as any;
    expect(topic.spec).toMatchObject({ partitions: 1, replicas: 1, config: { 'min.insync.replicas': 1 } });
    const k = dev.find((o) => o.kind === 'Kafka') as any;
    expect(k.spec.kafka.listeners[0].networkPolicyPeers).toEqual([{ podSelector: { matchLabels: { 'strimzi.io/cluster': 'kafka' } } }]);
  });

  it('rejects an even controller quorum', () => {
    expect(() => kafkaComponent({ ...props, replicas: 2 })).toThrow(/odd number of at least 3/);
  });
});
