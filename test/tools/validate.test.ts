import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  dedupeSubschemas,
  formatErrors,
  loadSchemaSet,
  SchemaSet,
  toJsPattern,
  toJsonPath,
  validateTree,
  validateTreeWithStats,
  ValidationIssue,
} from '../../tools/validate-core';
import { parseArgs, run } from '../../tools/validate';

const SCHEMAS = path.resolve(__dirname, '../../../shared/schemas');
const CHART_VALUES = path.resolve(__dirname, '../../../shared/chart-values');
const haveSchemas = fs.existsSync(path.join(SCHEMAS, 'k8s'));
if (!haveSchemas) console.warn(`SKIPPING schema validation tests: ${SCHEMAS} not found`);
const withSchemas = haveSchemas ? describe : describe.skip;

const tempDirs: string[] = [];
const EMPTY_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-empty-'));
tempDirs.push(EMPTY_DIR);

/** A temp tree with the given files (relative path -> YAML text). */
function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-test-'));
  tempDirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: apps
  labels: {app: orders}
spec:
  replicas: 2
  strategy: {rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}}
  selector: {matchLabels: {app: orders}}
  template:
    metadata: {labels: {app: orders}}
    spec:
      containers:
        - name: orders
          image: ghcr.io/example/orders:1.0.0
          ports: [{name: http, containerPort: 8080}]
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
          readinessProbe: {httpGet: {path: /healthz, port: http}}
`;

const CLUSTER_ISSUER = `apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: letsencrypt}
spec:
  acme:
    server: https://acme-v02.api.letsencrypt.org/directory
    email: platform@example.com
    privateKeySecretRef: {name: letsencrypt-account}
    solvers:
      - dns01: {route53: {region: eu-west-1}}
`;

const CLUSTER_CONFIG = `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: platform-dev, region: eu-west-1, version: "1.28"}
iam: {withOIDC: true}
managedNodeGroups:
  - name: system
    instanceType: m6i.large
    desiredCapacity: 2
`;

const REQUIRED_LABELS = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata: {name: require-team-label}
spec:
  enforcementAction: deny
  match:
    kinds: [{apiGroups: [""], kinds: [Namespace]}]
  parameters:
    message: every namespace needs a team
    labels: [{key: team, allowedRegex: "^[a-z]+$"}]
`;

