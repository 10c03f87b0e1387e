// CLI: validate every rendered YAML document under --dir from what the tree itself installs.
//   node build/tools/validate.js [--dir dist] [--schemas DIR] [--chart-values DIR]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFlags, UsageError } from '../lib/cli';
import { formatIssue, formatSummary, SchemaSet, validateTreeWithStats } from './validate-core';
import { EKSCTL_SCHEMA } from './validate/external';

export const USAGE = `usage: validate [--dir DIR] [--schemas DIR] [--chart-values DIR]

Validates every *.yaml / *.yml document under --dir (default: dist), strict about unknown fields:
  built-in kinds      against the Kubernetes 1.34 API (kubernetes-models)
  custom resources    against the CRD rendered in the same tree (the served version's
                      openAPIV3Schema); Gatekeeper constraints against their ConstraintTemplate
  CRDs installed at   against schemas/crds/<group>/<kind>_<version>.json in this repository
  run time            (OUT_OF_TREE_CRDS in tools/validate/crds.ts)
A kind with none of these is an error. The eksctl ClusterConfig is validated only with --schemas;
*-values.yaml files only with --chart-values, when the chart ships a values.schema.json.

Prints one line per issue (file: object: path: message) and a summary.
Exit status: 0 all valid, 1 invalid documents or unknown kinds, 2 usage error.

options:
  --dir DIR           tree to validate (default: dist)
  --schemas DIR       validate the eksctl ClusterConfig against DIR/${EKSCTL_SCHEMA}
  --chart-values DIR  chart values root: DIR/<chart>/<version>/values.schema.json
  -h, --help          show this help`;

export interface CliOptions {
  readonly dir: string;
  readonly schemas?: string;
  readonly chartValues?: string;
}

export interface CliOutput {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export { UsageError };

/** `--flag value` and `--flag=value`; 'help' when asked for it. */
export function parseArgs(argv: readonly string[]): CliOptions | 'help' {
  const f = parseFlags(argv, { values: ['--schemas', '--dir', '--chart-values'] });
  if (f === 'help') return 'help';
  const values = f.values;
  return { dir: values.get('--dir') ?? 'dist', schemas: values.get('--schemas'), chartValues: values.get('--chart-values') };
}

function requireDirectory(dir: string, what: string): void {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${what} ${dir} is not a directory`);
}

function checkOptions(options: CliOptions): void {
  requireDirectory(options.dir, '--dir');
  if (options.schemas !== undefined) {
    requireDirectory(options.schemas, '--schemas');
    if (!fs.existsSync(path.join(options.schemas, EKSCTL_SCHEMA))) {
      throw new UsageError(`--schemas ${options.schemas} has no ${EKSCTL_SCHEMA}`);
    }
  }
  if (options.chartValues !== undefined) requireDirectory(options.chartValues, '--chart-values');
}

/** Runs the CLI and returns its exit status. */
export function run(argv: readonly string[], output: CliOutput): number {
  try {
    const options = parseArgs(argv);
    if (options === 'help') {
      output.out(USAGE);
      return 0;
    }
    checkOptions(options);
    const started = Date.now();
    const set = new SchemaSet({ schemasDir: options.schemas, chartValuesDir: options.chartValues });
    const report = validateTreeWithStats(options.dir, set);
    for (const issue of report.issues) output.out(formatIssue(issue));
    for (const line of formatSummary(report, Date.now() - started)) output.out(line);
    return report.issues.length > 0 ? 1 : 0;
  } catch (error) {
    // One line, no stack: usage errors and unreadable inputs alike.
    output.err(`validate: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}

export function main(argv: readonly string[]): number {
  return run(argv, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
