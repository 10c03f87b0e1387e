// CLI: synth benchmarks. Warm and cold synth of the shipped config, generated configs with 10, 100
// and 500 services, the size of the output, and the manifest generation Argo CD's repo-server does
// for the largest Application, with the repo-server memory it calls for.
//   npm run bench -- [--sizes 10,100,500|none] [--runs N] [--no-cold] [--check] [--markdown]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { DEFAULTS as ARGOCD_DEFAULTS } from '../charts/argocd';
import { parseFlags, runCli, UsageError } from '../lib/cli';
import { PERMISSIONS_LOCK } from '../lib/checks';
import { markdownTable, Table, textTable } from '../lib/plan-report';
import { Memory } from '../lib/resources';
import { DIST_PATH, renderCacheDir } from '../synth';

export const TARGETS = {
  shippedSeconds: 1.5,
  largestServices: 500,
  largestSeconds: 10,
  largestRssBytes: 1024 ** 3,
} as const;

export const USAGE = `Usage: npm run bench -- [--sizes 10,100,500|none] [--runs N] [--no-cold] [--check] [--markdown]

Measures, each synth in its own child process the way \`npm run synth\` runs (all environments,
output into a temporary folder, never into ${DIST_PATH}/):
  cold synth     the shipped platform.yaml with an empty chart render cache (the cache is moved
                 aside for that run and put back after it), written over a temporary copy of
                 ${DIST_PATH}/: one run
  warm synth     the same again with nothing changed and the cache warm, written over the cold
                 run's output as a re-synth of ${DIST_PATH}/ does: the median of --runs runs
  output size    files and bytes of the rendered tree, per environment
  repo-server    the manifest generation Argo CD's repo-server does for a directory source:
                 reading and parsing every YAML file of dist/<env>/manifests/<id>/ (js-yaml
                 loadAll, in a fresh child process) for the largest Application, then for every
                 Application of the largest environment; time, bytes, peak RSS growth, and the
                 repo-server memory request and limit they call for
  generated      configs with the given numbers of services (every third with a database, every
                 fourth with Redis, every fifth producing a Kafka topic the next one consumes, each
                 calling the next two) and node groups of up to 100 nodes, warm; where even those
                 do not fit, run again with --skip-capacity-check (documented in
                 \`npm run synth -- --help\`); the time per service and how it grows from the
                 middle size to the largest

Targets (a 2-core machine): shipped config warm ≤ ${TARGETS.shippedSeconds} s; 500 services ≤ 10 s and ≤ 1 GiB peak RSS;
time per service growing no faster than linearly.

Options:
  --sizes LIST   service counts to generate (default 10,100,500; none for no generated configs)
  --runs N       warm runs per config, the median is reported (default 3)
  --no-cold      skip the cold synth (one unmeasured warm-up run instead)
  --check        exit 1 when a target is missed
  --markdown     print the tables as Markdown
  -h, --help     this text`;

export interface BenchOptions {
  readonly sizes: readonly number[];
  readonly runs: number;
  /** Measure a synth with an empty render cache. */
  readonly cold: boolean;
  readonly check: boolean;
  readonly markdown: boolean;
}

export { UsageError };

export function parseArgs(argv: readonly string[]): BenchOptions | 'help' {
  const f = parseFlags(argv, { values: ['--sizes', '--runs'], switches: ['--check', '--markdown', '--no-cold'] });
  if (f === 'help') return 'help';
  const sizesArg = f.values.get('--sizes');
  const sizes = sizesArg === 'none' ? [] : sizesArg ? sizesArg.split(',').map((s) => Number(s.trim())) : [10, 100, 500];
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 2000)) throw new UsageError(`--sizes takes whole numbers 1-2000 or none, got "${sizesArg}"`);
  const runs = Number(f.values.get('--runs') ?? 3);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new UsageError(`--runs takes a whole number 1-20, got "${f.values.get('--runs')}"`);
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    runs,
    cold: !f.switches.has('--no-cold'),
    check: f.switches.has('--check'),
    markdown: f.switches.has('--markdown'),
  };
}

const pad = (i: number, n: number) => String(i).padStart(String(n).length, '0');

/**
 * The shipped config (as parsed YAML) with `n` generated services and node groups of up to 100
 * nodes. The services' images are in the config's first allowed registry, so every environment admits them.
 */
