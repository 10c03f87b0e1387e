import { barmanCloudComponent, BarmanCloudProps } from '../../charts/barman-cloud';
import { certManagerComponent } from '../../charts/cert-manager';
import { prometheusOperatorCrdsComponent } from '../../charts/prometheus-operator-crds';
import { CHARTS } from '../../config/versions';
import { HelmSource, Workflow } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { TierPolicy } from '../../lib/tier-policy';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const props: BarmanCloudProps = { namespace: 'data', operatorNamespace: 'data' };
/** The plugin's gRPC certificates are cert-manager Certificates: render with its CRDs. */
const alongside = [
  prometheusOperatorCrdsComponent({ namespace: 'kube-system' }),
  certManagerComponent({
    namespace: 'cert-manager',
    tierPolicy: TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false }),
    controllerResources: Resources.of({ cpu: '25m', memory: '48Mi' }, { cpu: '200m', memory: '256Mi' }),
  }),
];

describe('barman-cloud', () => {
  it('installs the pinned plugin chart next to the operator, after it and cert-manager', () => {
    const c = barmanCloudComponent(props);
    expect(c).toMatchObject({ id: 'barman-cloud', namespace: 'data', workflow: Workflow.Data });
    expect((c.source as HelmSource).chart).toEqual(CHARTS.barmanCloud);
    expect(c.dependsOn).toEqual(['cloudnative-pg', 'cert-manager']);
  });

  it('renders one plugin replica with the resources it is given, platform-critical', async () => {
    const resources = Resources.of({ cpu: '30m', memory: '96Mi' }, { cpu: '150m', memory: '192Mi' });
    const objects = await renderComponent(barmanCloudComponent({ ...props, resources }), { alongside });
    const [deployment] = objectsOfKind(objects, 'Deployment');
    expect(deployment.metadata.namespace).toBe('data');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.template.spec.priorityClassName).toBe(PRIORITY.platformCritical);
    expect(deployment.spec.template.spec.containers.map((x: any) => x.resources)).toEqual([resources.toK8s()]);
    // Its gRPC certificates live next to it.
    expect(new Set(objectsOfKind(objects, 'Certificate').map((c) => c.metadata.namespace))).toEqual(new Set(['data']));
  });

  it("refuses a namespace other than the operator's", () => {
    expect(() => barmanCloudComponent({ namespace: 'backups', operatorNamespace: 'data' })).toThrow(/must run next to the operator/);
  });
});
