import { redisOperatorComponent } from '../../charts/redis-operator';
import { needsServerSideApply } from '../../argocd/applications';
import { CHARTS } from '../../config/versions';
import { componentWorkloads } from '../../lib/workloads';
import { helmValues, hydratedFixture } from '../support';

describe('redis-operator', () => {
  const c = redisOperatorComponent({ namespace: 'data' });
  const v = (c.source as any).values;

  it('installs the OT-Container-Kit chart 0.26.1 from OCI, scoped to the data namespace, server-side for its large CRDs', async () => {
    expect(CHARTS.redisOperator).toMatchObject({ repoURL: 'ghcr.io/ot-container-kit/charts', version: '0.26.1', oci: true });
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.redisOperator });
    expect(v.redisOperator.watchNamespace).toBe('data');
    expect(v.rbac.scope).toBe('namespace');
    expect(needsServerSideApply((await hydratedFixture('prod')).objects.get('redis-operator')!)).toBe(true);
  });

  it('gives the operator the restricted security context the data namespace enforces, and small resources', async () => {
    expect(v.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(v.podSecurityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    const prod = await hydratedFixture('prod');
    const [operator] = componentWorkloads(prod, 'redis-operator');
    expect(operator.containers.map((x) => x.resources.toK8s())).toEqual([helmValues(prod, 'redis-operator').resources]);
    expect(operator.containers[0].resources.requests.cpu.millicores).toBeLessThan(500);
  });
});
