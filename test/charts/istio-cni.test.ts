import { istioCniComponent, IstioCniValues } from '../../charts/istio-cni';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { WorkloadKind } from '../../lib/resources';
import { workloadsFromObjects } from '../../lib/workloads';
import { renderComponent } from '../support';

describe('istio-cni', () => {
  const c = istioCniComponent({ namespace: 'mesh', excludeNamespaces: ['kube-system', 'mesh'] });
  const v = (c.source as HelmSource).values as IstioCniValues;

  it('chains the Istio plugin into the list Cilium writes, in the standard CNI directories', () => {
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.istioCni });
    expect(v).toMatchObject({ chained: true, cniConfFileName: '05-cilium.conflist', cniConfDir: '/etc/cni/net.d', cniBinDir: '/opt/cni/bin' });
    expect(v.excludeNamespaces).toEqual(['kube-system', 'mesh']);
  });

  it('runs after istio-base as a DaemonSet in its namespace with the resources it passes to the chart', async () => {
    expect(c.dependsOn).toEqual(['istio-base']);
    const [ds] = workloadsFromObjects(await renderComponent(c), { defaultNamespace: 'mesh' });
    expect(ds.kind).toBe(WorkloadKind.DaemonSet);
    expect(ds.namespace).toBe('mesh');
    expect(ds.containers[0].resources.toK8s()).toEqual(v.resources);
  });

  it('rejects a CNI configuration that is not a plugin list', () => {
    expect(() => istioCniComponent({ namespace: 'mesh', excludeNamespaces: [], cniConfFileName: '10-aws.conf' })).toThrow(/not a .conflist file name/);
  });
});
