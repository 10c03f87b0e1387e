import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { IMAGE_REFERENCE, MANIFEST_MEDIA_TYPES, parseBearerChallenge, RegistryClient, RegistryError, registryEndpoint, registryOf } from '../../lib/registry';
import { FakeRegistry, indexFor, SERVICE, sha256, startFakeRegistry } from '../fake-registry';

let registry: FakeRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

/** A client that sends every registry's requests to the fake one, recording which registry was asked for. */
function clientFor(r: FakeRegistry, asked: string[] = []): RegistryClient {
  return new RegistryClient({ baseURL: (host) => (asked.push(host), r.url), timeoutMs: 5_000 });
}

const BUSYBOX = indexFor('busybox');
const ORDERS = indexFor('orders');

describe('RegistryClient.resolveDigest against a local distribution API server', () => {
  test('HEADs the manifest with the index and manifest media types, does the anonymous token dance, and reads Docker-Content-Digest', async () => {
    registry = await startFakeRegistry({ manifests: { 'library/busybox:1.37.0-musl': BUSYBOX } });
    const asked: string[] = [];
    await expect(clientFor(registry, asked).resolveDigest('busybox:1.37.0-musl')).resolves.toBe(sha256(BUSYBOX.body));
    // Docker Hub short names go to docker.io's registry under library/.
    expect(new Set(asked)).toEqual(new Set(['docker.io']));
    expect(registry.requests.map((r) => [r.method, r.path, r.authorization])).toEqual([
      ['HEAD', '/v2/library/busybox/manifests/1.37.0-musl', undefined],
      ['GET', `/token?service=${SERVICE}&scope=repository%3Alibrary%2Fbusybox%3Apull`, undefined],
      ['HEAD', '/v2/library/busybox/manifests/1.37.0-musl', 'Bearer token-for-library/busybox'],
    ]);
    const accept = registry.requests[0].accept!.split(/\s*,\s*/);
    expect(accept).toEqual([...MANIFEST_MEDIA_TYPES]);
    expect(accept[0]).toBe('application/vnd.oci.image.index.v1+json');
    expect(accept).toContain('application/vnd.docker.distribution.manifest.list.v2+json');
  });

  test('reuses a token for the same repository and asks again for another one', async () => {
    registry = await startFakeRegistry({
      manifests: { 'library/busybox:1.37.0-musl': BUSYBOX, 'library/busybox:1.36.1': indexFor('busybox-1.36'), 'acme/orders:1.8.0': ORDERS },
    });
    const client = clientFor(registry);
    await client.resolveDigest('docker.io/library/busybox:1.37.0-musl');
    await client.resolveDigest('busybox:1.36.1');
    await expect(client.resolveDigest('ghcr.io/acme/orders:1.8.0')).resolves.toBe(sha256(ORDERS.body));
    expect(registry.requests.filter((r) => r.path.startsWith('/token')).map((r) => decodeURIComponent(r.path.replace(/.*scope=/, '')))).toEqual([
      'repository:library/busybox:pull',
      'repository:acme/orders:pull',
    ]);
  });

  test('an open registry answers without a token', async () => {
    registry = await startFakeRegistry({ manifests: { 'acme/orders:1.8.0': ORDERS }, auth: 'none' });
    await expect(clientFor(registry).resolveDigest('ghcr.io/acme/orders:1.8.0')).resolves.toBe(sha256(ORDERS.body));
    expect(registry.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  test('a registry that sends no Docker-Content-Digest on HEAD: the manifest is fetched and its bytes hashed', async () => {
    registry = await startFakeRegistry({ manifests: { 'acme/orders:1.8.0': { ...ORDERS, noDigestHeader: true } } });
    await expect(clientFor(registry).resolveDigest('ghcr.io/acme/orders:1.8.0')).resolves.toBe(sha256(ORDERS.body));
    expect(registry.requests.map((r) => r.method).slice(-2)).toEqual(['HEAD', 'GET']);
  });

  test('a tag the registry does not have: RegistryError naming the image, the registry and HTTP 404', async () => {
    registry = await startFakeRegistry({ manifests: {} });
    const e = await clientFor(registry).resolveDigest('ghcr.io/acme/orders:9.9.9').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect(e).toMatchObject({ image: 'ghcr.io/acme/orders:9.9.9', registry: 'ghcr.io', status: 404 });
    expect((e as Error).message).toBe(
      `ghcr.io/acme/orders:9.9.9: registry ghcr.io answered HTTP 404 (no such repository or tag) to HEAD ${registry.url}/v2/acme/orders/manifests/9.9.9`,
    );
  });

  test('Docker Hub errors name docker.io and the host it is served from', async () => {
    registry = await startFakeRegistry({ manifests: {} });
    await expect(clientFor(registry).resolveDigest('grafana/k6:0.0.0')).rejects.toThrow(
      new RegExp(`^grafana/k6:0\\.0\\.0: registry docker\\.io \\(${registry.url.replace(/\./g, '\\.')}\\) answered HTTP 404`),
    );
  });

  test('a token endpoint that refuses: the image, the registry and the realm’s status', async () => {
    registry = await startFakeRegistry({ manifests: { 'acme/orders:1.8.0': ORDERS }, tokenStatus: 403 });
    await expect(clientFor(registry).resolveDigest('ghcr.io/acme/orders:1.8.0')).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(/^ghcr\.io\/acme\/orders:1\.8\.0: registry ghcr\.io token realm answered HTTP 403 \(forbidden\) to GET http:\/\/127\.0\.0\.1:\d+\/token\?service=fake-registry&scope=/),
    });
  });

  test('a registry that wants credentials (Basic) is refused: anonymous only', async () => {
    registry = await startFakeRegistry({ manifests: { 'acme/orders:1.8.0': ORDERS }, auth: 'basic' });
    await expect(clientFor(registry).resolveDigest('ghcr.io/acme/orders:1.8.0')).rejects.toThrow(/registry ghcr\.io answered HTTP 401 .*without a Bearer challenge \(WWW-Authenticate: Basic realm="fake"\); only anonymous pulls/);
  });

  test('server errors and rate limits carry their status', async () => {
    registry = await startFakeRegistry({ manifests: { 'acme/a:1': { ...ORDERS, status: 500 }, 'acme/b:1': { ...ORDERS, status: 429 } } });
    const client = clientFor(registry);
    await expect(client.resolveDigest('ghcr.io/acme/a:1')).rejects.toMatchObject({ status: 500, message: expect.stringContaining('answered HTTP 500 to HEAD') });
    await expect(client.resolveDigest('ghcr.io/acme/b:1')).rejects.toThrow(/HTTP 429 \(rate limited/);
  });

  test('a digest header that is not sha256 is refused', async () => {
    const server = http.createServer((_req, res) => res.writeHead(200, { 'Docker-Content-Digest': 'sha512:abc' }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await expect(new RegistryClient({ baseURL: () => url }).resolveDigest('quay.io/a/b:1')).rejects.toThrow(/quay\.io\/a\/b:1: registry quay\.io answered with Docker-Content-Digest "sha512:abc", not sha256/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('an unreachable registry is named, with the cause', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((resolve) => server.close(resolve));
    await expect(new RegistryClient({ baseURL: () => url }).resolveDigest('quay.io/a/b:1')).rejects.toMatchObject({
      registry: 'quay.io',
      status: undefined,
      message: expect.stringMatching(/^quay\.io\/a\/b:1: registry quay\.io is unreachable \(HEAD http:\/\/127\.0\.0\.1:\d+\/v2\/a\/b\/manifests\/1: fetch failed/),
    });
  });

  test('untagged and malformed references are refused before any request', async () => {
    registry = await startFakeRegistry({ manifests: {} });
    await expect(clientFor(registry).resolveDigest('ghcr.io/acme/orders')).rejects.toThrow(/has no tag to resolve/);
    await expect(clientFor(registry).resolveDigest('{{ .ProxyImage }}')).rejects.toThrow(/not an image reference/);
    expect(registry.requests).toEqual([]);
  });
});

describe('registry names and challenges', () => {
  test("Docker Hub is served by registry-1.docker.io; other registries by their own host", () => {
    expect(registryEndpoint('docker.io')).toBe('https://registry-1.docker.io');
    expect(registryEndpoint('ghcr.io')).toBe('https://ghcr.io');
    expect(registryEndpoint('localhost:5000')).toBe('https://localhost:5000');
    expect(registryOf('docker.io/library/busybox')).toEqual({ registry: 'docker.io', path: 'library/busybox' });
    expect(registryOf('ghcr.io/tektoncd/operator/operator-303303c3:v1')).toEqual({ registry: 'ghcr.io', path: 'tektoncd/operator/operator-303303c3:v1' });
  });

  test('parses Bearer challenges as registries send them', () => {
    expect(parseBearerChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"')).toEqual({
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/busybox:pull',
    });
    expect(parseBearerChallenge('bearer realm="https://ghcr.io/token", service="ghcr.io", scope="repository:a/b:pull", error="insufficient_scope"')).toMatchObject({ realm: 'https://ghcr.io/token', error: 'insufficient_scope' });
    expect(parseBearerChallenge('Bearer realm=https://quay.io/v2/auth,service=quay.io')).toEqual({ realm: 'https://quay.io/v2/auth', service: 'quay.io' });
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseBearerChallenge(null)).toBeUndefined();
  });

  test('IMAGE_REFERENCE accepts references and rejects templates and policies', () => {
    for (const ok of ['busybox:1.37.0-musl', 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.158.0', 'localhost:5000/a/b:1', `quay.io/a/b:v1@sha256:${'a'.repeat(64)}`, 'ghcr.io/oliver006/redis_exporter:v1.86.0']) {
      expect(IMAGE_REFERENCE.test(ok)).toBe(true);
    }
    for (const bad of ['{{ .ProxyImage }}', 'IfNotPresent', '$(params.image)', '', 'a/b:', 'Busybox:1']) expect(IMAGE_REFERENCE.test(bad)).toBe(false);
  });
});
