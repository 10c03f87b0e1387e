import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { labelDomainOf } from '../../config/defaults';
import { diffFields, diffTrees, groupOf, groupLines, Json, parseSource, renderMarkdown, renderText, SHARED_MIN_OBJECTS, versionLine } from '../../lib/diff';
import { FileTree, toYaml } from '../../lib/output';
import { renderAll } from '../../synth';
import { committedTree, diff, parseArgs, resolveBase, UsageError } from '../../tools/diff';
import { ROOT, FIXTURE_CONFIG_TEXT, fixtureConfig } from '../support';

/** The Applications' source annotation under the config's label domain, which `npm run diff` reads. */
const SOURCE_ANNOTATION = labelDomainOf(fixtureConfig()).source;
const OPTS = { sourceAnnotation: SOURCE_ANNOTATION };

/** An Application as synth renders it: a directory source, what it was rendered from in an annotation. */
function application(name: string, source: string, wave = '3'): string {
  return toYaml({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': wave, [SOURCE_ANNOTATION]: source } },
    spec: { project: 'ingress', source: { repoURL: 'https://github.com/acme/gitops.git', path: `dist/prod/manifests/${name}`, directory: { recurse: false } } },
  });
}

function deployment(name: string, namespace: string, image: string, labels: Record<string, string> = {}, env: { name: string; value: string }[] = []): string {
  return toYaml({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': name, ...labels } },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image, env }, { name: 'istio-proxy', image: 'proxy:1' }] } } },
  });
}

const object = (kind: string, name: string, namespace: string | undefined, rest: object = {}) =>
  toYaml({ apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest });

const chartLabels = (version: string) => ({ 'helm.sh/chart': `cert-manager-${version}`, 'app.kubernetes.io/version': version });

const principals = (services: string[]) =>
  toYaml({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'orders', namespace: 'apps' },
    spec: { rules: [{ from: [{ source: { principals: services.map((s) => `cluster.local/ns/apps/sa/${s}`) } }] }] },
  });

const BEFORE: FileTree = new Map([
  ['prod/apps/application-cert-manager.yaml', application('cert-manager', 'helm:cert-manager@v1.0.0')],
  ['prod/manifests/cert-manager/deployment-cert-manager.yaml', deployment('cert-manager', 'cert-manager', 'quay.io/jetstack/cert-manager-controller:v1.0.0', chartLabels('v1.0.0'))],
  ['prod/manifests/cert-manager/deployment-cert-manager-webhook.yaml', deployment('cert-manager-webhook', 'cert-manager', 'quay.io/jetstack/cert-manager-webhook:v1.0.0', chartLabels('v1.0.0'))],
  ['prod/manifests/cert-manager/deployment-cert-manager-cainjector.yaml', deployment('cert-manager-cainjector', 'cert-manager', 'quay.io/jetstack/cert-manager-cainjector:v1.0.0', chartLabels('v1.0.0'))],
  ['prod/manifests/cert-manager/service-cert-manager.yaml', object('Service', 'cert-manager', 'cert-manager', { spec: { ports: [{ port: 9402 }] } })],
  ['prod/manifests/cert-manager/job-cert-manager-startupapicheck.yaml', object('Job', 'cert-manager-startupapicheck', 'cert-manager')],
  ['prod/apps/application-orders.yaml', application('orders', 'cdk8s')],
  ['prod/manifests/orders/deployment-orders.yaml', deployment('orders', 'apps', 'ghcr.io/acme/orders:1.8.0', {}, [{ name: 'A', value: '1' }])],
  ['prod/manifests/orders/service-orders.yaml', object('Service', 'orders', 'apps', { spec: { ports: [{ port: 8080 }] } })],
  ['prod/manifests/orders/authorizationpolicy-orders.yaml', principals(['api-gateway-frontend', 'checkout-orchestrator', 'inventory-reservations', 'notifications-dispatch'])],
  ['prod/apps/application-legacy.yaml', application('legacy', 'helm:legacy@0.1.0')],
  ['prod/PLAN.md', '# Plan: prod\n\nStatus: fits\n'],
  ['dev/apps/application-cert-manager.yaml', application('cert-manager', 'helm:cert-manager@v1.0.0')],
]);

