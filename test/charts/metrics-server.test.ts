import { metricsServerComponent, MetricsServerProps, MetricsServerValues } from '../../charts/metrics-server';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { Resources } from '../../lib/resources';
import { TierPolicy } from '../../lib/tier-policy';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const PROD = TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true });
const DEV = TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false });
const props: MetricsServerProps = { namespace: 'kube-system', tierPolicy: PROD };
const values = (p: MetricsServerProps): MetricsServerValues => (metricsServerComponent(p).source as HelmSource).values as MetricsServerValues;

describe('metrics-server', () => {
  it('installs the pinned chart into the namespace it is given, after Cilium', () => {
    const c = metricsServerComponent(props);
    expect(c.namespace).toBe('kube-system');
    expect((c.source as HelmSource).chart).toEqual(CHARTS.metricsServer);
    expect(c.dependsOn).toEqual(['cilium']);
  });

  it('runs two replicas behind a PDB where the tier is highly available and one without, with the ServiceMonitor on', () => {
    const prod = values(props);
    expect(prod.replicas).toBe(2);
    expect(prod.podDisruptionBudget.enabled).toBe(true);
    expect(prod.serviceMonitor.enabled).toBe(true);
    const dev = values({ ...props, tierPolicy: DEV });
    expect(dev.replicas).toBe(1);
    expect(dev.podDisruptionBudget.enabled).toBe(false);
  });

  it('renders a Deployment with the replicas and resources it passes to the chart', async () => {
    const resources = Resources.of({ cpu: '60m', memory: '80Mi' }, { cpu: '300m', memory: '320Mi' });
    const objects = await renderComponent(metricsServerComponent({ ...props, resources }));
    const [deployment] = objectsOfKind(objects, 'Deployment', 'metrics-server');
    expect(deployment.metadata.namespace).toBe('kube-system');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.containers[0].resources).toEqual(resources.toK8s());
    expect(objectsOfKind(objects, 'PodDisruptionBudget')).toHaveLength(1);
  });
});