withSchemas('validateTree against the real schemas', () => {
  let set: SchemaSet;
  beforeAll(() => {
    set = loadSchemaSet(SCHEMAS, CHART_VALUES);
  });

  const issuesFor = (files: Record<string, string>): ValidationIssue[] => validateTree(tree(files), set);

  test('a valid Deployment produces no issues', () => {
    expect(issuesFor({ 'dev/apps/orders.yaml': DEPLOYMENT })).toEqual([]);
  });

  test('an unknown field in a container is reported with its JSON path and the object', () => {
    const broken = DEPLOYMENT.replace('resources:', 'resourcez: {}\n          resources:');
    const root = tree({ 'dev/apps/orders.yaml': broken });
    expect(validateTree(root, set)).toEqual([
      {
        file: path.join(root, 'dev/apps/orders.yaml'),
        object: 'Deployment apps/orders',
        path: '.spec.template.spec.containers[0].resourcez',
        message: 'unknown field "resourcez"',
      },
    ]);
  });

  test('unknown metadata fields are rejected because ObjectMeta is strict', () => {
    const issues = issuesFor({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, lables: {a: b}}\n' });
    expect(issues.map((i) => [i.path, i.message])).toEqual([['.metadata.lables', 'unknown field "lables"']]);
  });

  test('a wrong int-or-string value explains both allowed types', () => {
    const issues = issuesFor({ 'd.yaml': DEPLOYMENT.replace('maxSurge: 25%', 'maxSurge: [1]') });
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['.spec.strategy.rollingUpdate.maxSurge', 'must be string or integer, got array'],
    ]);
  });

  test('a document whose apiVersion and kind have no schema is an issue', () => {
    const issues = issuesFor({ 'w.yaml': 'apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata: {name: w}\n' });
    expect(issues).toEqual([
      expect.objectContaining({ object: 'Widget w', path: '.', message: 'no schema for widgets.example.com/v1 Widget' }),
    ]);
  });

  test('a document without apiVersion and kind is reported', () => {
    const issues = issuesFor({ 'x.yaml': 'metadata: {name: x}\n' });
    expect(issues.map((i) => i.path)).toEqual(['.apiVersion', '.kind']);
  });

  test('a valid cert-manager ClusterIssuer passes', () => {
    expect(issuesFor({ 'issuer.yaml': CLUSTER_ISSUER })).toEqual([]);
  });

  test('a typo in a ClusterIssuer field fails at that field', () => {
    const issues = issuesFor({ 'issuer.yaml': CLUSTER_ISSUER.replace('privateKeySecretRef', 'privateKeySecretReff') });
    expect(issues.map((i) => [i.object, i.path, i.message])).toEqual(
      expect.arrayContaining([['ClusterIssuer letsencrypt', '.spec.acme.privateKeySecretReff', 'unknown field "privateKeySecretReff"']]),
    );
  });

  test('an unknown top-level field on a CRD whose schema leaves its root open is rejected', () => {
    const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs, namespace: x}\nspce: {}\nspec: {hosts: [a]}\n';
    expect(issuesFor({ 'vs.yaml': vs }).map((i) => i.path)).toEqual(['.spce']);
  });

  test('a valid eksctl ClusterConfig passes', () => {
    expect(issuesFor({ 'eksctl/cluster.yaml': CLUSTER_CONFIG })).toEqual([]);
  });

  test('an eksctl ClusterConfig with an unknown key fails', () => {
    const issues = issuesFor({ 'eksctl/cluster.yaml': `${CLUSTER_CONFIG}nodeGroupz: []\n` });
    expect(issues.map((i) => [i.object, i.path, i.message])).toEqual([
      ['ClusterConfig platform-dev', '.nodeGroupz', 'unknown field "nodeGroupz"'],
    ]);
  });

  test('eksctl node group taints may be written as a map, as eksctl accepts', () => {
    const config = `${CLUSTER_CONFIG}nodeGroups:\n  - name: ng\n    taints: {dedicated: "gpu:NoSchedule"}\n`;
    expect(issuesFor({ 'eksctl/cluster.yaml': config })).toEqual([]);
  });

  test('a K8sRequiredLabels v1beta1 constraint validates against its constraints.gatekeeper.sh schema', () => {
    expect(issuesFor({ 'policy/labels.yaml': REQUIRED_LABELS })).toEqual([]);
    const wrong = REQUIRED_LABELS.replace('allowedRegex', 'allowedRegexp');
    expect(issuesFor({ 'policy/labels.yaml': wrong }).map((i) => i.path)).toEqual([
      '.spec.parameters.labels[0].allowedRegexp',
    ]);
  });

  test('a multi-document file is validated document by document, skipping empty documents', () => {
    const text = `---\n${DEPLOYMENT}---\n\n---\n${CLUSTER_ISSUER.replace('email:', 'emial:')}`;
    const report = validateTreeWithStats(tree({ 'all.yml': text, 'README.md': '# not yaml' }), set);
    expect(report).toMatchObject({ files: 1, documents: 2, invalidDocuments: 1 });
    expect(report.issues.map((i) => i.object)).toEqual(['ClusterIssuer letsencrypt']);
  });

  test('a YAML syntax error is reported once for its file', () => {
    const issues = issuesFor({ 'bad.yaml': 'apiVersion: v1\nkind: [\n' });
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toMatch(/^YAML parse error: /);
  });

  test('cilium values are validated against the chart schema when chart values are given', () => {
    const good = 'MTU: 9001\nkubeProxyReplacement: true\nk8sServicePort: 443\neni: {enabled: true}\n';
    expect(issuesFor({ 'bootstrap/cilium-values.yaml': good })).toEqual([]);
    const bad = issuesFor({ 'bootstrap/cilium-values.yaml': 'MTU: jumbo\neni: {enabled: "yes"}\n' });
    expect(bad.map((i) => [i.object, i.path, i.message])).toEqual([
      ['Values cilium@1.20.0', '.MTU', 'must be integer, got string'],
      ['Values cilium@1.20.0', '.eni.enabled', 'must be boolean, got string'],
    ]);
  });

  test('values files without a chart schema are counted as skipped, never as issues', () => {
    const files = { 'argocd-values.yaml': 'anything: [goes]\n', 'other-values.yaml': 'x: 1\n', 'cilium-values.yaml': 'MTU: jumbo\n' };
    const withCharts = validateTreeWithStats(tree(files), set);
    expect(withCharts).toMatchObject({ skippedValuesFiles: 2, files: 1, invalidDocuments: 1 });
    const withoutCharts = validateTreeWithStats(tree(files), loadSchemaSet(SCHEMAS));
    expect(withoutCharts).toMatchObject({ skippedValuesFiles: 3, files: 0, issues: [] });
  });

  test('an Argo CD Application may embed free-form Helm valuesObject', () => {
    const app = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: cilium, namespace: argocd}
spec:
  project: platform
  destination: {server: https://kubernetes.default.svc, namespace: kube-system}
  source:
    repoURL: https://helm.cilium.io/
    chart: cilium
    targetRevision: 1.20.0
    helm: {valuesObject: {anything: {nested: [1, 2]}}}
`;
    expect(issuesFor({ 'app.yaml': app })).toEqual([]);
    expect(issuesFor({ 'app.yaml': app.replace('targetRevision', 'targetRev') }).map((i) => i.path)).toEqual([
      '.spec.source.targetRev',
    ]);
  });

  test('a thousand-document tree validates quickly', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 250; i++) {
      const deployment = DEPLOYMENT.replace(/orders/g, `svc-${i}`);
      files[`env${i % 3}/svc-${i}.yaml`] = [deployment, CLUSTER_ISSUER, REQUIRED_LABELS, `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: svc-${i}, namespace: apps}\n`].join('---\n');
    }
    const root = tree(files);
    const started = Date.now();
    const report = validateTreeWithStats(root, loadSchemaSet(SCHEMAS));
    const elapsed = Date.now() - started;
    console.log(`validated ${report.documents} documents in ${elapsed} ms (fresh schema set)`);
    expect(report).toMatchObject({ documents: 1000, files: 250, issues: [] });
    expect(elapsed).toBeLessThan(15000); // generous: a few hundred ms locally
  });
});

withSchemas('validate CLI', () => {
  const capture = (): { out: string[]; err: string[]; io: { out: (l: string) => void; err: (l: string) => void } } => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
  };

  test('prints each issue and a summary, and exits 1 when something is invalid', () => {
    const root = tree({ 'a.yaml': DEPLOYMENT, 'b.yaml': 'apiVersion: v1\nkind: Nope\nmetadata: {name: n}\n' });
    const { out, err, io } = capture();
    expect(run(['--schemas', SCHEMAS, '--dir', root], io)).toBe(1);
    expect(out).toEqual([`${path.join(root, 'b.yaml')}: Nope n: .: no schema for v1 Nope`, 'validated 2 documents in 2 files: 1 invalid']);
    expect(err).toEqual([]);
  });

  test('exits 0 on a valid tree and reports skipped values files in the summary', () => {
    const root = tree({ 'a.yaml': DEPLOYMENT, 'bootstrap/argocd-values.yaml': 'x: 1\n' });
    const { out, io } = capture();
    expect(run([`--schemas=${SCHEMAS}`, `--dir=${root}`, '--chart-values', CHART_VALUES], io)).toBe(0);
    expect(out).toEqual(['validated 1 document in 1 file: 0 invalid; skipped 1 values file without a chart schema']);
  });

  test.each([
    [['--dir', 'dist'], /--schemas DIR is required/],
    [['--schemas', SCHEMAS, '--bogus'], /unknown option --bogus/],
    [['--schemas'], /--schemas needs a value/],
    [['--schemas', SCHEMAS, '--dir', '/nonexistent/dist'], /--dir \/nonexistent\/dist is not a directory/],
    [['--schemas', EMPTY_DIR], /has no k8s\/<version>\/_definitions.json/],
  ])('bad arguments %j give one line on stderr and exit 2', (argv, message) => {
    const { out, err, io } = capture();
    expect(run(argv, io)).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });

  test('--help prints usage and exits 0', () => {
    const { out, io } = capture();
    expect(run(['--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/^usage: validate --schemas DIR/);
  });
});

/** Replaces `#/definitions/dedupe-*` refs with their targets again. */
function inlineDedupedRefs(schema: Record<string, unknown>): unknown {
  const definitions = (schema.definitions ?? {}) as Record<string, unknown>;
  const expand = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(expand);
    if (typeof node !== 'object' || node === null) return node;
    const ref = (node as Record<string, unknown>).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/definitions/dedupe-')) return expand(definitions[ref.slice('#/definitions/'.length)]);
    const entries = Object.entries(node).filter(([k]) => node !== schema || k !== 'definitions');
    return Object.fromEntries(entries.map(([k, v]) => [k, expand(v)]));
  };
  return expand(schema);
}

