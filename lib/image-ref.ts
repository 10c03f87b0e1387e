/**
 * Container image references, one value type next to Cpu/Memory (lib/resources.ts), Duration
 * (lib/duration.ts) and Storage (lib/storage.ts): parsed once here, and every reader of an image
 * (the config's digest rule, the image lock, Renovate's pins, the registry rule) asks this type.
 */

/** A sha256 digest as registries print it: `sha256:` and 64 lowercase hex digits. */
export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** `[registry/]path[:tag][@digest]`, as written, with Docker Hub's short forms normalised on request. */
export class ImageRef {
  /** Parses an image reference; throws on more than one `@` or an empty name. */
  static parse(image: string): ImageRef {
    const [nameTag, digest, ...rest] = image.split('@');
    if (rest.length > 0 || !nameTag) throw new Error(`not an image reference: "${image}" (expected [registry/]path[:tag][@sha256:<digest>])`);
    const slash = nameTag.lastIndexOf('/');
    const colon = nameTag.lastIndexOf(':');
    const tag = colon > slash ? nameTag.slice(colon + 1) : undefined;
    const name = colon > slash ? nameTag.slice(0, colon) : nameTag;
    return new ImageRef(name, tag, digest);
  }

  private constructor(
    /** Registry and path as written, without tag or digest (`ghcr.io/example/orders`, `busybox`). */
    readonly name: string,
    readonly tag: string | undefined,
    /** What follows `@`, unchecked; `hasSha256Digest` says whether it is a sha256 digest. */
    readonly digest: string | undefined,
  ) {}

  /** The registry as written, or undefined where the name has none (Docker Hub's short form). */
  get registry(): string | undefined {
    const first = this.name.split('/')[0];
    return this.name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : undefined;
  }

  /** The repository with Docker Hub's short forms spelled out: `docker.io/library/busybox`. */
  get canonicalRepository(): string {
    const registry = this.registry;
    const path = (registry ? this.name.slice(registry.length + 1) : this.name).split('/');
    const host = registry ?? 'docker.io';
    return [host, ...(host === 'docker.io' && path.length === 1 ? ['library'] : []), ...path].join('/');
  }

  /** Everything before the last `/` of the name, with it (`docker.io/library/`), or the name itself without one. */
  get registryPrefix(): string {
    const slash = this.name.lastIndexOf('/');
    return slash >= 0 ? this.name.slice(0, slash + 1) : this.name;
  }

  get hasSha256Digest(): boolean {
    return this.digest !== undefined && SHA256_DIGEST.test(this.digest);
  }

  /** `name[:tag]`, without the digest. */
  get withoutDigest(): string {
    return this.tag !== undefined ? `${this.name}:${this.tag}` : this.name;
  }

  toString(): string {
    return this.digest !== undefined ? `${this.withoutDigest}@${this.digest}` : this.withoutDigest;
  }

  toJSON(): string {
    return this.toString();
  }
}
