/**
 * The foundation workflow built from the fixture config: what its components get from the
 * environment (tier policy, cluster, node groups) and what platform-base makes of everyone's
 * rendered objects. The charts themselves are tested from props in test/charts/.
 */
import * as yaml from 'js-yaml';
import { needsServerSideApply } from '../../argocd/applications';
import { NODE_GROUP_PATTERNS } from '../../eksctl/node-groups';
import { Workflow } from '../../lib/component';
import { WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { component, ENVIRONMENTS, fixtureEnvironment, helmValues, hydratedFixture, renderedFixture } from '../support';

jest.setTimeout(120_000);

describe('the foundation workflow', () => {
  it('has Cilium, metrics-server, the autoscaler, the monitoring CRDs, platform-base and its readiness gate in every environment', () => {
    for (const env of ENVIRONMENTS) {
      const ids = fixtureEnvironment(env).components.filter((c) => c.workflow === Workflow.Foundation).map((c) => c.id);
      expect(ids.sort()).toEqual(['cilium', 'cluster-autoscaler', 'foundation-readiness', 'metrics-server', 'platform-base', 'prometheus-operator-crds']);
    }
  });

  it.each(ENVIRONMENTS)("%s: replicates the Cilium operator and metrics-server exactly where the environment's tier policy is highly available", (env) => {
    const m = fixtureEnvironment(env);
    const replicas = m.env.tierPolicy.highAvailability ? 2 : 1;
    expect(helmValues(m, 'cilium').operator.replicas).toBe(replicas);
    expect(helmValues(m, 'metrics-server').replicas).toBe(replicas);
    expect(helmValues(m, 'metrics-server').podDisruptionBudget.enabled).toBe(m.env.tierPolicy.highAvailability);
  });

  it('counts the Cilium agent on every node with the resources it passes to the chart', async () => {
    const prod = await hydratedFixture('prod');
    const agent = componentWorkloads(prod, 'cilium').find((w) => w.kind === WorkloadKind.DaemonSet && w.name === 'cilium')!;
    expect(agent.containers.find((c) => c.name === 'cilium-agent')!.resources.toK8s()).toEqual(helmValues(prod, 'cilium').resources);
  });

  it.each(ENVIRONMENTS)("%s: has the autoscaler discover its own cluster's node groups, spot before on-demand, every other group last", (env) => {
    const m = fixtureEnvironment(env);
    const v = helmValues(m, 'cluster-autoscaler');
    expect(v.autoDiscovery.clusterName).toBe(m.env.clusterName);
    expect(v.awsRegion).toBe(m.env.region);
    const ranked = Object.entries(v.expanderPriorities as Record<string, string[]>).sort(([a], [b]) => Number(b) - Number(a)).map(([, p]) => p[0]);
    expect(ranked).toEqual([...NODE_GROUP_PATTERNS, '.*']);
    expect(component(m, 'cluster-autoscaler').irsa?.[0].serviceAccount).toBe(v.rbac.serviceAccount.name);
  });

  it('applies the monitoring CRDs server-side, as they exceed the client-side annotation limit', async () => {
    const c = component(fixtureEnvironment('prod'), 'prometheus-operator-crds');
    expect(needsServerSideApply((await hydratedFixture('prod')).objects.get(c.id)!)).toBe(true);
  });
});

describe('platform-base in the foundation workflow', () => {
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
});
