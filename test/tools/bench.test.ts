import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { parseConfig } from '../../config/load';
import { toYaml } from '../../lib/output';
import { bench, generatedConfig, growth, Measurement, measureManifests, parseArgs, repoServerSizing, SynthRun, targetChecks, treeSize, UsageError } from '../../tools/bench';
import { FIXTURE_CONFIG_TEXT, FIXTURES, ROOT } from '../support';

const shipped = yaml.load(FIXTURE_CONFIG_TEXT) as Record<string, unknown>;
const MiB = 1024 ** 2;
const m = (label: string, services: number, seconds: number, rssMiB = 200): Measurement => ({
  label,
  services,
  files: 1,
  seconds,
  rssBytes: rssMiB * MiB,
  skippedCapacityCheck: false,
  runs: 1,
});

const configMap = (name: string, size: number) => toYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'x' }, data: { v: 'x'.repeat(size) } });

/** Writes a rendered tree: `<env>/manifests/<id>/<file>` → content. */
function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
}

const TREE = {
  'prod/apps/application-big.yaml': 'kind: Application\n',
  'prod/manifests/big/configmap-a.yaml': configMap('a', 5000),
  'prod/manifests/big/configmap-b.yaml': `${configMap('b', 5000)}---\n${configMap('c', 10)}`,
  'prod/manifests/small/configmap-d.yaml': configMap('d', 100),
  'prod/manifests/small/nested/ignored.yaml': configMap('e', 50000),
  'dev/manifests/small/configmap-d.yaml': configMap('d', 100),
};

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

  it('checks the targets: shipped warm ≤ 1.5 s, 500 services ≤ 10 s and 1 GiB, linear growth', () => {
    const ok = targetChecks([m('shipped', 5, 1.2), m('10 services', 10, 1.3), m('100 services', 100, 2.2), m('500 services', 500, 6.2, 400)]);
    expect(ok.every((c) => c.met)).toBe(true);
    const slow = targetChecks([m('shipped', 5, 1.6), m('10 services', 10, 1.7), m('100 services', 100, 2.6), m('500 services', 500, 12, 1100)]);
    expect(slow.filter((c) => !c.met).map((c) => c.target)).toEqual([
      'shipped config (warm) ≤ 1.5 s',
      '500 services ≤ 10 s',
      '500 services ≤ 1 GiB peak RSS',
      'marginal cost per service 100→500 ≤ 1.5 × the one before',
    ]);
  });

  it('rejects bad sizes and takes none for no generated configs', () => {
    expect(() => parseArgs(['--sizes', '10,x'])).toThrow(UsageError);
    expect(() => parseArgs(['--runs', '0'])).toThrow(UsageError);
    expect(parseArgs(['--sizes=500,10', '--runs', '1'])).toMatchObject({ sizes: [10, 500], runs: 1, cold: true });
    expect(parseArgs(['--sizes', 'none', '--no-cold'])).toMatchObject({ sizes: [], cold: false });
  });

  it('sizes the output per environment and finds the largest Application by the bytes a directory source reads', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tree-'));
    try {
      writeTree(out, TREE);
      const size = treeSize(out);
      const bytes = Object.values(TREE).reduce((n, t) => n + Buffer.byteLength(t), 0);
      expect(size).toMatchObject({ files: 6, bytes });
      expect(size.envs.map((e) => [e.env, e.files])).toEqual([
        ['dev', 1],
        ['prod', 5],
      ]);
      // small/ holds the most bytes only counting its subfolder, which recurse: false never reads.
      expect(size.largest).toMatchObject({ env: 'prod', id: 'big', files: 2 });
      expect(size.largestEnv).toMatchObject({ env: 'prod', files: 3 });
      // The same largest Application in two environments: the one of the largest environment.
      writeTree(out, { 'a/manifests/big/configmap-a.yaml': TREE['prod/manifests/big/configmap-a.yaml'], 'a/manifests/big/configmap-b.yaml': TREE['prod/manifests/big/configmap-b.yaml'] });
      expect(treeSize(out).largest).toMatchObject({ env: 'prod', id: 'big' });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('measures reading and parsing the files directly in the given folders, every object held', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-parse-'));
    try {
      writeTree(out, TREE);
      const big = measureManifests([path.join(out, 'prod/manifests/big')]);
      expect(big).toMatchObject({ files: 2, objects: 3, bytes: Buffer.byteLength(TREE['prod/manifests/big/configmap-a.yaml']) + Buffer.byteLength(TREE['prod/manifests/big/configmap-b.yaml']) });
      const all = measureManifests([path.join(out, 'prod/manifests/big'), path.join(out, 'prod/manifests/small')]);
      expect(all).toMatchObject({ files: 3, objects: 4, bytes: big.bytes + Buffer.byteLength(TREE['prod/manifests/small/configmap-d.yaml']) });
      expect(all.seconds).toBeGreaterThan(0);
      expect(all.rssDeltaBytes).toBeGreaterThanOrEqual(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('derives the repo-server memory: idle + 2 × (parsed + 3 copies of the text), request for one Application, limit for the environment', () => {
    const parse = (mib: number, rssMiB: number) => ({ files: 1, objects: 1, bytes: mib * MiB, seconds: 0.1, rssDeltaBytes: rssMiB * MiB });
    const s = repoServerSizing({ app: parse(4, 30), env: parse(16, 80) });
    // 128 + 2 × (30 + 12) = 212 → 256Mi; 128 + 2 × (80 + 48) = 384 → 384Mi.
    expect(String(s.request)).toBe('256Mi');
    expect(String(s.limit)).toBe('384Mi');
    expect(s.reasoning[0]).toContain('idle 128Mi + 2 × (parsed 30.0 MiB + 3 × text 4.0 MiB) → 256Mi');
    const bigger = repoServerSizing({ app: parse(40, 300), env: parse(160, 800) });
    expect(bigger.request.bytes).toBeGreaterThan(s.request.bytes);
    expect(String(bigger.limit)).toBe('2688Mi');
  });

  it('runs the cold synth with an empty render cache over a copy of dist/, then the warm ones, and puts the cache back', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-root-'));
    try {
      fs.writeFileSync(path.join(root, 'platform.yaml'), FIXTURE_CONFIG_TEXT);
      writeTree(path.join(root, 'dist'), { 'prod/PLAN.md': 'committed\n' });
      const cacheDir = path.join(root, 'cache');
      writeTree(cacheDir, { 'kept.json': '[]' });
      const calls: { run: SynthRun; cache: string[]; committed: boolean }[] = [];
      const seconds = [5, 1, 3, 2, 9, 9, 9, 9];
      const runner = (run: SynthRun) => {
        calls.push({ run, cache: fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).sort() : [], committed: fs.existsSync(path.join(run.out, 'prod/PLAN.md')) });
        if (run.config.includes('services-2') && !run.skipCapacityCheck) throw new Error('synth failed:\nenvironment prod does not fit at its maximum of 100 nodes');
        if (calls.length === 1) writeTree(cacheDir, { 'rendered.json': '[]' });
        writeTree(run.out, TREE);
        return { seconds: seconds[calls.length - 1], rssBytes: 100 * MiB, files: 6 };
      };
      const report = bench({ sizes: [2], runs: 3, cold: true, check: false, markdown: false }, root, () => undefined, { runner, cacheDir, measure: measureManifests });

      expect(calls[0].cache).toEqual([]);
      expect(calls[0].committed).toBe(true);
      expect(calls[0].run.config.startsWith(root)).toBe(false);
      expect(calls.slice(1, 4).every((c) => c.cache.includes('kept.json') || c.cache.includes('rendered.json'))).toBe(true);
      expect(fs.readdirSync(cacheDir).sort()).toEqual(['kept.json', 'rendered.json']);
      expect(report.cold).toMatchObject({ label: 'shipped, cold cache', seconds: 5, runs: 1, coldCache: true });
      expect(report.synth[0]).toMatchObject({ label: 'shipped', seconds: 2, runs: 3, skippedCapacityCheck: false });
      // The generated config does not fit: run again with --skip-capacity-check.
      expect(report.synth[1]).toMatchObject({ label: '2 services', skippedCapacityCheck: true, runs: 3 });
      expect(calls.filter((c) => c.run.config.includes('services-2')).map((c) => c.run.skipCapacityCheck)).toEqual([false, true, true, true]);
      // The tree written over the copy of dist/: its 6 files and the committed PLAN.md.
      expect(report.output).toMatchObject({ files: 7, largest: { env: 'prod', id: 'big' } });
      expect(report.repoServer.app.files).toBe(2);
      expect(report.sizing.limit.bytes).toBeGreaterThanOrEqual(report.sizing.request.bytes);
      // Nothing written beside the real config or into dist/.
      expect(fs.readdirSync(root).sort()).toEqual(['cache', 'dist', 'platform.yaml']);
      expect(fs.readFileSync(path.join(root, 'dist/prod/PLAN.md'), 'utf8')).toBe('committed\n');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('measures a real warm synth in a child process and the repo-server parse in another', () => {
    execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT });
    // A project of the fixture config (and its lock) with this repository's build and node_modules (render cache).
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-fixture-'));
    for (const f of ['platform.yaml', 'permissions.lock.json']) fs.copyFileSync(path.join(FIXTURES, f), path.join(root, f));
    for (const d of ['build', 'node_modules']) fs.symlinkSync(path.join(ROOT, d), path.join(root, d));
    try {
      const report = bench({ sizes: [], runs: 1, cold: false, check: false, markdown: false }, root);
      const [warm] = report.synth;
      expect(warm.seconds).toBeGreaterThan(0);
      expect(warm.rssBytes).toBeGreaterThan(10 * MiB);
      expect(warm.files).toBe(report.output.files);
      expect(report.repoServer.app.objects).toBeGreaterThan(0);
      expect(report.repoServer.env.bytes).toBeGreaterThan(report.repoServer.app.bytes);
      expect(report.repoServer.env.objects).toBeGreaterThan(report.repoServer.app.objects);
      // The RSS delta of one parse can round to 0 on a machine whose baseline already holds it (seen in CI).
      expect(Number.isFinite(report.repoServer.app.rssDeltaBytes) && report.repoServer.app.rssDeltaBytes >= 0).toBe(true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