describe('helpers', () => {
  test('sharing repeated subschemas loses nothing', () => {
    const big = { type: 'object', properties: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, { type: 'string', maxLength: i }])) };
    const schema = { type: 'object', properties: { a: big, b: { type: 'array', items: big }, c: { anyOf: [big, { type: 'string' }] } } };
    const deduped = dedupeSubschemas(schema);
    expect(Object.keys(deduped.definitions as object)).toHaveLength(1);
    expect((deduped.properties as Record<string, unknown>).a).toEqual({ $ref: expect.stringMatching(/^#\/definitions\/dedupe-/) });
    expect((deduped.properties as Record<string, { anyOf: unknown[] }>).c.anyOf[0]).toEqual(big); // branches stay inline
    expect(inlineDedupedRefs(deduped)).toEqual(schema);
  });

  (haveSchemas ? test : test.skip)('sharing subschemas of the 2 MB ApplicationSet CRD loses nothing', () => {
    const file = path.join(SCHEMAS, 'crds/argoproj.io/applicationset_v1alpha1.json');
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const deduped = dedupeSubschemas(raw);
    expect(JSON.stringify(deduped).length).toBeLessThan(JSON.stringify(raw).length / 4);
    expect(inlineDedupedRefs(deduped)).toEqual(raw);
  });


  test('parseArgs defaults --dir to dist', () => {
    expect(parseArgs(['--schemas', 's'])).toEqual({ schemas: 's', dir: 'dist', chartValues: undefined });
  });

  test('JSON paths use brackets for array indexes and for keys that are not identifiers', () => {
    const doc = { spec: { containers: [{ name: 'a' }] }, metadata: { labels: { 'app.kubernetes.io/name': 'x' } } };
    expect(toJsonPath('/spec/containers/0/name', doc)).toBe('.spec.containers[0].name');
    expect(toJsonPath('/metadata/labels/app.kubernetes.io~1name', doc)).toBe('.metadata.labels["app.kubernetes.io/name"]');
    expect(toJsonPath('', doc)).toBe('.');
  });

  test('Go-only regex syntax is translated to an equivalent JavaScript pattern', () => {
    const months = toJsPattern('^((?i)january|1[0-2])$');
    expect(months).toBeDefined();
    expect(new RegExp(months ?? '', 'u').test('JANUARY')).toBe(true);
    expect(new RegExp(months ?? '', 'u').test('13')).toBe(false);
    expect(toJsPattern('^\\PC*$')).toBe('^\\P{C}*$');
    expect(toJsPattern('(?i)[a-z]+')).toBeUndefined();
  });

  test('anyOf branch errors are folded into one message at the composition', () => {
    const errors = [
      { keyword: 'type', instancePath: '/port', schemaPath: '#/properties/port/anyOf/0/type', params: { type: 'integer' } },
      { keyword: 'type', instancePath: '/port', schemaPath: '#/properties/port/anyOf/1/type', params: { type: 'string' } },
      { keyword: 'anyOf', instancePath: '/port', schemaPath: '#/properties/port/anyOf', params: {} },
    ];
    expect(formatErrors(errors, { port: true })).toEqual([{ path: '.port', message: 'must be integer or string, got boolean' }]);
  });
});
