import { autoscalerPolicy, clusterAutoscalerComponent, ClusterAutoscalerProps, ClusterAutoscalerValues } from '../../charts/cluster-autoscaler';
import { CHARTS, IMAGES, KUBERNETES_VERSION } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { Resources } from '../../lib/resources';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const props: ClusterAutoscalerProps = {
  namespace: 'kube-system',
  target: { clusterName: 'acme-test', accountId: '123456789012', region: 'eu-west-1' },
  preferredNodeGroups: ['.*spot.*', '.*on-demand.*'],
  startupTaints: ['node.cilium.io/agent-not-ready', 'example.com/second'],
};
const values = (p: ClusterAutoscalerProps): ClusterAutoscalerValues => (clusterAutoscalerComponent(p).source as HelmSource).values as ClusterAutoscalerValues;

describe('cluster-autoscaler', () => {
  const v = values(props);

  it('installs the pinned chart into the namespace it is given, after Cilium', () => {
    const c = clusterAutoscalerComponent(props);
    expect(c.namespace).toBe('kube-system');
    expect((c.source as HelmSource).chart).toEqual(CHARTS.clusterAutoscaler);
    expect(c.dependsOn).toEqual(['cilium']);
  });

  it('discovers the node groups of its own cluster in its region and runs the image matching the cluster minor version', () => {
    expect(v.autoDiscovery.clusterName).toBe('acme-test');
    expect(v.awsRegion).toBe('eu-west-1');
    expect(IMAGES.clusterAutoscaler.endsWith(`:${v.image.tag}`)).toBe(true);
    expect(v.image.tag.startsWith(`v${KUBERNETES_VERSION}.`)).toBe(true);
  });

  it('prefers the node groups in the order given, then every other group, and balances similar (per-zone) groups', () => {
    expect(v.extraArgs.expander).toBe('priority');
    expect(v.extraArgs['balance-similar-node-groups']).toBe(true);
    const ranked = Object.entries(v.expanderPriorities).sort(([a], [b]) => Number(b) - Number(a)).map(([, p]) => p[0]);
    expect(ranked).toEqual(['.*spot.*', '.*on-demand.*', '.*']);
  });

  it('applies the seed 70% threshold to scale-down utilization unless given another', () => {
    expect(v.extraArgs['scale-down-utilization-threshold']).toBe(0.7);
    expect(values({ ...props, scaleDownUtilizationThreshold: 0.5 }).extraArgs['scale-down-utilization-threshold']).toBe(0.5);
  });

  it('ignores each startup taint, one flag per taint as the chart repeats them', () => {
    expect(v.extraArgs['startup-taint']).toBe('node.cilium.io/agent-not-ready');
    expect(v.extraArgs['startup-taint_2']).toBe('example.com/second');
  });

  it('annotates its ServiceAccount with an IRSA role that may resize only its own cluster\'s groups', async () => {
    const c = clusterAutoscalerComponent(props);
    expect(c.irsa).toHaveLength(1);
    expect(c.irsa![0].policy).toEqual(autoscalerPolicy('acme-test'));
    const objects = await renderComponent(c);
    const [sa] = objectsOfKind(objects, 'ServiceAccount', v.rbac.serviceAccount.name);
    expect(sa.metadata.annotations).toEqual(v.rbac.serviceAccount.annotations);
    const [deployment] = objectsOfKind(objects, 'Deployment');
    expect(deployment.spec.template.spec.serviceAccountName).toBe(v.rbac.serviceAccount.name);
    expect(deployment.spec.template.spec.containers[0].resources).toEqual(v.resources);
  });

  it('rejects nothing silently: a bad quantity fails with the value named', () => {
    expect(() => clusterAutoscalerComponent({ ...props, resources: Resources.of({ cpu: 'lots', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }) })).toThrow(
      'not a CPU quantity: "lots"',
    );
  });
});
