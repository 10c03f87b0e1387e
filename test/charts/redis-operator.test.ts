import { needsServerSideApply } from '../../argocd/applications';
import { DEFAULTS, OPERATOR_POD_LABELS, redisOperatorComponent, RedisOperatorProps } from '../../charts/redis-operator';
import { RedisOperatorValues } from '../../charts/redis-operator/values';
import { CHARTS } from '../../config/versions';
import { HelmSource, Workflow } from '../../lib/component';
import { Resources } from '../../lib/resources';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const props: RedisOperatorProps = { namespace: 'data' };
const values = (p: RedisOperatorProps): RedisOperatorValues => (redisOperatorComponent(p).source as HelmSource).values as RedisOperatorValues;

describe('redis-operator', () => {
  it('installs the pinned chart watching only the namespace it is given, with namespaced RBAC', () => {
    const c = redisOperatorComponent(props);
    expect(c).toMatchObject({ id: 'redis-operator', namespace: 'data', workflow: Workflow.Data });
    expect((c.source as HelmSource).chart).toEqual(CHARTS.redisOperator);
    expect(values(props).redisOperator.watchNamespace).toBe('data');
    expect(values(props).rbac.scope).toBe('namespace');
  });

  it('renders the operator with the restricted security context, the resources it is given and the pod labels Redis admits', async () => {
    const resources = Resources.of({ cpu: '30m', memory: '96Mi' }, { cpu: '150m', memory: '192Mi' });
    const objects = await renderComponent(redisOperatorComponent({ ...props, resources }));
    const [deployment] = objectsOfKind(objects, 'Deployment');
    const pod = deployment.spec.template;
    expect(deployment.metadata.namespace).toBe('data');
    expect(pod.metadata.labels).toMatchObject(OPERATOR_POD_LABELS);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.spec.containers.map((x: any) => x.resources)).toEqual([resources.toK8s()]);
    expect(objectsOfKind(objects, 'ClusterRole')).toEqual([]);
    expect(needsServerSideApply(objects)).toBe(true);
  });

  it("defaults to far less than the chart's 500m CPU request", () => {
    expect(values(props).resources).toEqual(DEFAULTS.resources.toK8s());
    expect(DEFAULTS.resources.requests.cpu.millicores).toBeLessThan(500);
  });
});