export function generatedConfig(shipped: Record<string, unknown>, n: number): Record<string, unknown> {
  const name = (i: number) => `svc-${pad(i, n)}`;
  const allowed = (shipped.policy as { allowedRegistries?: string[] } | undefined)?.allowedRegistries?.[0] ?? 'registry.example.com/';
  const registry = allowed.endsWith('/') ? allowed : `${allowed}/`;
  const services = Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    // Pinned by digest, as the config requires (a syntactically valid digest of the reference itself: the bench pulls nothing).
    const image = `${registry}${name(i)}:1.0.${i}`;
    const service: Record<string, unknown> = { name: name(i), image: `${image}@sha256:${createHash('sha256').update(image).digest('hex')}`, port: 8080 };
    if (i % 10 === 1) service.public = true;
    if (i % 3 === 0) service.database = true;
    if (i % 4 === 0) service.redis = true;
    const kafka: Record<string, string[]> = {};
    if (i % 5 === 0) kafka.produces = [`events.${name(i)}`];
    if (i % 5 === 1 && i > 1) kafka.consumes = [`events.${name(i - 1)}`];
    if (Object.keys(kafka).length) service.kafka = kafka;
    const calls = [i + 1, i + 2].filter((j) => j <= n).map(name);
    if (calls.length) service.calls = calls;
    return service;
  });
  const big = { minSize: 1, maxSize: 100 };
  const environments = Object.fromEntries(
    Object.entries((shipped.environments ?? {}) as Record<string, Record<string, unknown>>).map(([env, settings]) => [
      env,
      { ...settings, nodeGroups: { system: { minSize: 2, maxSize: 100 }, spot: big, onDemand: { minSize: 0, maxSize: 100 } } },
    ]),
  );
  return { ...shipped, environments, services };
}

export interface Measurement {
  readonly label: string;
  readonly services: number;
  readonly files: number;
  readonly seconds: number;
  readonly rssBytes: number;
  readonly skippedCapacityCheck: boolean;
  /** How many runs the figures come from (seconds: the median; RSS: the highest). */
  readonly runs: number;
  /** Run with an empty render cache (every chart rendered by helm). */
  readonly coldCache?: boolean;
}

/** One synth: the config, the output folder, whether to skip the capacity check. */
export interface SynthRun {
  readonly config: string;
  readonly out: string;
  readonly skipCapacityCheck: boolean;
}

export interface RunResult {
  readonly seconds: number;
  readonly rssBytes: number;
  readonly files: number;
}

/** Runs one synth and measures it (a child process in the CLI, a stub in tests). */
export type SynthRunner = (run: SynthRun) => RunResult;

const TIME = '/usr/bin/time';

/** The real runner: `node build/main.js` in a child process; wall time measured here, peak RSS by GNU time or the child itself. */
export function childSynthRunner(mainJs: string, probe: string): SynthRunner {
  return ({ config, out, skipCapacityCheck }) => {
    const args = [mainJs, '--config', config, '--out', out, ...(skipCapacityCheck ? ['--skip-capacity-check'] : [])];
    const useTime = fs.existsSync(TIME);
    const [cmd, argv] = useTime ? [TIME, ['-v', process.execPath, ...args]] : [process.execPath, ['-r', probe, ...args]];
    const started = process.hrtime.bigint();
    const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 28 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // GNU time appends its report to the child's stderr: the error is what comes before it.
    const stderr = useTime ? r.stderr.split(/^(?:Command exited with non-zero status \d+\n)?\tCommand being timed:/m)[0] : r.stderr;
    if (r.status !== 0) throw new Error(`synth of ${config} failed (exit ${r.status}):\n${stderr.trim().split('\n').slice(-20).join('\n')}`);
    const kb = useTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr) : /BENCH_MAX_RSS_KB=(\d+)/.exec(r.stderr);
    if (!kb) throw new Error(`no peak RSS reported for ${config}`);
    const files = Number(/rendered (\d+) files/.exec(r.stdout)?.[1] ?? NaN);
    return { seconds, rssBytes: Number(kb[1]) * 1024, files };
  };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function summarize(label: string, services: number, skip: boolean, runs: readonly RunResult[]): Measurement {
  return {
    label,
    services,
    files: runs[0].files,
    seconds: median(runs.map((r) => r.seconds)),
    rssBytes: Math.max(...runs.map((r) => r.rssBytes)),
    skippedCapacityCheck: skip,
    runs: runs.length,
  };
}

