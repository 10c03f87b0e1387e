import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import {
  dedupeSubschemas,
  formatErrors,
  SchemaSet,
  toJsPattern,
  toJsonPath,
  validateTree,
  validateTreeWithStats,
  ValidationIssue,
} from '../../tools/validate-core';
import { parseArgs, run } from '../../tools/validate';
import { referenceDir } from '../support';

// Upstream reference data, only for what still needs a schema from outside the tree (skipped without it).
const SCHEMAS = referenceDir('SCHEMAS_DIR') ?? '';
const CHART_VALUES = referenceDir('CHART_VALUES_DIR') ?? '';
const haveEksctlSchema = SCHEMAS !== '';
const haveChartValues = CHART_VALUES !== '';

const tempDirs: string[] = [];

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

const set = new SchemaSet();
const issuesFor = (files: Record<string, string>, schemas: SchemaSet = set): ValidationIssue[] => validateTree(tree(files), schemas);
const problems = (files: Record<string, string>): string[][] => issuesFor(files).map((i) => [i.path, i.message]);

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
      securityContext: {appArmorProfile: {type: RuntimeDefault}, runAsNonRoot: true}
      containers:
        - name: orders
          image: ghcr.io/example/orders:1.0.0
          ports: [{name: http, containerPort: 8080}]
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
          readinessProbe: {httpGet: {path: /healthz, port: http}}
          securityContext: {appArmorProfile: {type: Localhost, localhostProfile: k8s-orders}, allowPrivilegeEscalation: false}
`;

type Schema = Record<string, unknown>;

/** A CustomResourceDefinition as a chart renders it, one served version per schema. */
function crd(group: string, kind: string, versions: Record<string, Schema>, extra: Schema = {}): string {
  const plural = `${kind.toLowerCase()}s`;
  return yaml.dump({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      scope: 'Namespaced',
      versions: Object.entries(versions).map(([name, schema], i) => ({
        name,
        served: true,
        storage: i === 0,
        schema: { openAPIV3Schema: schema },
        ...extra,
      })),
    },
  });
}

/** The kind of schema controller-gen writes: descriptions, int-or-string, preserved free-form fields. */
const WIDGET_SCHEMA: Schema = {
  type: 'object',
  description: 'Widget is a test resource.',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', minimum: 1, description: 'How big.' },
        color: { type: 'string', enum: ['red', 'blue'] },
        maxSurge: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
        config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        note: { type: 'string', nullable: true },
        mode: { type: 'string', default: 'fast' },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
        interval: { type: 'string', format: 'duration' },
        checksum: { type: 'string', format: 'int32' },
      },
    },
  },
};

const WIDGET_CRD = crd('widgets.example.com', 'Widget', { v1: WIDGET_SCHEMA });

const WIDGET = `apiVersion: widgets.example.com/v1
kind: Widget
metadata: {name: w, namespace: apps}
spec:
  size: 3
  color: red
  maxSurge: 25%
  config: {anything: {nested: [1, 2]}}
  labels: {team: platform}
  interval: 1m30s