const AFTER: FileTree = new Map([
  ['prod/apps/application-cert-manager.yaml', application('cert-manager', 'helm:cert-manager@v1.1.0')],
  ['prod/manifests/cert-manager/deployment-cert-manager.yaml', deployment('cert-manager', 'cert-manager', 'quay.io/jetstack/cert-manager-controller:v1.1.0', chartLabels('v1.1.0'))],
  ['prod/manifests/cert-manager/deployment-cert-manager-webhook.yaml', deployment('cert-manager-webhook', 'cert-manager', 'quay.io/jetstack/cert-manager-webhook:v1.1.0', chartLabels('v1.1.0'))],
  ['prod/manifests/cert-manager/deployment-cert-manager-cainjector.yaml', deployment('cert-manager-cainjector', 'cert-manager', 'quay.io/jetstack/cert-manager-cainjector:v1.0.0', chartLabels('v1.1.0'))],
  ['prod/manifests/cert-manager/service-cert-manager.yaml', BEFORE.get('prod/manifests/cert-manager/service-cert-manager.yaml')!],
  ['prod/manifests/cert-manager/configmap-cert-manager.yaml', object('ConfigMap', 'cert-manager', 'cert-manager', { data: { 'config.yaml': 'a: 1\n' } })],
  ['prod/apps/application-orders.yaml', BEFORE.get('prod/apps/application-orders.yaml')!],
  ['prod/manifests/orders/deployment-orders.yaml', deployment('orders', 'apps', 'ghcr.io/acme/orders:1.9.0', {}, [{ name: 'A', value: '2' }, { name: 'B', value: 'x' }])],
  ['prod/manifests/orders/poddisruptionbudget-orders.yaml', toYaml({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'orders', namespace: 'apps' }, spec: { minAvailable: 2 } })],
  ['prod/manifests/orders/authorizationpolicy-orders.yaml', principals(['api-gateway-frontend', 'checkout-orchestrator', 'inventory-reservations', 'notifications-dispatch', 'payments'])],
  ['prod/apps/application-payments.yaml', application('payments', 'helm:payments@2.0.0')],
  ['prod/PLAN.md', '# Plan: prod\n\nStatus: needs scale-out\n'],
  ['dev/apps/application-cert-manager.yaml', BEFORE.get('dev/apps/application-cert-manager.yaml')!],
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

  it('aligns lists of unnamed objects on their unchanged elements: an inserted element is one addition', () => {
    const rule = (verb: string) => ({ apiGroups: [''], resources: ['pods'], verbs: [verb] });
    expect(diffFields({ rules: [rule('get'), rule('list'), rule('watch')] }, { rules: [rule('get'), rule('create'), rule('list'), rule('watch')] })).toEqual([
      { path: 'rules[1]', op: 'added', after: rule('create') },
    ]);
    // Changed in place: walked field by field.
    expect(diffFields({ rules: [rule('get'), rule('list')] }, { rules: [rule('get'), rule('patch')] })).toEqual([
      { path: 'rules[1].verbs', op: 'changed', before: ['list'], after: ['patch'] },
    ]);
  });

  it('groups files by Application: its Application file, its manifests folder; other folders by name', () => {
    expect(groupOf('prod/apps/application-cilium.yaml')).toEqual({ env: 'prod', group: 'cilium' });
    expect(groupOf('prod/apps/appproject-foundation.yaml')).toEqual({ env: 'prod', group: 'app-of-apps' });
    expect(groupOf('prod/manifests/orders/service-orders.yaml')).toEqual({ env: 'prod', group: 'orders' });
    expect(groupOf('prod/bootstrap/README.md')).toEqual({ env: 'prod', group: 'bootstrap/' });
    expect(groupOf('prod/PLAN.md')).toEqual({ env: 'prod', group: 'PLAN.md' });
  });

  it('reads versioned sources from the source annotation and leaves unversioned ones alone', () => {
    expect(parseSource('helm:cert-manager@v9.9.9')).toEqual({ type: 'helm', name: 'cert-manager', version: 'v9.9.9' });
    expect(parseSource('vendored:https://github.com/open-policy-agent/gatekeeper-library.git@5c441fb6')).toEqual({
      type: 'vendored',
      name: 'https://github.com/open-policy-agent/gatekeeper-library.git',
      version: '5c441fb6',
    });
    expect(parseSource('cdk8s')).toBeUndefined();
  });
});

