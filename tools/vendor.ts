// CLI: puts every chart package config/versions.ts pins into vendor/charts and writes the lock;
// with --images, resolves the images pinned by tag alone into images.lock.json instead.
//   npm run vendor -- [--from DIR [--index FILE]] [--check] [--root DIR]
//   npm run vendor -- --images [--check] [--root DIR]
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { ChartPin, CHARTS, IMAGES } from '../config/versions';
import { parseFlags, runCliAsync, UsageError } from '../lib/cli';
import { RenderCheckError } from '../lib/checks';
import {
  configImages,
  EMPTY_IMAGE_LOCK,
  formatImageLock,
  IMAGE_LOCK,
  ImageLock,
  imageLockCoverage,
  imagesToLock,
  ImagesToLock,
  readImageLock,
  renderedImages,
} from '../lib/image-lock';
import { writeFileAtomically } from '../lib/output';
import { RegistryClient, RegistryOptions } from '../lib/registry';
import { resolveHelm } from '../lib/helm/binary';
import {
  CHART_LOCK_FILE,
  chartFileName,
  chartKey,
  ChartLock,
  ChartLockEntry,
  chartRepository,
  ChartSource,
  readChartLock,
  sha256OfFile,
  staleLockEntries,
  VENDOR_CHARTS_DIR,
  VendorError,
  verifyAllCharts,
  writeChartLock,
} from '../lib/helm/vendor';
import { projectRoot } from '../lib/project-root';

export const USAGE = `Usage: npm run vendor -- [--from DIR [--index FILE]] [--check] [--root DIR]
       npm run vendor -- --images [--check] [--root DIR]

Puts the package of every chart config/versions.ts pins into vendor/charts/<chart>-<version>.tgz,
checks that it is the pinned chart and version (helm show chart), rewrites
vendor/charts/charts.lock.json (sha256 and provenance of each package) and removes packages no
pin uses. By default each chart is pulled with the pinned helm from its repository (network
needed); the lock then records the digest the repository advertises, checked against the file.

Options:
  --from DIR     copy <chart>-<version>.tgz from DIR instead of pulling (no network)
  --index FILE   with --from: the INDEX.md that says how DIR's packages were built; records their
                 provenance (rebuilt-from-source) and checks their sha256 against it. Without it,
                 a package keeps the provenance the lock already has for the same sha256.
  --check        change nothing: every pin has a locked package with the locked sha256, and the
                 lock and vendor/charts hold nothing else; exit 1 listing the problems
  --images       images instead of charts: resolve every image pinned by tag alone (config/versions.ts
                 IMAGES, and every tag without a digest that dist/ names: run after npm run synth)
                 to its manifest digest with each registry's API (anonymous HEAD
                 /v2/<repo>/manifests/<tag>; network needed) and rewrite images.lock.json whole:
                 sorted, entries nothing names any more removed. If any image fails, nothing is
                 written. With --check: no network; every such image has an entry and the lock
                 has no other; exit 1 listing the problems.
  --root DIR     the project folder holding vendor/charts, dist/ and images.lock.json (default: this project)
  -h, --help     this text

Environment: HELM=/path/to/helm-v4.1.4 overrides the pinned helm (see README).
Exit status: 0; 1 when a chart or image could not be vendored or --check finds a problem; 2 on bad usage.`;

export type VendorMode =
  | { readonly kind: 'pull' }
  | { readonly kind: 'from'; readonly dir: string; readonly index?: string }
  | { readonly kind: 'check' }
  /** `--images`: resolve the digests into images.lock.json (or, with check, verify it covers them, offline). */
  | { readonly kind: 'images'; readonly check: boolean };

export interface VendorOptions {
  readonly root: string;
  readonly mode: VendorMode;
}

/** What the tool works with besides its flags; tests replace them. */
export interface VendorDeps {
  /** @default every pin in CHARTS */
  readonly pins?: readonly ChartPin[];
  /** Environment for resolving helm (HELM=...) and running it. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Fetches a repository's index.yaml. @default global fetch */
  readonly fetchText?: (url: string) => Promise<string>;
  /** Progress lines. @default console.log */
  readonly log?: (line: string) => void;
  /** Concurrent pulls (and registry requests with --images). @default 4 */
  readonly concurrency?: number;
  /** --images: the IMAGES table. @default config/versions.ts IMAGES */
  readonly images?: Readonly<Record<string, string>>;
  /** --images: where registries are reached (tests point them at a local server). @default each image's registry */
  readonly registry?: RegistryOptions;
}

export { UsageError };

