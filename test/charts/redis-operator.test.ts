import { redisOperatorComponent } from '../../charts/redis-operator';
import { CHARTS } from '../../config/versions';

describe('redis-operator', () => {
  const c = redisOperatorComponent({ namespace: 'data' });
  const v = (c.source as any).values;

  it('installs the OT-Container-Kit chart 0.26.1 from OCI, scoped to the data namespace', () => {
    expect(CHARTS.redisOperator).toMatchObject({ repoURL: 'ghcr.io/ot-container-kit/charts', version: '0.26.1', oci: true });
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.redisOperator });
    expect(v.redisOperator.watchNamespace).toBe('data');
    expect(v.rbac.scope).toBe('namespace');
    expect(c.serverSideApply).toBe(true);
  });

  it('gives the operator the restricted security context the data namespace enforces, and small resources', () => {
    expect(v.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(v.podSecurityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(c.workloads[0].containers[0].resources.toK8s()).toEqual(v.resources);
    expect(c.workloads[0].containers[0].resources.requests.cpu.millicores).toBeLessThan(500);
  });
});
