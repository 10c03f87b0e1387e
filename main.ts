/**
 * Composition root and the `npm run synth` CLI: load platform.yaml, build every environment,
 * write dist/. Nothing is written unless every environment renders.
 */
import * as path from 'node:path';
import { ConfigError, loadConfigFile } from './config/load';
import { parseFlags, runCli, UsageError } from './lib/cli';
import { capacityPlan, checkCapacity, seedWarnings } from './lib/plan';
import { recoverInterruptedWrite, writeTreeAtomically } from './lib/output';
import { buildEnvironment } from './platform';
import { renderModels } from './synth';

const USAGE = `Usage: npm run synth -- [--config FILE] [--env NAME] [--out DIR] [--skip-capacity-check]

Renders dist/<env>/ for every environment in platform.yaml (or only --env NAME):
  eksctl/cluster.yaml   the eksctl ClusterConfig
  bootstrap/            values files, root AppProject and app-of-apps, README with the commands
  apps/                 one Argo CD Application per component, one AppProject per workflow
  manifests/<id>/       the objects we author, one file per object
  PLAN.md               capacity plan, sync waves with predicted rollout time, dependency graph

Fails, naming the environment and the shortfall, when an environment's requests do not fit its
node groups at their maximum size; warns (stderr) when a workflow requests more than the seed
allocates it.

Options:
  --config FILE   platform config (default: platform.yaml)
  --env NAME      render only this environment (others in --out are left untouched)
  --out DIR       output folder (default: dist)
  --skip-capacity-check
                  render even when an environment does not fit at its maximum node count
                  (for benchmarks with generated configs; PLAN.md still says it does not fit)
  -h, --help      this text`;

export interface SynthOptions {
  readonly config: string;
  readonly env?: string;
  readonly out: string;
  /** Render even when an environment does not fit at its maximum node count. */
  readonly skipCapacityCheck?: boolean;
}

export { UsageError };

export function parseArgs(argv: readonly string[]): SynthOptions | 'help' {
  const f = parseFlags(argv, { values: ['--config', '--env', '--out'], switches: ['--skip-capacity-check'] });
  if (f === 'help') return 'help';
  return {
    config: f.values.get('--config') ?? 'platform.yaml',
    out: f.values.get('--out') ?? 'dist',
    ...(f.values.has('--env') ? { env: f.values.get('--env') } : {}),
    ...(f.switches.has('--skip-capacity-check') ? { skipCapacityCheck: true } : {}),
  };
}

export function synth(opts: SynthOptions): { files: number; envs: string[]; warnings: string[] } {
  const config = loadConfigFile(opts.config);
  const known = Object.keys(config.environments);
  if (opts.env && !known.includes(opts.env)) {
    throw new ConfigError(opts.config, [`--env ${opts.env}: no such environment; defined: ${known.join(', ')}`]);
  }
  const envs = opts.env ? [opts.env] : known;
  // The seed's "Resource Quotas … to prevent resource exhaustion": refuse a platform that cannot fit.
  const models = [...envs].sort().map((name) => buildEnvironment(config, name));
  const plans = models.map((model) => capacityPlan(model.env, model.components));
  if (!opts.skipCapacityCheck) checkCapacity(plans);
  const warnings = plans.flatMap(seedWarnings);
  const tree = renderModels(models);
  recoverInterruptedWrite(opts.out);
  writeTreeAtomically(opts.out, tree, envs);
  return { files: tree.size, envs, warnings };
}

export function main(argv: readonly string[]): number {
  return runCli(USAGE, () => {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      console.log(USAGE);
      return 0;
    }
    const started = process.hrtime.bigint();
    const { files, envs, warnings } = synth(opts);
    for (const w of warnings) console.error(`warning: ${w}`);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`rendered ${files} files for ${envs.join(', ')} into ${path.normalize(opts.out)}/ in ${ms.toFixed(0)} ms`);
    return 0;
  });
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
