/**
 * Composition root and the `npm run synth` CLI: load platform.yaml, build every environment,
 * write dist/. Nothing is written unless every environment renders.
 */
import * as path from 'node:path';
import { ConfigError, loadConfigFile } from './config/load';
import { GraphError } from './lib/graph';
import { recoverInterruptedWrite, writeTreeAtomically } from './lib/output';
import { renderAll } from './synth';

const USAGE = `Usage: npm run synth -- [--config FILE] [--env NAME] [--out DIR]

Renders dist/<env>/ for every environment in platform.yaml (or only --env NAME):
  eksctl/cluster.yaml   the eksctl ClusterConfig
  bootstrap/            values files, root AppProject and app-of-apps, README with the commands
  apps/                 one Argo CD Application per component, one AppProject per workflow
  manifests/<id>/       the objects we author, one file per object

Options:
  --config FILE   platform config (default: platform.yaml)
  --env NAME      render only this environment (others in --out are left untouched)
  --out DIR       output folder (default: dist)
  -h, --help      this text`;

export interface SynthOptions {
  readonly config: string;
  readonly env?: string;
  readonly out: string;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): SynthOptions | 'help' {
  const opts: { config: string; env?: string; out: string } = { config: 'platform.yaml', out: 'dist' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return 'help';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!['--config', '--env', '--out'].includes(flag)) throw new UsageError(`unknown option ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    opts[flag.slice(2) as 'config' | 'env' | 'out'] = value;
  }
  return opts;
}

export function synth(opts: SynthOptions): { files: number; envs: string[] } {
  const config = loadConfigFile(opts.config);
  const known = Object.keys(config.environments);
  if (opts.env && !known.includes(opts.env)) {
    throw new ConfigError(opts.config, [`--env ${opts.env}: no such environment; defined: ${known.join(', ')}`]);
  }
  const envs = opts.env ? [opts.env] : known;
  const tree = renderAll(config, envs);
  recoverInterruptedWrite(opts.out);
  writeTreeAtomically(opts.out, tree, envs);
  return { files: tree.size, envs };
}

function main(argv: readonly string[]): number {
  try {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      console.log(USAGE);
      return 0;
    }
    const started = process.hrtime.bigint();
    const { files, envs } = synth(opts);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`rendered ${files} files for ${envs.join(', ')} into ${path.normalize(opts.out)}/ in ${ms.toFixed(0)} ms`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof GraphError) {
      console.error(e.message);
      return 1;
    }
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n\n${USAGE}`);
      return 1;
    }
    // Errors from component validation carry a message meant for users, too.
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.PLATFORM_DEBUG) console.error(e);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
