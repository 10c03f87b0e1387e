import { argoRolloutsComponent } from '../../charts/argo-rollouts';
import { CHARTS } from '../../config/versions';
import { Workflow } from '../../lib/component';
import { Resources } from '../../lib/resources';
import { NS } from '../../workflows/namespaces';
import { componentWorkloads } from '../../lib/workloads';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

describe('argo-rollouts', () => {
  const prod = fixtureEnvironment('prod');

  it.each(ENVIRONMENTS)('%s: runs in the GitOps workflow, in Argo CD namespace, from the pinned chart', (env) => {
    const c = component(fixtureEnvironment(env), 'argo-rollouts');
    expect(c.workflow).toBe(Workflow.GitOps);
    expect(c.namespace).toBe(NS.argocd);
    expect(c.source.type === 'helm' && c.source.chart).toEqual(CHARTS.argoRollouts);
    expect(CHARTS.argoRollouts.version).toBe('2.41.0');
  });

  it('installs and keeps its CRDs, with metrics and a ServiceMonitor, at platform-critical priority', () => {
    const v = helmValues(prod, 'argo-rollouts');
    expect(v).toMatchObject({ installCRDs: true, keepCRDs: true });
    expect(v.controller.metrics).toEqual({ enabled: true, serviceMonitor: { enabled: true } });
    expect(v.controller.priorityClassName).toBe('platform-critical');
    expect(v.dashboard.enabled).toBe(false);
  });

  it('runs two controllers behind a PDB in prod and one in dev, with requests and limits', async () => {
    const v = helmValues(prod, 'argo-rollouts');
    expect(v.controller.replicas).toBe(2);
    expect(v.controller.pdb).toEqual({ enabled: true, minAvailable: 1 });
    expect(v.controller.resources.requests).toEqual({ cpu: '50m', memory: '128Mi' });
    expect(v.controller.resources.limits.memory).toBeTruthy();
    expect(helmValues(fixtureEnvironment('dev'), 'argo-rollouts').controller.replicas).toBe(1);
    const w = componentWorkloads(await hydratedFixture('prod'), 'argo-rollouts').find((x) => x.name === 'argo-rollouts')!;
    expect(w.replicas).toBe(2);
    expect(w.containers[0].resources.toK8s()).toEqual(v.controller.resources);
  });

  it('is in a wave before every service whose Rollout it runs', () => {
    const waves = prod.graph.waves;
    for (const s of prod.config.services) expect(waves.get('argo-rollouts')!).toBeLessThan(waves.get(s.name)!);
  });

  it('rejects resources whose requests exceed their limits, naming both', () => {
    expect(() => argoRolloutsComponent({ namespace: NS.argocd, highAvailability: true, resources: Resources.of({ cpu: '1', memory: '128Mi' }, { cpu: '500m', memory: '256Mi' }) })).toThrow(
      'requests (1/128Mi) exceed limits (500m/256Mi)',
    );
  });
});
