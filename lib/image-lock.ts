/**
 * The image lock (images.lock.json beside the config): `<repository>:<tag>` → the manifest digest
 * that tag pointed at when `npm run vendor -- --images` last resolved it (tools/vendor.ts with
 * lib/registry.ts). Digests are resolved by that vendoring step, which talks to the registries, and
 * never at synth, which stays offline and deterministic.
 *
 * What synth does with it is a refusal: a rendered image that carries a digest different from the
 * one the lock pins for its tag is an error (a tag moved under us, or a hand-edited digest), naming
 * the object, the container and the fix. The lock is the reviewed record; Renovate bumps the tags
 * and the vendoring step re-resolves the lock (README, "Supply chain").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import type { K8sObject } from './render';
import { RenderCheckError } from './checks';
import { ImageRef, SHA256_DIGEST } from './image-ref';
import { IMAGE_REFERENCE } from './registry';

export const IMAGE_LOCK = 'images.lock.json';

export interface ImageLock {
  readonly version: 1;
  /** `<registry>/<repository>:<tag>` (normalised, see normalizeImage) → `sha256:<64 hex>`. */
  readonly images: Readonly<Record<string, string>>;
}

export const EMPTY_IMAGE_LOCK: ImageLock = { version: 1, images: {} };


/** An image reference split into its parts; the repository normalised as the registries name it. */
export interface LockedImageRef {
  /** e.g. `docker.io/library/alpine`, `ghcr.io/acme/orders`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Parses `[registry/]path[:tag][@digest]` with ImageRef (lib/image-ref.ts). Docker Hub's short forms
 * are normalised: no registry means `docker.io`, and a one-segment path there is under `library/`.
 */
export function parseImage(image: string): LockedImageRef {
  const r = ImageRef.parse(image);
  return { repository: r.canonicalRepository, ...(r.tag ? { tag: r.tag } : {}), ...(r.digest !== undefined ? { digest: r.digest } : {}) };
}

/** The lock's key for an image: `<repository>:<tag>`, or undefined for an untagged one. */
export function lockKey(image: string): string | undefined {
  const r = parseImage(image);
  return r.tag ? `${r.repository}:${r.tag}` : undefined;
}

/** Reads and checks a lock file; a missing file is an empty lock. Errors name the key and the fix. */
export function readImageLock(file: string): ImageLock {
  if (!fs.existsSync(file)) return EMPTY_IMAGE_LOCK;
  return parseImageLock(fs.readFileSync(file, 'utf8'), file);
}

export function parseImageLock(text: string, file: string = IMAGE_LOCK): ImageLock {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new RenderCheckError(`${file}: not JSON (${(e as Error).message}); regenerate it with npm run vendor -- --images`);
  }
  const o = raw as { version?: unknown; images?: unknown };
  if (typeof o !== 'object' || o === null || o.version !== 1) {
    throw new RenderCheckError(`${file}: version must be 1, got ${JSON.stringify(o?.version)}; regenerate it with npm run vendor -- --images`);
  }
  if (typeof o.images !== 'object' || o.images === null || Array.isArray(o.images)) {
    throw new RenderCheckError(`${file}: images must be an object of "<repository>:<tag>": "sha256:<digest>"`);
  }
  const problems: string[] = [];
  for (const [key, digest] of Object.entries(o.images as Record<string, unknown>)) {
    const r = parseImage(key);
    if (!r.tag || r.digest !== undefined || r.tag === 'latest') problems.push(`images."${key}": the key must be "<repository>:<exact tag>" (no digest, not latest)`);
    else if (lockKey(key) !== key) problems.push(`images."${key}": write the key normalised, as "${lockKey(key)}"`);
    if (typeof digest !== 'string' || !SHA256_DIGEST.test(digest)) problems.push(`images."${key}": ${JSON.stringify(digest)} is not a digest; expected sha256:<64 lowercase hex>`);
  }
  if (problems.length) throw new RenderCheckError(`${file}:\n  ${problems.join('\n  ')}`);
  return { version: 1, images: o.images as Record<string, string> };
}

/** Code-point order, not the locale's: the committed file must be the same bytes on every machine. */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function formatImageLock(lock: ImageLock): string {
  const images = Object.fromEntries(Object.entries(lock.images).sort(([a], [b]) => byCodePoint(a, b)));
  return `${JSON.stringify({ version: 1, images }, null, 2)}\n`;
}

/** Container lists of every kind we render: pods and pod templates, and Tekton Task steps and sidecars. */
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers', 'steps', 'sidecars']);

/** Every `image` of a container anywhere in the object, with the path of its list and the container's name. */
export function imagesOf(o: K8sObject): { readonly image: string; readonly where: string }[] {
  const out: { image: string; where: string }[] = [];
  const walk = (v: unknown, at: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (CONTAINER_LISTS.has(k) && Array.isArray(x)) {
          x.forEach((c, i) => {
            if (c && typeof c === 'object' && typeof (c as { image?: unknown }).image === 'string') {
              out.push({ image: (c as { image: string }).image, where: `${at}.${k}[${i}]${(c as { name?: string }).name ? ` (${(c as { name?: string }).name})` : ''}` });
            }
          });
        }
        walk(x, `${at}.${k}`);
      }
    }
  };
  walk(o, '');
  return out;
}

