/**
 * Exceptions to "every value key we set exists in the pinned chart's values.yaml or
 * values.schema.json". One file per chart under ./allowlist/<chart>.ts, so each workflow owns its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ChartAllowlist {
  /**
   * Maps whose keys are free-form (config files, annotations, flag maps): nothing below them is
   * checked. Dotted paths; `*` matches one segment.
   */
  readonly freeForm: readonly string[];
  /** Keys the chart's templates read that values.yaml only mentions in a comment or not at all. */
  readonly undocumented: readonly { readonly path: string; readonly proof: string }[];
  /** Subcharts whose values are checked against their own chart-values folder: prefix → `<chart>/<version>`. */
  readonly subcharts?: Readonly<Record<string, string>>;
}

export function loadAllowlists(): Map<string, ChartAllowlist> {
  const dir = path.join(__dirname, 'allowlist');
  const out = new Map<string, ChartAllowlist>();
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts')).sort()) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    out.set(f.replace(/\.ts$/, ''), require(path.join(dir, f)).default as ChartAllowlist);
  }
  return out;
}
