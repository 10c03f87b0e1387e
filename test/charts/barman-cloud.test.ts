import { barmanCloudComponent } from '../../charts/barman-cloud';
import { CHARTS } from '../../config/versions';
import { componentWorkloads } from '../../lib/workloads';
import { helmValues, hydratedFixture } from '../support';

describe('barman-cloud', () => {
  it('installs plugin-barman-cloud 0.7.0 next to the operator, after it and cert-manager', () => {
    const c = barmanCloudComponent({ namespace: 'data', operatorNamespace: 'data' });
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.barmanCloud });
    expect(CHARTS.barmanCloud).toMatchObject({ chart: 'plugin-barman-cloud', version: '0.7.0' });
    expect(c.dependsOn).toEqual(['cloudnative-pg', 'cert-manager']);
  });

  it('runs the plugin with the resources it passes to the chart', async () => {
    const prod = await hydratedFixture('prod');
    const [plugin] = componentWorkloads(prod, 'barman-cloud');
    expect(plugin.containers.map((c) => c.resources.toK8s())).toEqual([helmValues(prod, 'barman-cloud').resources]);
  });

  it('refuses a namespace other than the operator\'s', () => {
    expect(() => barmanCloudComponent({ namespace: 'backups', operatorNamespace: 'data' })).toThrow(/must run next to the operator/);
  });
});
