/**
 * Composition root and the `npm run synth` CLI: load platform.yaml, build every environment,
 * write dist/. Nothing is written unless every environment renders.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, configWarnings, loadConfigFile } from './config/load';
import { parseFlags, runCliAsync, UsageError } from './lib/cli';
import { capacityPlanOf, checkCapacity, checkStrict, PlanFinding, planFindings, summarizeFindings } from './lib/plan';
import { describeHolder, lockOutput, OUTPUT_LOCK_DEFAULTS, recoverInterruptedWrite, toYaml, writeFileAtomically, writeTreeAtomically, YamlMemo } from './lib/output';
import { assertImageLock, IMAGE_LOCK, readImageLock } from './lib/image-lock';
import { assertNoSecretData, assertWithinPermissionsLock, derivePermissions, formatPermissionsLock, mergePermissions, PERMISSIONS_LOCK, readPermissionsLock } from './lib/checks';
import { buildEnvironment } from './platform';
import { defaultHydrateOptions, HydrateOptions, hydrateModel, renderModels, yamlMemoFile } from './synth';
import { RENOVATE_FILE, renovateJson, writeRenovateJson } from './lib/renovate';

const USAGE = `Usage: npm run synth -- [--config FILE] [--env NAME] [--out DIR] [--skip-capacity-check] [--strict] [--update-permissions] [--lock-timeout SECONDS]

Renders dist/<env>/ for every environment in platform.yaml (or only --env NAME):
  eksctl/cluster.yaml   the eksctl ClusterConfig
  bootstrap/            values files, root AppProject and app-of-apps, README with the commands
  apps/                 one Argo CD Application per component, one AppProject per workflow
  manifests/<id>/       every object of every component, one file per object (Helm charts
                        rendered with the pinned helm from vendor/charts)
  PLAN.md               capacity plan, sync waves with predicted rollout time, dependency graph
Without --env it also rewrites renovate.json beside the config when it changes (services' images).

Fails, naming the environment and the shortfall, when an environment's requests do not fit its
node groups at their maximum size. What PLAN.md reports beyond that (a workflow requesting more
than the seed allocates it, node groups starting below the size the requests need at rest) is one
note line on stderr; --strict makes it an error.

Synth owns the folders it lists in <out>/.synth.json: it replaces them whole, removes one whose
environment left the config (on a full synth), and refuses, writing nothing, to replace a folder
it did not write. Runs on the same --out take turns: a lock file beside it (.dist.lock) names the
run writing; a lock left by a run that died on this host is taken over.

Options:
  --config FILE   platform config (default: platform.yaml)
  --env NAME      render only this environment (others in --out are left untouched)
  --out DIR       output folder (default: dist)
  --skip-capacity-check
                  render even when an environment does not fit at its maximum node count
                  (for benchmarks with generated configs; PLAN.md still says it does not fit)
  --strict        fail, writing nothing, when a workflow requests more than the seed allocates
                  it or an environment's node groups start below the size its requests need at
                  rest; the message lists each (without it: one note line)
  --update-permissions
                  record in permissions.lock.json (beside the config) the namespaces and
                  cluster-scoped kinds each AppProject now needs; without it, synth fails
                  when the rendered objects need more than the lock grants
  --lock-timeout SECONDS
                  how long to wait for another synth writing the same --out
                  (default: ${OUTPUT_LOCK_DEFAULTS.timeoutMs / 1000})
  -h, --help      this text`;

export interface SynthOptions {
  readonly config: string;
  readonly env?: string;
  readonly out: string;
  /** Render even when an environment does not fit at its maximum node count. */
  readonly skipCapacityCheck?: boolean;
  /** Fail, writing nothing, on any plan finding (seed overrun, minimum below the need) instead of noting them. */
  readonly strict?: boolean;
  /** Rewrite permissions.lock.json to what the rendered objects need (a reviewed widening). */
  readonly updatePermissions?: boolean;
  /** How long to wait for another synth writing `out`. @default OUTPUT_LOCK_DEFAULTS.timeoutMs / 1000 */
  readonly lockTimeoutSeconds?: number;
}

export { UsageError };

export function parseArgs(argv: readonly string[]): SynthOptions | 'help' {
  const f = parseFlags(argv, { values: ['--config', '--env', '--out', '--lock-timeout'], switches: ['--skip-capacity-check', '--strict', '--update-permissions'] });
  if (f === 'help') return 'help';
  const lockTimeout = f.values.get('--lock-timeout');
  if (lockTimeout !== undefined && !/^\d+$/.test(lockTimeout)) throw new UsageError(`--lock-timeout: expected a whole number of seconds, got "${lockTimeout}"`);
  return {
    config: f.values.get('--config') ?? 'platform.yaml',
    out: f.values.get('--out') ?? 'dist',
    ...(f.values.has('--env') ? { env: f.values.get('--env') } : {}),
    ...(f.switches.has('--skip-capacity-check') ? { skipCapacityCheck: true } : {}),
    ...(f.switches.has('--strict') ? { strict: true } : {}),
    ...(f.switches.has('--update-permissions') ? { updatePermissions: true } : {}),
    ...(lockTimeout !== undefined ? { lockTimeoutSeconds: Number(lockTimeout) } : {}),
  };
}

