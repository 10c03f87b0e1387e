import { argoRolloutsComponent, ArgoRolloutsProps, ArgoRolloutsValues } from '../../charts/argo-rollouts';
import { CHARTS } from '../../config/versions';
import { HelmSource, Workflow } from '../../lib/component';
import { Resources } from '../../lib/resources';
import { TierPolicy } from '../../lib/tier-policy';
import { workloadsFromObjects } from '../../lib/workloads';
import { objectsOfKind, renderComponent } from '../support';

const HA = TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true });
const SINGLE = TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false });
const props: ArgoRolloutsProps = { namespace: 'gitops', tierPolicy: HA };
const valuesOf = (p: ArgoRolloutsProps) => (argoRolloutsComponent(p).source as HelmSource).values as ArgoRolloutsValues;

describe('argo-rollouts', () => {
  it('runs in the GitOps workflow, in the namespace it is given, from the pinned chart', () => {
    const c = argoRolloutsComponent(props);
    expect(c.workflow).toBe(Workflow.GitOps);
    expect(c.namespace).toBe('gitops');
    expect(c.source.type === 'helm' && c.source.chart).toEqual(CHARTS.argoRollouts);
  });

  it('installs and keeps its CRDs, with metrics and a ServiceMonitor, at platform-critical priority', () => {
    const v = valuesOf(props);
    expect(v).toMatchObject({ installCRDs: true, keepCRDs: true });
    expect(v.controller.metrics).toEqual({ enabled: true, serviceMonitor: { enabled: true } });
    expect(v.controller.priorityClassName).toBe('platform-critical');
    expect(v.dashboard.enabled).toBe(false);
  });

  it('runs two controllers behind a PDB where the tier is highly available and one without a PDB otherwise', () => {
    expect(valuesOf(props).controller).toMatchObject({ replicas: 2, pdb: { enabled: true, minAvailable: 1 } });
    expect(valuesOf({ ...props, tierPolicy: SINGLE }).controller).toMatchObject({ replicas: 1, pdb: { enabled: false } });
  });

  it('renders the controller Deployment in its namespace with the replicas, resources and restricted security context of its values', async () => {
    const objects = await renderComponent(argoRolloutsComponent(props));
    const v = valuesOf(props);
    const [deployment] = objectsOfKind(objects, 'Deployment', 'argo-rollouts');
    expect(deployment.metadata.namespace).toBe('gitops');
    const [w] = workloadsFromObjects([deployment], { defaultNamespace: 'gitops' }).filter((x) => x.name === 'argo-rollouts');
    expect(w.replicas).toBe(2);
    expect(w.containers[0].resources.toK8s()).toEqual(v.controller.resources);
    expect(deployment.spec.template.spec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
  });

  it('rejects resources whose requests exceed their limits, naming both', () => {
    expect(() => argoRolloutsComponent({ ...props, resources: Resources.of({ cpu: '1', memory: '128Mi' }, { cpu: '500m', memory: '256Mi' }) })).toThrow(
      'requests (1/128Mi) exceed limits (500m/256Mi)',
    );
  });
});
