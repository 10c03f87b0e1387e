import { K8sObject } from '../../lib/render';
import {
  assertImageLock,
  configImages,
  EMPTY_IMAGE_LOCK,
  formatImageLock,
  imageFieldsOf,
  imageLockCoverage,
  imageLockViolations,
  imagesOf,
  imagesToLock,
  lockKey,
  parseImage,
  parseImageLock,
} from '../../lib/image-lock';
import { hydratedFixture } from '../support';

jest.setTimeout(120_000);

const ORDERS_DIGEST = `sha256:${'c14cf50f'.repeat(8)}`;
const OTHER_DIGEST = `sha256:${'0'.repeat(64)}`;

describe('image lock', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = [...(await hydratedFixture('prod')).objects.values()].flat();
  });

  it('normalises references the way registries name them, so a lock key matches every spelling of an image', () => {
    expect(parseImage('alpine:3.20')).toEqual({ repository: 'docker.io/library/alpine', tag: '3.20' });
    expect(parseImage('moby/buildkit:v0.25.1-rootless')).toEqual({ repository: 'docker.io/moby/buildkit', tag: 'v0.25.1-rootless' });
    expect(parseImage(`localhost:5000/a/b:1@${OTHER_DIGEST}`)).toEqual({ repository: 'localhost:5000/a/b', tag: '1', digest: OTHER_DIGEST });
    expect(lockKey('docker.io/moby/buildkit:v0.25.1-rootless')).toBe(lockKey('moby/buildkit:v0.25.1-rootless'));
    expect(lockKey('ghcr.io/acme/orders')).toBeUndefined();
  });

  it('finds the image of every container in the rendered objects, Tekton steps and rollouts included', () => {
    const images = objects.flatMap((o) => imagesOf(o).map((i) => i.image));
    expect(images.length).toBeGreaterThan(50);
    expect(images.some((i) => i.startsWith('docker.io/moby/buildkit:'))).toBe(true);
    expect(images.some((i) => /^ghcr\.io\/acme\/orders:[^@]+@sha256:/.test(i))).toBe(true);
  });

  it('accepts the rendered output with an empty lock and with a lock that agrees with its digests', () => {
    expect(imageLockViolations(objects, EMPTY_IMAGE_LOCK)).toEqual([]);
    const agreeing: Record<string, string> = {};
    for (const o of objects) {
      for (const { image } of imagesOf(o)) {
        const p = parseImage(image);
        if (p.digest && p.tag) agreeing[lockKey(image)!] = p.digest;
      }
    }
    expect(Object.keys(agreeing).length).toBeGreaterThan(0);
    expect(() => assertImageLock(objects, { version: 1, images: agreeing })).not.toThrow();
  });

  it('refuses a rendered image whose digest differs from the one the lock pins for its tag, naming the object and the fix', () => {
    const orders = objects.flatMap((o) => imagesOf(o).map((i) => i.image)).find((i) => i.startsWith('ghcr.io/acme/orders:'))!;
    const lock = { version: 1 as const, images: { [lockKey(orders)!]: OTHER_DIGEST } };
    const v = imageLockViolations(objects, lock);
    expect(v.length).toBeGreaterThan(0);
    expect(v[0]).toMatch(/^Rollout apps\/orders spec\.template\.spec\.containers\[\d+\] \(\w[\w-]*\): ghcr\.io\/acme\/orders:/);
    expect(v[0]).toContain(`but images.lock.json pins ${lockKey(orders)} to ${OTHER_DIGEST}`);
    expect(() => assertImageLock(objects, lock)).toThrow(/re-resolve with npm run vendor/);
  });

  it('rejects a malformed lock with the key path and the fix, and writes keys sorted', () => {
    expect(() => parseImageLock('{"version":2,"images":{}}')).toThrow(/version must be 1, got 2/);
    expect(() => parseImageLock('{"version":1,"images":{"ghcr.io/acme/orders:1.8.0":"sha256:abc"}}')).toThrow(/images\."ghcr\.io\/acme\/orders:1\.8\.0": "sha256:abc" is not a digest/);
    expect(() => parseImageLock(`{"version":1,"images":{"alpine:latest":"${OTHER_DIGEST}"}}`)).toThrow(/images\."alpine:latest": the key must be/);
    expect(() => parseImageLock(`{"version":1,"images":{"alpine:3.20":"${OTHER_DIGEST}"}}`)).toThrow(/write the key normalised, as "docker\.io\/library\/alpine:3\.20"/);
    const text = formatImageLock({ version: 1, images: { 'ghcr.io/b:1': ORDERS_DIGEST, 'docker.io/a/a:1': OTHER_DIGEST } });
    expect(Object.keys(parseImageLock(text).images)).toEqual(['docker.io/a/a:1', 'ghcr.io/b:1']);
  });
});

