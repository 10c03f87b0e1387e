import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diffFields, diffTrees, groupOf, renderMarkdown, renderText } from '../../lib/diff';
import { FileTree, toYaml } from '../../lib/output';
import { renderAll } from '../../synth';
import { committedTree, diff, parseArgs, resolveBase, UsageError } from '../../tools/diff';
import { ROOT, SHIPPED_CONFIG_TEXT, shippedConfig } from '../support';

function helmApp(name: string, version: string, values: object, wave = '3'): string {
  return toYaml({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': wave } },
    spec: { project: 'foundation', source: { repoURL: 'https://helm.cilium.io/', chart: name, targetRevision: version, helm: { releaseName: name, valuesObject: values } } },
  });
}

function deployment(name: string, image: string, replicas: number, env: { name: string; value: string }[] = []): string {
  return toYaml({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'apps', labels: { 'app.kubernetes.io/name': name } },
    spec: { replicas, template: { spec: { containers: [{ name: 'app', image, env }, { name: 'istio-proxy', image: 'proxy:1' }] } } },
  });
}

const BEFORE: FileTree = new Map([
  ['prod/apps/application-cilium.yaml', helmApp('cilium', '1.19.0', { operator: { replicas: 1 }, hubble: { enabled: true } })],
  ['prod/apps/application-orders.yaml', toYaml({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'orders', namespace: 'argocd' }, spec: { source: { path: 'dist/prod/manifests/orders' } } })],
  ['prod/manifests/orders/deployment-orders.yaml', deployment('orders', 'ghcr.io/acme/orders:1.8.0', 3, [{ name: 'A', value: '1' }])],
  ['prod/manifests/orders/service-orders.yaml', toYaml({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'orders', namespace: 'apps' }, spec: { ports: [{ port: 8080 }] } })],
  ['prod/apps/application-legacy.yaml', helmApp('legacy', '0.1.0', {})],
  ['prod/PLAN.md', '# Plan: prod\n\nStatus: fits\n'],
  ['dev/apps/application-cilium.yaml', helmApp('cilium', '1.19.0', {})],
]);

const AFTER: FileTree = new Map([
  ['prod/apps/application-cilium.yaml', helmApp('cilium', '1.20.0', { operator: { replicas: 2 }, hubble: { enabled: true, relay: { enabled: true } } })],
  ['prod/apps/application-orders.yaml', BEFORE.get('prod/apps/application-orders.yaml')!],
  ['prod/manifests/orders/deployment-orders.yaml', deployment('orders', 'ghcr.io/acme/orders:1.9.0', 3, [{ name: 'A', value: '2' }, { name: 'B', value: 'x' }])],
  ['prod/manifests/orders/poddisruptionbudget-orders.yaml', toYaml({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'orders', namespace: 'apps' }, spec: { minAvailable: 2 } })],
  ['prod/apps/application-payments.yaml', helmApp('payments', '2.0.0', {})],
  ['prod/PLAN.md', '# Plan: prod\n\nStatus: needs scale-out\n'],
  ['dev/apps/application-cilium.yaml', helmApp('cilium', '1.19.0', {})],
]);

describe('field-level diff', () => {
  it('reports JSON paths with old and new values, matching named list items by name', () => {
    const changes = diffFields(
      { spec: { replicas: 1, containers: [{ name: 'app', image: 'a:1' }, { name: 'side', image: 's:1' }] }, metadata: { labels: { 'app.kubernetes.io/name': 'x' } } },
      { spec: { replicas: 2, containers: [{ name: 'side', image: 's:1' }, { name: 'app', image: 'a:2' }] }, metadata: { labels: {} } },
    );
    expect(changes).toEqual([
      { path: 'metadata.labels["app.kubernetes.io/name"]', op: 'removed', before: 'x' },
      { path: 'spec.containers[name=app].image', op: 'changed', before: 'a:1', after: 'a:2' },
      { path: 'spec.replicas', op: 'changed', before: 1, after: 2 },
    ]);
  });

  it('groups files by Application: its Application file, its manifests folder; other folders by name', () => {
    expect(groupOf('prod/apps/application-cilium.yaml')).toEqual({ env: 'prod', group: 'cilium' });
    expect(groupOf('prod/apps/appproject-foundation.yaml')).toEqual({ env: 'prod', group: 'app-of-apps' });
    expect(groupOf('prod/manifests/orders/service-orders.yaml')).toEqual({ env: 'prod', group: 'orders' });
    expect(groupOf('prod/bootstrap/README.md')).toEqual({ env: 'prod', group: 'bootstrap/' });
    expect(groupOf('prod/PLAN.md')).toEqual({ env: 'prod', group: 'PLAN.md' });
  });
});

