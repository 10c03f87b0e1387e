/**
 * Composition root and the `npm run synth` CLI: load platform.yaml, build every environment,
 * write dist/. Nothing is written unless every environment renders.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfigFile } from './config/load';
import { parseFlags, runCliAsync, UsageError } from './lib/cli';
import { capacityPlanOf, checkCapacity, seedWarnings } from './lib/plan';
import { describeHolder, lockOutput, OUTPUT_LOCK_DEFAULTS, recoverInterruptedWrite, toYaml, writeFileAtomically, writeTreeAtomically, YamlMemo } from './lib/output';
import { assertNoSecretData, assertWithinPermissionsLock, derivePermissions, formatPermissionsLock, mergePermissions, PERMISSIONS_LOCK, readPermissionsLock } from './lib/checks';
import { buildEnvironment } from './platform';
import { defaultHydrateOptions, HydrateOptions, hydrateModel, renderModels, yamlMemoFile } from './synth';

const USAGE = `Usage: npm run synth -- [--config FILE] [--env NAME] [--out DIR] [--skip-capacity-check] [--update-permissions] [--lock-timeout SECONDS]

Renders dist/<env>/ for every environment in platform.yaml (or only --env NAME):
  eksctl/cluster.yaml   the eksctl ClusterConfig
  bootstrap/            values files, root AppProject and app-of-apps, README with the commands
  apps/                 one Argo CD Application per component, one AppProject per workflow
  manifests/<id>/       every object of every component, one file per object (Helm charts
                        rendered with the pinned helm from vendor/charts)
  PLAN.md               capacity plan, sync waves with predicted rollout time, dependency graph

Fails, naming the environment and the shortfall, when an environment's requests do not fit its
node groups at their maximum size; warns (stderr) when a workflow requests more than the seed
allocates it.

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
  /** Rewrite permissions.lock.json to what the rendered objects need (a reviewed widening). */
  readonly updatePermissions?: boolean;
  /** How long to wait for another synth writing `out`. @default OUTPUT_LOCK_DEFAULTS.timeoutMs / 1000 */
  readonly lockTimeoutSeconds?: number;
}

export { UsageError };

export function parseArgs(argv: readonly string[]): SynthOptions | 'help' {
  const f = parseFlags(argv, { values: ['--config', '--env', '--out', '--lock-timeout'], switches: ['--skip-capacity-check', '--update-permissions'] });
  if (f === 'help') return 'help';
  const lockTimeout = f.values.get('--lock-timeout');
  if (lockTimeout !== undefined && !/^\d+$/.test(lockTimeout)) throw new UsageError(`--lock-timeout: expected a whole number of seconds, got "${lockTimeout}"`);
  return {
    config: f.values.get('--config') ?? 'platform.yaml',
    out: f.values.get('--out') ?? 'dist',
    ...(f.values.has('--env') ? { env: f.values.get('--env') } : {}),
    ...(f.switches.has('--skip-capacity-check') ? { skipCapacityCheck: true } : {}),
    ...(f.switches.has('--update-permissions') ? { updatePermissions: true } : {}),
    ...(lockTimeout !== undefined ? { lockTimeoutSeconds: Number(lockTimeout) } : {}),
  };
}

export async function synth(opts: SynthOptions, hydrateOptions: HydrateOptions = defaultHydrateOptions()): Promise<{ files: number; envs: string[]; warnings: string[]; removed: readonly string[] }> {
  const config = loadConfigFile(opts.config);
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
  const warnings = plans.flatMap(seedWarnings);
  assertNoSecretData(models);
  const lockFile = path.join(path.dirname(path.resolve(opts.config)), PERMISSIONS_LOCK);
  const lock = readPermissionsLock(lockFile);
  const derived = derivePermissions(models);
  const writeLock = opts.updatePermissions || !fs.existsSync(lockFile);
  if (!writeLock) assertWithinPermissionsLock(derived, lock);
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
  } finally {
    outLock.release();
  }
  memo.save();
  return { files: written.files, envs, warnings, removed: written.removed };
}

export function main(argv: readonly string[]): Promise<number> {
  return runCliAsync(USAGE, async () => {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      console.log(USAGE);
      return 0;
    }
    const started = process.hrtime.bigint();
    const { files, envs, warnings, removed } = await synth(opts);
    for (const w of warnings) console.error(`warning: ${w}`);
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
