import { DEFAULTS, k6OperatorComponent } from '../../charts/k6-operator';
import { CHARTS } from '../../config/versions';
import { Workflow } from '../../lib/component';
import { componentWorkloads } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { component, helmValues, hydratedFixture, fixtureEnvironment, renderedFixture } from '../support';
import { find, unsyncedObjects } from '../apps/support';

jest.setTimeout(120_000);

describe('k6-operator', () => {
  const staging = fixtureEnvironment('staging');

  it('exists in staging only', () => {
    const c = component(staging, 'k6-operator');
    expect(c.workflow).toBe(Workflow.GitOps);
    expect(c.namespace).toBe(NS.loadTests);
    expect(c.source.type === 'helm' && c.source.chart).toEqual(CHARTS.k6Operator);
    for (const env of ['dev', 'prod']) {
      expect(fixtureEnvironment(env).components.some((x) => x.id === 'k6-operator')).toBe(false);
    }
  });

  it('leaves the namespace to platform-base, watches only it, and exposes metrics', async () => {
    const v = helmValues(staging, 'k6-operator');
    expect(v.namespace.create).toBe(false);
    expect(v.installCRDs).toBe(true);
    expect(v.manager.env).toEqual([{ name: 'WATCH_NAMESPACE', value: NS.loadTests }]);
    expect(v.manager.containerSecurityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(v.metrics.serviceMonitor.enabled).toBe(true);
    const [manager] = componentWorkloads(await hydratedFixture('staging'), 'k6-operator');
    expect(manager.containers.find((c) => c.name === 'manager')!.resources.toK8s()).toEqual(v.manager.resources);
  });

  it('renders one TestRun per public service and its script under staging/loadtests, outside every synced path', async () => {
    const tree = await renderedFixture('staging');
    const files = [...tree.keys()].filter((f) => f.startsWith('staging/loadtests/')).sort();
    expect(files).toEqual(['staging/loadtests/configmap-k6-http-load.yaml', 'staging/loadtests/testrun-load-gateway-api.yaml']);
    expect([...tree.keys()].some((f) => f.includes('/manifests/') && /\/testrun-/.test(f))).toBe(false);
    const apps = [...tree.entries()].filter(([f]) => f.startsWith('staging/apps/')).map(([, text]) => text).join('\n');
    expect(apps).not.toContain('loadtests');
    expect([...(await renderedFixture('prod')).keys()].some((f) => f.includes('loadtests'))).toBe(false);
  });

  it('points each TestRun at the public URL with pinned images and restricted pods', () => {
    const run = find(unsyncedObjects(staging, 'k6-operator'), 'TestRun', 'load-gateway-api');
    expect(run.metadata.namespace).toBe(NS.loadTests);
    expect(run.spec.script.configMap).toEqual({ name: DEFAULTS.scriptConfigMap, file: DEFAULTS.scriptFile });
    expect(run.spec.runner.env).toContainEqual({ name: 'TARGET_URL', value: 'https://gateway-api.staging.acme.example.com/healthz' });
    for (const pod of [run.spec.runner, run.spec.initializer, run.spec.starter]) {
      expect(pod.image).toMatch(/:[a-z]*-?v?\d+\.\d+\.\d+$/);
      expect(pod.containerSecurityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.resources.requests.cpu).toBeTruthy();
      expect(pod.resources.limits.memory).toBeTruthy();
    }
  });

  it('rejects a target that is not an absolute URL', () => {
    expect(() => k6OperatorComponent({ namespace: NS.loadTests, targets: [{ name: 'shop', url: 'shop.example.com' }] })).toThrow(
      'k6-operator: target shop has URL "shop.example.com"; expected an absolute http(s) URL',
    );
  });
});
