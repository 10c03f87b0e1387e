import { cloudnativePgComponent } from '../../charts/cloudnative-pg';
import { CHARTS } from '../../config/versions';
import { Workflow } from '../../lib/component';

describe('cloudnative-pg', () => {
  const c = cloudnativePgComponent({ namespace: 'data' });
  const v = (c.source as any).values;

  it('installs the pinned operator chart (0.29.0) into the data namespace with server-side apply for its large CRDs', () => {
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.cloudnativePg });
    expect(CHARTS.cloudnativePg.version).toBe('0.29.0');
    expect(c).toMatchObject({ namespace: 'data', workflow: Workflow.Data, serverSideApply: true });
    expect(v.crds.create).toBe(true);
  });

  it('declares the operator with the resources it passes to the chart and turns its PodMonitor on', () => {
    expect(c.workloads[0].containers[0].resources.toK8s()).toEqual(v.resources);
    expect(v.monitoring.podMonitorEnabled).toBe(true);
  });
});
