/**
 * The README's "Security model" keeps its table of the EKS Best Practices security controls honest
 * where a machine can: every row has a Before and Now answer of yes, partial or no; the summary's
 * counts are the table's; every test file and rendered object a row names exists (the rendered ones
 * in the fixture's prod rendering, `dist/<env>/` read as `prod/`); and a row answered "yes" names at
 * least one of them, so no "yes" rests on prose alone. It also keeps the sections the model cites.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderedFixture, ROOT } from '../support';

jest.setTimeout(300_000);

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const ANSWERS = ['yes', 'partial', 'no'] as const;
type Answer = (typeof ANSWERS)[number];

interface ControlRow {
  readonly number: number;
  readonly control: string;
  readonly before: Answer;
  readonly now: Answer;
  readonly backing: string;
}

/** The text of a `## ` section, up to the next `## `. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no section "## ${title}"`);
  const next = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, next < 0 ? undefined : next);
}

/** The rows of the controls table: the one whose header starts `| # | Control | Before | Now |`. */
function controlRows(text: string): ControlRow[] {
  const lines = text.split('\n');
  const header = lines.findIndex((l) => /^\|\s*#\s*\|\s*Control\s*\|\s*Before\s*\|\s*Now\s*\|/.test(l));
  if (header < 0) throw new Error('the Security model section has no table with the header | # | Control | Before | Now | ...');
  const rows: ControlRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 5) throw new Error(`control row has ${cells.length} cells, not 5: ${line}`);
    const [number, control, before, now, backing] = cells;
    for (const a of [before, now]) {
      if (!(ANSWERS as readonly string[]).includes(a)) throw new Error(`control ${number} (${control}): "${a}" is not one of ${ANSWERS.join(', ')}`);
    }
    rows.push({ number: Number(number), control, before: before as Answer, now: now as Answer, backing });
  }
  return rows;
}

/** The backticked paths a cell names: test files and files under `dist/<env>/`. */
function namedPaths(cell: string): { tests: string[]; rendered: string[] } {
  const ticked = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  return {
    tests: ticked.filter((t) => /^test\/\S+\.ts$/.test(t)),
    rendered: ticked.filter((t) => t.startsWith('dist/<env>/')).map((t) => t.replace('dist/<env>/', '')),
  };
}

const counts = (rows: readonly ControlRow[], key: 'before' | 'now') =>
  Object.fromEntries(ANSWERS.map((a) => [a, rows.filter((r) => r[key] === a).length])) as Record<Answer, number>;

describe('README security model', () => {
  const text = section(README, 'Security model');
  const rows = controlRows(text);

  it('answers sixteen numbered controls, before and now, with yes, partial or no', () => {
    expect(rows.map((r) => r.number)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.control)).size).toBe(rows.length);
  });

  it("keeps the review's starting point (1 yes, 10 partial, 5 no) and a summary that matches the table", () => {
    expect(counts(rows, 'before')).toEqual({ yes: 1, partial: 10, no: 5 });
    const note = /Before issue 10: (\d+) yes, (\d+) partial, (\d+) no\. Now: (\d+) yes, (\d+) partial, (\d+) no\./.exec(text);
    expect(note).not.toBeNull();
    const [by, bp, bn, ny, np, nn] = note!.slice(1).map(Number);
    expect({ yes: by, partial: bp, no: bn }).toEqual(counts(rows, 'before'));
    expect({ yes: ny, partial: np, no: nn }).toEqual(counts(rows, 'now'));
  });

  it('names at least one test file or rendered object in every row answered yes', () => {
    const bare = rows.filter((r) => r.now === 'yes').filter((r) => {
      const p = namedPaths(r.backing);
      return p.tests.length + p.rendered.length === 0;
    });
    expect(bare.map((r) => `${r.number} ${r.control}`)).toEqual([]);
  });

  it('names only test files that exist', () => {
    const tests = [...new Set([...text.matchAll(/`(test\/\S+\.ts)`/g)].map((m) => m[1]))];
    expect(tests.length).toBeGreaterThan(0);
    expect(tests.filter((t) => !fs.existsSync(path.join(ROOT, t)))).toEqual([]);
  });

  it('names only rendered objects that the prod rendering contains', async () => {
    const tree = await renderedFixture('prod');
    const rendered = [...new Set([...text.matchAll(/`dist\/<env>\/([^`]+)`/g)].map((m) => m[1]))];
    expect(rendered.length).toBeGreaterThan(0);
    expect(rendered.filter((f) => !tree.has(`prod/${f}`))).toEqual([]);
  });

  it('cites only README sections that exist', () => {
    const headings = new Set([...README.matchAll(/^##+ (.+)$/gm)].map((m) => m[1].trim()));
    // Quoted titles inside parentheses, e.g. ("Secrets per reader", "Policy"); a title may wrap.
    const parentheses = [...text.matchAll(/\(([^()]*)\)/g)].map((m) => m[1]);
    const cited = [...new Set(parentheses.flatMap((p) => [...p.matchAll(/"([^"]+)"/g)].map((m) => m[1].replace(/\s+/g, ' '))))];
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.filter((c) => !headings.has(c))).toEqual([]);
  });
});
