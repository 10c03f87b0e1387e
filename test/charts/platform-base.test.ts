import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { namespaceTotals, PlatformBaseChart, platformBaseComponent, PlatformBaseProps, quotaFor } from '../../charts/platform-base';
import { Component, ManifestSource, manifests, serviceComponentId, Workflow } from '../../lib/component';
import { hydrate } from '../../lib/hydrate';
import { LabelDomain } from '../../lib/labels';
import { K8sObject, synthObjects } from '../../lib/render';
import { Resources, workload, WorkloadKind } from '../../lib/resources';

const PROPS: PlatformBaseProps = {
  namespaces: [{ name: 'team', podSecurity: 'restricted' }],
  maxNodes: 3,
  kubernetesVersion: '1.35',
  labelDomain: LabelDomain.of('platform.example.com'),
};

describe('platform-base', () => {
  const objects = synthObjects(platformBaseComponent('kube-system', PROPS).source as ManifestSource) as any[];

  it('is installed after Cilium, skipping the dry run of the IMDS policy whose CRD the Cilium agent registers', () => {
    const c = platformBaseComponent('kube-system', PROPS);
    expect(c.namespace).toBe('kube-system');
    expect(c.dependsOn).toEqual(['cilium']);
    expect(c.syncOptions).toContain('SkipDryRunOnMissingResource=true');
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

  it('creates the platform-critical and workload PriorityClasses, platform-critical first to be scheduled', () => {
    const classes = objects.filter((o) => o.kind === 'PriorityClass');
    expect(classes.map((p) => p.metadata.name).sort()).toEqual(['platform-critical', 'workload']);
    const value = (name: string) => classes.find((p) => p.metadata.name === name).value;
    expect(value('platform-critical')).toBeGreaterThan(value('workload'));
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
    expect(() => new PlatformBaseChart(new App({ outdir: '/nonexistent' }), 'platform-base', { ...PROPS, namespaces: [{ name: 'x', podSecurity: 'privileged' }] })).toThrow('namespace x: Pod Security level "privileged" needs a reason');
  });

  it('refuses a namespace declared twice, or one the cluster has already, and a node count below one', () => {
    expect(() => platformBaseComponent('kube-system', { ...PROPS, namespaces: [...PROPS.namespaces, ...PROPS.namespaces] })).toThrow('namespace team is declared twice');
    expect(() => platformBaseComponent('kube-system', { ...PROPS, existingNamespaces: ['team'] })).toThrow('namespace team is both declared in namespaces and listed in existingNamespaces');
    expect(() => platformBaseComponent('kube-system', { ...PROPS, maxNodes: 0 })).toThrow('platform-base: maxNodes must be a whole number of at least 1, got 0');
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