describe('diff of two rendered trees', () => {
  const d = diffTrees(BEFORE, AFTER);
  const group = (name: string) => d.groups.find((g) => g.env === 'prod' && g.name === name)!;

  it('reports a Helm chart version change and its valuesObject changes apart from the other fields', () => {
    const cilium = group('cilium');
    expect(cilium.op).toBe('changed');
    expect(cilium.chart).toEqual({ before: 'cilium 1.19.0', after: 'cilium 1.20.0' });
    expect(cilium.values).toEqual([
      { path: 'hubble.relay', op: 'added', after: { enabled: true } },
      { path: 'operator.replicas', op: 'changed', before: 1, after: 2 },
    ]);
    expect(cilium.objects).toEqual([]);
  });

  it('reports objects added, removed and changed per Application, changed ones field by field', () => {
    const orders = group('orders');
    expect(orders.objects.map((o) => [o.key, o.op])).toEqual([
      ['Deployment apps/orders', 'changed'],
      ['PodDisruptionBudget apps/orders', 'added'],
      ['Service apps/orders', 'removed'],
    ]);
    expect(orders.objects[0].fields.map((f) => f.path)).toEqual([
      'spec.template.spec.containers[name=app].env[name=A].value',
      'spec.template.spec.containers[name=app].env[name=B]',
      'spec.template.spec.containers[name=app].image',
    ]);
  });

  it('reports Applications added and removed with their chart, and leaves unchanged environments out', () => {
    expect(group('payments')).toMatchObject({ op: 'added', chart: { after: 'payments 2.0.0' } });
    expect(group('legacy')).toMatchObject({ op: 'removed', chart: { before: 'legacy 0.1.0' } });
    expect(d.groups.filter((g) => g.env === 'dev')).toEqual([]);
    expect(group('PLAN.md').files).toEqual([{ file: 'prod/PLAN.md', op: 'changed', linesAdded: ['Status: needs scale-out'], linesRemoved: ['Status: fits'] }]);
  });

  it('prints text with - old and + new lines', () => {
    const text = renderText(d, 'main');
    expect(text).toContain('== prod ==');
    expect(text).toContain('cilium: chart cilium 1.19.0 → cilium 1.20.0, 2 values');
    expect(text).toContain('  -  operator.replicas: 1\n  +  operator.replicas: 2');
    expect(text).toContain('  +PodDisruptionBudget apps/orders');
  });

  it('prints Markdown with one collapsible block per Application and a summary table', () => {
    const md = renderMarkdown(d, 'main');
    // Objects: the payments Application and the PDB added, legacy's Application and the Service removed.
    expect(md).toContain('| prod | 1 | 1 | 3 | +2 -2 ~1 |');
    expect(md).toContain('<details><summary><code>cilium</code>: chart cilium 1.19.0 → cilium 1.20.0, 2 values</summary>');
    expect(md.match(/<details>/g)).toHaveLength(d.groups.length);
    expect(md).not.toContain('not shown');
  });

  it('caps the Markdown and counts what it cut', () => {
    const big: FileTree = new Map();
    for (let i = 0; i < 200; i++) big.set(`prod/apps/application-app-${String(i).padStart(3, '0')}.yaml`, helmApp(`app-${i}`, '1.0.0', { n: i }));
    const md = renderMarkdown(diffTrees(new Map(), big), 'main', 5000);
    expect(md.length).toBeLessThanOrEqual(5000);
    const shown = md.match(/<details>/g)!.length;
    // Each cut Application counts two changes: its chart and its Application object.
    expect(md).toContain(`_${200 - shown} more Applications (${2 * (200 - shown)} changes) not shown: this comment is capped at 5000 characters.`);
  });

  it('says so when nothing changed', () => {
    const none = diffTrees(BEFORE, BEFORE);
    expect(none.groups).toEqual([]);
    expect(renderText(none, 'main')).toBe('No rendered changes against main.\n');
    expect(renderMarkdown(none, 'main')).toContain('No rendered changes');
  });
});

