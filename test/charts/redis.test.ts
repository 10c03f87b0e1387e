import { redisComponent, RedisProps } from '../../charts/redis';
import { IMAGES } from '../../config/versions';
import { ManifestSource } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { Resources } from '../../lib/resources';

const props: RedisProps = {
  namespace: 'data',
  highAvailability: true,
  images: { redis: IMAGES.redis, sentinel: IMAGES.redisSentinel, exporter: IMAGES.redisExporter },
  resources: Resources.of({ cpu: '25m', memory: '128Mi' }, { cpu: '500m', memory: '256Mi' }),
  storageSize: '2Gi',
};
const render = (p: RedisProps): K8sObject[] => synthObjects(redisComponent(p).source as ManifestSource);
const find = (objs: K8sObject[], kind: string) => objs.find((o) => o.kind === kind) as any;

describe('redis', () => {
  const ha = render(props);

  it('runs replication (3) with a Sentinel quorum (3), both spread across zones, in HA', () => {
    const repl = find(ha, 'RedisReplication');
    expect(repl.spec.clusterSize).toBe(3);
    expect(repl.spec.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    const sentinel = find(ha, 'RedisSentinel');
    expect(sentinel.spec.clusterSize).toBe(3);
    expect(sentinel.spec.redisSentinelConfig).toMatchObject({ redisReplicationName: repl.metadata.name, quorum: '2' });
    expect(find(ha, 'Redis')).toBeUndefined();
  });

  it('takes the password from redis-auth and runs the exporter with requests and limits', () => {
    const repl = find(ha, 'RedisReplication');
    expect(repl.spec.kubernetesConfig.redisSecret).toEqual({ name: 'redis-auth', key: 'password' });
    expect(repl.spec.redisExporter).toMatchObject({ enabled: true, image: IMAGES.redisExporter });
    expect(repl.spec.redisExporter.resources.limits.memory).toBeDefined();
    expect(repl.spec.kubernetesConfig.resources).toEqual(props.resources.toK8s());
    expect(redisComponent(props).secrets).toEqual([expect.objectContaining({ namespace: 'data', name: 'redis-auth', data: { password: { path: 'data/redis', property: 'password' } } })]);
  });

  it('serves clients on Service redis:6379, which follows the master (HA) or the standalone (dev)', () => {
    const svc = find(ha, 'Service');
    expect(svc.metadata.name).toBe('redis');
    expect(svc.spec.ports[0].port).toBe(6379);
    expect(svc.spec.selector).toEqual({ app: 'redis-replication', redis_setup_type: 'replication', 'redis-role': 'master' });
    const dev = render({ ...props, highAvailability: false });
    expect(find(dev, 'Redis').metadata.name).toBe('redis-standalone');
    expect(find(dev, 'RedisReplication')).toBeUndefined();
    expect(find(dev, 'Service').spec.selector).toEqual({ app: 'redis-standalone', redis_setup_type: 'standalone' });
  });

  it('runs as non-root with RuntimeDefault seccomp and no capabilities (read-only root only for the exporter, named exception)', () => {
    const repl = find(ha, 'RedisReplication');
    expect(repl.spec.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(repl.spec.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(repl.spec.redisExporter.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('rejects an even Sentinel count', () => {
    expect(() => redisComponent({ ...props, replicas: 4 })).toThrow(/odd number of at least 3/);
  });
});
