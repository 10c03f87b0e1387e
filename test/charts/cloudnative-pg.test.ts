import { cloudnativePgComponent } from '../../charts/cloudnative-pg';
import { CHARTS } from '../../config/versions';
import { needsServerSideApply } from '../../argocd/applications';
import { Workflow } from '../../lib/component';
import { componentWorkloads } from '../../lib/workloads';
import { helmValues, hydratedFixture } from '../support';

describe('cloudnative-pg', () => {
  const c = cloudnativePgComponent({ namespace: 'data' });
  const v = (c.source as any).values;

  it('installs the pinned operator chart (0.29.0) into the data namespace with server-side apply for its large CRDs', async () => {
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.cloudnativePg });
    expect(CHARTS.cloudnativePg.version).toBe('0.29.0');
    expect(c).toMatchObject({ namespace: 'data', workflow: Workflow.Data });
    expect(needsServerSideApply((await hydratedFixture('prod')).objects.get('cloudnative-pg')!)).toBe(true);
    expect(v.crds.create).toBe(true);
  });

  it('runs the operator with the resources it passes to the chart and turns its PodMonitor on', async () => {
    const prod = await hydratedFixture('prod');
    const [operator] = componentWorkloads(prod, 'cloudnative-pg');
    expect(operator.containers.map((x) => x.resources.toK8s())).toEqual([helmValues(prod, 'cloudnative-pg').resources]);
    expect(v.monitoring.podMonitorEnabled).toBe(true);
  });
});
