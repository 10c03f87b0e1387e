/**
 * Resolves an image tag to the manifest digest its registry serves, with the OCI distribution API:
 * `HEAD /v2/<repository>/manifests/<tag>`, asking for an index or manifest list first (a multi-arch
 * image is pinned by its index, as `docker pull` and Renovate pin it) and reading
 * `Docker-Content-Digest`. Anonymous pulls only: a `401` with a `Bearer` challenge is answered with a
 * token from the challenge's realm (`GET realm?service=...&scope=...`, no credentials) and the request
 * is retried once. Docker Hub's names (`docker.io/...`) are served by `registry-1.docker.io`.
 *
 * Used by `npm run vendor -- --images` (tools/vendor.ts) to fill images.lock.json; never by synth,
 * which stays offline. HEAD requests do not count against Docker Hub's pull rate limit.
 */
import { createHash } from 'node:crypto';
import { ImageRef, SHA256_DIGEST } from './image-ref';

/** What a digest pin may point at, most preferred first: the multi-arch index, then a single manifest. */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

/**
 * A reference we can ask a registry about: `registry/path:tag` with the distribution spec's
 * grammar (lowercase path components, a tag of at most 128 word characters, dots and dashes).
 * Anything else (a Helm or Istio template left in a string, `$(params.image)`) is not an image.
 */
const DOMAIN = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
export const IMAGE_REFERENCE = new RegExp(String.raw`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`);

/** The registry and repository path a normalised repository (`docker.io/library/alpine`) is fetched from. */
export function registryOf(canonicalRepository: string): { readonly registry: string; readonly path: string } {
  const slash = canonicalRepository.indexOf('/');
  return { registry: canonicalRepository.slice(0, slash), path: canonicalRepository.slice(slash + 1) };
}

/** Where a registry's API is served: `https://<registry>`, except Docker Hub's `registry-1.docker.io`. */
export function registryEndpoint(registry: string): string {
  return registry === 'docker.io' ? 'https://registry-1.docker.io' : `https://${registry}`;
}

