import { strimziComponent } from '../../charts/strimzi';
import { CHARTS } from '../../config/versions';
import { componentWorkloads } from '../../lib/workloads';
import { helmValues, hydratedFixture } from '../support';

describe('strimzi', () => {
  const c = strimziComponent({ namespace: 'data' });
  const v = (c.source as any).values;

  it('installs the 1.2.0 operator from OCI in the data namespace, watching only that namespace', () => {
    expect(CHARTS.strimzi).toMatchObject({ repoURL: 'quay.io/strimzi-helm', version: '1.2.0', oci: true });
    expect(c.namespace).toBe('data');
    expect(v.watchNamespaces).toEqual([]);
    expect(v.watchAnyNamespace).toBe(false);
  });

  it('renders restricted pod security for Kafka pods and the listener NetworkPolicies', () => {
    expect(v.extraEnvs).toContainEqual({ name: 'STRIMZI_POD_SECURITY_PROVIDER_CLASS', value: 'restricted' });
    expect(v.generateNetworkPolicy).toBe(true);
  });

  it('runs the operator with the resources it passes to the chart', async () => {
    const prod = await hydratedFixture('prod');
    const [operator] = componentWorkloads(prod, 'strimzi');
    expect(operator.containers.map((x) => x.resources.toK8s())).toEqual([helmValues(prod, 'strimzi').resources]);
  });
});
