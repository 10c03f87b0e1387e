import { barmanCloudComponent } from '../../charts/barman-cloud';
import { CHARTS } from '../../config/versions';

describe('barman-cloud', () => {
  it('installs plugin-barman-cloud 0.7.0 next to the operator, after it and cert-manager', () => {
    const c = barmanCloudComponent({ namespace: 'data', operatorNamespace: 'data' });
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.barmanCloud });
    expect(CHARTS.barmanCloud).toMatchObject({ chart: 'plugin-barman-cloud', version: '0.7.0' });
    expect(c.dependsOn).toEqual(['cloudnative-pg', 'cert-manager']);
    expect(c.workloads[0].containers[0].resources.toK8s()).toEqual((c.source as any).values.resources);
  });

  it('refuses a namespace other than the operator\'s', () => {
    expect(() => barmanCloudComponent({ namespace: 'backups', operatorNamespace: 'data' })).toThrow(/must run next to the operator/);
  });
});