`;

describe('custom resources against the CRDs rendered in the tree', () => {
  test('a valid custom resource passes and counts as validated by a CRD from dist', () => {
    const report = validateTreeWithStats(tree({ 'crds/widget.yaml': WIDGET_CRD, 'apps/w.yaml': WIDGET }), set);
    expect(report.issues).toEqual([]);
    expect(report.bySource).toMatchObject({ crd: 1, builtin: 1, none: 0 });
  });

  test('a custom resource that violates its CRD fails at each offending field', () => {
    const broken = WIDGET.replace('size: 3', 'size: 0').replace('color: red', 'color: green\n  colour: red');
    expect(problems({ 'crds/widget.yaml': WIDGET_CRD, 'apps/w.yaml': broken })).toEqual([
      ['.spec.colour', 'unknown field "colour"'],
      ['.spec.size', 'must be >= 1'],
      ['.spec.color', 'must be one of: "red", "blue"'],
    ]);
  });

  test('a missing required field fails, unless the schema gives it a default', () => {
    expect(problems({ 'crds/widget.yaml': WIDGET_CRD, 'apps/w.yaml': WIDGET.replace('  size: 3\n', '') })).toEqual([
      ['.spec.size', 'missing required field "size"'],
    ]);
    const defaulted = crd('widgets.example.com', 'Widget', {
      v1: { type: 'object', properties: { spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', default: 1 } } } } },
    });
    expect(problems({ 'crds/widget.yaml': defaulted, 'apps/w.yaml': 'apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {}\n' })).toEqual([]);
  });

  test('x-kubernetes-int-or-string takes an integer or a string, nothing else', () => {
    const files = (value: string): Record<string, string> => ({ 'crds/widget.yaml': WIDGET_CRD, 'w.yaml': WIDGET.replace('maxSurge: 25%', `maxSurge: ${value}`) });
    expect(problems(files('1'))).toEqual([]);
    expect(problems(files('[1]'))).toEqual([['.spec.maxSurge', 'must be integer or string, got array']]);
    expect(problems(files('true'))).toEqual([['.spec.maxSurge', 'must be integer or string, got boolean']]);
  });

  test('x-kubernetes-preserve-unknown-fields keeps anything below it, and only there', () => {
    const deep = WIDGET.replace('config: {anything: {nested: [1, 2]}}', 'config: {a: {b: {c: [{d: 1}]}}, e: "f"}');
    expect(problems({ 'crds/widget.yaml': WIDGET_CRD, 'w.yaml': deep })).toEqual([]);
    const beside = WIDGET.replace('labels: {team: platform}', 'labels: {team: platform}\n  extra: {anything: 1}');
    expect(problems({ 'crds/widget.yaml': WIDGET_CRD, 'w.yaml': beside })).toEqual([['.spec.extra', 'unknown field "extra"']]);
  });

  test('an object node without properties and without preserve-unknown-fields keeps nothing', () => {
    const closed = crd('widgets.example.com', 'Widget', { v1: { type: 'object', properties: { spec: { type: 'object' } } } });
    expect(problems({ 'crds/widget.yaml': closed, 'w.yaml': 'apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {a: 1}\n' })).toEqual([
      ['.spec.a', 'unknown field "a"'],
    ]);
  });

  test('null is accepted where the API server prunes it or the field is nullable, rejected in a required field', () => {
    expect(problems({ 'crds/widget.yaml': WIDGET_CRD, 'w.yaml': WIDGET.replace('color: red', 'color: null\n  note: null') })).toEqual([]);
    expect(problems({ 'crds/widget.yaml': WIDGET_CRD, 'w.yaml': WIDGET.replace('size: 3', 'size: null') })).toEqual([
      ['.spec.size', 'must be integer, got null'],
    ]);
  });

  test('metadata is ObjectMeta, strict like the API server decodes it', () => {
    const typo = WIDGET.replace('metadata: {name: w, namespace: apps}', 'metadata: {name: w, namespace: apps, lables: {a: b}}');
    expect(problems({ 'crds/widget.yaml': WIDGET_CRD, 'w.yaml': typo })).toEqual([['.metadata.lables', 'unknown field "lables"']]);
  });

  test('an embedded resource needs apiVersion and kind, and its metadata is ObjectMeta', () => {
    const embedded = (template: string): Record<string, string> => ({ 'crds/widget.yaml': WIDGET_CRD, 'w.yaml': `${WIDGET}  template: ${template}\n` });
    expect(problems(embedded('{apiVersion: v1, kind: Pod, metadata: {labels: {a: b}}, spec: {free: form}}'))).toEqual([]);
    expect(problems(embedded('{metadata: {labelz: {a: b}}}'))).toEqual([
      ['.spec.template.apiVersion', 'missing required field "apiVersion"'],
      ['.spec.template.kind', 'missing required field "kind"'],
      ['.spec.template.metadata.labelz', 'unknown field "labelz"'],
    ]);
  });

  test('a list of type map may not repeat a key', () => {
    const twice = `${WIDGET}  ports: [{name: http, port: 80}, {name: http, port: 8080}]\n`;
    expect(problems({ 'crds/widget.yaml': WIDGET_CRD, 'w.yaml': twice })).toEqual([
      ['.spec.ports[1]', 'duplicate entry (name="http") in a list of type map: the same as [0]'],
    ]);
  });

  test('formats are checked as Kubernetes checks them: Go durations, and int32 on a string ignored', () => {
    expect(problems({ 'crds/widget.yaml': WIDGET_CRD, 'w.yaml': `${WIDGET}  checksum: abc\n` })).toEqual([]);
    expect(problems({ 'crds/widget.yaml': WIDGET_CRD, 'w.yaml': WIDGET.replace('1m30s', 'soon') })).toEqual([
      ['.spec.interval', 'must be a valid duration, got "soon"'],
    ]);
  });

  test('each custom resource is checked against the version its apiVersion names, and only a served one', () => {
    const twoVersions = crd('widgets.example.com', 'Widget', {
      v1: WIDGET_SCHEMA,
      v1beta1: { type: 'object', properties: { spec: { type: 'object', properties: { legacySize: { type: 'integer' } } } } },
    });
    const beta = 'apiVersion: widgets.example.com/v1beta1\nkind: Widget\nmetadata: {name: w}\nspec: {legacySize: 2}\n';
    expect(problems({ 'crds/widget.yaml': twoVersions, 'w.yaml': beta })).toEqual([]);
    expect(problems({ 'crds/widget.yaml': WIDGET_CRD, 'w.yaml': beta })).toEqual([
      ['.', expect.stringMatching(/^widgets\.example\.com\/v1beta1 is not served by the Widget CRD in .*crds\/widget\.yaml \(served: v1\)$/)],
    ]);
  });

  test('with one CRD per environment, each environment is checked against its own', () => {
    const v2 = crd('widgets.example.com', 'Widget', {
      v1: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } } },
    });
    const cr = 'apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n';
    const issues = issuesFor({ 'dev/crds/widget.yaml': WIDGET_CRD, 'dev/w.yaml': cr, 'prod/crds/widget.yaml': v2, 'prod/w.yaml': cr });
    expect(issues.map((i) => [path.basename(path.dirname(i.file)), i.path, i.message])).toEqual([['prod', '.spec.size', 'must be string, got integer']]);
  });

  test('a custom resource with no CRD in the tree and none in the out-of-tree table fails, naming the kind', () => {
    const report = validateTreeWithStats(tree({ 'w.yaml': WIDGET }), set);
    expect(report.bySource.none).toBe(1);
    expect(report.issues).toEqual([
      expect.objectContaining({
        object: 'Widget apps/w',
        path: '.',
        message: expect.stringMatching(/^no CustomResourceDefinition for Widget\.widgets\.example\.com in .*, and widgets\.example\.com is not installed outside it/),
      }),
    ]);
  });

  test('a kind of a Kubernetes group that Kubernetes does not have is an error', () => {
    expect(problems({ 'x.yaml': 'apiVersion: v1\nkind: Nope\nmetadata: {name: n}\n' })).toEqual([['.', 'v1 Nope is not a kind of Kubernetes 1.34']]);
  });
});

describe('Gatekeeper constraints and CRDs installed outside the tree', () => {
  const TEMPLATE = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8srequiredlabels}
spec:
  crd:
    spec:
      names: {kind: K8sRequiredLabels}
      validation:
        openAPIV3Schema:
          type: object
          properties:
            message: {type: string}
            labels:
              type: array
              items: {type: object, properties: {key: {type: string}, allowedRegex: {type: string}}}
  targets: [{target: admission.k8s.gatekeeper.sh, rego: "package k8srequiredlabels"}]
`;
  const CONSTRAINT = `apiVersion: constraints.gatekeeper.sh/v1beta1
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

  // Gatekeeper's chart renders this CRD; a free-form stand-in is enough here.
  const TEMPLATE_CRD = crd('templates.gatekeeper.sh', 'ConstraintTemplate', {
    v1: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
  });

  test('a constraint is checked against the parameters of its ConstraintTemplate in the tree', () => {
    const report = validateTreeWithStats(tree({ 'crd.yaml': TEMPLATE_CRD, 'templates/t.yaml': TEMPLATE, 'constraints/c.yaml': CONSTRAINT }), set);
    expect(report.issues).toEqual([]);
    expect(report.bySource).toMatchObject({ crd: 2, repo: 0 });
    const wrong = CONSTRAINT.replace('allowedRegex', 'allowedRegexp').replace('kinds: [{', 'kindz: [{');
    expect(problems({ 'crd.yaml': TEMPLATE_CRD, 'templates/t.yaml': TEMPLATE, 'constraints/c.yaml': wrong })).toEqual([
      ['.spec.match.kindz', 'unknown field "kindz"'],
      ['.spec.parameters.labels[0].allowedRegexp', 'unknown field "allowedRegexp"'],
    ]);
  });

  test('a template with the legacy schema keeps unknown parameters', () => {
    const legacy = TEMPLATE.replace('      validation:\n', '      validation:\n        legacySchema: true\n');
    expect(problems({ 'crd.yaml': TEMPLATE_CRD, 'templates/t.yaml': legacy, 'c.yaml': CONSTRAINT.replace('allowedRegex', 'allowedRegexp') })).toEqual([]);
  });

  test('without its template in the tree, a constraint is checked against the repo schema', () => {
    const report = validateTreeWithStats(tree({ 'c.yaml': CONSTRAINT.replace('allowedRegex', 'allowedRegexp') }), set);
    expect(report.bySource).toMatchObject({ repo: 1, crd: 0 });
    expect(report.issues.map((i) => i.path)).toEqual(['.spec.parameters.labels[0].allowedRegexp']);
  });

  test('a Tekton Task, whose CRD the operator installs, is checked against the repo schema', () => {
    const task = 'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t, namespace: ci}\nspec:\n  steps: [{name: s, image: alpine:3.20, script: echo}]\n';
    const report = validateTreeWithStats(tree({ 't.yaml': task }), set);
    expect(report).toMatchObject({ issues: [], bySource: expect.objectContaining({ repo: 1 }) });
    expect(problems({ 't.yaml': task.replace('script:', 'scrpt:') })).toEqual([['.spec.steps[0].scrpt', 'unknown field "scrpt"']]);
  });

  test('an out-of-tree kind without a repo schema fails with "no schema", saying where its CRD comes from', () => {
    const run = 'apiVersion: tekton.dev/v1\nkind: CustomRun\nmetadata: {name: r, namespace: ci}\nspec: {}\n';
    expect(problems({ 'r.yaml': run })).toEqual([
      [
        '.',
        expect.stringMatching(/^no schema for tekton\.dev\/v1 CustomRun: its CRD comes from the Tekton operator .*; add schemas\/crds\/tekton\.dev\/customrun_v1\.json$/),
      ],
    ]);
  });

  test('the EKS snapshot API is checked against the repo schema', () => {
    const snapshotClass = 'apiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshotClass\nmetadata: {name: ebs}\ndriver: ebs.csi.aws.com\ndeletionPolicy: Delete\n';
    expect(problems({ 's.yaml': snapshotClass })).toEqual([]);
    expect(problems({ 's.yaml': snapshotClass.replace('driver:', 'drver:') })).not.toEqual([]);
  });

  test('a CRD in the tree wins over the repo schema of an out-of-tree group', () => {
    const snapshotCrd = crd('snapshot.storage.k8s.io', 'VolumeSnapshotClass', {
      v1: { type: 'object', properties: { driver: { type: 'string' }, deletionPolicy: { type: 'string', enum: ['Delete', 'Retain'] } } },
    });
    const snapshotClass = 'apiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshotClass\nmetadata: {name: ebs}\ndriver: ebs.csi.aws.com\ndeletionPolicy: Keep\n';
    expect(problems({ 'crd.yaml': snapshotCrd, 's.yaml': snapshotClass })).toEqual([['.deletionPolicy', 'must be one of: "Delete", "Retain"']]);
  });
});

describe('built-in kinds against the Kubernetes 1.34 API', () => {
  test('a valid Deployment passes, appArmorProfile included (not in the 1.28 API)', () => {
    const report = validateTreeWithStats(tree({ 'd.yaml': DEPLOYMENT }), set);
    expect(report).toMatchObject({ issues: [], bySource: expect.objectContaining({ builtin: 1 }) });
  });

  test('an unknown field in a Deployment is reported with its JSON path and the object', () => {
    const root = tree({ 'dev/apps/orders.yaml': DEPLOYMENT.replace('resources:', 'resourcez: {}\n          resources:') });
    expect(validateTree(root, set)).toEqual([
      {
        file: path.join(root, 'dev/apps/orders.yaml'),
        object: 'Deployment apps/orders',
        path: '.spec.template.spec.containers[0].resourcez',
        message: 'unknown field "resourcez"',
      },
    ]);
  });

  test('unknown metadata fields are rejected, free-form maps like labels are not', () => {
    expect(problems({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, lables: {a: b}}\ndata: {any-key: v}\n' })).toEqual([
      ['.metadata.lables', 'unknown field "lables"'],
    ]);
  });

  test('a wrong type, a bad quantity and a wrong int-or-string explain themselves', () => {
    const broken = DEPLOYMENT.replace('replicas: 2', 'replicas: two').replace('cpu: 100m', 'cpu: 1x').replace('maxSurge: 25%', 'maxSurge: [1]');
    expect(problems({ 'd.yaml': broken })).toEqual(
      expect.arrayContaining([
        ['.spec.replicas', 'must be integer, got string'],
        ['.spec.strategy.rollingUpdate.maxSurge', 'must be string or integer, got array'],
        ['.spec.template.spec.containers[0].resources.requests.cpu', 'must be a valid quantity, got "1x"'],
      ]),
    );
  });

  test('a CRD with selectableFields, descriptions and x-kubernetes-* keywords passes; a misspelled keyword does not', () => {
    const withSelectable = crd('widgets.example.com', 'Widget', { v1: WIDGET_SCHEMA }, { selectableFields: [{ jsonPath: '.spec.color' }] });
    expect(problems({ 'crd.yaml': withSelectable })).toEqual([]);
    const typo = withSelectable.replace('x-kubernetes-preserve-unknown-fields', 'x-kubernetes-preserve-unknown-field');
    expect(problems({ 'crd.yaml': typo })).toEqual([
      ['.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.config.x-kubernetes-preserve-unknown-field', 'unknown field "x-kubernetes-preserve-unknown-field"'],
    ]);
  });

  test('a PriorityClass description is a known field (kubernetes-models validators lose it)', () => {
    expect(problems({ 'pc.yaml': 'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: p}\nvalue: 1000\ndescription: Workloads.\n' })).toEqual([]);
  });

  test('an API version Kubernetes no longer serves fails and names the one to use', () => {
    expect(problems({ 'pdb.yaml': 'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec: {minAvailable: 1}\n' })).toEqual([
      ['.apiVersion', 'policy/v1beta1 PodDisruptionBudget is no longer served by Kubernetes 1.34; use policy/v1'],
    ]);
  });
});

describe('objects outside a tree', () => {
  test('forObject validates a component\'s objects: built-in kinds and kinds with a repo schema, nothing else', () => {
    const deployment = yaml.load(DEPLOYMENT.replace('image:', 'imag: x\n          image:'));
    expect(set.forObject('apps/v1', 'Deployment')?.(deployment)).toEqual([
      { path: '.spec.template.spec.containers[0].imag', message: 'unknown field "imag"' },
    ]);
    expect(set.forObject('operator.tekton.dev/v1alpha1', 'TektonConfig')).toBeDefined();
    expect(set.forObject('widgets.example.com/v1', 'Widget')).toBeUndefined();
    expect(set.forObject('eksctl.io/v1alpha5', 'ClusterConfig')).toBeUndefined();
  });
});

describe('the tree', () => {
  test('a document without apiVersion and kind is reported', () => {
    expect(issuesFor({ 'x.yaml': 'metadata: {name: x}\n' }).map((i) => i.path)).toEqual(['.apiVersion', '.kind']);
  });

  test('a multi-document file is validated document by document, skipping empty documents and other files', () => {
    const text = `---\n${DEPLOYMENT}---\n\n---\n${WIDGET_CRD}---\n${WIDGET.replace('size: 3', 'size: "3"')}`;
    const report = validateTreeWithStats(tree({ 'all.yml': text, 'README.md': '# not yaml' }), set);
    expect(report).toMatchObject({ files: 1, documents: 3, invalidDocuments: 1 });
    expect(report.issues.map((i) => [i.object, i.message])).toEqual([['Widget apps/w', 'must be integer, got string']]);
  });

  test('a YAML syntax error is reported once for its file', () => {
    const issues = issuesFor({ 'bad.yaml': 'apiVersion: v1\nkind: [\n' });
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toMatch(/^YAML parse error: /);
  });

  test('a rendered tree of two thousand documents with its CRDs validates quickly, compiling each schema once', () => {
    const files: Record<string, string> = {};
    for (const env of ['dev', 'staging', 'prod']) {
      files[`${env}/crds/widget.yaml`] = WIDGET_CRD;
      for (let i = 0; i < 250; i++) {
        files[`${env}/apps/svc-${i}.yaml`] = [DEPLOYMENT.replace(/orders/g, `svc-${i}`), WIDGET.replace('name: w', `name: w-${i}`)].join('---\n');
      }
    }
    const root = tree(files);
    const started = Date.now();
    const report = validateTreeWithStats(root, new SchemaSet());
    const elapsed = Date.now() - started;
    console.log(`validated ${report.documents} documents in ${elapsed} ms (fresh schema set)`);
    expect(report).toMatchObject({ documents: 1503, files: 753, issues: [] });
    expect(elapsed).toBeLessThan(15000); // generous: well under a second locally
  });
});

(haveEksctlSchema ? describe : describe.skip)('eksctl ClusterConfig with --schemas', () => {
  const CLUSTER_CONFIG = `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: platform-dev, region: eu-west-1, version: "1.35"}
