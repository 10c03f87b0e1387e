/**
 * The vendored chart packages: vendor/charts/<chart>-<version>.tgz, one per pin in
 * config/versions.ts, and vendor/charts/charts.lock.json recording each package's sha256 and where
 * it came from. Synth renders only from packages whose sha256 matches the lock, so a rendering
 * never depends on the network or on what a chart repository serves today.
 * `npm run vendor` (tools/vendor.ts) writes both; this module reads and verifies them.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ChartPin } from '../../config/versions';
import { projectRoot } from '../project-root';

/** vendor/charts, relative to the project root. */
export const VENDOR_CHARTS_DIR = path.join('vendor', 'charts');
export const CHART_LOCK_FILE = path.join(VENDOR_CHARTS_DIR, 'charts.lock.json');
export const LOCKFILE_VERSION = 1;

/** How to get a missing or altered package: every VendorError ends with it. */
export const VENDOR_FIX =
  'run `npm run vendor` on a machine with network access (it pulls every pinned chart with the pinned helm, rewrites the lock and prunes unused packages), ' +
  'or put the package in a folder and run `npm run vendor -- --from DIR`';

/** A chart package is missing, altered or not in the lock. The message names chart, version and the fix. */
export class VendorError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} chart package problems:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'VendorError';
  }
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected 64 lowercase hex digits' });

const sourceSchema = z.discriminatedUnion('kind', [
  /** The package the chart repository publishes, as pulled by `npm run vendor`. */
  z.strictObject({
    kind: z.literal('published'),
    /** `sha256:<hex>`: the digest the repository's index.yaml or OCI manifest advertises, or the file's sha256 when it advertises none. */
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, { error: 'expected sha256:<64 hex digits>' }),
  }),
  /** Built with `helm package` from the chart's upstream source at a commit (no network to pull it). */
  z.strictObject({
    kind: z.literal('rebuilt-from-source'),
    /** GitHub owner/name. */
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: 'expected a GitHub owner/name' }),
    path: z.string().min(1),
    commit: z.string().regex(/^[0-9a-f]{40}$/, { error: 'expected a 40-digit commit sha' }),
    notes: z.string(),
  }),
]);

const entrySchema = z.strictObject({
  chart: z.string().min(1),
  version: z.string().min(1),
  /** The pin's repoURL; `oci://<registry path>` for OCI pins. */
  repository: z.string().min(1),
  /** The package's file name in vendor/charts. */
  file: z.string().regex(/^[^/\\]+\.tgz$/, { error: 'expected a .tgz file name in vendor/charts' }),
  sha256: sha256Hex,
  source: sourceSchema,
});

const lockSchema = z.strictObject({
  lockfileVersion: z.literal(LOCKFILE_VERSION),
  charts: z.array(entrySchema),
});

export type ChartSource = z.infer<typeof sourceSchema>;
export type ChartLockEntry = z.infer<typeof entrySchema>;
export interface ChartLock {
  readonly charts: readonly ChartLockEntry[];
}

/** A verified package: its absolute path and sha256. */
export interface ChartPackage {
  readonly file: string;
  readonly sha256: string;
}

/** `<chart>@<version>`: how pins and lock entries are matched. */
export function chartKey(c: { readonly chart: string; readonly version: string }): string {
  return `${c.chart}@${c.version}`;
}

/** The package file name `helm pull` writes and `helm template` takes: `<chart>-<version>.tgz`. */
export function chartFileName(pin: ChartPin): string {
  return `${pin.chart}-${pin.version}.tgz`;
}

/** Where the pin's chart is served from: its repoURL, with `oci://` for OCI pins. */
export function chartRepository(pin: ChartPin): string {
  return pin.oci ? `oci://${pin.repoURL.replace(/^oci:\/\//, '')}` : pin.repoURL;
}

/** `chart version`, as messages name a chart. */
function label(c: { readonly chart: string; readonly version: string }): string {
  return `${c.chart} ${c.version}`;
}

function compareEntries(a: ChartLockEntry, b: ChartLockEntry): number {
  const ka = chartKey(a);
  const kb = chartKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Parses and validates the lock's text; `file` names it in errors. */
export function parseChartLock(text: string, file: string = CHART_LOCK_FILE): ChartLock {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new VendorError([`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)}). Fix: ${VENDOR_FIX}`]);
  }
  const result = lockSchema.safeParse(data);
  if (!result.success) {
    throw new VendorError(result.error.issues.map((i) => `${file}: ${i.path.join('.') || '(top level)'}: ${i.message}. Fix: ${VENDOR_FIX}`));
  }
  const seen = new Set<string>();
  for (const e of result.data.charts) {
    if (seen.has(chartKey(e))) throw new VendorError([`${file}: ${label(e)} is listed twice. Fix: ${VENDOR_FIX}`]);
    seen.add(chartKey(e));
  }
  return { charts: [...result.data.charts].sort(compareEntries) };
}

/**
 * The lock as written: entries sorted by chart and version, keys in a fixed order, two-space
 * indentation, a final newline. The same lock always gives the same bytes.
 */
