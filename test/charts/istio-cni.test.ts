import { istioCniComponent } from '../../charts/istio-cni';
import { CHARTS } from '../../config/versions';
import { WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { helmValues, hydratedFixture } from '../support';

describe('istio-cni', () => {
  const c = istioCniComponent({ namespace: 'istio-system', excludeNamespaces: ['kube-system', 'istio-system'] });
  const v = (c.source as any).values;

  it('chains the Istio plugin into the list Cilium writes, in the standard CNI directories', () => {
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.istioCni });
    expect(v).toMatchObject({ chained: true, cniConfFileName: '05-cilium.conflist', cniConfDir: '/etc/cni/net.d', cniBinDir: '/opt/cni/bin' });
    expect(v.excludeNamespaces).toEqual(['kube-system', 'istio-system']);
  });

  it('runs after istio-base as a DaemonSet with the resources it passes to the chart', async () => {
    expect(c.dependsOn).toEqual(['istio-base']);
    const prod = await hydratedFixture('prod');
    const [ds] = componentWorkloads(prod, 'istio-cni');
    expect(ds.kind).toBe(WorkloadKind.DaemonSet);
    expect(ds.containers[0].resources.toK8s()).toEqual(helmValues(prod, 'istio-cni').resources);
  });

  it('rejects a CNI configuration that is not a plugin list', () => {
    expect(() => istioCniComponent({ namespace: 'istio-system', excludeNamespaces: [], cniConfFileName: '10-aws.conf' })).toThrow(/not a .conflist file name/);
  });
});
