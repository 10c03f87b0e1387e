import { DEFAULTS, K6OperatorProps, K6OperatorValues, k6OperatorComponent } from '../../charts/k6-operator';
import { CHARTS } from '../../config/versions';
import { Duration } from '../../lib/duration';
import { HelmSource, ManifestSource, Workflow } from '../../lib/component';
import { synthObjects } from '../../lib/render';
import { workloadsFromObjects } from '../../lib/workloads';
import { renderComponent } from '../support';
import { find } from '../apps/support';

jest.setTimeout(120_000);

const props: K6OperatorProps = { namespace: 'perf', targets: [{ name: 'shop', url: 'https://shop.example.com/healthz' }] };

describe('k6-operator', () => {
  const c = k6OperatorComponent(props);
  const v = (c.source as HelmSource).values as K6OperatorValues;
  const tests = () => synthObjects(c.unsynced!.source as ManifestSource);

  it('is the pinned chart in the GitOps workflow, in the namespace it is given', () => {
    expect(c.workflow).toBe(Workflow.GitOps);
    expect(c.namespace).toBe('perf');
    expect(c.source.type === 'helm' && c.source.chart).toEqual(CHARTS.k6Operator);
  });

  it('leaves the namespace to platform-base, watches only it, and exposes metrics', async () => {
    expect(v.namespace.create).toBe(false);
    expect(v.installCRDs).toBe(true);
    expect(v.manager.env).toEqual([{ name: 'WATCH_NAMESPACE', value: 'perf' }]);
    expect(v.manager.containerSecurityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(v.metrics.serviceMonitor.enabled).toBe(true);
    const manager = workloadsFromObjects(await renderComponent(c), { defaultNamespace: 'perf' })[0];
    expect(manager.containers.find((x) => x.name === 'manager')!.resources.toK8s()).toEqual(v.manager.resources);
  });

  it('renders one TestRun per target and the script they share into its unsynced folder, not into the Application', () => {
    expect(c.unsynced!.folder).toBe(DEFAULTS.folder);
    expect(tests().map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([`ConfigMap/${DEFAULTS.scriptConfigMap}`, 'TestRun/load-shop']);
  });

  it('points each TestRun at its URL with the load profile, pinned images and restricted pods', () => {
    const run = find(tests(), 'TestRun', 'load-shop');
    expect(run.metadata.namespace).toBe('perf');
    expect(run.spec.script.configMap).toEqual({ name: DEFAULTS.scriptConfigMap, file: DEFAULTS.scriptFile });
    expect(run.spec.runner.env).toContainEqual({ name: 'TARGET_URL', value: 'https://shop.example.com/healthz' });
    expect(run.spec.runner.env).toEqual(expect.arrayContaining([{ name: 'RAMP_UP', value: '1m' }, { name: 'HOLD', value: '5m' }, { name: 'RAMP_DOWN', value: '30s' }]));
    for (const pod of [run.spec.runner, run.spec.initializer, run.spec.starter]) {
      expect(pod.image).toMatch(/:[a-z]*-?v?\d+\.\d+\.\d+$/);
      expect(pod.containerSecurityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.resources.requests.cpu).toBeTruthy();
      expect(pod.resources.limits.memory).toBeTruthy();
    }
  });

  it('takes the load profile as typed durations', () => {
    const profile = { ...DEFAULTS.profile, rampUp: Duration.seconds(90), hold: Duration.hours(1) };
    const run = find(synthObjects(k6OperatorComponent({ ...props, profile }).unsynced!.source as ManifestSource), 'TestRun', 'load-shop');
    expect(run.spec.runner.env).toEqual(expect.arrayContaining([{ name: 'RAMP_UP', value: '90s' }, { name: 'HOLD', value: '1h' }]));
  });

  it('rejects a target that is not an absolute URL', () => {
    expect(() => k6OperatorComponent({ namespace: 'perf', targets: [{ name: 'shop', url: 'shop.example.com' }] })).toThrow(
      'k6-operator: target shop has URL "shop.example.com"; expected an absolute http(s) URL',
    );
  });
});
