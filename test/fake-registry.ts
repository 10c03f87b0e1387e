/**
 * A real HTTP server on 127.0.0.1 that speaks the part of the OCI distribution API the image
 * resolver uses: `HEAD`/`GET /v2/<repo>/manifests/<tag>` with `Docker-Content-Digest`, guarded by
 * the anonymous bearer-token flow registries use (401 + `WWW-Authenticate: Bearer realm=...,
 * service=...,scope=...`, then `GET <realm>?service=...&scope=...` for a token), and 404 with the
 * API's error body for an unknown repository or tag. Every request is recorded.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';

export const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
export const SERVICE = 'fake-registry';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly accept?: string;
}

export interface FakeManifest {
  readonly body: string;
  readonly mediaType: string;
  /** Leave out Docker-Content-Digest (some registries do on HEAD). */
  readonly noDigestHeader?: boolean;
  /** Answer this status instead (500, 429, ...). */
  readonly status?: number;
}

export interface FakeRegistryOptions {
  /** `"<repo path>:<tag>"` (as on the wire: `library/busybox:1.37.0`) → the manifest it serves. */
  readonly manifests: Record<string, FakeManifest>;
  /** Require a bearer token (default), or `'none'`: an open registry, or `'basic'`: one that wants credentials. */
  readonly auth?: 'bearer' | 'none' | 'basic';
  /** Status of the token endpoint instead of a token. */
  readonly tokenStatus?: number;
  /** Milliseconds to wait before answering a manifest request (to shuffle completion order). */
  readonly delay?: (path: string) => number;
}

export interface FakeRegistry {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** An OCI image index for `name` (its bytes, and so its digest, differ per name). */
export function indexFor(name: string): FakeManifest {
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: INDEX_MEDIA_TYPE,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(`${name}/amd64`), size: 1234, platform: { architecture: 'amd64', os: 'linux' } }],
  });
  return { body, mediaType: INDEX_MEDIA_TYPE };
}

const tokenFor = (repo: string) => `token-for-${repo}`;

export async function startFakeRegistry(opts: FakeRegistryOptions): Promise<FakeRegistry> {
  const requests: RecordedRequest[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', base);
    requests.push({
      method: req.method ?? '',
      path: `${u.pathname}${u.search}`,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
    });
    if (u.pathname === '/token') {
      const scope = u.searchParams.get('scope') ?? '';
      const m = /^repository:(.+):pull$/.exec(scope);
      if (opts.tokenStatus) return void res.writeHead(opts.tokenStatus, { 'Content-Type': 'application/json' }).end('{"details":"no"}');
      if (u.searchParams.get('service') !== SERVICE || !m) return void res.writeHead(400).end();
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: tokenFor(m[1]), expires_in: 300 }));
    }
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(u.pathname);
    if (!m) return void res.writeHead(404).end();
    const [, repo, tag] = m;
    const auth = opts.auth ?? 'bearer';
    if (auth === 'basic' && !req.headers.authorization) {
      return void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake"' }).end();
    }
    if (auth === 'bearer' && req.headers.authorization !== `Bearer ${tokenFor(repo)}`) {
      return void res
        .writeHead(401, {
          'Content-Type': 'application/json',
          'WWW-Authenticate': `Bearer realm="${base}/token",service="${SERVICE}",scope="repository:${repo}:pull"`,
        })
        .end(req.method === 'HEAD' ? undefined : '{"errors":[{"code":"UNAUTHORIZED"}]}');
    }
    const answer = () => {
      const manifest = opts.manifests[`${repo}:${decodeURIComponent(tag)}`];
      if (!manifest) {
        const body = '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}';
        return void res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(req.method === 'HEAD' ? undefined : body);
      }
      if (manifest.status) return void res.writeHead(manifest.status).end();
      res.writeHead(200, {
        'Content-Type': manifest.mediaType,
        'Content-Length': Buffer.byteLength(manifest.body),
        ...(manifest.noDigestHeader ? {} : { 'Docker-Content-Digest': sha256(manifest.body) }),
      });
      res.end(req.method === 'HEAD' ? undefined : manifest.body);
    };
    const wait = opts.delay?.(u.pathname) ?? 0;
    if (wait > 0) setTimeout(answer, wait);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
