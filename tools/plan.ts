// CLI: the capacity and rollout plan of each environment (the same figures as dist/<env>/PLAN.md).
//   npm run plan -- [--config FILE] [--env NAME] [--json]
import { ConfigError, loadConfigFile } from '../config/load';
import { GraphError } from '../lib/graph';
import { CapacityStatus } from '../lib/plan';
import { environmentPlans, planJson, renderPlanText } from '../lib/plan-report';
import { buildEnvironment } from '../platform';

export const USAGE = `Usage: npm run plan -- [--config FILE] [--env NAME] [--json]

For each environment: requests and limits per workflow against the seed's allocation, the node
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

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): PlanOptions | 'help' {
  let config = 'platform.yaml';
  let env: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return 'help';
    if (arg === '--json') {
      json = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag !== '--config' && flag !== '--env') throw new UsageError(`unknown option ${arg}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    if (flag === '--config') config = value;
    else env = value;
  }
  return { config, env, json };
}

/** Renders the report; `failed` is true when an environment does not fit at its maximum size. */
export function plan(opts: PlanOptions): { output: string; failed: boolean } {
  const config = loadConfigFile(opts.config);
  const known = Object.keys(config.environments);
  if (opts.env && !known.includes(opts.env)) {
    throw new ConfigError(opts.config, [`--env ${opts.env}: no such environment; defined: ${known.join(', ')}`]);
  }
  const envs = opts.env ? [opts.env] : known;
  const results = envs.map((name) => {
    const model = buildEnvironment(config, name);
    return { model, plans: environmentPlans(model) };
  });
  const failed = results.some((r) => r.plans.capacity.status === CapacityStatus.DoesNotFit);
  const output = opts.json
    ? `${JSON.stringify({ environments: results.map((r) => planJson(r.model, r.plans)) }, null, 2)}\n`
    : results.map((r) => renderPlanText(r.model, r.plans)).join('\n');
  return { output, failed };
}

function main(argv: readonly string[]): number {
  try {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      console.log(USAGE);
      return 0;
    }
    const { output, failed } = plan(opts);
    process.stdout.write(output);
    return failed ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(e instanceof ConfigError || e instanceof GraphError ? e.message : `error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