export function parseArgs(argv: readonly string[]): VendorOptions | 'help' {
  const f = parseFlags(argv, { values: ['--from', '--index', '--root'], switches: ['--check', '--images'] });
  if (f === 'help') return 'help';
  const root = path.resolve(f.values.get('--root') ?? projectRoot());
  const from = f.values.get('--from');
  const index = f.values.get('--index');
  if (f.switches.has('--images')) {
    if (from !== undefined || index !== undefined) throw new UsageError('--images resolves image digests from the registries; it takes no --from or --index');
    return { root, mode: { kind: 'images', check: f.switches.has('--check') } };
  }
  if (index !== undefined && from === undefined) throw new UsageError('--index needs --from DIR');
  if (f.switches.has('--check')) {
    if (from !== undefined) throw new UsageError('--check verifies what is vendored; it takes no --from');
    return { root, mode: { kind: 'check' } };
  }
  if (from !== undefined) return { root, mode: { kind: 'from', dir: path.resolve(from), ...(index ? { index: path.resolve(index) } : {}) } };
  return { root, mode: { kind: 'pull' } };
}

/** One row of INDEX.md's table: what the package's sha256 must be and where it came from. */
export interface IndexRow {
  readonly chart: string;
  readonly version: string;
  readonly sha256: string;
  readonly source: ChartSource;
}

const plain = (cell: string) => cell.replace(/\*\*/g, '').replace(/`/g, '').replace(/\s+/g, ' ').trim();

/** References to other parts of INDEX.md ("see below", "as above"), which mean nothing in the lock. */
const CROSS_REFERENCE = /,?\s*(see below|see notes|as above)\s*$/;

/** The bullets of INDEX.md's "## Packaging notes": bold title and the whole bullet as plain text. */
function packagingNotes(text: string): { readonly title: string; readonly body: string }[] {
  const section = /^## Packaging notes\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(text)?.[1] ?? '';
  return section
    .split(/^- /m)
    .slice(1)
    .map((bullet) => ({ title: /\*\*([^*]+)\*\*/.exec(bullet)?.[1] ?? '', body: plain(bullet) }));
}

/**
 * Parses the package table of an INDEX.md (columns: chart | version | source repo : path | commit |
 * subcharts | packaging | sha256 | license), keyed by `chart@version`. Rows without a sha256 (a
 * chart that was not packaged) are left out. A package described as "the published package" gets
 * `published` provenance (its sha256 is the repository's digest); the others `rebuilt-from-source`.
 */
export function parseChartIndex(text: string): Map<string, IndexRow> {
  const rows = new Map<string, IndexRow>();
  const bullets = packagingNotes(text);
  for (const line of text.split('\n')) {
    if (!line.startsWith('| ')) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 8 || cells[0] === 'chart') continue;
    const [chart, version, sourceCell, commitCell, subcharts, packaging, shaCell] = cells;
    const sha256 = plain(shaCell);
    if (!/^[0-9a-f]{64}$/.test(sha256)) continue;
    let source: ChartSource;
    if (/the published package/.test(sourceCell)) {
      source = { kind: 'published', digest: `sha256:${sha256}` };
    } else {
      const m = /^([\w.-]+\/[\w.-]+)\s*:\s*`([^`]+)`\s*(?:\((.*)\))?\s*$/.exec(sourceCell);
      const commit = plain(commitCell);
      if (!m || !/^[0-9a-f]{40}$/.test(commit)) throw new VendorError([`index row for ${chart} ${version}: expected "owner/repo : \`path\` (notes)" and a 40-digit commit, got "${sourceCell}" and "${commitCell}"`]);
      // "see below" points at a packaging note: the lock carries that note itself.
      const see = /see (below|notes)\s*$/.test(plain(packaging)) ? bullets.find((b) => new RegExp(`(^|[^\\w-])${plain(chart)}([^\\w-]|$)`).test(b.title)) : undefined;
      const notes = [
        m[3] ? plain(m[3]) : '',
        plain(packaging) === 'as is' ? '' : `packaging: ${plain(packaging).replace(CROSS_REFERENCE, '')}`,
        see ? see.body.replace(/\.$/, '') : '',
        plain(subcharts) === 'none' ? '' : `subcharts: ${plain(subcharts)}`,
      ];
      source = { kind: 'rebuilt-from-source', repo: m[1], path: m[2], commit, notes: notes.filter(Boolean).join('; ') };
    }
    rows.set(chartKey({ chart: plain(chart), version: plain(version) }), { chart: plain(chart), version: plain(version), sha256, source });
  }
  return rows;
}

