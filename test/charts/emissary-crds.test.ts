import { emissaryCrdsComponent } from '../../charts/emissary-crds';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { workloadsFromObjects } from '../../lib/workloads';
import { renderComponent } from '../support';

jest.setTimeout(120_000);

describe('emissary-crds', () => {
  const c = emissaryCrdsComponent({ namespace: 'gateway' });

  it('installs the pinned OCI chart, depending on nothing, with the control plane namespace it is given', () => {
    expect((c.source as HelmSource).chart).toEqual(CHARTS.emissaryCrds);
    expect(CHARTS.emissaryCrds.oci).toBe(true);
    expect(c.namespace).toBe('gateway');
    expect(c.dependsOn).toEqual([]);
    expect((c.source as HelmSource).values).toEqual({ enableLegacyVersions: false, enableV1: false, emissary: { namespace: 'gateway' } });
  });

  it('renders only the v3alpha1 CRDs: no legacy versions, no conversion webhook, no workload', async () => {
    const objects = await renderComponent(c);
    expect([...new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`))]).toEqual(['apiextensions.k8s.io/v1/CustomResourceDefinition']);
    for (const crd of objects as any[]) {
      expect(crd.spec.versions.filter((v: { served: boolean }) => v.served).map((v: { name: string }) => v.name)).toEqual(['v3alpha1']);
      expect(crd.spec.conversion?.strategy ?? 'None').toBe('None');
    }
    expect(workloadsFromObjects(objects, { defaultNamespace: 'gateway' })).toEqual([]);
  });
});
