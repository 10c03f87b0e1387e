import { execFileSync } from 'node:child_process';
import * as yaml from 'js-yaml';
import { parseConfig } from '../../config/load';
import { bench, generatedConfig, growth, Measurement, parseArgs, targetChecks, UsageError } from '../../tools/bench';
import { ROOT, SHIPPED_CONFIG_TEXT } from '../support';

const shipped = yaml.load(SHIPPED_CONFIG_TEXT) as Record<string, unknown>;
const m = (label: string, services: number, seconds: number, rssMiB = 200): Measurement => ({
  label,
  services,
  files: 1,
  seconds,
  rssBytes: rssMiB * 1024 ** 2,
  skippedCapacityCheck: false,
});

describe('npm run bench', () => {
  it('generates configs that pass the platform.yaml schema, with every service calling only later ones', () => {
    const cfg = parseConfig(yaml.dump(generatedConfig(shipped, 100)));
    expect(cfg.services).toHaveLength(100);
    const index = new Map(cfg.services.map((s, i) => [s.name, i]));
    for (const [i, s] of cfg.services.entries()) for (const c of s.calls) expect(index.get(c)!).toBeGreaterThan(i);
    expect(cfg.services.filter((s) => s.database)).toHaveLength(33);
    expect(cfg.environments.prod.nodeGroups?.spot).toEqual({ minSize: 1, maxSize: 100 });
  });

  it('computes the growth between the two largest sizes and the marginal cost before them', () => {
    const g = growth([m('shipped', 5, 1), m('10 services', 10, 1.2), m('100 services', 100, 2.1), m('500 services', 500, 6.1)])!;
    expect(g.perServiceRatio).toBeCloseTo(6.1 / 500 / (2.1 / 100), 10);
    expect(g.marginalSeconds).toBeCloseTo(0.01, 10);
    expect(g.previousMarginalSeconds).toBeCloseTo(0.01, 10);
  });

  it('checks the targets: shipped ≤ 1.5 s, 500 services ≤ 10 s and 1 GiB, linear growth', () => {
    const ok = targetChecks([m('shipped', 5, 1.2), m('10 services', 10, 1.3), m('100 services', 100, 2.2), m('500 services', 500, 6.2, 400)]);
    expect(ok.every((c) => c.met)).toBe(true);
    const slow = targetChecks([m('shipped', 5, 1.6), m('10 services', 10, 1.7), m('100 services', 100, 2.6), m('500 services', 500, 12, 1100)]);
    expect(slow.filter((c) => !c.met).map((c) => c.target)).toEqual([
      'shipped config ≤ 1.5 s',
      '500 services ≤ 10 s',
      '500 services ≤ 1 GiB peak RSS',
      'marginal cost per service 100→500 ≤ 1.5 × the one before',
    ]);
  });

  it('rejects bad sizes', () => {
    expect(() => parseArgs(['--sizes', '10,x'])).toThrow(UsageError);
    expect(parseArgs(['--sizes=500,10', '--runs', '1'])).toMatchObject({ sizes: [10, 500], runs: 1 });
  });

  it('measures wall time and peak RSS of real synth runs in child processes', () => {
    execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT });
    const results = bench({ sizes: [2], runs: 1, check: false, markdown: false }, ROOT);
    expect(results.map((r) => r.label)).toEqual(['shipped', '2 services']);
    for (const r of results) {
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.rssBytes).toBeGreaterThan(10 * 1024 ** 2);
      expect(r.files).toBeGreaterThan(10);
    }
  });
});