/** What synth says when an environment does not fit its node groups at their maximum size. */
const DOES_NOT_FIT = /does not fit at its maximum/;

/**
 * Runs `attempt` with the capacity check on; when the config does not fit (generated configs at
 * their largest), runs it again with --skip-capacity-check. Says which one ran.
 */
function runFitting(run: SynthRun, attempt: (run: SynthRun) => RunResult): { result: RunResult; skip: boolean } {
  try {
    return { result: attempt(run), skip: false };
  } catch (e) {
    if (!(e instanceof Error) || !DOES_NOT_FIT.test(e.message)) throw e;
    return { result: attempt({ ...run, skipCapacityCheck: true }), skip: true };
  }
}

/**
 * Runs `fn` with an empty render cache. The cache is moved aside rather than deleted and put back
 * afterwards, with whatever the run rendered added to it, so a benchmark costs nobody their cache.
 */
export function withEmptyCache<T>(cacheDir: string, fn: () => T): T {
  const aside = `${cacheDir}.bench-${process.pid}`;
  const had = fs.existsSync(cacheDir);
  if (had) fs.renameSync(cacheDir, aside);
  try {
    return fn();
  } finally {
    if (had) {
      if (fs.existsSync(cacheDir)) {
        for (const f of fs.readdirSync(cacheDir)) if (!fs.existsSync(path.join(aside, f))) fs.renameSync(path.join(cacheDir, f), path.join(aside, f));
        fs.rmSync(cacheDir, { recursive: true, force: true });
      }
      fs.renameSync(aside, cacheDir);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Output size

export interface DirSize {
  readonly files: number;
  readonly bytes: number;
}

export interface TreeSize extends DirSize {
  readonly envs: readonly ({ readonly env: string } & DirSize)[];
  /** The environment whose Applications' folders hold the most bytes (what one cluster's repo-server generates). */
  readonly largestEnv: { readonly env: string } & DirSize;
  /** The Application whose folder holds the most bytes (of the largest environment, on a tie). */
  readonly largest: { readonly env: string; readonly id: string } & DirSize;
}

function dirSize(dir: string, recursive: boolean): DirSize {
  let files = 0;
  let bytes = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile()) {
      files++;
      bytes += fs.statSync(p).size;
    } else if (recursive && e.isDirectory()) {
      const sub = dirSize(p, true);
      files += sub.files;
      bytes += sub.bytes;
    }
  }
  return { files, bytes };
}

/** Files and bytes of a rendered tree (`<env>/…`), per environment, and its largest environment and Application. */
export function treeSize(out: string): TreeSize {
  const envs = fs
    .readdirSync(out, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  // What a directory source with recurse: false reads: the files directly in the folder.
  const apps = envs.flatMap((env) => {
    const manifests = path.join(out, env, 'manifests');
    return fs.existsSync(manifests) ? fs.readdirSync(manifests).sort().map((id) => ({ env, id, ...dirSize(path.join(manifests, id), false) })) : [];
  });
  if (apps.length === 0) throw new Error(`${out} has no <env>/manifests/<id>/ folder`);
  const byEnv = envs.map((env) => {
    const own = apps.filter((a) => a.env === env);
    return { env, files: own.reduce((n, a) => n + a.files, 0), bytes: own.reduce((n, a) => n + a.bytes, 0) };
  });
  const largestEnv = byEnv.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const largest = apps.reduce((a, b) => (b.bytes > a.bytes || (b.bytes === a.bytes && b.env === largestEnv.env && a.env !== largestEnv.env) ? b : a));
  const perEnv = envs.map((env) => ({ env, ...dirSize(path.join(out, env), true) }));
  return { ...dirSize(out, true), envs: perEnv, largestEnv, largest };
}

// ---------------------------------------------------------------------------------------------
// Argo CD repo-server: manifest generation for a directory source

export interface ParseMeasure {
  readonly files: number;
  readonly objects: number;
  readonly bytes: number;
  readonly seconds: number;
  /** Peak RSS growth over the process's footprint before it started. */
  readonly rssDeltaBytes: number;
}

export interface RepoServerMeasure {
  /** The largest Application alone. */
  readonly app: ParseMeasure;
  /** Every Application of the largest environment, all parsed objects held at once. */
  readonly env: ParseMeasure;
}

/**
 * Reads and parses every YAML file directly in each of `dirs`, keeping every parsed object (the
 * repo-server holds an Application's objects until its response is sent). Meaningful in a fresh
 * process: RSS growth is measured from the process's footprint when called.
 */
export function measureManifests(dirs: readonly string[]): ParseMeasure {
  const peak = () => process.resourceUsage().maxRSS * 1024;
  const baseline = Math.max(process.memoryUsage().rss, peak());
  const kept: unknown[][] = [];
  const started = process.hrtime.bigint();
  let objects = 0;
  let bytes = 0;
  for (const dir of dirs) {
    const files = fs
      .readdirSync(dir)
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .sort();
    for (const file of files) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const docs = yaml.loadAll(text, undefined, { filename: file }).filter((d) => d !== null && d !== undefined);
      kept.push(docs);
      objects += docs.length;
      bytes += Buffer.byteLength(text);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { files: kept.length, objects, bytes, seconds, rssDeltaBytes: Math.max(0, peak() - baseline) };
}

/** Internal: `node build/tools/bench.js --measure-manifests DIR…` prints a ParseMeasure. */
const MEASURE_FLAG = '--measure-manifests';

/** `measureManifests` in a fresh child process (the bundled bench itself), for a clean RSS baseline. */
export function childManifestMeasure(benchJs: string): (dirs: readonly string[]) => ParseMeasure {
  return (dirs) => {
    const r = spawnSync(process.execPath, [benchJs, MEASURE_FLAG, ...dirs], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`measuring the manifests of ${dirs.join(', ')} failed (exit ${r.status}):\n${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as ParseMeasure;
  };
}

/** An idle argocd-repo-server (the Go binary, its gRPC server, git and helm clients loaded). Assumed, not measured here. */
export const REPO_SERVER_IDLE = Memory.mebibytes(128);
/** Copies of an Application's manifest text the repo-server holds besides the parsed objects: the files read, the JSON strings of the response, the response marshalled for gRPC and for the Redis manifest cache. */
export const REPO_SERVER_TEXT_COPIES = 3;
/** Go's collector lets the heap grow to twice the live data before it collects (GOGC=100). */
export const GO_HEAP_HEADROOM = 2;
const ROUND_TO = Memory.mebibytes(64);

export interface RepoServerSizing {
  readonly request: Memory;
  readonly limit: Memory;
  /** One line per figure: how it was computed. */
  readonly reasoning: readonly string[];
}

/**
 * The argocd-repo-server memory a measurement calls for, per repo-server pod.
 *
 * For a directory source the repo-server reads every file of the folder, splits it into objects
 * (unstructured maps: taken to weigh what the js-yaml objects measured here weigh, the parsed
 * working set W) and returns each object as a JSON string, a response that is also marshalled for
 * gRPC and written to the Redis manifest cache: about REPO_SERVER_TEXT_COPIES more copies of the
 * text (B bytes). Go's heap may reach GO_HEAP_HEADROOM × the live data before it is collected. On
 * top sits the idle process (REPO_SERVER_IDLE).
 *
 * - request: one generation of the largest Application at a time: the steady state, where the
 *   manifest cache answers everything but the Application that just changed.
 * - limit: every Application of the largest environment at once: a push to the GitOps repository
 *   moves the revision of every Application (they all track the same repository and branch), the
 *   manifest cache is keyed by revision, and the repo-server's parallelism is unlimited by default
 *   (`reposerver.parallelism.limit: 0`), so all of them can be generated together.
 *
 * Both rounded up to 64 MiB.
 */
export function repoServerSizing(m: RepoServerMeasure): RepoServerSizing {
  const need = (p: ParseMeasure) => REPO_SERVER_IDLE.plus(bytesOf(p.rssDeltaBytes + REPO_SERVER_TEXT_COPIES * p.bytes).times(GO_HEAP_HEADROOM));
  const roundUp = (x: Memory) => Memory.mebibytes(Math.ceil(x.bytes / ROUND_TO.bytes) * ROUND_TO.mebibytes);
  const request = roundUp(need(m.app));
  const limit = roundUp(need(m.env));
  const mib = (b: number) => `${(b / 1024 ** 2).toFixed(1)} MiB`;
  const line = (what: string, p: ParseMeasure, result: Memory) =>
    `${what}: idle ${REPO_SERVER_IDLE} + ${GO_HEAP_HEADROOM} × (parsed ${mib(p.rssDeltaBytes)} + ${REPO_SERVER_TEXT_COPIES} × text ${mib(p.bytes)}) → ${result}`;
  return {
    request,
    limit: limit.bytes >= request.bytes ? limit : request,
    reasoning: [
      line('request (one generation of the largest Application at a time)', m.app, request),
      line('limit (every Application of the largest environment at once, after a push)', m.env, limit),
    ],
  };
}

function bytesOf(n: number): Memory {
  return Memory.parse(String(Math.round(n)));
}

// ---------------------------------------------------------------------------------------------
// The run

export interface BenchReport {
  /** Warm synth of the shipped config, then the generated configs. */
  readonly synth: readonly Measurement[];
  readonly cold?: Measurement;
  readonly output: TreeSize;
  readonly repoServer: RepoServerMeasure;
  readonly sizing: RepoServerSizing;
}

export interface BenchDeps {
  /** @default build/main.js in a child process */
  readonly runner?: SynthRunner;
  /** @default the render cache synth uses (node_modules/.cache/eks-platform/renders) */
  readonly cacheDir?: string;
  /** @default measureManifests in a fresh child process (build/tools/bench.js) per call */
  readonly measure?: (dirs: readonly string[]) => ParseMeasure;
}

/** Copies the shipped config (and its permissions lock) into `dir`, so synth never writes beside the real one. */
function stageConfig(from: string, dir: string, text?: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'platform.yaml');
  fs.writeFileSync(file, text ?? fs.readFileSync(from, 'utf8'));
  const lock = path.join(path.dirname(from), PERMISSIONS_LOCK);
  if (fs.existsSync(lock)) fs.copyFileSync(lock, path.join(dir, PERMISSIONS_LOCK));
  return file;
}

export function bench(opts: BenchOptions, root = process.cwd(), log: (line: string) => void = () => undefined, deps: BenchDeps = {}): BenchReport {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-bench-'));
  try {
    let runner = deps.runner;
    if (!runner) {
      const mainJs = path.join(root, 'build', 'main.js');
      if (!fs.existsSync(mainJs)) throw new Error(`${mainJs} is missing: run node scripts/build.mjs first (npm run bench does)`);
      const probe = path.join(tmp, 'rss-probe.js');
      fs.writeFileSync(probe, "process.on('exit', () => process.stderr.write(`BENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\\n`));\n");
      runner = childSynthRunner(mainJs, probe);
    }
    const measure = deps.measure ?? childManifestMeasure(path.join(root, 'build', 'tools', 'bench.js'));
    const cacheDir = deps.cacheDir ?? renderCacheDir(root);

    const shippedFile = path.join(root, 'platform.yaml');
    const shipped = yaml.load(fs.readFileSync(shippedFile, 'utf8'), { schema: yaml.CORE_SCHEMA }) as Record<string, unknown>;
    const shippedServices = ((shipped.services as unknown[]) ?? []).length;
    const config = stageConfig(shippedFile, path.join(tmp, 'shipped'));
    // The output starts as a copy of dist/ (when there is one), as a re-synth of dist/ finds it.
    const out = path.join(tmp, 'out');
    const dist = path.join(root, DIST_PATH);
    if (fs.existsSync(dist)) fs.cpSync(dist, out, { recursive: true });

    let cold: Measurement | undefined;
    let first: { result: RunResult; skip: boolean };
    if (opts.cold) {
      log('shipped: cold run (empty render cache)');
      // Each attempt with an empty cache: a run that stopped at the capacity check has filled it.
      first = runFitting({ config, out, skipCapacityCheck: false }, (r) => withEmptyCache(cacheDir, () => runner!(r)));
      cold = { ...summarize('shipped, cold cache', shippedServices, first.skip, [first.result]), coldCache: true };
    } else {
      log('shipped: warm-up run');
      first = runFitting({ config, out, skipCapacityCheck: false }, runner);
    }
    const warm = Array.from({ length: opts.runs }, (_, i) => {
      log(`shipped: warm run ${i + 1}/${opts.runs}`);
      return runner!({ config, out, skipCapacityCheck: first.skip });
    });
    const results: Measurement[] = [summarize('shipped', shippedServices, first.skip, warm)];

    const output = treeSize(out);
    const { largest, largestEnv } = output;
    log(`repo-server: parsing ${largest.env}/manifests/${largest.id}/, then every Application of ${largestEnv.env}`);
    const envManifests = path.join(out, largestEnv.env, 'manifests');
    const repoServer: RepoServerMeasure = {
      app: measure([path.join(out, largest.env, 'manifests', largest.id)]),
      env: measure(fs.readdirSync(envManifests).sort().map((id) => path.join(envManifests, id))),
    };

    for (const n of opts.sizes) {
      const file = stageConfig(shippedFile, path.join(tmp, `services-${n}`), yaml.dump(generatedConfig(shipped, n), { lineWidth: -1 }));
      // The first run writes a fresh tree, the others replace it, as a re-synth of dist/ does.
      const run: SynthRun = { config: file, out: path.join(tmp, `out-${n}`), skipCapacityCheck: false };
      log(`${n} services: run 1/${opts.runs}`);
      const firstN = runFitting(run, runner);
      const runs = [
        firstN.result,
        ...Array.from({ length: opts.runs - 1 }, (_, i) => {
          log(`${n} services: run ${i + 2}/${opts.runs}${firstN.skip ? ' (--skip-capacity-check)' : ''}`);
          return runner!({ ...run, skipCapacityCheck: firstN.skip });
        }),
      ];
      results.push(summarize(`${n} services`, n, firstN.skip, runs));
    }
    return { synth: results, ...(cold ? { cold } : {}), output, repoServer, sizing: repoServerSizing(repoServer) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export interface Growth {
  readonly from: Measurement;
  readonly to: Measurement;
  /** (seconds per service at `to`) / (seconds per service at `from`): ≤ 1 is linear or better. */
  readonly perServiceRatio: number;
  /** Marginal seconds per added service between `from` and `to`. */
  readonly marginalSeconds: number;
  /** The same between the size before `from` and `from`, when there is one. */
  readonly previousMarginalSeconds?: number;
}

/** Growth between the two largest generated sizes (e.g. 100→500), with the slope before them. */
export function growth(results: readonly Measurement[]): Growth | undefined {
  const generated = results.filter((r) => r.label !== 'shipped').sort((a, b) => a.services - b.services);
  if (generated.length < 2) return undefined;
  const [to, from, before] = [generated[generated.length - 1], generated[generated.length - 2], generated[generated.length - 3]];
  const slope = (a: Measurement, b: Measurement) => (b.seconds - a.seconds) / (b.services - a.services);
  return {
    from,
    to,
    perServiceRatio: to.seconds / to.services / (from.seconds / from.services),
    marginalSeconds: slope(from, to),
    previousMarginalSeconds: before ? slope(before, from) : undefined,
  };
}

/** Noise floor of a marginal cost: below 2 ms per service the slope says nothing about growth. */
const MARGINAL_NOISE_SECONDS = 0.002;

export function targetChecks(results: readonly Measurement[]): { readonly target: string; readonly actual: string; readonly met: boolean }[] {
  const checks: { target: string; actual: string; met: boolean }[] = [];
  const shipped = results.find((r) => r.label === 'shipped');
  if (shipped) checks.push({ target: `shipped config (warm) ≤ ${TARGETS.shippedSeconds} s`, actual: `${shipped.seconds.toFixed(2)} s`, met: shipped.seconds <= TARGETS.shippedSeconds });
  const largest = results.find((r) => r.label !== 'shipped' && r.services === TARGETS.largestServices);
  if (largest) {
    checks.push({ target: `${TARGETS.largestServices} services ≤ ${TARGETS.largestSeconds} s`, actual: `${largest.seconds.toFixed(2)} s`, met: largest.seconds <= TARGETS.largestSeconds });
    checks.push({
      target: `${TARGETS.largestServices} services ≤ 1 GiB peak RSS`,
      actual: `${(largest.rssBytes / 1024 ** 2).toFixed(0)} MiB`,
      met: largest.rssBytes <= TARGETS.largestRssBytes,
    });
  }
  const g = growth(results);
  if (g) {
    checks.push({ target: `time per service ${g.from.services}→${g.to.services} not growing (ratio ≤ 1.1)`, actual: g.perServiceRatio.toFixed(2), met: g.perServiceRatio <= 1.1 });
    if (g.previousMarginalSeconds !== undefined) {
      // Linear: the cost of one more service stays flat (50% allowed for noise) as the config grows.
      const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
      const flat = g.marginalSeconds <= Math.max(1.5 * g.previousMarginalSeconds, MARGINAL_NOISE_SECONDS);
      checks.push({
        target: `marginal cost per service ${g.from.services}→${g.to.services} ≤ 1.5 × the one before`,
        actual: `${ms(g.marginalSeconds)} vs ${ms(g.previousMarginalSeconds)}`,
        met: flat,
      });
    }
  }
  return checks;
}

const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);

export function resultTable(results: readonly Measurement[]): Table {
  return {
    headers: ['Config', 'Services', 'Files', 'Runs', 'Wall s (median)', 'Peak RSS MiB', 'ms per service', 'Capacity check'],
    rows: results.map((r) => [
      r.label,
      String(r.services),
      String(r.files),
      String(r.runs),
      r.seconds.toFixed(2),
      (r.rssBytes / 1024 ** 2).toFixed(0),
      r.services && !r.coldCache ? ((r.seconds * 1000) / r.services).toFixed(1) : '-',
      r.skippedCapacityCheck ? 'skipped (does not fit)' : 'on',
    ]),
    right: [1, 2, 3, 4, 5, 6],
  };
}

export function outputTable(t: TreeSize): Table {
  return {
    headers: ['Output', 'Files', 'MiB'],
    rows: [...t.envs.map((e) => [e.env, String(e.files), mib(e.bytes)]), ['total', String(t.files), mib(t.bytes)]],
    right: [1, 2],
  };
}

export function repoServerTable(m: RepoServerMeasure, t: TreeSize): Table {
  const row = (what: string, p: ParseMeasure) => [what, String(p.files), String(p.objects), mib(p.bytes), (p.seconds * 1000).toFixed(0), mib(p.rssDeltaBytes)];
  return {
    headers: ['Manifest generation (read + js-yaml loadAll)', 'Files', 'Objects', 'MiB', 'ms', 'Peak RSS growth MiB'],
    rows: [row(`largest Application: ${t.largest.env}/manifests/${t.largest.id}/`, m.app), row(`every Application of ${t.largestEnv.env}`, m.env)],
    right: [1, 2, 3, 4, 5],
  };
}

export function main(argv: readonly string[]): number {
  if (argv[0] === MEASURE_FLAG) {
    // Internal: the child process of childManifestMeasure.
    process.stdout.write(JSON.stringify(measureManifests(argv.slice(1))));
    return 0;
  }
  return runCli(USAGE, () => {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      console.log(USAGE);
      return 0;
    }
    const report = bench(opts, process.cwd(), (l) => console.error(l));
    const table = opts.markdown ? markdownTable : textTable;
    console.log(`node ${process.version}, ${os.cpus().length} CPUs, ${opts.runs} warm run(s) each\n`);
    console.log(table(resultTable([...(report.cold ? [report.cold] : []), ...report.synth])));
    const g = growth(report.synth);
    if (g) {
      console.log(
        `\ngrowth ${g.from.services}→${g.to.services} services: time per service ×${g.perServiceRatio.toFixed(2)}, ` +
          `marginal ${(g.marginalSeconds * 1000).toFixed(1)} ms per added service` +
          (g.previousMarginalSeconds !== undefined ? ` (${(g.previousMarginalSeconds * 1000).toFixed(1)} ms before ${g.from.services})` : ''),
      );
    }
    console.log(`\n${table(outputTable(report.output))}`);
    console.log(`\n${table(repoServerTable(report.repoServer, report.output))}`);
    const configured = ARGOCD_DEFAULTS.resources.repoServer;
    const verdict = (have: Memory, want: Memory) => (have.bytes >= want.bytes ? 'enough' : 'below');
    console.log(
      `\nSuggested argocd-repo-server memory (per pod): request ${report.sizing.request}, limit ${report.sizing.limit}` +
        ` (charts/argocd sets request ${configured.requests.memory} (${verdict(configured.requests.memory, report.sizing.request)}),` +
        ` limit ${configured.limits.memory} (${verdict(configured.limits.memory, report.sizing.limit)}))`,
    );
    for (const l of report.sizing.reasoning) console.log(`  ${l}`);
    const checks = targetChecks(report.synth);
    console.log('');
    console.log(table({ headers: ['Target', 'Actual', 'Met'], rows: checks.map((c) => [c.target, c.actual, c.met ? 'yes' : 'NO']) }));
    return opts.check && checks.some((c) => !c.met) ? 1 : 0;
  });
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
