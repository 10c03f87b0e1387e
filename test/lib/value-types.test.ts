import { Endpoint } from '../../lib/endpoint';
import { ImageRef } from '../../lib/image-ref';
import { Storage } from '../../lib/storage';
import { TierPolicy, ZoneSpread } from '../../lib/tier-policy';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('ImageRef', () => {
  it('splits registry, name, tag and digest as written and spells out Docker Hub short forms', () => {
    const r = ImageRef.parse(`ghcr.io/acme/orders:1.8.0@${DIGEST}`);
    expect([r.registry, r.name, r.tag, r.digest, r.hasSha256Digest]).toEqual(['ghcr.io', 'ghcr.io/acme/orders', '1.8.0', DIGEST, true]);
    expect(r.withoutDigest).toBe('ghcr.io/acme/orders:1.8.0');
    expect(String(r)).toBe(`ghcr.io/acme/orders:1.8.0@${DIGEST}`);
    expect(ImageRef.parse('busybox:1.37').canonicalRepository).toBe('docker.io/library/busybox');
    expect(ImageRef.parse('moby/buildkit:v0.25.1-rootless').canonicalRepository).toBe('docker.io/moby/buildkit');
  });

  it('tells a registry port from a tag', () => {
    const r = ImageRef.parse(`localhost:5000/team/app@${DIGEST}`);
    expect([r.registry, r.name, r.tag]).toEqual(['localhost:5000', 'localhost:5000/team/app', undefined]);
    expect(r.registryPrefix).toBe('localhost:5000/team/');
  });

  it('refuses two digests and an empty name, and knows a digest that is not sha256', () => {
    expect(() => ImageRef.parse('a@b@c')).toThrow(/not an image reference/);
    expect(() => ImageRef.parse('@sha256:x')).toThrow(/not an image reference/);
    expect(ImageRef.parse('a:1@sha256:abc').hasSha256Digest).toBe(false);
  });
});

describe('Storage', () => {
  it('parses binary units and prints the largest whole one', () => {
    expect(String(Storage.parse('20Gi'))).toBe('20Gi');
    expect(String(Storage.parse('2048Mi'))).toBe('2Gi');
    expect(String(Storage.gibibytes(1024))).toBe('1Ti');
    expect(String(Storage.mebibytes(512).plus(Storage.gibibytes(1)))).toBe('1536Mi');
    expect(JSON.stringify({ size: Storage.gibibytes(5).times(2) })).toBe('{"size":"10Gi"}');
  });

  it('refuses decimal units, fractions and zero with the expected form', () => {
    expect(() => Storage.parse('20G')).toThrow(/not a storage size: "20G" \(expected a whole number of Mi, Gi or Ti/);
    expect(() => Storage.parse('1.5Gi')).toThrow(/not a storage size/);
    expect(() => Storage.gibibytes(0)).toThrow(/positive whole number of GiB, got 0/);
  });
});

describe('Endpoint', () => {
  it('builds the cluster DNS name and leaves out default ports', () => {
    const e = Endpoint.service('mimir-gateway', 'observability', 80);
    expect(e.host).toBe('mimir-gateway.observability.svc.cluster.local');
    expect(e.url('/api/v1/push')).toBe('http://mimir-gateway.observability.svc.cluster.local/api/v1/push');
    expect(Endpoint.service('openbao', 'security', 8200, 'https').url()).toBe('https://openbao.security.svc.cluster.local:8200');
    expect(Endpoint.service('tempo', 'observability', 4317).hostPort).toBe('tempo.observability.svc.cluster.local:4317');
  });

  it('refuses a port outside 1-65535', () => {
    expect(() => Endpoint.service('x', 'y', 0)).toThrow(/port must be 1-65535, got 0/);
  });
});

describe('TierPolicy', () => {
  const dev = TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false });
  const staging = TierPolicy.of({ tier: 'staging', highAvailability: true, nodeGroupPerZone: false });
  const prod = TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true });

  it('spreads replicated workloads as a hard rule only where every zone has its own node group', () => {
    expect([dev.zoneSpread, staging.zoneSpread, prod.zoneSpread]).toEqual([ZoneSpread.None, ZoneSpread.Preferred, ZoneSpread.Required]);
    expect(dev.zoneSpreadConstraints({ app: 'x' })).toEqual([]);
    expect(staging.zoneSpreadConstraints({ app: 'x' })[0].whenUnsatisfiable).toBe('ScheduleAnyway');
    expect(prod.zoneSpreadConstraints({ app: 'x' })).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'x' } } },
    ]);
  });

  it('never makes a stateless controller wait for a zone', () => {
    expect(prod.whenUnsatisfiable('controller')).toBe('ScheduleAnyway');
    expect(dev.whenUnsatisfiable('controller')).toBeUndefined();
  });

  it('picks replicas and sizes by tier', () => {
    expect([dev.replicas(3), prod.replicas(3), dev.replicas(3, 2)]).toEqual([1, 3, 2]);
    expect(staging.sized({ dev: 's', staging: 'm', prod: 'l' })).toBe('m');
    expect(() => prod.replicas(0)).toThrow(/positive whole number, got 0/);
  });
});