/** Problems with what is vendored under `root` for `pins`; empty when everything verifies. Changes nothing. */
export function checkVendored(root: string, pins: readonly ChartPin[]): string[] {
  let lock: ChartLock;
  try {
    lock = readChartLock(root);
  } catch (e) {
    if (e instanceof VendorError) return [...e.problems];
    throw e;
  }
  const problems: string[] = [];
  try {
    verifyAllCharts(pins, root);
  } catch (e) {
    if (!(e instanceof VendorError)) throw e;
    problems.push(...e.problems);
  }
  for (const e of staleLockEntries(lock, pins)) {
    problems.push(`${e.chart} ${e.version}: in ${CHART_LOCK_FILE} but no pin in config/versions.ts uses it. Fix: npm run vendor (prunes it)`);
  }
  const locked = new Set(lock.charts.map((e) => e.file));
  for (const f of packageFiles(path.join(root, VENDOR_CHARTS_DIR))) {
    if (!locked.has(f)) problems.push(`${path.join(VENDOR_CHARTS_DIR, f)}: not in ${CHART_LOCK_FILE}. Fix: npm run vendor (prunes it)`);
  }
  return problems;
}

function packageFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.tgz')).sort();
}

function uniquePins(pins: readonly ChartPin[]): ChartPin[] {
  const seen = new Map<string, ChartPin>();
  for (const p of pins) if (!seen.has(chartKey(p))) seen.set(chartKey(p), p);
  return [...seen.values()];
}

