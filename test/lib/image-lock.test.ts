import { K8sObject } from '../../lib/render';
import { assertImageLock, EMPTY_IMAGE_LOCK, formatImageLock, imageLockViolations, imagesOf, lockKey, parseImage, parseImageLock } from '../../lib/image-lock';
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