iam: {withOIDC: true}
managedNodeGroups:
  - name: system
    instanceType: m6i.large
    desiredCapacity: 2
`;
  const withEksctl = new SchemaSet({ schemasDir: SCHEMAS });

  test('a valid eksctl ClusterConfig passes', () => {
    expect(issuesFor({ 'eksctl/cluster.yaml': CLUSTER_CONFIG }, withEksctl)).toEqual([]);
  });

  test('an eksctl ClusterConfig with an unknown key fails', () => {
    const issues = issuesFor({ 'eksctl/cluster.yaml': `${CLUSTER_CONFIG}nodeGroupz: []\n` }, withEksctl);
    expect(issues.map((i) => [i.object, i.path, i.message])).toEqual([['ClusterConfig platform-dev', '.nodeGroupz', 'unknown field "nodeGroupz"']]);
  });

  test('eksctl node group taints may be written as a map, as eksctl accepts', () => {
    const config = `${CLUSTER_CONFIG}nodeGroups:\n  - name: ng\n    taints: {dedicated: "gpu:NoSchedule"}\n`;
    expect(issuesFor({ 'eksctl/cluster.yaml': config }, withEksctl)).toEqual([]);
  });

  test('without --schemas the ClusterConfig is skipped and counted, never an issue', () => {
    const report = validateTreeWithStats(tree({ 'eksctl/cluster.yaml': `${CLUSTER_CONFIG}nodeGroupz: []\n` }), set);
    expect(report).toMatchObject({ issues: [], documents: 0, skippedEksctl: 1 });
  });
});

(haveChartValues ? describe : describe.skip)('Helm values files with --chart-values', () => {
  const withValues = new SchemaSet({ chartValuesDir: CHART_VALUES });

  test('a rendered ConfigMap named values (istiod\'s) is an object, not a values file', () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: values, namespace: istio-system}\ndata: {a: b}\n';
    expect(validateTreeWithStats(tree({ 'prod/manifests/istiod/configmap-values.yaml': cm }), withValues)).toMatchObject({ skippedValuesFiles: 0, files: 1, documents: 1, issues: [] });
  });

  test('cilium values are validated against the chart schema', () => {
    const good = 'MTU: 9001\nkubeProxyReplacement: true\nk8sServicePort: 443\neni: {enabled: true}\n';
    expect(issuesFor({ 'bootstrap/cilium-values.yaml': good }, withValues)).toEqual([]);
    const bad = issuesFor({ 'bootstrap/cilium-values.yaml': 'MTU: jumbo\neni: {enabled: "yes"}\n' }, withValues);
    expect(bad.map((i) => [i.object, i.path, i.message])).toEqual([
      ['Values cilium@1.20.0', '.MTU', 'must be integer, got string'],
      ['Values cilium@1.20.0', '.eni.enabled', 'must be boolean, got string'],
    ]);
  });

  test('values files without a chart schema are counted as skipped, never as issues', () => {
    const files = { 'bootstrap/argocd-values.yaml': 'anything: [goes]\n', 'bootstrap/other-values.yaml': 'x: 1\n', 'bootstrap/cilium-values.yaml': 'MTU: jumbo\n' };
    expect(validateTreeWithStats(tree(files), withValues)).toMatchObject({ skippedValuesFiles: 2, files: 1, invalidDocuments: 1 });
    expect(validateTreeWithStats(tree(files), set)).toMatchObject({ skippedValuesFiles: 3, files: 0, issues: [] });
  });
});

describe('validate CLI', () => {
  const capture = (): { out: string[]; err: string[]; io: { out: (l: string) => void; err: (l: string) => void } } => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
  };
  const CLUSTER = 'apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: c, region: eu-west-1}\n';

  test('prints each issue, what it skipped, the counts by source and a summary, and exits 1 when something is invalid', () => {
    const root = tree({ 'a.yaml': DEPLOYMENT, 'b.yaml': 'apiVersion: v1\nkind: Nope\nmetadata: {name: n}\n', 'eksctl/cluster.yaml': CLUSTER });
    const { out, err, io } = capture();
    expect(run(['--dir', root], io)).toBe(1);
    expect(out).toEqual([
      `${path.join(root, 'b.yaml')}: Nope n: .: v1 Nope is not a kind of Kubernetes 1.34`,
      'skipped 1 eksctl ClusterConfig document: pass --schemas DIR (with eksctl/schema.json) to validate them',
      'by schema source: built-in (kubernetes-models 1.34) 1, CRD from dist 0, repo schema 0, no schema 1',
      expect.stringMatching(/^2 documents in 3 files, 1 invalid \(\d+\.\d s\)$/),
    ]);
    expect(err).toEqual([]);
  });

  test('exits 0 on a valid tree, and says nothing was skipped when nothing was', () => {
    const root = tree({ 'a.yaml': DEPLOYMENT, 'crd.yaml': WIDGET_CRD, 'w.yaml': WIDGET });
    const { out, io } = capture();
    expect(run([`--dir=${root}`], io)).toBe(0);
    expect(out).toEqual([
      'by schema source: built-in (kubernetes-models 1.34) 2, CRD from dist 1, repo schema 0',
      expect.stringMatching(/^3 documents in 3 files, 0 invalid/),
    ]);
  });

  (haveEksctlSchema ? test : test.skip)('with --schemas the ClusterConfig is validated against DIR/eksctl/schema.json', () => {
    const root = tree({ 'eksctl/cluster.yaml': `${CLUSTER}nodeGroupz: []\n` });
    const { out, io } = capture();
    expect(run(['--dir', root, '--schemas', SCHEMAS], io)).toBe(1);
    expect(out[0]).toBe(`${path.join(root, 'eksctl/cluster.yaml')}: ClusterConfig c: .nodeGroupz: unknown field "nodeGroupz"`);
    expect(out).toContain('by schema source: built-in (kubernetes-models 1.34) 0, CRD from dist 0, repo schema 0, eksctl schema 1');
  });

  const EMPTY_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-empty-'));
  tempDirs.push(EMPTY_DIR);

  test.each([
    [['--bogus'], /unknown option --bogus/],
    [['--schemas'], /--schemas needs a value/],
    [['--dir', '/nonexistent/dist'], /--dir \/nonexistent\/dist is not a directory/],
    [['--dir', EMPTY_DIR, '--schemas', EMPTY_DIR], /--schemas .* has no eksctl\/schema\.json/],
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
    expect(out.join('\n')).toMatch(/^usage: validate \[--dir DIR\] \[--schemas DIR\]/);
  });

  test('parseArgs defaults --dir to dist and needs no schemas', () => {
    expect(parseArgs([])).toEqual({ dir: 'dist', schemas: undefined, chartValues: undefined });
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