function runHelm(helm: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(helm, args, { env, maxBuffer: 64 << 20, timeout: 10 * 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`helm ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

type Obtained = { readonly pin: ChartPin; readonly staged: string; readonly entry: ChartLockEntry } | { readonly pin: ChartPin; readonly problem: string };

/** The package is the pinned chart and version, as helm itself reads it. */
async function checkChartYaml(helm: string, file: string, pin: ChartPin, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { stdout } = await runHelm(helm, ['show', 'chart', file], env);
  const meta = yaml.load(stdout, { schema: yaml.FAILSAFE_SCHEMA }) as { name?: string; version?: string } | undefined;
  if (meta?.name !== pin.chart || meta?.version !== pin.version) {
    return `${pin.chart} ${pin.version}: the package is chart ${meta?.name ?? '?'} ${meta?.version ?? '?'} (helm show chart)`;
  }
  return undefined;
}

/**
 * Vendors every pin (pull, or copy --from), then writes the packages, the lock and prunes what no
 * pin uses. A pin that fails keeps its previous verified package, if any, and is reported: the
 * run throws one VendorError listing every failure after writing the rest.
 */
export async function vendor(opts: VendorOptions, deps: VendorDeps = {}): Promise<void> {
  const pins = uniquePins(deps.pins ?? Object.values(CHARTS));
  const log = deps.log ?? ((line: string) => console.log(line));
  if (opts.mode.kind === 'images') return vendorImages(opts.root, opts.mode.check, deps, log);
  if (opts.mode.kind === 'check') {
    const problems = checkVendored(opts.root, pins);
    if (problems.length) throw new VendorError(problems);
    log(`${VENDOR_CHARTS_DIR}: ${pins.length} chart packages verified against ${CHART_LOCK_FILE}`);
    return;
  }
  const mode = opts.mode;
  const env = deps.env ?? process.env;
  const dir = path.join(opts.root, VENDOR_CHARTS_DIR);
  let previous: readonly ChartLockEntry[] = [];
  if (fs.existsSync(path.join(opts.root, CHART_LOCK_FILE))) {
    try {
      previous = readChartLock(opts.root).charts;
    } catch (e) {
      if (!(e instanceof VendorError)) throw e;
      log(`${CHART_LOCK_FILE} is not valid; writing it anew (${e.message.split('\n')[0]})`);
    }
  }
  const index = mode.kind === 'from' && mode.index ? parseChartIndex(fs.readFileSync(mode.index, 'utf8')) : undefined;
  const helm = await resolveHelm(env);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-vendor-'));
  const helmEnv = { ...env, HELM_CACHE_HOME: path.join(staging, '.helm-cache') };
  const digests = new RepositoryDigests(deps.fetchText ?? fetchText);
  try {
    const obtain = async (pin: ChartPin): Promise<Obtained> => {
      const name = `${pin.chart} ${pin.version}`;
      const into = path.join(staging, chartKey(pin).replace(/[^\w.@-]/g, '_'));
      fs.mkdirSync(into);
      let staged: string;
      let source: ChartSource | undefined;
      let sha256: string;
      try {
        if (mode.kind === 'from') {
          const src = path.join(mode.dir, chartFileName(pin));
          if (!fs.existsSync(src)) return { pin, problem: `${name}: no ${chartFileName(pin)} in ${mode.dir}` };
          staged = path.join(into, chartFileName(pin));
          fs.copyFileSync(src, staged);
          sha256 = sha256OfFile(staged);
          const wrong = await checkChartYaml(helm, staged, pin, helmEnv);
          if (wrong) return { pin, problem: wrong };
          const row = index?.get(chartKey(pin));
          if (row && row.sha256 !== sha256) return { pin, problem: `${name}: ${src} has sha256 ${sha256}, ${mode.index} says ${row.sha256}` };
          source = row?.source ?? previous.find((e) => chartKey(e) === chartKey(pin) && e.sha256 === sha256)?.source;
          if (!source) {
            const why = index ? `${mode.index} does not describe it` : 'no --index FILE says how it was built';
            return { pin, problem: `${name}: no provenance for ${src} (${why}); pass --index FILE describing it, or pull it with npm run vendor` };
          }
        } else {
          const args = pin.oci
            ? ['pull', `${chartRepository(pin)}/${pin.chart}`, '--version', pin.version, '--destination', into]
            : ['pull', pin.chart, '--repo', pin.repoURL, '--version', pin.version, '--destination', into];
          const out = await runHelm(helm, args, helmEnv);
          const files = packageFiles(into);
          if (files.length !== 1) return { pin, problem: `${name}: helm pull wrote ${files.length} packages (${files.join(', ') || 'none'}), expected one` };
          staged = path.join(into, files[0]);
          sha256 = sha256OfFile(staged);
          const wrong = await checkChartYaml(helm, staged, pin, helmEnv);
          if (wrong) return { pin, problem: wrong };
          let digest: string;
          if (pin.oci) {
            // The OCI manifest digest helm prints ("Digest: sha256:..."), the reference to pin the artifact by.
            digest = /Digest:\s*(sha256:[0-9a-f]{64})/.exec(`${out.stdout}\n${out.stderr}`)?.[1] ?? `sha256:${sha256}`;
          } else {
            const advertised = await digests.of(pin);
            if (advertised && advertised !== sha256) {
              return { pin, problem: `${name}: the pulled package has sha256 ${sha256}, ${pin.repoURL} index.yaml advertises ${advertised}` };
            }
            digest = `sha256:${advertised ?? sha256}`;
          }
          source = { kind: 'published', digest };
        }
      } catch (e) {
        return { pin, problem: `${name}: ${e instanceof Error ? e.message : String(e)}` };
      }
      const entry: ChartLockEntry = { chart: pin.chart, version: pin.version, repository: chartRepository(pin), file: chartFileName(pin), sha256, source };
      return { pin, staged, entry };
    };
    const results = await mapLimited(pins, deps.concurrency ?? 4, obtain);

    fs.mkdirSync(dir, { recursive: true });
    const entries: ChartLockEntry[] = [];
    const problems: string[] = [];
    for (const r of results) {
      const before = previous.find((e) => chartKey(e) === chartKey(r.pin));
      if ('problem' in r) {
        problems.push(r.problem);
        // Keep what was there, if it still verifies: a failed pull must not lose a good package.
        if (before && fs.existsSync(path.join(dir, before.file)) && sha256OfFile(path.join(dir, before.file)) === before.sha256) entries.push(before);
        continue;
      }
      const target = path.join(dir, r.entry.file);
      const tmp = path.join(dir, `.${r.entry.file}.${process.pid}.tmp`);
      fs.copyFileSync(r.staged, tmp);
      fs.chmodSync(tmp, 0o644);
      fs.renameSync(tmp, target);
      entries.push(r.entry);
      const status = !before ? 'added' : before.sha256 !== r.entry.sha256 ? 'updated' : JSON.stringify(before) !== JSON.stringify(r.entry) ? 'relocked' : 'unchanged';
      log(`${status.padEnd(9)} ${r.pin.chart} ${r.pin.version}  sha256 ${r.entry.sha256}`);
    }
    writeChartLock({ charts: entries }, opts.root);
    const kept = new Set(entries.map((e) => e.file));
    for (const f of packageFiles(dir)) {
      if (kept.has(f)) continue;
      fs.rmSync(path.join(dir, f));
      log(`removed   ${path.join(VENDOR_CHARTS_DIR, f)} (no pin uses it)`);
    }
    log(`${CHART_LOCK_FILE}: ${entries.length} charts`);
    if (problems.length) throw new VendorError(problems);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Image tags that could not be resolved (or, with --check, a lock that does not cover them): one line each. */
export class ImageLockError extends Error {
  constructor(
    readonly problems: readonly string[],
    summary: string,
  ) {
    super(`${summary}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ImageLockError';
  }
}

/** What `--images` locks under `root`: IMAGES and the tag-only images of `root`/dist. */
export function wantedImages(root: string, images: Readonly<Record<string, string>> = IMAGES): ImagesToLock {
  return imagesToLock([...configImages(images), ...renderedImages(path.join(root, 'dist'), root)]);
}

/**
 * `--images`: resolves every wanted image's tag to its digest and rewrites images.lock.json whole
 * (sorted keys, entries nothing names any more dropped), or writes nothing when any image failed.
 * With `check`, reads no network: the lock must hold exactly the wanted keys.
 */
async function vendorImages(root: string, check: boolean, deps: VendorDeps, log: (line: string) => void): Promise<void> {
  const file = path.join(root, IMAGE_LOCK);
  const wanted = wantedImages(root, deps.images ?? IMAGES);
  for (const s of wanted.skipped) log(`skipped   ${s.image} (${s.from}): ${s.why}`);
  let lock: ImageLock;
  try {
    lock = readImageLock(file);
  } catch (e) {
    // --check reports a broken lock; a resolving run replaces it (it only reads it to say what changed).
    if (check || !(e instanceof RenderCheckError)) throw e;
    log(`${IMAGE_LOCK} is not valid; writing it anew (${e.message.split('\n')[0]})`);
    lock = EMPTY_IMAGE_LOCK;
  }
  if (check) {
    const problems = imageLockCoverage(wanted, lock);
    if (problems.length) {
      throw new ImageLockError(problems, `${IMAGE_LOCK} does not match the images pinned by tag (${problems.length} problems); fix: npm run vendor -- --images on a machine that reaches the registries`);
    }
    log(`${IMAGE_LOCK}: ${wanted.images.length} images pinned by tag, each locked`);
    return;
  }
  const client = new RegistryClient(deps.registry);
  const results = await mapLimited(wanted.images, deps.concurrency ?? 4, async (w) => {
    try {
      return { ...w, digest: await client.resolveDigest(w.image) };
    } catch (e) {
      return { ...w, problem: `${e instanceof Error ? e.message : String(e)} [${w.from}]` };
    }
  });
  const problems = results.flatMap((r) => ('problem' in r ? [r.problem] : []));
  if (problems.length) {
    throw new ImageLockError(problems, `${problems.length} of ${wanted.images.length} images could not be resolved; ${IMAGE_LOCK} was not written`);
  }
  const images: Record<string, string> = {};
  for (const r of results) {
    if (!('digest' in r)) continue;
    images[r.key] = r.digest;
    const before = lock.images[r.key];
    log(`${(!before ? 'added' : before !== r.digest ? 'updated' : 'unchanged').padEnd(9)} ${r.key}  ${r.digest}`);
  }
  for (const k of Object.keys(lock.images).sort()) if (!(k in images)) log(`removed   ${k} (nothing names it by tag any more)`);
  writeFileAtomically(file, formatImageLock({ version: 1, images }));
  log(`${IMAGE_LOCK}: ${Object.keys(images).length} images`);
}

/** The sha256 each HTTP repository's index.yaml advertises for a chart version (fetched once per repository). */
class RepositoryDigests {
  private readonly indexes = new Map<string, Promise<unknown>>();
  constructor(private readonly fetch: (url: string) => Promise<string>) {}

  async of(pin: ChartPin): Promise<string | undefined> {
    const url = `${pin.repoURL.replace(/\/+$/, '')}/index.yaml`;
    let index = this.indexes.get(url);
    if (!index) {
      index = this.fetch(url).then((text) => yaml.load(text, { schema: yaml.FAILSAFE_SCHEMA }));
      this.indexes.set(url, index);
    }
    const entries = ((await index) as { entries?: Record<string, { version?: string; digest?: string }[]> } | undefined)?.entries?.[pin.chart];
    const digest = entries?.find((e) => e.version === pin.version)?.digest;
    return digest && /^[0-9a-f]{64}$/.test(digest) ? digest : undefined;
  }
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.text();
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export function main(argv: readonly string[], deps: VendorDeps = {}): Promise<number> {
  return runCliAsync(USAGE, async () => {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      console.log(USAGE);
      return 0;
    }
    await vendor(opts, deps);
    return 0;
  });
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
