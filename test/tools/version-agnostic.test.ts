/**
 * A Renovate bump of a chart (config/versions.ts, with its package vendored) must not break the
 * suite: no test may hold a pinned chart version or compare one with a literal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHARTS } from '../../config/versions';
import { ROOT } from '../support';

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' || e.name === 'support-files' ? [] : testFiles(p);
    return /\.(ts|js)$/.test(e.name) ? [p] : [];
  });
}

const files = testFiles(path.join(ROOT, 'test'));
const versions = [...new Set(Object.values(CHARTS).map((c) => c.version))];
const versionLiteral = new RegExp(`['"\`(](${versions.map((v) => v.replace(/[.+]/g, '\\$&')).join('|')})['"\`)]`);

describe('tests and chart versions', () => {
  it('reads the test tree', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(versions.length).toBeGreaterThan(20);
  });

  it('no test compares a chart version with a literal', () => {
    const offenders = files.flatMap((f) =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (/CHARTS\.\w+\.version\)\.to(Be|Equal)\(['"`]/.test(line) || /version: ['"`]\d+\.\d+\.\d+['"`]/.test(line) && /CHARTS/.test(line) ? [`${path.relative(ROOT, f)}:${i + 1}`] : [])),
    );
    expect(offenders).toEqual([]);
  });

  it('no test holds a pinned chart version as a literal', () => {
    const offenders = files
      .filter((f) => f !== __filename)
      .flatMap((f) =>
        fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .flatMap((line, i) => {
            const m = versionLiteral.exec(line);
            return m ? [`${path.relative(ROOT, f)}:${i + 1}: ${m[1]}`] : [];
          }),
      );
    expect(offenders).toEqual([]);
  });
});