describe('npm run diff against a git repository', () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-test-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  const writeTree = (tree: FileTree) => {
    fs.rmSync(path.join(repo, 'dist'), { recursive: true, force: true });
    for (const [rel, content] of tree) {
      fs.mkdirSync(path.dirname(path.join(repo, 'dist', rel)), { recursive: true });
      fs.writeFileSync(path.join(repo, 'dist', rel), content);
    }
  };
  let first = '';
  let second = '';
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  beforeAll(() => {
    git('init', '--quiet', '--initial-branch=main');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    git('config', 'commit.gpgsign', 'false');
    fs.writeFileSync(path.join(repo, 'platform.yaml'), SHIPPED_CONFIG_TEXT);
    writeTree(BEFORE);
    git('add', '-A');
    git('commit', '--quiet', '-m', 'first');
    first = git('rev-parse', 'HEAD');
    git('checkout', '--quiet', '-b', 'feature');
    writeTree(AFTER);
    git('add', '-A');
    git('commit', '--quiet', '-m', 'second');
    second = git('rev-parse', 'HEAD');
  });

  it('reads the dist/ tree committed at each of two commits', () => {
    expect(committedTree(repo, first, 'dist')).toEqual(BEFORE);
    expect(committedTree(repo, second, 'dist')).toEqual(AFTER);
    expect(diffTrees(committedTree(repo, first, 'dist')!, committedTree(repo, second, 'dist')!)).toEqual(diffTrees(BEFORE, AFTER));
  });

  it('takes the merge base with the default branch as the base by default', () => {
    expect(resolveBase(repo)).toEqual({ label: 'merge-base(HEAD, main)', sha: first });
    expect(resolveBase(repo, 'feature').sha).toBe(second);
    expect(() => resolveBase(repo, 'nope')).toThrow('--base nope: no such commit in this repository');
  });

  it('compares the working tree render with the committed base: no change says so', () => {
    // Commit exactly what the working tree renders: nothing to report.
    writeTree(renderAll(shippedConfig()));
    git('add', '-A');
    git('commit', '--quiet', '-m', 'rendered');
    const r = diff({ base: 'HEAD', format: 'text', config: 'platform.yaml', renderBase: false, maxChars: 60000, exitCode: false }, repo);
    expect(r.changed).toBe(false);
    expect(r.output).toMatch(/^No rendered changes against HEAD @ [0-9a-f]{12} \(committed dist\/\)\.\n$/);
  });

  it('reports what the working tree changes against a base whose chart pin differs', () => {
    const rendered = renderAll(shippedConfig());
    const file = 'prod/apps/application-cilium.yaml';
    const version = /targetRevision: (\S+)/.exec(rendered.get(file)!)![1];
    writeTree(new Map([...rendered, [file, rendered.get(file)!.replace(`targetRevision: ${version}`, 'targetRevision: 0.0.1')]]));
    git('add', '-A');
    git('commit', '--quiet', '-m', 'old pin');
    const r = diff({ base: 'HEAD', format: 'markdown', config: 'platform.yaml', renderBase: false, maxChars: 60000, exitCode: false }, repo);
    expect(r.changed).toBe(true);
    expect(r.output).toContain(`<code>cilium</code>: chart cilium 0.0.1 → cilium ${version}`);
  });

  it('runs from the built CLI and exits 0 on no change, 1 with --exit-code on a change', () => {
    execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT });
    const cli = path.join(ROOT, 'build', 'tools', 'diff.js');
    const run = (...args: string[]) => spawnSync('node', [cli, ...args], { cwd: repo, encoding: 'utf8' });
    const changed = run('--base', 'HEAD', '--exit-code');
    expect(changed.status).toBe(1);
    expect(changed.stdout).toContain('cilium: chart cilium 0.0.1');
    expect(run('--base', 'HEAD~1').stdout).toContain('No rendered changes');
    expect(run('--base', 'HEAD~1', '--exit-code').status).toBe(0);
  });

  it('renders the base in a temporary worktree with its own build when asked (or when it has no dist/), then removes the worktree', () => {
    // A base whose "build" writes one Application: everything the working tree renders is new, that one is gone.
    fs.mkdirSync(path.join(repo, 'scripts'), { recursive: true });
    const mainJs =
      'const fs = require("fs"); const out = process.argv[process.argv.indexOf("--out") + 1]; ' +
      `fs.mkdirSync(out + "/prod/apps", { recursive: true }); fs.writeFileSync(out + "/prod/apps/application-legacy.yaml", ${JSON.stringify(helmApp('legacy', '0.1.0', {}))});`;
    fs.writeFileSync(
      path.join(repo, 'scripts', 'build.mjs'),
      `import { mkdirSync, writeFileSync } from 'node:fs';\nmkdirSync('build', { recursive: true });\nwriteFileSync('build/main.js', ${JSON.stringify(mainJs)});\n`,
    );
    fs.writeFileSync(path.join(repo, 'main.ts'), '// no capacity flag in this base\n');
    git('add', '-A');
    git('commit', '--quiet', '-m', 'with a build');
    const r = diff({ base: 'HEAD', format: 'text', config: 'platform.yaml', renderBase: true, maxChars: 60000, exitCode: false }, repo);
    expect(r.output).toMatch(/^Rendered diff against HEAD @ [0-9a-f]{12} \(rendered\)/);
    expect(r.output).toContain('legacy: removed (chart legacy 0.1.0, 1 object)');
    expect(r.output).toContain('environment staging: added');
    expect(git('worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('rejects bad options with the usage', () => {
    expect(() => parseArgs(['--format', 'html'])).toThrow(UsageError);
    expect(parseArgs(['--base=main', '--format', 'markdown'])).toMatchObject({ base: 'main', format: 'markdown' });
  });
});
