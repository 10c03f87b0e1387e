// CLI: validate every rendered YAML document under --dir against the offline schemas.
//   node build/tools/validate.js --schemas DIR [--dir dist] [--chart-values DIR]
import * as fs from 'node:fs';
import { parseFlags, UsageError } from '../lib/cli';
import {
  findK8sDefinitions,
  formatIssue,
  formatSummary,
  loadSchemaSet,
  validateTreeWithStats,
} from './validate-core';

export const USAGE = `usage: validate --schemas DIR [--dir DIR] [--chart-values DIR]

Validates every *.yaml / *.yml document under --dir (default: dist) against offline schemas:
Kubernetes definitions (DIR/k8s/<version>/_definitions.json), CRDs (DIR/crds/<group>/...) and
eksctl (DIR/eksctl/schema.json). *-values.yaml files are checked against the chart's
values.schema.json under --chart-values when one exists, and skipped otherwise.

Prints one line per issue (file: object: path: message) and a summary.
Exit status: 0 all valid, 1 invalid documents, 2 usage error.

options:
  --schemas DIR       schema root (required)
  --dir DIR           tree to validate (default: dist)
  --chart-values DIR  chart values root: DIR/<chart>/<version>/values.schema.json
  -h, --help          show this help`;

export interface CliOptions {
  readonly schemas: string;
  readonly dir: string;
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
  const schemas = values.get('--schemas');
  if (!schemas) throw new UsageError('--schemas DIR is required (see --help)');
  return { schemas, dir: values.get('--dir') ?? 'dist', chartValues: values.get('--chart-values') };
}

function requireDirectory(dir: string, what: string): void {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${what} ${dir} is not a directory`);
}

function checkOptions(options: CliOptions): void {
  requireDirectory(options.schemas, '--schemas');
  if (!findK8sDefinitions(options.schemas)) {
    throw new UsageError(`--schemas ${options.schemas} has no k8s/<version>/_definitions.json`);
  }
  requireDirectory(options.dir, '--dir');
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
    const report = validateTreeWithStats(options.dir, loadSchemaSet(options.schemas, options.chartValues));
    for (const issue of report.issues) output.out(formatIssue(issue));
    output.out(formatSummary(report));
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
