import * as yaml from 'js-yaml';
import { ciliumComponent } from '../../charts/cilium';
import { clusterAutoscalerComponent } from '../../charts/cluster-autoscaler';
import { namespaceTotals, PlatformBaseChart, quotaFor } from '../../charts/platform-base';
import { App } from 'cdk8s';
import { CHARTS } from '../../config/versions';
import { Resources, workload, WorkloadKind } from '../../lib/resources';
import { renderEnvironment } from '../../synth';
import { component, helmValues, shippedEnvironment } from '../support';

describe('cilium', () => {
  const prod = helmValues(shippedEnvironment('prod'), 'cilium');

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
    expect(helmValues(shippedEnvironment('dev'), 'cilium').operator.replicas).toBe(1);
  });

  it('declares the agent as a DaemonSet with the resources it passes to the chart', () => {
    const c = ciliumComponent({ namespace: 'kube-system', highAvailability: true });
    const agent = c.workloads.find((w) => w.kind === WorkloadKind.DaemonSet)!;
    expect(agent.containers[0].resources.toK8s()).toEqual((c.source as any).values.resources);
  });
});

describe('metrics-server', () => {
  it('runs two replicas behind a PDB in prod and one in dev, with ServiceMonitor on', () => {
    const prod = helmValues(shippedEnvironment('prod'), 'metrics-server');
    expect(prod.replicas).toBe(2);
    expect(prod.podDisruptionBudget.enabled).toBe(true);
    expect(prod.serviceMonitor.enabled).toBe(true);
    expect(helmValues(shippedEnvironment('dev'), 'metrics-server').replicas).toBe(1);
  });
});

describe('cluster-autoscaler', () => {
  const v = helmValues(shippedEnvironment('prod'), 'cluster-autoscaler');

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
  it('is pinned and applied server-side (its CRDs exceed the client-side annotation limit)', () => {
    const c = component(shippedEnvironment('prod'), 'prometheus-operator-crds');
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.prometheusOperatorCrds });
    expect(c.serverSideApply).toBe(true);
  });
});

describe('platform-base', () => {
  const tree = renderEnvironment(shippedEnvironment('prod'));
  const files = [...tree.keys()].filter((f) => f.startsWith('prod/manifests/platform-base/'));
  const objects = files.map((f) => yaml.load(tree.get(f)!) as any);

  it('creates every managed namespace the components use, with Pod Security labels', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    const used = new Set(shippedEnvironment('prod').components.flatMap((c) => [c.namespace, ...(c.extraNamespaces ?? [])]));
    used.delete('kube-system');
    expect(namespaces.map((n) => n.metadata.name).sort()).toEqual([...used].sort());
    for (const n of namespaces) {
      expect(['restricted', 'baseline', 'privileged']).toContain(n.metadata.labels['pod-security.kubernetes.io/enforce']);
      expect(n.metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
      if (n.metadata.labels['pod-security.kubernetes.io/enforce'] !== 'restricted') {
        expect(n.metadata.annotations['platform.acme.io/pod-security-exception']).toBeTruthy();
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

  it('sizes a quota from declared workloads: replicas x requests, autoscaled at max, DaemonSets x max nodes, plus headroom', () => {
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
      namespaces: [{ name: 'x', podSecurity: 'privileged', workloads: [] }],
      maxNodes: 3,
      kubernetesVersion: '1.35',
    })).toThrow('namespace x: Pod Security level "privileged" needs a reason');
  });
});
