import { Component, helm, manifests, Workflow } from '../../lib/component';
import { ChartRenderer, crdApiVersionsOf, helmTemplateArgs, parseManifests, RenderRequest, stableJson } from '../../lib/helm/render';
import { EKS_API_VERSIONS, hydrate, placeObjects, ScopeTable } from '../../lib/hydrate';
import { LabelDomain } from '../../lib/labels';
import { K8sObject } from '../../lib/render';
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';

const LABEL_DOMAIN = LabelDomain.of('platform.example.com');

const crd = (group: string, kind: string, scope: 'Namespaced' | 'Cluster', versions = ['v1']): K8sObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${kind.toLowerCase()}s.${group}` },
  spec: { group, scope, names: { kind, plural: `${kind.toLowerCase()}s` }, versions: versions.map((name) => ({ name, served: true, storage: true })) },
});

/** A renderer that returns canned objects and records what it was asked. */
class StubRenderer implements ChartRenderer {
  readonly requests: RenderRequest[] = [];
  constructor(private readonly byChart: Record<string, (req: RenderRequest) => K8sObject[]>) {}
  async render(requests: readonly RenderRequest[]): Promise<K8sObject[][]> {
    this.requests.push(...requests);
    return requests.map((r) => this.byChart[r.chart.chart](r));
  }
  async crdApiVersions(requests: readonly RenderRequest[]): Promise<string[][]> {
    return (await this.render(requests)).map(crdApiVersionsOf);
  }
}

const pin = (chart: string) => ({ repoURL: 'https://charts.example.com', chart, version: '1.0.0' });
const component = (id: string, source: Component['source'], namespace = 'demo'): Component =>
  ({ id, workflow: Workflow.Foundation, namespace, dependsOn: [], source }) as unknown as Component;

describe('hydrate', () => {
  const operator = () => [crd('example.com', 'Widget', 'Namespaced'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'operator' } }];
  const consumer = (req: RenderRequest) =>
    req.apiVersions.includes('example.com/v1/Widget')
      ? [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]
      : [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'no-widget-api' } }];

  it('renders charts a second time with the API versions the first pass found, as the live cluster would serve them', async () => {
    const renderer = new StubRenderer({ operator, consumer });
    const objects = await hydrate([component('operator', helm(pin('operator'), {})), component('consumer', helm(pin('consumer'), {}), 'apps')], { renderer, kubernetesVersion: '1.35', vendorRoot: '/nonexistent', labelDomain: LABEL_DOMAIN });
    expect(objects.get('consumer')).toEqual([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'apps' } }]);
    const last = renderer.requests[renderer.requests.length - 1];
    expect(last.kubeVersion).toBe('1.35.0');
    expect(last.apiVersions).toEqual(expect.arrayContaining(['example.com/v1', 'example.com/v1/Widget', ...EKS_API_VERSIONS]));
  });

  it('writes out the destination namespace of namespaced objects and drops it from cluster-scoped ones', async () => {
    const renderer = new StubRenderer({ operator });
    const objects = await hydrate([component('operator', helm(pin('operator'), {}), 'ops')], { renderer, kubernetesVersion: '1.35', vendorRoot: '/nonexistent', labelDomain: LABEL_DOMAIN });
    expect(objects.get('operator')!.map((o) => [o.kind, o.metadata.namespace])).toEqual([['CustomResourceDefinition', undefined], ['ServiceAccount', 'ops']]);
  });

  it('applies a Helm component\'s post-render step to its objects', async () => {
    const renderer = new StubRenderer({ operator });
    const source = helm(pin('operator'), {}, undefined, (objs) => objs.filter((o) => o.kind !== 'ServiceAccount'));
    const objects = await hydrate([component('operator', source)], { renderer, kubernetesVersion: '1.35', vendorRoot: '/nonexistent', labelDomain: LABEL_DOMAIN });
    expect(objects.get('operator')!.map((o) => o.kind)).toEqual(['CustomResourceDefinition']);
  });

  it('synthesizes native components with cdk8s, without the renderer', async () => {
    const renderer = new StubRenderer({});
    const source = manifests((scope) => {
      const chart = new Chart(scope, 'native', { disableResourceNameHashes: true });
      new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'settings' }, data: { a: 'b' } });
      return chart;
    });
    const objects = await hydrate([component('native', source, 'apps')], { renderer, kubernetesVersion: '1.35', vendorRoot: '/nonexistent', labelDomain: LABEL_DOMAIN });
    expect(objects.get('native')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'apps' }, data: { a: 'b' } }]);
    expect(renderer.requests).toEqual([]);
  });

  it('refuses an object of a kind no CRD in the environment defines, naming where to declare it', () => {
    const scopes = new ScopeTable([]);
    expect(() => placeObjects([{ apiVersion: 'unknown.example.com/v1', kind: 'Gadget', metadata: { name: 'g' } }], 'apps', scopes, 'demo')).toThrow(
      /demo: Gadget g \(unknown\.example\.com\/v1\) is a kind no CRD in the environment defines.*EXTERNAL_CRDS/,
    );
  });
});

describe('helm template invocation', () => {
  const req: RenderRequest = { chart: pin('demo'), releaseName: 'demo', namespace: 'apps', values: {}, kubeVersion: '1.35.0', apiVersions: ['b/v1', 'a/v1'] };

  it('renders as Argo CD would: release, namespace, cluster version, sorted API versions, CRDs in, tests out', () => {
    expect(helmTemplateArgs(req, 'demo.tgz', 'values.json')).toEqual([
      'template', 'demo', 'demo.tgz', '--namespace', 'apps', '--kube-version', '1.35.0',
      '--api-versions', 'a/v1', '--api-versions', 'b/v1', '--include-crds', '--skip-tests', '--values', 'values.json',
    ]);
  });

  it('keys the cache on values whatever their key order', () => {
    expect(stableJson({ b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] } })).toBe(stableJson({ a: { c: [3, { e: 5, f: 4 }], d: 2 }, b: 1 }));
    expect(stableJson({ a: [1, 2] })).not.toBe(stableJson({ a: [2, 1] }));
  });

  it('parses helm output, skipping empty documents and refusing non-objects', () => {
    expect(parseManifests('---\n# Source: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n', 'demo')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }]);
    expect(() => parseManifests('just: a map\n', 'demo')).toThrow(/demo: a rendered document is not a Kubernetes object/);
  });
});
