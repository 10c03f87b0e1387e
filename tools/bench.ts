// CLI: synth benchmarks. Renders the shipped config and generated configs with 10, 100 and 500
// services, each in a child process, and prints wall time, peak RSS and the growth per service.
//   npm run bench -- [--sizes 10,100,500] [--runs N] [--check]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { loadConfigFile } from '../config/load';
import { parseFlags, runCli, UsageError } from '../lib/cli';
import { capacityPlan, CapacityStatus } from '../lib/plan';
import { markdownTable, Table, textTable } from '../lib/plan-report';
import { buildEnvironment } from '../platform';

export const USAGE = `Usage: npm run bench -- [--sizes 10,100,500] [--runs N] [--check] [--markdown]

Synthesizes the shipped platform.yaml and generated configs with the given numbers of services
(each in its own child process, the way \`npm run synth\` runs: the first run into a fresh folder,
the others replacing it as a re-synth of dist/ does), and prints the median wall time
and the peak resident memory of each, the time per service and how it grows from the middle size
to the largest.

The generated configs take the shipped one with N services (every third with a database, every
fourth with Redis, every fifth producing a Kafka topic the next one consumes, each calling the next
two) and node groups of up to 100 nodes. Where even those do not fit, the synth runs with
--skip-capacity-check (documented in \`npm run synth -- --help\`).

Targets (a 2-core machine): shipped config ≤ 1.5 s; 500 services ≤ 10 s and ≤ 1 GiB peak RSS;
time per service growing no faster than linearly.

Options:
  --sizes LIST   service counts to generate (default 10,100,500)
  --runs N       runs per config, the median is reported (default 3)
  --check        exit 1 when a target is missed
  --markdown     print the table as Markdown
  -h, --help     this text`;

export const TARGETS = {
  shippedSeconds: 1.5,
  largestServices: 500,
  largestSeconds: 10,
  largestRssBytes: 1024 ** 3,
} as const;

export interface BenchOptions {
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly check: boolean;
  readonly markdown: boolean;
}

export { UsageError };

export function parseArgs(argv: readonly string[]): BenchOptions | 'help' {
  const f = parseFlags(argv, { values: ['--sizes', '--runs'], switches: ['--check', '--markdown'] });
  if (f === 'help') return 'help';
  const sizesArg = f.values.get('--sizes');
  const sizes = sizesArg ? sizesArg.split(',').map((s) => Number(s.trim())) : [10, 100, 500];
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 2000)) throw new UsageError(`--sizes takes whole numbers 1-2000, got "${sizesArg}"`);
  const runs = Number(f.values.get('--runs') ?? 3);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new UsageError(`--runs takes a whole number 1-20, got "${f.values.get('--runs')}"`);
  return { sizes: [...new Set(sizes)].sort((a, b) => a - b), runs, check: f.switches.has('--check'), markdown: f.switches.has('--markdown') };
}

const pad = (i: number, n: number) => String(i).padStart(String(n).length, '0');

/** The shipped config (as parsed YAML) with `n` generated services and node groups of up to 100 nodes. */
export function generatedConfig(shipped: Record<string, unknown>, n: number): Record<string, unknown> {
  const name = (i: number) => `svc-${pad(i, n)}`;
  const services = Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    const service: Record<string, unknown> = { name: name(i), image: `ghcr.io/acme/${name(i)}:1.0.${i}`, port: 8080 };
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
}

const TIME = '/usr/bin/time';

/** Runs one synth in a child process: wall time measured here, peak RSS by GNU time or the child itself. */
function runSynth(mainJs: string, config: string, out: string, skipCheck: boolean, probe: string): { seconds: number; rssBytes: number; files: number } {
  const args = [mainJs, '--config', config, '--out', out, ...(skipCheck ? ['--skip-capacity-check'] : [])];
  const useTime = fs.existsSync(TIME);
  const [cmd, argv] = useTime ? [TIME, ['-v', process.execPath, ...args]] : [process.execPath, ['-r', probe, ...args]];
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`synth of ${config} failed (exit ${r.status}):\n${r.stderr.trim().split('\n').slice(-20).join('\n')}`);
  const kb = useTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr) : /BENCH_MAX_RSS_KB=(\d+)/.exec(r.stderr);
  if (!kb) throw new Error(`no peak RSS reported for ${config}`);
  const files = Number(/rendered (\d+) files/.exec(r.stdout)?.[1] ?? NaN);
  return { seconds, rssBytes: Number(kb[1]) * 1024, files };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function fits(config: string): boolean {
  const cfg = loadConfigFile(config);
  return Object.keys(cfg.environments).every((env) => {
    const model = buildEnvironment(cfg, env);
    return capacityPlan(model.env, model.components).status !== CapacityStatus.DoesNotFit;
  });
}

