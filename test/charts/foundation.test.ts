import * as yaml from 'js-yaml';
import { clusterAutoscalerComponent } from '../../charts/cluster-autoscaler';
import { namespaceTotals, PlatformBaseChart, platformBaseComponent, quotaFor } from '../../charts/platform-base';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { needsServerSideApply } from '../../argocd/applications';
import { CHARTS } from '../../config/versions';
import { Component, manifests, serviceComponentId, Workflow } from '../../lib/component';
import { hydrate } from '../../lib/hydrate';
import { LabelDomain } from '../../lib/labels';
import { K8sObject } from '../../lib/render';
import { Resources, workload, WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { component, helmValues, hydratedFixture, fixtureEnvironment, renderedFixture } from '../support';

describe('cilium', () => {
  const prod = helmValues(fixtureEnvironment('prod'), 'cilium');

  it('chains onto aws-vpc-cni with native routing and leaves IPAM to it', () => {
    expect(prod).toMatchObject({
      cni: { chainingMode: 'aws-cni', exclusive: false },
      enableIPv4Masquerade: false,
      routingMode: 'native',
      endpointRoutes: { enabled: true },
    });
    expect(prod.ipam).toBeUndefined();
  });

  it('never renders certificates that change on every render', () => {
    expect(prod.hubble.tls.auto.method).toBe('cronJob');
  });

  it('restricts socket load-balancing to the host namespace for Istio', () => {
    expect(prod.socketLB.hostNamespaceOnly).toBe(true);
  });

  it('sets requests and limits on the agent, the operator and Hubble relay, and replicates the operator in prod only', () => {
    for (const r of [prod.resources, prod.operator.resources, prod.hubble.relay.resources]) {
      expect(r.requests.cpu).toBeTruthy();
      expect(r.limits.memory).toBeTruthy();
    }
    expect(prod.operator.replicas).toBe(2);
    expect(helmValues(fixtureEnvironment('dev'), 'cilium').operator.replicas).toBe(1);
  });

  it('runs the agent as a DaemonSet with the resources it passes to the chart', async () => {
    const prod = await hydratedFixture('prod');
    const agent = componentWorkloads(prod, 'cilium').find((w) => w.kind === WorkloadKind.DaemonSet && w.name === 'cilium')!;
    expect(agent.containers.find((c) => c.name === 'cilium-agent')!.resources.toK8s()).toEqual(helmValues(prod, 'cilium').resources);
  });
});

describe('metrics-server', () => {
  it('runs two replicas behind a PDB in prod and one in dev, with ServiceMonitor on', () => {
    const prod = helmValues(fixtureEnvironment('prod'), 'metrics-server');
    expect(prod.replicas).toBe(2);
    expect(prod.podDisruptionBudget.enabled).toBe(true);
    expect(prod.serviceMonitor.enabled).toBe(true);
    expect(helmValues(fixtureEnvironment('dev'), 'metrics-server').replicas).toBe(1);
  });
});

describe('cluster-autoscaler', () => {
  const v = helmValues(fixtureEnvironment('prod'), 'cluster-autoscaler');

  it('discovers the node groups of its own cluster and matches the cluster minor version', () => {
    expect(v.autoDiscovery.clusterName).toBe('acme-prod');
    expect(v.image.tag).toMatch(/^v1\.35\./);
  });

  it('prefers spot, falls back to on-demand, and balances similar (per-zone) groups', () => {
    expect(v.extraArgs.expander).toBe('priority');
    expect(v.extraArgs['balance-similar-node-groups']).toBe(true);
    const ranked = Object.entries(v.expanderPriorities as Record<string, string[]>).sort(([a], [b]) => Number(b) - Number(a)).map(([, p]) => p[0]);
    expect(ranked).toEqual(['.*workload-spot.*', '.*workload-on-demand.*', '.*']);
  });

  it('applies the seed 70% threshold to scale-down utilization', () => {
    expect(v.extraArgs['scale-down-utilization-threshold']).toBe(0.7);
  });

  it('rejects nothing silently: a bad quantity fails with the value named', () => {
    expect(() => clusterAutoscalerComponent({
      namespace: 'kube-system',
      target: { clusterName: 'x', accountId: '123456789012', region: 'eu-west-1' },
      preferredNodeGroups: [],
      startupTaints: [],
      resources: Resources.of({ cpu: 'lots', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }),
    })).toThrow('not a CPU quantity: "lots"');
  });
});

describe('prometheus-operator-crds', () => {
  it('is pinned and applied server-side (its CRDs exceed the client-side annotation limit)', async () => {
    const c = component(fixtureEnvironment('prod'), 'prometheus-operator-crds');
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.prometheusOperatorCrds });
    expect(needsServerSideApply((await hydratedFixture('prod')).objects.get(c.id)!)).toBe(true);
  });
});

