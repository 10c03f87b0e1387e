/**
 * Checks that need upstream reference data from outside the repository (CHART_VALUES_DIR,
 * SCHEMAS_DIR) skip without it. Each test file records what it went without in a file jest's
 * globalSetup names in SKIPS_FILE_VARIABLE; globalTeardown prints one line for the whole run,
 * after jest's summary, naming the variables to set. Nothing here imports the platform: the global
 * hooks load it in jest's own process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type ReferenceVariable = 'CHART_VALUES_DIR' | 'SCHEMAS_DIR';

/** What each variable holds, and where CI (.ci/run) points it. */
export const REFERENCE_DATA: Readonly<Record<ReferenceVariable, { readonly holds: string; readonly ci: string }>> = {
  CHART_VALUES_DIR: { holds: "upstream charts' values.yaml per chart version", ci: '../shared/chart-values' },
  SCHEMAS_DIR: { holds: 'eksctl and CRD schemas', ci: '../shared/schemas' },
};

/** The environment variable naming the run's record of skips (set by globalSetup, inherited by the workers). */
export const SKIPS_FILE_VARIABLE = 'PLATFORM_TEST_SKIPS_FILE';

/** The one line for a run: which variables were missing and in how many test files, or undefined. */
export function skipSummary(records: readonly { variable: string; testFile: string }[]): string | undefined {
  if (records.length === 0) return undefined;
  const variables = [...new Set(records.map((r) => r.variable))].sort() as ReferenceVariable[];
  const files = new Set(records.map((r) => r.testFile)).size;
  const set = variables.map((v) => `${v} (${REFERENCE_DATA[v]?.holds ?? 'reference data'}, e.g. ${REFERENCE_DATA[v]?.ci ?? '?'})`).join(' and ');
  return `SKIPPED checks against upstream reference data in ${files} test file${files === 1 ? '' : 's'}: set ${set} to run them; CI (.ci/run) sets ${variables.length === 1 ? 'it' : 'both'}.`;
}

/** Records that the current test file skipped the checks needing `variable`. */
export function recordSkip(variable: ReferenceVariable, testFile: string): void {
  const file = process.env[SKIPS_FILE_VARIABLE];
  if (file) fs.appendFileSync(file, `${JSON.stringify({ variable, testFile })}\n`);
  // Outside a run with the global hooks (another jest config): say it here, once per file.
  else console.warn(skipSummary([{ variable, testFile }]));
}

/** globalSetup: a fresh record for this run. */
export function startRecording(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-test-skips-'));
  const file = path.join(dir, 'skips.jsonl');
  fs.writeFileSync(file, '');
  process.env[SKIPS_FILE_VARIABLE] = file;
}

/** globalTeardown: the one line (if anything skipped), and the record removed. */
export function finishRecording(write: (line: string) => void = (line) => process.stderr.write(`\n${line}\n`)): void {
  const file = process.env[SKIPS_FILE_VARIABLE];
  if (!file || !fs.existsSync(file)) return;
  const records = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { variable: string; testFile: string });
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  delete process.env[SKIPS_FILE_VARIABLE];
  const line = skipSummary(records);
  if (line) write(line);
}
