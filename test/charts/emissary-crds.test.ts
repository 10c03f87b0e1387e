import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { componentWorkloads } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { component, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

describe('emissary-crds', () => {
  it('installs only the v3alpha1 CRDs from the pinned OCI chart: no legacy versions, no conversion webhook', async () => {
    const m = fixtureEnvironment('prod');
    const c = component(m, 'emissary-crds');
    expect((c.source as HelmSource).chart).toEqual(CHARTS.emissaryCrds);
    expect(CHARTS.emissaryCrds.oci).toBe(true);
    expect(helmValues(m, 'emissary-crds')).toEqual({ enableLegacyVersions: false, enableV1: false, emissary: { namespace: NS.emissary } });
    const hydrated = await hydratedFixture('prod');
    expect([...new Set(hydrated.objects.get(c.id)!.map((o) => `${o.apiVersion}/${o.kind}`))]).toEqual(['apiextensions.k8s.io/v1/CustomResourceDefinition']);
    expect(componentWorkloads(hydrated, c.id)).toEqual([]);
  });

  it('is in place before emissary-ingress', () => {
    const m = fixtureEnvironment('prod');
    expect(m.graph.waves.get('emissary-crds')!).toBeLessThan(m.graph.waves.get('emissary-ingress')!);
  });
});