export async function synth(opts: SynthOptions, hydrateOptions: HydrateOptions = defaultHydrateOptions()): Promise<{ files: number; envs: string[]; findings: readonly PlanFinding[]; warnings: string[]; configWarnings: readonly string[]; removed: readonly string[] }> {
  const config = loadConfigFile(opts.config);
  // What the config most likely gets wrong but renders (a topic nobody produces): printed once by main.
  const configFindings = configWarnings(config).map((w) => `${opts.config}: ${w}`);
  const known = Object.keys(config.environments);
  if (opts.env && !known.includes(opts.env)) {
    throw new ConfigError(opts.config, [`--env ${opts.env}: no such environment; defined: ${known.join(', ')}`]);
  }
  const envs = opts.env ? [opts.env] : known;
  // The seed's "Resource Quotas … to prevent resource exhaustion": refuse a platform that cannot fit.
  const built = [...envs].sort().map((name) => buildEnvironment(config, name));
  const models = await Promise.all(built.map((m) => hydrateModel(m, hydrateOptions)));
  const plans = models.map(capacityPlanOf);
  if (!opts.skipCapacityCheck) checkCapacity(plans);
  // Seed overruns and minimums below the need: one note, or with --strict an error before anything is written.
  const findings = plans.flatMap(planFindings);
  if (opts.strict) checkStrict(findings);
  const warnings = findings.map((f) => f.message);
  assertNoSecretData(models);
  const lockFile = path.join(path.dirname(path.resolve(opts.config)), PERMISSIONS_LOCK);
  const lock = readPermissionsLock(lockFile);
  const derived = derivePermissions(models);
  const writeLock = opts.updatePermissions || !fs.existsSync(lockFile);
  if (!writeLock) assertWithinPermissionsLock(derived, lock);
  // Digests are resolved by npm run vendor into images.lock.json, never here: a rendered image the lock pins elsewhere is refused.
  assertImageLock(models.flatMap((m) => [...m.objects.values()].flat()), readImageLock(path.join(path.dirname(path.resolve(opts.config)), IMAGE_LOCK)));
  const memo = new YamlMemo(hydrateOptions.cache ? yamlMemoFile(hydrateOptions.root) : undefined);
  const tree = renderModels(models, memo.dump);
  // Runs on the same output take turns from here on (rendering above runs side by side).
  const outLock = await lockOutput(opts.out, {
    ...(opts.lockTimeoutSeconds !== undefined ? { timeoutMs: opts.lockTimeoutSeconds * 1000 } : {}),
    onWait: (holder, file) => console.error(`waiting for ${file}: another synth is writing ${path.normalize(opts.out)}/ (${describeHolder(holder)})`),
  });
  let written: { files: number; removed: readonly string[] };
  try {
    recoverInterruptedWrite(opts.out);
    // A full synth also removes the folders it wrote for environments no longer configured.
    written = writeTreeAtomically(opts.out, tree, envs, { prune: !opts.env });
    if (writeLock) {
      // With --env, the other environments' entries stay: the lock is the union over all of them.
      const next = opts.env ? mergePermissions(lock, derived) : derived;
      writeFileAtomically(lockFile, formatPermissionsLock(next));
    }
    // Renovate's groups and service images follow the config: only a full synth has every environment.
    if (!opts.env) writeRenovateJson(path.join(path.dirname(path.resolve(opts.config)), RENOVATE_FILE), renovateJson(config, built));
  } finally {
    outLock.release();
  }
  memo.save();
  return { files: written.files, envs, findings, warnings, configWarnings: configFindings, removed: written.removed };
}

/**
 * The one stderr line for what the plans report beyond the capacity check, pointing at the PLAN.md
 * that has the figures (e.g. `note: 4 workflows (…) request more than the seed allocates, in prod
 * and staging; see "Capacity" in dist/<env>/PLAN.md`). Undefined when there is nothing to report.
 */
export function findingsNote(findings: readonly PlanFinding[], out: string): string | undefined {
  const summary = summarizeFindings(findings);
  if (!summary) return undefined;
  const envs = [...new Set(findings.map((f) => f.env))];
  const plan = path.join(path.normalize(out), envs.length === 1 ? envs[0] : '<env>', 'PLAN.md');
  return `note: ${summary}; see "Capacity" in ${plan} (--strict makes this an error)`;
}

export function main(argv: readonly string[]): Promise<number> {
  return runCliAsync(USAGE, async () => {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      console.log(USAGE);
      return 0;
    }
    const started = process.hrtime.bigint();
    const { files, envs, findings, configWarnings: configFindings, removed } = await synth(opts);
    for (const w of configFindings) console.error(`warning: ${w}`);
    const note = findingsNote(findings, opts.out);
    if (note) console.error(note);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    for (const sub of removed) console.log(`removed ${path.join(opts.out, sub)}/: no such environment in ${opts.config} any more`);
    console.log(`rendered ${files} files for ${envs.join(', ')} into ${path.normalize(opts.out)}/ in ${ms.toFixed(0)} ms`);
    // `cdk8s synth` (cdk8s.yaml) deletes the folder it names in CDK8S_OUTDIR before running this,
    // and fails unless it exists afterwards: a pointer to the real output, never dist/ itself.
    const cdk8sOut = process.env.CDK8S_OUTDIR;
    if (cdk8sOut && path.resolve(cdk8sOut) !== path.resolve(opts.out)) {
      fs.mkdirSync(cdk8sOut, { recursive: true });
      const pointer = { out: path.normalize(opts.out), environments: envs, files };
      fs.writeFileSync(path.join(cdk8sOut, 'synth.yaml'), `# cdk8s synth ran npm run synth: the manifests are in ${path.normalize(opts.out)}/<env>/.\n${toYaml(pointer)}`);
    }
    return 0;
  });
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