export function serializeChartLock(lock: ChartLock): string {
  const charts = [...lock.charts].sort(compareEntries).map((e) => ({
    chart: e.chart,
    version: e.version,
    repository: e.repository,
    file: e.file,
    sha256: e.sha256,
    source:
      e.source.kind === 'published'
        ? { kind: e.source.kind, digest: e.source.digest }
        : { kind: e.source.kind, repo: e.source.repo, path: e.source.path, commit: e.source.commit, notes: e.source.notes },
  }));
  return `${JSON.stringify({ lockfileVersion: LOCKFILE_VERSION, charts }, null, 2)}\n`;
}

/** Parsed locks of this process, while the file's size, mtime and inode stay the same. */
const locks = new Map<string, { readonly stamp: string; readonly lock: ChartLock }>();

/** Reads vendor/charts/charts.lock.json under `root`. Throws VendorError when it is missing or invalid. */
export function readChartLock(root: string = projectRoot()): ChartLock {
  const file = path.join(root, CHART_LOCK_FILE);
  let text: string;
  let stamp: string;
  try {
    const st = fs.statSync(file);
    stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
    const known = locks.get(file);
    if (known?.stamp === stamp) return known.lock;
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new VendorError([`${CHART_LOCK_FILE}: ${code === 'ENOENT' ? 'missing' : `cannot read it (${code ?? String(e)})`}. Fix: ${VENDOR_FIX}`]);
  }
  const lock = parseChartLock(text, CHART_LOCK_FILE);
  locks.set(file, { stamp, lock });
  return lock;
}

/** Writes the lock (temp file, then rename: a killed run leaves the old lock or the new one). */
export function writeChartLock(lock: ChartLock, root: string = projectRoot()): void {
  const file = path.join(root, CHART_LOCK_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, serializeChartLock(lock));
  fs.renameSync(tmp, file);
}

const hashes = new Map<string, { readonly stamp: string; readonly sha256: string }>();

/** sha256 of a file, remembered per process while its size, mtime and inode stay the same. */
export function sha256OfFile(file: string): string {
  const st = fs.statSync(file);
  const stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const known = hashes.get(file);
  if (known?.stamp === stamp) return known.sha256;
  const sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  hashes.set(file, { stamp, sha256 });
  return sha256;
}

/** What is wrong with the pin's vendored package, or its verified path and sha256. */
function checkPackage(pin: ChartPin, lock: ChartLock, root: string): ChartPackage | string {
  const entry = lock.charts.find((e) => e.chart === pin.chart && e.version === pin.version);
  if (!entry) {
    const others = lock.charts.filter((e) => e.chart === pin.chart).map((e) => e.version);
    const locked = others.length ? ` (the lock has ${others.join(', ')})` : '';
    return `${label(pin)}: not in ${CHART_LOCK_FILE}${locked}. Fix: ${VENDOR_FIX}`;
  }
  if (entry.repository !== chartRepository(pin)) {
    return `${label(pin)}: the lock has it from ${entry.repository}, config/versions.ts pins ${chartRepository(pin)}. Fix: ${VENDOR_FIX}`;
  }
  const rel = path.join(VENDOR_CHARTS_DIR, entry.file);
  const file = path.join(root, rel);
  let sha256: string;
  try {
    sha256 = sha256OfFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return `${label(pin)}: ${rel} ${code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? String(e)})`}. Fix: ${VENDOR_FIX}`;
  }
  if (sha256 !== entry.sha256) {
    return `${label(pin)}: ${rel} has sha256 ${sha256}, the lock says ${entry.sha256}. Fix: restore the file from git, or ${VENDOR_FIX}`;
  }
  return { file, sha256 };
}

/** The verified package of `pin`. Throws VendorError naming the chart, the version and the fix. */
export function chartPackage(pin: ChartPin, root: string = projectRoot()): ChartPackage {
  const result = checkPackage(pin, readChartLock(root), root);
  if (typeof result === 'string') throw new VendorError([result]);
  return result;
}

/**
 * Checks every pin before anything renders: each has a lock entry and a package with the locked
 * sha256. Returns the packages in pin order; throws one VendorError listing every problem.
 */
export function verifyAllCharts(pins: Iterable<ChartPin>, root: string = projectRoot()): ChartPackage[] {
  const lock = readChartLock(root);
  const packages: ChartPackage[] = [];
  const problems: string[] = [];
  for (const pin of pins) {
    const result = checkPackage(pin, lock, root);
    if (typeof result === 'string') {
      if (!problems.includes(result)) problems.push(result);
    } else {
      packages.push(result);
    }
  }
  if (problems.length) throw new VendorError(problems);
  return packages;
}

/** Lock entries no pin uses (a chart removed or bumped): `npm run vendor` prunes them and their files. */
export function staleLockEntries(lock: ChartLock, pins: Iterable<ChartPin>): ChartLockEntry[] {
  const used = new Set([...pins].map(chartKey));
  return lock.charts.filter((e) => !used.has(chartKey(e)));
}