describe('diff of two rendered trees', () => {
  const d = diffTrees(BEFORE, AFTER, OPTS);
  const group = (name: string) => d.groups.find((g) => g.env === 'prod' && g.name === name)!;
  const text = renderText(d, 'main');

  it('sums up a chart bump from the source annotation and the files under manifests/<id>/', () => {
    expect(d.versions).toHaveLength(1);
    expect(versionLine(d.versions[0])).toBe('cert-manager v1.0.0 → v1.1.0: 3 objects changed, 1 added, 1 removed');
    expect(text).toContain('== prod ==\nversions:\n  cert-manager v1.0.0 → v1.1.0: 3 objects changed, 1 added, 1 removed\n');
    expect(group('cert-manager').source).toEqual({ before: 'helm:cert-manager@v1.0.0', after: 'helm:cert-manager@v1.1.0' });
  });

  it('shows a chart bump as the Application source change and its objects, field by field', () => {
    const certManager = group('cert-manager');
    expect(certManager.objects.map((o) => [o.key, o.op])).toEqual([
      ['Application argocd/cert-manager', 'changed'],
      ['ConfigMap cert-manager/cert-manager', 'added'],
      ['Deployment cert-manager/cert-manager', 'changed'],
      ['Deployment cert-manager/cert-manager-cainjector', 'changed'],
      ['Deployment cert-manager/cert-manager-webhook', 'changed'],
      ['Job cert-manager/cert-manager-startupapicheck', 'removed'],
    ]);
    expect(certManager.objects[0].fields).toEqual([
      { path: `metadata.annotations["${SOURCE_ANNOTATION}"]`, op: 'changed', before: 'helm:cert-manager@v1.0.0', after: 'helm:cert-manager@v1.1.0' },
    ]);
    expect(text).toContain('cert-manager: cert-manager v1.0.0 → v1.1.0, 1 object added, 1 object removed, 4 objects changed');
    expect(text).toContain('  +ConfigMap cert-manager/cert-manager\n');
    expect(text).toContain('  -Job cert-manager/cert-manager-startupapicheck\n');
  });

  it(`shows a field changed the same way in ${SHARED_MIN_OBJECTS} or more objects once, and each object's own changes below`, () => {
    const lines = groupLines(group('cert-manager'));
    expect(lines.filter((l) => l.includes('helm.sh/chart'))).toEqual([
      '-  metadata.labels["helm.sh/chart"]: "cert-manager-v1.0.0"',
      '+  metadata.labels["helm.sh/chart"]: "cert-manager-v1.1.0"',
    ]);
    expect(lines).toContain(' the same in 3 objects (Deployment cert-manager/cert-manager, Deployment cert-manager/cert-manager-cainjector, Deployment cert-manager/cert-manager-webhook):');
    // The cainjector image did not change: that Deployment changes only in the shared fields.
    expect(lines).toContain(' 1 other object changes nothing else');
    expect(lines).not.toContain(' Deployment cert-manager/cert-manager-cainjector:');
    const webhook = lines.indexOf(' Deployment cert-manager/cert-manager-webhook:');
    expect(lines.slice(webhook + 1, webhook + 3)).toEqual([
      '-  spec.template.spec.containers[name=app].image: "quay.io/jetstack/cert-manager-webhook:v1.0.0"',
      '+  spec.template.spec.containers[name=app].image: "quay.io/jetstack/cert-manager-webhook:v1.1.0"',
    ]);
  });

  it('reports objects added, removed and changed of a non-chart Application field by field', () => {
    const orders = group('orders');
    expect(orders.source).toBeUndefined();
    expect(orders.objects.map((o) => [o.key, o.op])).toEqual([
      ['AuthorizationPolicy apps/orders', 'changed'],
      ['Deployment apps/orders', 'changed'],
      ['PodDisruptionBudget apps/orders', 'added'],
      ['Service apps/orders', 'removed'],
    ]);
    expect(orders.objects[1].fields.map((f) => f.path)).toEqual([
      'spec.template.spec.containers[name=app].env[name=A].value',
      'spec.template.spec.containers[name=app].env[name=B]',
      'spec.template.spec.containers[name=app].image',
    ]);
    expect(d.versions.map((v) => v.app)).not.toContain('orders');
  });

  it('shows the element added to a long list in full, never a cut prefix of the list', () => {
    const lines = groupLines(group('orders'));
    const at = lines.indexOf(' AuthorizationPolicy apps/orders:');
    expect(lines.slice(at + 1, at + 3)).toEqual([
      '   spec.rules[0].from[0].source.principals: 4 → 5 elements (+1 -0)',
      '+    "cluster.local/ns/apps/sa/payments"',
    ]);
    expect(text).not.toContain('…');
    // A short list is shown whole on both sides.
    const short = groupLines({ env: 'prod', name: 'x', op: 'changed', manifests: { changed: 1, added: 0, removed: 0 }, files: [], objects: [{ key: 'Role x', op: 'changed', fields: diffFields({ verbs: ['get'] }, { verbs: ['get', 'list'] }) }] });
    expect(short).toEqual([' Role x:', '-  verbs: ["get"]', '+  verbs: ["get","list"]']);
  });

  it('expands a long added value into its fields instead of cutting it', () => {
    const long = { a: 'x'.repeat(80), b: { c: 'y'.repeat(120) } };
    const lines = groupLines({ env: 'prod', name: 'x', op: 'changed', manifests: { changed: 1, added: 0, removed: 0 }, files: [], objects: [{ key: 'ConfigMap x', op: 'changed', fields: diffFields({}, { data: long as Json }) }] });
    expect(lines).toEqual([' ConfigMap x:', `+  data.a: "${'x'.repeat(80)}"`, `+  data.b.c: "${'y'.repeat(120)}"`]);
    // A multi-line string added: its lines, the first ones when long, and how many more.
    const script = Array.from({ length: 12 }, (_, i) => `echo ${i}`).join('\n');
    const added = groupLines({ env: 'prod', name: 'x', op: 'changed', manifests: { changed: 1, added: 0, removed: 0 }, files: [], objects: [{ key: 'ConfigMap x', op: 'changed', fields: diffFields({}, { data: { 'run.sh': script } }) }] });
    expect(added.slice(0, 3)).toEqual([' ConfigMap x:', '+  data["run.sh"]: (text, 12 lines)', '+    echo 0']);
    expect(added.slice(-2)).toEqual(['+    echo 9', '     … 2 more lines']);
  });

  it('names the source of Applications added and removed, and leaves unchanged environments out', () => {
    expect(group('payments')).toMatchObject({ op: 'added', source: { after: 'helm:payments@2.0.0' } });
    expect(group('legacy')).toMatchObject({ op: 'removed', source: { before: 'helm:legacy@0.1.0' } });
    expect(text).toContain('legacy: removed (helm:legacy@0.1.0, 1 object)');
    expect(d.groups.filter((g) => g.env === 'dev')).toEqual([]);
    expect(group('PLAN.md').files).toEqual([{ file: 'prod/PLAN.md', op: 'changed', linesAdded: ['Status: needs scale-out'], linesRemoved: ['Status: fits'] }]);
  });

  it('parses only the files that differ, so an unchanged tree of any size costs a string comparison', () => {
    const broken = new Map([...BEFORE, ['prod/manifests/orders/broken.yaml', 'key: [unclosed\n']]);
    expect(diffTrees(broken, broken, OPTS).groups).toEqual([]);
    expect(() => diffTrees(BEFORE, broken, OPTS)).toThrow(/broken\.yaml/);
  });

  it('shows the changes of an Application once when another environment has exactly the same', () => {
    const both = (tree: FileTree) => new Map([...tree, ...[...tree].filter(([k]) => k.startsWith('prod/manifests/orders/')).map(([k, v]) => [k.replace('prod/', 'staging/'), v] as [string, string])]);
    const t = renderText(diffTrees(both(BEFORE), both(AFTER), OPTS), 'main');
    expect(t).toContain('== staging ==\norders: 1 object added, 1 object removed, 2 objects changed\n  (the same changes as in prod)\n');
  });

  it('prints Markdown with the version lines, one collapsible block per Application and a summary table', () => {
    const md = renderMarkdown(d, 'main');
    // Objects: the payments Application, the ConfigMap and the PDB added; legacy's Application, the Job and the Service removed.
    expect(md).toContain('| prod | 1 | 1 | 3 | +3 -3 ~6 |');
    expect(md).toContain('#### prod\n\n- cert-manager v1.0.0 → v1.1.0: 3 objects changed, 1 added, 1 removed\n');
    expect(md).toContain('<details><summary><code>cert-manager</code>: cert-manager v1.0.0 → v1.1.0, 1 object added, 1 object removed, 4 objects changed</summary>');
    expect(md.match(/<details>/g)).toHaveLength(d.groups.length);
    expect(md).not.toContain('not shown');
  });

  it('caps the Markdown by leaving out whole objects, and says how many per Application and in total', () => {
    const many = 60;
    const configMaps = (v: string) =>
      new Map(Array.from({ length: many }, (_, i) => [`prod/manifests/app/configmap-cm-${String(i).padStart(2, '0')}.yaml`, object('ConfigMap', `cm-${String(i).padStart(2, '0')}`, 'apps', { data: { key: `${v}-${i}-END` } })]));
    // One object larger than the whole cap, among the first: left out, the smaller ones after it still shown.
    const huge = (v: string) => object('ConfigMap', 'cm-00-huge', 'apps', { data: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, `${v}-${i}`])) });
    const before = new Map([...configMaps('old'), ['prod/manifests/app/configmap-cm-00-huge.yaml', huge('old')]]);
    const after = new Map([...configMaps('new'), ['prod/manifests/app/configmap-cm-00-huge.yaml', huge('new')]]);
    const md = renderMarkdown(diffTrees(before, after, OPTS), 'main', 5000, { fields: 1000, leaves: 1000, textLines: 10 });
    expect(md.length).toBeLessThanOrEqual(5000);
    const shown = [...md.matchAll(/^ ConfigMap apps\/(cm-\d\d):$/gm)].map((m) => m[1]);
    expect(shown.length).toBeGreaterThan(5);
    expect(md).not.toContain('cm-00-huge:');
    for (const name of shown) {
      const i = Number(name.slice(3));
      expect(md).toContain(` ConfigMap apps/${name}:\n-  data.key: "old-${i}-END"\n+  data.key: "new-${i}-END"\n`);
    }
    const left = many + 1 - shown.length;
    expect(md).toContain(`… ${left} objects not shown (comment size cap)\n`);
    expect(md).toContain(`_${left} objects of 1 Application not shown: this comment is capped at 5000 characters.`);
  });

  it('says so when nothing changed', () => {
    const none = diffTrees(BEFORE, BEFORE, OPTS);
    expect(none.groups).toEqual([]);
    expect(renderText(none, 'main')).toBe('No rendered changes against main.\n');
    expect(renderMarkdown(none, 'main')).toContain('No rendered changes');
  });
});

