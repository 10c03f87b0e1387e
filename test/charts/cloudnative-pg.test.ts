import { needsServerSideApply } from '../../argocd/applications';
import { cloudnativePgComponent, CloudnativePgProps, DEFAULTS } from '../../charts/cloudnative-pg';
import { CloudnativePgValues } from '../../charts/cloudnative-pg/values';
import { CHARTS } from '../../config/versions';
import { HelmSource, Workflow } from '../../lib/component';
import { WEBHOOK_CA_BUNDLE_DIFFERENCES } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const props: CloudnativePgProps = { namespace: 'data' };
const values = (p: CloudnativePgProps): CloudnativePgValues => (cloudnativePgComponent(p).source as HelmSource).values as CloudnativePgValues;

describe('cloudnative-pg', () => {
  it('installs the pinned operator chart with its CRDs into the namespace it is given, in the data workflow', () => {
    const c = cloudnativePgComponent(props);
    expect(c).toMatchObject({ id: 'cloudnative-pg', namespace: 'data', workflow: Workflow.Data, dependsOn: [] });
    expect((c.source as HelmSource).chart).toEqual(CHARTS.cloudnativePg);
    expect(values(props).crds.create).toBe(true);
  });

  it('ignores the CA bundle the operator patches into its webhook configurations', () => {
    expect(cloudnativePgComponent(props).ignoreDifferences).toEqual(WEBHOOK_CA_BUNDLE_DIFFERENCES);
  });

  it('renders one operator replica with the resources it is given, platform-critical, its PodMonitor on, and CRDs too large for client-side apply', async () => {
    const resources = Resources.of({ cpu: '70m', memory: '160Mi' }, { cpu: '400m', memory: '384Mi' });
    const objects = await renderComponent(cloudnativePgComponent({ ...props, resources }));
    const [deployment] = objectsOfKind(objects, 'Deployment');
    expect(deployment.metadata.namespace).toBe('data');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.template.spec.priorityClassName).toBe(PRIORITY.platformCritical);
    expect(deployment.spec.template.spec.containers.map((x: any) => x.resources)).toEqual([resources.toK8s()]);
    expect(objectsOfKind(objects, 'PodMonitor')).toHaveLength(1);
    expect(needsServerSideApply(objects)).toBe(true);
  });

  it('defaults to small operator resources', () => {
    expect(values(props).resources).toEqual(DEFAULTS.resources.toK8s());
    expect(DEFAULTS.resources.requests.cpu.millicores).toBeLessThanOrEqual(100);
  });
});