/** An image that could not be resolved; the message names the image, the registry and the HTTP status. */
export class RegistryError extends Error {
  constructor(
    readonly image: string,
    readonly registry: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface RegistryOptions {
  /**
   * The API base URL for a registry host (the image's registry, `docker.io` for Docker Hub names).
   * Tests point every registry at a local server with it. @default registryEndpoint
   */
  readonly baseURL?: (registry: string) => string;
  /** @default global fetch (Node 20) */
  readonly fetch?: typeof fetch;
  /** Per request. @default 30 s */
  readonly timeoutMs?: number;
}

/** The parameters of a `Bearer` challenge (`realm`, `service`, `scope`), or undefined if there is none. */
export function parseBearerChallenge(header: string | null): Record<string, string> | undefined {
  if (!header) return undefined;
  const at = header.search(/(^|[\s,])Bearer\s/i);
  if (at < 0) return undefined;
  const rest = header.slice(at).replace(/^[\s,]*Bearer\s+/i, '');
  const params: Record<string, string> = {};
  const re = /\s*([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null && m[0] !== '') {
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return params.realm ? params : undefined;
}

/** Resolves tags to digests; one client caches the anonymous tokens it obtains (per realm, service and scope). */
export class RegistryClient {
  private readonly tokens = new Map<string, Promise<string>>();
  private readonly fetch: typeof fetch;
  private readonly baseURL: (registry: string) => string;
  private readonly timeoutMs: number;

  constructor(opts: RegistryOptions = {}) {
    this.fetch = opts.fetch ?? ((...args) => fetch(...args));
    this.baseURL = opts.baseURL ?? registryEndpoint;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** The `sha256:` digest of the manifest (or index) `image`'s tag points at. Throws RegistryError. */
  async resolveDigest(image: string): Promise<string> {
    if (!IMAGE_REFERENCE.test(image)) throw new RegistryError(image, '?', undefined, `${image}: not an image reference (expected [registry/]path:tag)`);
    const ref = ImageRef.parse(image);
    const { registry, path } = registryOf(ref.canonicalRepository);
    const where = registry === 'docker.io' ? `registry docker.io (${this.baseURL(registry)})` : `registry ${registry}`;
    const fail = (status: number | undefined, what: string): never => {
      throw new RegistryError(image, registry, status, `${image}: ${where} ${what}`);
    };
    if (!ref.tag) fail(undefined, 'was not asked: the image has no tag to resolve');
    const url = `${this.baseURL(registry).replace(/\/+$/, '')}/v2/${path}/manifests/${encodeURIComponent(ref.tag!)}`;

    let token: string | undefined;
    let res = await this.request(url, 'HEAD', token, (e) => fail(undefined, `is unreachable (HEAD ${url}: ${e})`));
    if (res.status === 401) {
      const challenge = parseBearerChallenge(res.headers.get('www-authenticate'));
      if (!challenge) {
        fail(401, `answered HTTP 401 to HEAD ${url} without a Bearer challenge (WWW-Authenticate: ${res.headers.get('www-authenticate') ?? 'none'}); only anonymous pulls are supported`);
      }
      token = await this.token(challenge!, `repository:${path}:pull`, (status, what) => fail(status, what));
      res = await this.request(url, 'HEAD', token, (e) => fail(undefined, `is unreachable (HEAD ${url}: ${e})`));
    }
    if (!res.ok) fail(res.status, `answered HTTP ${res.status}${reason(res.status)} to HEAD ${url}`);

    let digest = res.headers.get('docker-content-digest') ?? undefined;
    if (digest === undefined) {
      // Not every registry sends the header on HEAD: fetch the manifest and hash its bytes, which is what the digest is.
      const got = await this.request(url, 'GET', token, (e) => fail(undefined, `is unreachable (GET ${url}: ${e})`));
      if (!got.ok) fail(got.status, `answered HTTP ${got.status}${reason(got.status)} to GET ${url}`);
      const body = Buffer.from(await got.arrayBuffer());
      const computed = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      const header = got.headers.get('docker-content-digest');
      if (header && header !== computed) fail(got.status, `sent a manifest whose sha256 is ${computed} with Docker-Content-Digest ${header} (GET ${url})`);
      digest = computed;
    }
    if (!SHA256_DIGEST.test(digest)) fail(res.status, `answered with Docker-Content-Digest ${JSON.stringify(digest)}, not sha256:<64 lowercase hex> (HEAD ${url})`);
    return digest;
  }

  private async request(url: string, method: 'HEAD' | 'GET', token: string | undefined, unreachable: (e: string) => never): Promise<Response> {
    try {
      const res = await this.fetch(url, {
        method,
        headers: { Accept: MANIFEST_MEDIA_TYPES.join(', '), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        redirect: 'follow',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (method === 'HEAD' || !res.ok) await res.body?.cancel();
      return res;
    } catch (e) {
      return unreachable(cause(e));
    }
  }

  /** An anonymous token for a challenge, fetched once per realm, service and scope. */
  private token(challenge: Record<string, string>, defaultScope: string, fail: (status: number | undefined, what: string) => never): Promise<string> {
    let realm: URL;
    try {
      realm = new URL(challenge.realm);
    } catch {
      return fail(401, `sent a Bearer challenge whose realm ${JSON.stringify(challenge.realm)} is not a URL`);
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') return fail(401, `sent a Bearer challenge with realm ${realm.href}, not http(s)`);
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    realm.searchParams.set('scope', challenge.scope ?? defaultScope);
    const key = realm.href;
    let token = this.tokens.get(key);
    if (!token) {
      token = (async () => {
        let res: Response;
        try {
          res = await this.fetch(realm.href, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) });
        } catch (e) {
          return fail(undefined, `token realm is unreachable (GET ${realm.href}: ${cause(e)})`);
        }
        if (!res.ok) {
          await res.body?.cancel();
          return fail(res.status, `token realm answered HTTP ${res.status}${reason(res.status)} to GET ${realm.href}`);
        }
        let body: { token?: unknown; access_token?: unknown };
        try {
          body = (await res.json()) as typeof body;
        } catch (e) {
          return fail(res.status, `token realm answered GET ${realm.href} with something other than JSON (${cause(e)})`);
        }
        const t = typeof body?.token === 'string' && body.token ? body.token : typeof body?.access_token === 'string' && body.access_token ? body.access_token : undefined;
        return t ?? fail(res.status, `token realm answered GET ${realm.href} without a token`);
      })();
      this.tokens.set(key, token);
      // A failed token is not cached: the next image asks again (and reports its own error).
      token.catch(() => this.tokens.delete(key));
    }
    return token;
  }
}

function reason(status: number): string {
  switch (status) {
    case 401:
      return ' (unauthorized: the image is private or the token was refused; only anonymous pulls are supported)';
    case 403:
      return ' (forbidden)';
    case 404:
      return ' (no such repository or tag)';
    case 429:
      return ' (rate limited: try again later)';
    default:
      return '';
  }
}

/** The error's message and its cause's (fetch says only "fetch failed"; the cause says why). Duck-typed: fetch's errors may come from another realm. */
function cause(e: unknown): string {
  const message = (x: unknown) => (x && typeof x === 'object' && typeof (x as { message?: unknown }).message === 'string' ? (x as { message: string }).message : undefined);
  const m = message(e);
  if (m === undefined) return String(e);
  const c = message((e as { cause?: unknown }).cause);
  return c ? `${m}: ${c}` : m;
}