/** Lines naming each rendered image whose digest differs from the one the lock pins for its tag. */
export function imageLockViolations(objects: readonly K8sObject[], lock: ImageLock): string[] {
  const out: string[] = [];
  for (const o of objects) {
    for (const { image, where } of imagesOf(o)) {
      const key = lockKey(image);
      const locked = key ? lock.images[key] : undefined;
      const { digest } = parseImage(image);
      if (locked && digest !== undefined && digest !== locked) {
        const id = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
        out.push(`${id} ${where.replace(/^\./, '')}: ${image} is pinned to ${digest}, but ${IMAGE_LOCK} pins ${key} to ${locked}`);
      }
    }
  }
  // The same object renders in each environment: one line each.
  return [...new Set(out)];
}

/** Throws when a rendered image contradicts the lock: the tag moved, or the digest was edited by hand. */
export function assertImageLock(objects: readonly K8sObject[], lock: ImageLock): void {
  const v = imageLockViolations(objects, lock);
  if (v.length) {
    throw new RenderCheckError(
      `rendered images contradict ${IMAGE_LOCK}:\n  ${v.join('\n  ')}\n` +
        `Either the tag now points elsewhere (re-resolve with npm run vendor -- --images and review the change) or the digest in the config or chart is wrong (copy the locked one).`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// What the lock holds: the images pinned by tag alone (written by npm run vendor -- --images).

/** An image reference and where it was found (`config/versions.ts IMAGES.kubectl`, `dist/dev/...yaml`). */
export interface FoundImage {
  readonly image: string;
  readonly from: string;
}

/** The images of the IMAGES table (config/versions.ts), each named by its entry. */
export function configImages(images: Readonly<Record<string, string>>): FoundImage[] {
  return Object.entries(images).map(([name, image]) => ({ image, from: `config/versions.ts IMAGES.${name}` }));
}

function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort(byCodePoint);
}

/** Keys that hold an image reference: a container's `image`, and the operators' fields it is made from. */
const IMAGE_FIELD = /image(name)?$/i;

/**
 * Every string under an image-ish key anywhere in the object: containers' `image`, and the fields
 * operators make pods from (Prometheus `spec.image`, CloudNativePG `spec.imageName`, the Redis
 * operator's `kubernetesConfig.image`, a ConfigMap's `SIDECAR_IMAGE`). Not references (`IfNotPresent`
 * is under `imagePullPolicy`, which does not match) are sorted out by imagesToLock.
 */
export function imageFieldsOf(o: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === 'string' && IMAGE_FIELD.test(k)) out.push(x);
        else walk(x);
      }
    }
  };
  walk(o);
  return out;
}

/**
 * The images the rendered output under `distDir` names (every environment, imageFieldsOf), each
 * with its file relative to `relativeTo`. Reads what synth wrote, so run it after `npm run synth`.
 */
export function renderedImages(distDir: string, relativeTo: string = path.dirname(distDir)): FoundImage[] {
  const out: FoundImage[] = [];
  for (const file of yamlFiles(distDir)) {
    const text = fs.readFileSync(file, 'utf8');
    if (!/image(name)?:/i.test(text)) continue;
    const from = path.relative(relativeTo, file).split(path.sep).join('/');
    for (const doc of yaml.loadAll(text, undefined, { schema: yaml.JSON_SCHEMA })) {
      for (const image of imageFieldsOf(doc)) out.push({ image, from });
    }
  }
  return out;
}

/** The images the lock should hold, by key, and the references left out with the reason. */
export interface ImagesToLock {
  /** Sorted by key; `image` is the first spelling found, `from` where. */
  readonly images: readonly { readonly key: string; readonly image: string; readonly from: string }[];
  readonly skipped: readonly { readonly image: string; readonly from: string; readonly why: string }[];
}

/**
 * Which images get a lock entry: every one pinned by tag alone, once per normalised key. Left out:
 * images already pinned by digest (the services', set in platform.yaml and bumped by Renovate with
 * their tags; a few charts pin their own), strings that are not references (`IfNotPresent`, Helm
 * and Istio templates), and untagged or `latest` images, which name no release to pin.
 */
export function imagesToLock(found: readonly FoundImage[]): ImagesToLock {
  const byKey = new Map<string, { key: string; image: string; from: string }>();
  const skipped = new Map<string, { image: string; from: string; why: string }>();
  for (const { image, from } of found) {
    let why: string | undefined;
    let key: string | undefined;
    if (!IMAGE_REFERENCE.test(image)) why = 'not an image reference';
    else {
      const r = parseImage(image);
      if (r.digest !== undefined) continue;
      if (!r.tag || r.tag === 'latest') why = r.tag ? 'the tag latest names no release' : 'no tag';
      else key = lockKey(image);
    }
    if (key) {
      if (!byKey.has(key)) byKey.set(key, { key, image, from });
    } else if (!skipped.has(image)) skipped.set(image, { image, from, why: why! });
  }
  return {
    images: [...byKey.values()].sort((a, b) => byCodePoint(a.key, b.key)),
    skipped: [...skipped.values()].sort((a, b) => byCodePoint(a.image, b.image)),
  };
}

/** Offline: lines naming each wanted key the lock lacks and each lock key nothing wants any more. */
export function imageLockCoverage(wanted: ImagesToLock, lock: ImageLock): string[] {
  const keys = new Set(wanted.images.map((i) => i.key));
  return [
    ...wanted.images.filter((i) => !lock.images[i.key]).map((i) => `${i.key} (${i.from}): not in ${IMAGE_LOCK}`),
    ...Object.keys(lock.images)
      .filter((k) => !keys.has(k))
      .sort(byCodePoint)
      .map((k) => `${k}: in ${IMAGE_LOCK} but neither config/versions.ts IMAGES nor dist/ names it by tag`),
  ];
}