export function bench(opts: BenchOptions, root = process.cwd(), log: (line: string) => void = () => undefined): Measurement[] {
  const mainJs = path.join(root, 'build', 'main.js');
  if (!fs.existsSync(mainJs)) throw new Error(`${mainJs} is missing: run node scripts/build.mjs first (npm run bench does)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-bench-'));
  try {
    const probe = path.join(tmp, 'rss-probe.js');
    fs.writeFileSync(probe, "process.on('exit', () => process.stderr.write(`BENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\\n`));\n");
    const shippedFile = path.join(root, 'platform.yaml');
    const shipped = yaml.load(fs.readFileSync(shippedFile, 'utf8'), { schema: yaml.CORE_SCHEMA }) as Record<string, unknown>;
    const configs = [
      { label: 'shipped', services: ((shipped.services as unknown[]) ?? []).length, file: shippedFile },
      ...opts.sizes.map((n) => {
        const file = path.join(tmp, `services-${n}.yaml`);
        fs.writeFileSync(file, yaml.dump(generatedConfig(shipped, n), { lineWidth: -1 }));
        return { label: `${n} services`, services: n, file };
      }),
    ];
    const results: Measurement[] = [];
    for (const c of configs) {
      const skip = !fits(c.file);
      const runs = Array.from({ length: opts.runs }, (_, i) => {
        log(`${c.label}: run ${i + 1}/${opts.runs}${skip ? ' (--skip-capacity-check)' : ''}`);
        // The first run writes a fresh tree, the others replace it, as a re-synth of dist/ does.
        return runSynth(mainJs, c.file, path.join(tmp, `out-${c.services}`), skip, probe);
      });
      results.push({
        label: c.label,
        services: c.services,
        files: runs[0].files,
        seconds: median(runs.map((r) => r.seconds)),
        rssBytes: Math.max(...runs.map((r) => r.rssBytes)),
        skippedCapacityCheck: skip,
      });
    }
    return results;
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
  if (shipped) checks.push({ target: `shipped config ≤ ${TARGETS.shippedSeconds} s`, actual: `${shipped.seconds.toFixed(2)} s`, met: shipped.seconds <= TARGETS.shippedSeconds });
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

export function resultTable(results: readonly Measurement[]): Table {
  return {
    headers: ['Config', 'Services', 'Files', 'Wall s (median)', 'Peak RSS MiB', 'ms per service', 'Capacity check'],
    rows: results.map((r) => [
      r.label,
      String(r.services),
      String(r.files),
      r.seconds.toFixed(2),
      (r.rssBytes / 1024 ** 2).toFixed(0),
      r.services ? ((r.seconds * 1000) / r.services).toFixed(1) : '-',
      r.skippedCapacityCheck ? 'skipped (does not fit 100-node groups)' : 'on',
    ]),
    right: [1, 2, 3, 4, 5],
  };
}

export function main(argv: readonly string[]): number {
  return runCli(USAGE, () => {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      console.log(USAGE);
      return 0;
    }
    const results = bench(opts, process.cwd(), (l) => console.error(l));
    const table = opts.markdown ? markdownTable : textTable;
    console.log(`node ${process.version}, ${os.cpus().length} CPUs, ${opts.runs} run(s) each\n`);
    console.log(table(resultTable(results)));
    const g = growth(results);
    if (g) {
      console.log(
        `\ngrowth ${g.from.services}→${g.to.services} services: time per service ×${g.perServiceRatio.toFixed(2)}, ` +
          `marginal ${(g.marginalSeconds * 1000).toFixed(1)} ms per added service` +
          (g.previousMarginalSeconds !== undefined ? ` (${(g.previousMarginalSeconds * 1000).toFixed(1)} ms before ${g.from.services})` : ''),
      );
    }
    const checks = targetChecks(results);
    console.log('');
    console.log(table({ headers: ['Target', 'Actual', 'Met'], rows: checks.map((c) => [c.target, c.actual, c.met ? 'yes' : 'NO']) }));
    return opts.check && checks.some((c) => !c.met) ? 1 : 0;
  });
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
