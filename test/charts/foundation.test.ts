/**
 * The smallest foundation chart, from props: the monitoring CRDs. Cilium, metrics-server,
 * cluster-autoscaler and platform-base have their own files; the workflow is tested in
 * test/workflows/foundation.test.ts.
 */
import { needsServerSideApply } from '../../argocd/applications';
import { prometheusOperatorCrdsComponent } from '../../charts/prometheus-operator-crds';
import { CHARTS } from '../../config/versions';
import { renderComponent } from '../support';

jest.setTimeout(120_000);

describe('prometheus-operator-crds', () => {
  const c = prometheusOperatorCrdsComponent({ namespace: 'kube-system' });

  it('installs the pinned chart first, depending on nothing', () => {
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.prometheusOperatorCrds });
    expect(c.namespace).toBe('kube-system');
    expect(c.dependsOn).toEqual([]);
  });

  it('renders only CRDs, among them ServiceMonitor and PrometheusRule, too large for a client-side apply', async () => {
    const objects = await renderComponent(c, { alongside: [] });
    expect([...new Set(objects.map((o) => o.kind))]).toEqual(['CustomResourceDefinition']);
    const names = objects.map((o) => o.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['servicemonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com']));
    expect(needsServerSideApply(objects)).toBe(true);
  });
});