describe('platform-base', () => {
  jest.setTimeout(120_000);
  let objects: any[] = [];
  beforeAll(async () => {
    const tree = await renderedFixture('prod');
    const files = [...tree.keys()].filter((f) => f.startsWith('prod/manifests/platform-base/'));
    objects = files.map((f) => yaml.load(tree.get(f)!) as any);
  });

  it('creates every namespace the other components deploy to or render objects into, except those the cluster or a chart creates', async () => {
    const prod = await hydratedFixture('prod');
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    const others = prod.components.filter((c) => c.id !== 'platform-base');
    const rendered = others.flatMap((c) => prod.objects.get(c.id)!);
    const used = new Set([...others.map((c) => c.namespace), ...rendered.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : []))]);
    used.delete('kube-system');
    for (const o of rendered) if (o.kind === 'Namespace') used.delete(o.metadata.name);
    expect(namespaces.map((n) => n.metadata.name).sort()).toEqual([...used].sort());
    for (const n of namespaces) {
      expect(['restricted', 'baseline', 'privileged']).toContain(n.metadata.labels['pod-security.kubernetes.io/enforce']);
      expect(n.metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
      if (n.metadata.labels['pod-security.kubernetes.io/enforce'] !== 'restricted') {
        expect(n.metadata.annotations[prod.env.labelDomain.podSecurityException]).toBeTruthy();
      }
    }
  });

  it('gives every managed namespace a quota and container defaults', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace').map((n) => n.metadata.name).sort();
    expect(objects.filter((o) => o.kind === 'ResourceQuota').map((q) => q.metadata.namespace).sort()).toEqual(namespaces);
    expect(objects.filter((o) => o.kind === 'LimitRange').map((q) => q.metadata.namespace).sort()).toEqual(namespaces);
  });

  it('makes gp3 the default, expandable StorageClass and adds an EBS VolumeSnapshotClass', () => {
    const sc = objects.find((o) => o.kind === 'StorageClass');
    expect(sc).toMatchObject({
      metadata: { name: 'gp3', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3' },
      allowVolumeExpansion: true,
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    expect(objects.find((o) => o.kind === 'VolumeSnapshotClass')).toMatchObject({ driver: 'ebs.csi.aws.com' });
  });

  it('creates the platform-critical and workload PriorityClasses', () => {
    expect(objects.filter((o) => o.kind === 'PriorityClass').map((p) => p.metadata.name).sort()).toEqual(['platform-critical', 'workload']);
  });

  it('sizes a quota from workloads: replicas x requests, autoscaled at max, DaemonSets x max nodes, plus headroom', () => {
    const r = Resources.of({ cpu: '100m', memory: '128Mi' }, { cpu: '200m', memory: '256Mi' });
    const totals = namespaceTotals(
      [
        workload(WorkloadKind.Deployment, 'a', 'ns', 2, r),
        { ...workload(WorkloadKind.Deployment, 'b', 'ns', 1, r), maxReplicas: 4 },
        workload(WorkloadKind.DaemonSet, 'c', 'ns', 1, r),
      ],
      5,
    );
    // 2 + 4 + 5 pods of 100m/128Mi.
    expect(totals.requests.cpu.toString()).toBe('1100m');
    expect(totals.requests.memory.toString()).toBe('1408Mi');
    expect(totals.pods).toBe(11);
    // 1100m * 1.3 + 500m = 1930m → 2000m; 1408Mi * 1.3 + 512Mi = 2342.4Mi → 2432Mi.
    expect(quotaFor(totals, 0.3)).toEqual({ 'limits.cpu': '3400m', 'limits.memory': '4224Mi', pods: '25', 'requests.cpu': '2', 'requests.memory': '2432Mi' });
  });

  it('refuses a non-restricted namespace without a reason', () => {
    expect(() => new PlatformBaseChart(new App({ outdir: '/nonexistent' }), 'platform-base', {
      namespaces: [{ name: 'x', podSecurity: 'privileged' }],
      maxNodes: 3,
      kubernetesVersion: '1.35',
      labelDomain: LabelDomain.of('platform.example.com'),
    })).toThrow('namespace x: Pod Security level "privileged" needs a reason');
  });
});

describe('platform-base from the rendered objects (lib/hydrate.ts)', () => {
  /** No Helm component here: a renderer that is never asked for anything. */
  const renderer = { render: async () => [], crdApiVersions: async () => [] };
  const base = platformBaseComponent('kube-system', {
    namespaces: [
      { name: 'team', podSecurity: 'restricted', istioInjection: true },
      { name: 'spare', podSecurity: 'restricted' },
    ],
    maxNodes: 3,
    kubernetesVersion: '1.35',
    labelDomain: LabelDomain.of('platform.example.com'),
  });
  /** A component rendering exactly `objects`. */
  function rendering(id: string, namespace: string, objects: readonly K8sObject[]): Component {
    const componentId = serviceComponentId(id);
    const build = (scope: Construct) => {
      const chart = new Chart(scope, id, { disableResourceNameHashes: true });
      objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o as any));
      return chart;
    };
    return { id: componentId, workflow: Workflow.Apps, namespace, dependsOn: [], source: manifests(build) };
  }
  const k8s = (requests: [string, string], limits: [string, string]) => ({ requests: { cpu: requests[0], memory: requests[1] }, limits: { cpu: limits[0], memory: limits[1] } });
  const web: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'team' },
    spec: {
      replicas: 2,
      template: {
        spec: {
          containers: [
            { name: 'web', image: 'example/web:1.0.0', resources: k8s(['100m', '128Mi'], ['200m', '256Mi']) },
            // No resources: the namespace's LimitRange gives it 50m/64Mi, limits 500m/512Mi.
            { name: 'helper', image: 'example/helper:1.0.0' },
          ],
        },
      },
    },
  };
  /** istiod's sidecar defaults, as its injector ConfigMap carries them. */
  const injector: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'istio-sidecar-injector', namespace: 'kube-system' },
    data: { values: JSON.stringify({ global: { proxy: { resources: k8s(['10m', '32Mi'], ['100m', '64Mi']) } } }) },
  };
  const run = (components: Component[]) => hydrate(components, { renderer, kubernetesVersion: '1.35', vendorRoot: '/nonexistent', labelDomain: LabelDomain.of('platform.example.com') });

  it('creates the namespaces the others use and sizes their quotas from the pods they run there, sidecars and LimitRange defaults included', async () => {
    const out = await run([base, rendering('web', 'team', [web]), rendering('mesh', 'kube-system', [injector])]);
    const objects = out.get('platform-base')!;
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['team']);
    expect((objects.find((o) => o.kind === 'Namespace')!.metadata as any).labels['istio-injection']).toBe('enabled');
    const quota = objects.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'team') as any;
    // Per pod: web 100m/128Mi + helper 50m/64Mi (LimitRange) + istio-proxy 10m/32Mi = 160m/224Mi; two pods 320m/448Mi.
    // Requests: 320m × 1.3 + 500m = 916m → 1; 448Mi × 1.3 + 512Mi = 1094.4Mi → 1152Mi. Pods: ⌈2 × 1.3⌉ + 10 = 13.
    // Limits: (200m + 500m + 100m) × 2 × 1.3 + 500m = 2580m → 2600m; (256 + 512 + 64)Mi × 2 × 1.3 + 512Mi = 2675.2Mi → 2688Mi.
    expect(quota.spec.hard).toEqual({ 'requests.cpu': '1', 'requests.memory': '1152Mi', pods: '13', 'limits.cpu': '2600m', 'limits.memory': '2688Mi' });
    expect(objects.filter((o) => o.kind === 'PriorityClass')).toHaveLength(2);
  });

  it('leaves alone a namespace a component creates itself', async () => {
    const own: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'spare' } };
    const secret: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'spare' }, data: {} };
    const out = await run([base, rendering('web', 'team', [web, own, secret])]);
    expect(out.get('platform-base')!.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['team']);
  });

  it('fails naming the namespace and who uses it when a component renders into an undeclared namespace', async () => {
    const stray: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'stray' }, data: {} };
    await expect(run([base, rendering('web', 'team', [web, stray])])).rejects.toThrow(
      'platform-base: namespace "stray" (used by web) has no declaration in namespaces; declare it with its Pod Security level',
    );
  });
});
