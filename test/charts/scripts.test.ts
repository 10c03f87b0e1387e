/**
 * Shell that pods run lives in `.sh` files beside the chart that runs it, imported as text
 * (lib/shell-text.d.ts): every such file passes shellcheck (CI installs it; without it the check
 * says that it skipped), every one is imported by a chart, and no chart source builds shell inside
 * a template literal.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { ROOT } from '../support';

const CHARTS = path.join(ROOT, 'charts');
const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;

/** Files under `dir` whose name ends with `ext`, relative to the project root, sorted. */
function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(ext)) out.push(path.relative(ROOT, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Shell markers: a shebang, or `set -e` (with more flags). */
const SHELL = /#!\/|\bset -[a-z]*e/;

/** The template literals of a TypeScript source whose text looks like shell, with their line. */
export function shellInTemplateLiterals(fileName: string, source: string): { line: number; text: string }[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: { line: number; text: string }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      const lines = node.text.split('\n');
      const at = lines.findIndex((l) => SHELL.test(l));
      if (at >= 0) found.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 + at, text: lines[at] });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('shell run by pods', () => {
  const scripts = filesUnder(CHARTS, '.sh');
  const sources = filesUnder(CHARTS, '.ts');

  it('lives in .sh files under charts/', () => {
    expect(scripts.length).toBeGreaterThan(0);
  });

  it('is imported by a chart source, so no script file is left unused', () => {
    const imported = new Set<string>();
    for (const src of sources) {
      const sf = ts.createSourceFile(src, fs.readFileSync(path.join(ROOT, src), 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
      for (const s of sf.statements) {
        if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text.endsWith('.sh')) {
          imported.add(path.relative(ROOT, path.resolve(ROOT, path.dirname(src), s.moduleSpecifier.text)));
        }
      }
    }
    expect(scripts.filter((f) => !imported.has(f))).toEqual([]);
  });

  it('is found in a template literal by the check below, with or without substitutions', () => {
    const src = 'const a = `#!/bin/sh\necho`;\nconst b = `x ${y}\nset -eu\n`;\nconst c = "set -e is fine in a plain string";\nconst d = `set +x`;\n';
    expect(shellInTemplateLiterals('sample.ts', src)).toEqual([
      { line: 1, text: '#!/bin/sh' },
      { line: 4, text: 'set -eu' },
    ]);
  });

  it('is never built in a template literal of a chart source (no shebang, no `set -e`)', () => {
    const offenders = sources.flatMap((f) => shellInTemplateLiterals(f, fs.readFileSync(path.join(ROOT, f), 'utf8')).map((x) => `${f}:${x.line}: ${x.text.trim()}`));
    expect(offenders).toEqual([]);
  });

  if (!shellcheck) {
    it('is not linted: shellcheck is not installed (CI installs it)', () => {
      console.warn('\n*** SKIPPED: shellcheck is not on PATH, so the .sh files under charts/ were not linted. CI installs it. ***\n');
      expect(shellcheck).toBe(false);
    });
    return;
  }

  it.each(filesUnder(CHARTS, '.sh'))('passes shellcheck: %s', (file) => {
    // As CI runs it (.ci/run): the shebang picks the shell, a .shellcheckrc beside the script applies.
    const r = spawnSync('shellcheck', ['--format=gcc', file], { cwd: ROOT, encoding: 'utf8' });
    expect({ file, problems: r.stdout.trim().split('\n').filter(Boolean), status: r.status }).toEqual({ file, problems: [], status: 0 });
  });
});