describe('npm run diff against a git repository', () => {
  let repo = '';
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  const writeTree = (tree: FileTree) => {
    fs.rmSync(path.join(repo, 'dist'), { recursive: true, force: true });
    for (const [rel, content] of tree) {
      fs.mkdirSync(path.dirname(path.join(repo, 'dist', rel)), { recursive: true });
      fs.writeFileSync(path.join(repo, 'dist', rel), content);
    }
  };
  const commit = (message: string) => {
    git('add', '-A');
    git('commit', '--quiet', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  let first = '';
  let second = '';
  let rendered: FileTree = new Map();
  afterAll(() => repo && fs.rmSync(repo, { recursive: true, force: true }));

  beforeAll(async () => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-test-'));
    rendered = await renderAll(fixtureConfig());
    git('init', '--quiet', '--initial-branch=main');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    git('config', 'commit.gpgsign', 'false');
    fs.writeFileSync(path.join(repo, 'platform.yaml'), FIXTURE_CONFIG_TEXT);
    writeTree(BEFORE);
    first = commit('first');
    git('checkout', '--quiet', '-b', 'feature');
    writeTree(AFTER);
    second = commit('second');
  });

  it('reads the dist/ tree committed at each of two commits, reading from git only what differs from a known tree', () => {
    expect(committedTree(repo, first, 'dist')).toEqual(BEFORE);
    expect(committedTree(repo, second, 'dist')).toEqual(AFTER);
    expect(committedTree(repo, first, 'dist', AFTER)).toEqual(BEFORE);
    expect(diffTrees(committedTree(repo, first, 'dist')!, committedTree(repo, second, 'dist')!, OPTS)).toEqual(diffTrees(BEFORE, AFTER, OPTS));
    expect(committedTree(repo, first, 'nothing-here')).toBeUndefined();
  });

  it('takes the merge base with the default branch as the base by default', () => {
    expect(resolveBase(repo)).toEqual({ label: 'merge-base(HEAD, main)', sha: first });
    expect(resolveBase(repo, 'feature').sha).toBe(second);
    expect(() => resolveBase(repo, 'nope')).toThrow('--base nope: no such commit in this repository');
  });

  it('compares the working tree render with the committed base: no change says so', async () => {
    // Commit exactly what the working tree renders: nothing to report.
    writeTree(rendered);
    commit('rendered');
    const r = await diff({ base: 'HEAD', format: 'text', config: 'platform.yaml', renderBase: false, maxChars: 60000, exitCode: false }, repo);
    expect(r.changed).toBe(false);
    expect(r.output).toMatch(/^No rendered changes against HEAD @ [0-9a-f]{12} \(committed dist\/\)\.\n$/);
  });

  it('sums up a chart bump per environment: the version change and the files of its manifests that changed, were added and removed', async () => {
    // The base: a chart Application of the shipped config at an older version that rendered two of
    // its objects differently, lacked one and had one more.
    const apps = [...rendered.keys()].filter((k) => k.startsWith('prod/apps/application-'));
    const bumped = apps
      .map((file) => ({ file, id: /application-(.+)\.yaml$/.exec(file)![1], source: parseSource((yaml.load(rendered.get(file)!) as any).metadata.annotations[SOURCE_ANNOTATION]) }))
      .find((a) => a.source?.type === 'helm' && [...rendered.keys()].filter((k) => k.startsWith(`prod/manifests/${a.id}/`)).length >= 3)!;
    const { id, source } = bumped as { id: string; source: { name: string; version: string } };
    const manifests = [...rendered.keys()].filter((k) => k.startsWith(`prod/manifests/${id}/`)).sort();
    const base = new Map(rendered);
    base.set(bumped.file, rendered.get(bumped.file)!.replace(`helm:${source.name}@${source.version}`, `helm:${source.name}@0.0.1`));
    for (const file of manifests.slice(0, 2)) {
      const doc = yaml.load(rendered.get(file)!) as { metadata: { labels?: Record<string, string> } };
      base.set(file, toYaml({ ...doc, metadata: { ...doc.metadata, labels: { ...doc.metadata.labels, 'helm.sh/chart': `${source.name}-0.0.1` } } }));
    }
    base.delete(manifests[2]);
    base.set(`prod/manifests/${id}/configmap-gone-in-the-new-version.yaml`, object('ConfigMap', 'gone-in-the-new-version', 'default'));
    writeTree(base);
    commit('older chart');

    const text = await diff({ base: 'HEAD', format: 'text', config: 'platform.yaml', renderBase: false, maxChars: 60000, exitCode: false }, repo);
    expect(text.changed).toBe(true);
    const line = `${source.name} 0.0.1 → ${source.version}${source.name === id ? '' : ` (Application ${id})`}: 2 objects changed, 1 added, 1 removed`;
    expect(text.output).toContain(`== prod ==\nversions:\n  ${line}\n`);
    expect(text.output).toContain(`-  metadata.annotations["${SOURCE_ANNOTATION}"]: "helm:${source.name}@0.0.1"`);
    expect(text.output).toContain('  -ConfigMap default/gone-in-the-new-version\n');
    const md = await diff({ base: 'HEAD', format: 'markdown', config: 'platform.yaml', renderBase: false, maxChars: 60000, exitCode: false }, repo);
    expect(md.output).toContain(`#### prod\n\n- ${line}\n`);
    expect(md.output).toContain(`<code>${id}</code>: ${source.name} 0.0.1 → ${source.version}`);
  });

  it('runs from the built CLI and exits 0 on no change, 1 with --exit-code on a change', () => {
    execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT });
    const cli = path.join(ROOT, 'build', 'tools', 'diff.js');
    const run = (...args: string[]) => spawnSync('node', [cli, ...args], { cwd: repo, encoding: 'utf8' });
    const changed = run('--base', 'HEAD', '--exit-code');
    expect(changed.status).toBe(1);
    expect(changed.stdout).toContain(' 0.0.1 → ');
    expect(run('--base', 'HEAD~1').stdout).toContain('No rendered changes');
    expect(run('--base', 'HEAD~1', '--exit-code').status).toBe(0);
  });

  it('renders the base in a temporary worktree with its own build when asked (or when it has no dist/), then removes the worktree', async () => {
    // A base whose "build" writes one Application: everything the working tree renders is new, that one is gone.
    fs.mkdirSync(path.join(repo, 'scripts'), { recursive: true });
    const mainJs =
      'const fs = require("fs"); const out = process.argv[process.argv.indexOf("--out") + 1]; ' +
      `fs.mkdirSync(out + "/prod/apps", { recursive: true }); fs.writeFileSync(out + "/prod/apps/application-legacy.yaml", ${JSON.stringify(application('legacy', 'helm:legacy@0.1.0'))});`;
    fs.writeFileSync(
      path.join(repo, 'scripts', 'build.mjs'),
      `import { mkdirSync, writeFileSync } from 'node:fs';\nmkdirSync('build', { recursive: true });\nwriteFileSync('build/main.js', ${JSON.stringify(mainJs)});\n`,
    );
    fs.writeFileSync(path.join(repo, 'main.ts'), '// no capacity flag in this base\n');
    commit('with a build');
    const r = await diff({ base: 'HEAD', format: 'text', config: 'platform.yaml', renderBase: true, maxChars: 60000, exitCode: false }, repo);
    expect(r.output).toMatch(/^Rendered diff against HEAD @ [0-9a-f]{12} \(rendered\)/);
    expect(r.output).toContain('legacy: removed (helm:legacy@0.1.0, 1 object)');
    expect(r.output).toContain('environment staging: added');
    expect(git('worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('rejects bad options with the usage', () => {
    expect(() => parseArgs(['--format', 'html'])).toThrow(UsageError);
    expect(parseArgs(['--base=main', '--format', 'markdown'])).toMatchObject({ base: 'main', format: 'markdown' });
  });
});
