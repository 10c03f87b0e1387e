// CLI: the capacity and rollout plan of each environment (the same figures as dist/<env>/PLAN.md).
//   npm run plan -- [--config FILE] [--env NAME] [--json]
import { ConfigError, loadConfigFile } from '../config/load';
import { parseFlags, runCliAsync, UsageError } from '../lib/cli';
import { CapacityStatus } from '../lib/plan';
import { environmentPlans, planJson, renderPlanText } from '../lib/plan-report';
import { buildEnvironment } from '../platform';
import { defaultHydrateOptions, HydrateOptions, hydrateModel } from '../synth';

export const USAGE = `Usage: npm run plan -- [--config FILE] [--env NAME] [--json]

For each environment, from its rendered objects (Helm charts rendered with the pinned helm, as
synth does): requests and limits per workflow against the seed's allocation, the node
groups' allocatable capacity at minimum and maximum size, the status (fits at minimum size /
needs scale-out / does not fit at maximum size), the sync waves with the predicted rollout time
and the critical path.

Options:
  --config FILE   platform config (default: platform.yaml)
  --env NAME      only this environment
  --json          machine-readable output (one JSON document)
  -h, --help      this text

Exit status: 0, or 1 when an environment does not fit at its maximum size (or on bad input).`;

export interface PlanOptions {
  readonly config: string;
  readonly env?: string;
  readonly json: boolean;
}

export { UsageError };

export function parseArgs(argv: readonly string[]): PlanOptions | 'help' {
  const f = parseFlags(argv, { values: ['--config', '--env'], switches: ['--json'] });
  if (f === 'help') return 'help';
  return { config: f.values.get('--config') ?? 'platform.yaml', env: f.values.get('--env'), json: f.switches.has('--json') };
}

/** Renders the report; `failed` is true when an environment does not fit at its maximum size. */
export async function plan(opts: PlanOptions, hydrateOptions: HydrateOptions = defaultHydrateOptions()): Promise<{ output: string; failed: boolean }> {
  const config = loadConfigFile(opts.config);
  const known = Object.keys(config.environments);
  if (opts.env && !known.includes(opts.env)) {
    throw new ConfigError(opts.config, [`--env ${opts.env}: no such environment; defined: ${known.join(', ')}`]);
  }
  const envs = opts.env ? [opts.env] : known;
  const models = await Promise.all(envs.map((name) => hydrateModel(buildEnvironment(config, name), hydrateOptions)));
  const results = models.map((model) => ({ model, plans: environmentPlans(model) }));
  const failed = results.some((r) => r.plans.capacity.status === CapacityStatus.DoesNotFit);
  const output = opts.json
    ? `${JSON.stringify({ environments: results.map((r) => planJson(r.model, r.plans)) }, null, 2)}\n`
    : results.map((r) => renderPlanText(r.model, r.plans)).join('\n');
  return { output, failed };
}

export function main(argv: readonly string[]): Promise<number> {
  return runCliAsync(USAGE, async () => {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      console.log(USAGE);
      return 0;
    }
    const { output, failed } = await plan(opts);
    process.stdout.write(output);
    return failed ? 1 : 0;
  });
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
