import { strimziComponent, StrimziProps } from '../../charts/strimzi';
import { StrimziValues } from '../../charts/strimzi/values';
import { CHARTS } from '../../config/versions';
import { HelmSource, Workflow } from '../../lib/component';
import { Resources } from '../../lib/resources';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const props: StrimziProps = { namespace: 'data' };
const values = (p: StrimziProps): StrimziValues => (strimziComponent(p).source as HelmSource).values as StrimziValues;

describe('strimzi', () => {
  it('installs the pinned operator chart in the namespace it is given, watching only that namespace', () => {
    const c = strimziComponent(props);
    expect(c).toMatchObject({ id: 'strimzi', namespace: 'data', workflow: Workflow.Data });
    expect((c.source as HelmSource).chart).toEqual(CHARTS.strimzi);
    expect(values(props).watchNamespaces).toEqual([]);
    expect(values(props).watchAnyNamespace).toBe(false);
  });

  it('renders restricted pod security for Kafka pods and the listener NetworkPolicies', () => {
    expect(values(props).extraEnvs).toContainEqual({ name: 'STRIMZI_POD_SECURITY_PROVIDER_CLASS', value: 'restricted' });
    expect(values(props).generateNetworkPolicy).toBe(true);
  });

  it('renders the operator with the resources it is given and the security provider in its environment', async () => {
    const resources = Resources.of({ cpu: '150m', memory: '448Mi' }, { cpu: '1', memory: '640Mi' });
    const objects = await renderComponent(strimziComponent({ ...props, resources }));
    const [deployment] = objectsOfKind(objects, 'Deployment');
    expect(deployment.metadata.namespace).toBe('data');
    const [container] = deployment.spec.template.spec.containers;
    expect(container.resources).toEqual(resources.toK8s());
    expect(container.env).toContainEqual({ name: 'STRIMZI_POD_SECURITY_PROVIDER_CLASS', value: 'restricted' });
  });
});