describe('what the lock holds (npm run vendor -- --images)', () => {
  it('writes keys in code-point order, the same on every machine whatever its locale', () => {
    const text = formatImageLock({ version: 1, images: { 'quay.io/a/b:v0': ORDERS_DIGEST, 'quay.io/a/b:V1': OTHER_DIGEST, 'quay.io/a/b-c:1': OTHER_DIGEST } });
    expect(Object.keys(JSON.parse(text).images)).toEqual(['quay.io/a/b-c:1', 'quay.io/a/b:V1', 'quay.io/a/b:v0']);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('finds images in containers and in the fields operators make pods from, not in pull policies', () => {
    const prometheus = { kind: 'Prometheus', spec: { image: 'quay.io/prometheus/prometheus:v3.14.0', imagePullPolicy: 'IfNotPresent' } };
    const cluster = { kind: 'Cluster', spec: { imageName: 'ghcr.io/cloudnative-pg/postgresql:18.2' } };
    const cm = { kind: 'ConfigMap', data: { SIDECAR_IMAGE: 'ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar:v0.13.0', other: 'x' } };
    const pod = { kind: 'Pod', spec: { containers: [{ name: 'a', image: 'busybox:1.37.0' }], initContainers: [{ name: 'b', image: 'alpine:3.20' }] } };
    expect([prometheus, cluster, cm, pod].flatMap(imageFieldsOf)).toEqual([
      'quay.io/prometheus/prometheus:v3.14.0',
      'ghcr.io/cloudnative-pg/postgresql:18.2',
      'ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar:v0.13.0',
      'busybox:1.37.0',
      'alpine:3.20',
    ]);
  });

  it('locks each tag-only image once under its normalised key, and leaves out digests, templates, untagged and latest', () => {
    const wanted = imagesToLock([
      ...configImages({ busybox: 'docker.io/library/busybox:1.37.0-musl' }),
      { image: 'busybox:1.37.0-musl', from: 'dist/a.yaml' },
      { image: `ghcr.io/acme/orders:1.8.0@${ORDERS_DIGEST}`, from: 'dist/b.yaml' },
      { image: '{{ .ProxyImage }}', from: 'dist/c.yaml' },
      { image: 'ghcr.io/acme/untagged', from: 'dist/d.yaml' },
      { image: 'alpine:latest', from: 'dist/e.yaml' },
      { image: 'quay.io/x/y:1', from: 'dist/f.yaml' },
    ]);
    expect(wanted.images).toEqual([
      { key: 'docker.io/library/busybox:1.37.0-musl', image: 'docker.io/library/busybox:1.37.0-musl', from: 'config/versions.ts IMAGES.busybox' },
      { key: 'quay.io/x/y:1', image: 'quay.io/x/y:1', from: 'dist/f.yaml' },
    ]);
    expect(wanted.skipped.map((s) => [s.image, s.why])).toEqual([
      ['alpine:latest', 'the tag latest names no release'],
      ['ghcr.io/acme/untagged', 'no tag'],
      ['{{ .ProxyImage }}', 'not an image reference'],
    ]);
    expect(imageLockCoverage(wanted, { version: 1, images: { 'quay.io/x/y:1': OTHER_DIGEST, 'quay.io/old:1': OTHER_DIGEST } })).toEqual([
      'docker.io/library/busybox:1.37.0-musl (config/versions.ts IMAGES.busybox): not in images.lock.json',
      'quay.io/old:1: in images.lock.json but neither config/versions.ts IMAGES nor dist/ names it by tag',
    ]);
  });
});
