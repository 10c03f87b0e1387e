import * as yaml from 'js-yaml';
import { DEFAULTS, kubernetesMinor, satisfiesMinimum, tektonOperatorComponent, TektonOperatorProps, TektonOperatorValues } from '../../charts/tekton-operator';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { vendoredChartFiles } from '../../lib/helm/chart-package';
import { WorkloadKind } from '../../lib/resources';
import { workloadsFromObjects } from '../../lib/workloads';
import { objectsOfKind, renderComponent, ROOT } from '../support';

const props: TektonOperatorProps = { namespace: 'ci-operator', targetNamespace: 'ci', kubernetesVersion: '1.35' };

describe('tekton-operator', () => {
  const c = tektonOperatorComponent(props);
  const v = (c.source as HelmSource).values as TektonOperatorValues;

  it('is the pinned chart, running in the namespace it is given and installing Tekton into the target namespace', () => {
    expect((c.source as HelmSource).chart).toEqual(CHARTS.tektonOperator);
    expect((c.source as HelmSource).releaseName).toBe(DEFAULTS.release);
    expect(c.namespace).toBe('ci-operator');
    expect(v.operator.defaultTargetNamespace).toBe('ci');
  });

  it('installs its CRDs and leaves the TektonConfig to tekton-config', async () => {
    expect(v.installCRDs).toBe(true);
    expect(v.operator.autoInstallComponents).toBe(false);
    const objects = await renderComponent(c);
    expect(objectsOfKind(objects, 'CustomResourceDefinition').length).toBeGreaterThan(0);
    expect(objectsOfKind(objects, 'TektonConfig')).toEqual([]);
  });

  it('creates its ServiceMonitor, so it waits for the monitoring CRDs', () => {
    expect(v.service.createServiceMonitor).toBe(true);
    expect(c.dependsOn).toContain('prometheus-operator-crds');
  });

  it('sets requests and limits on both pods, as its values give them', async () => {
    const workloads = workloadsFromObjects(await renderComponent(c), { defaultNamespace: 'ci-operator' });
    const operator = workloads.find((w) => w.name === 'tekton-operator')!;
    expect(operator.kind).toBe(WorkloadKind.Deployment);
    // The chart gives `operator.resources` to both containers of the operator pod.
    expect(operator.containers.map((x) => x.resources.toK8s())).toEqual([v.operator.resources, v.operator.resources]);
    expect(v.operator.resources).toEqual(DEFAULTS.operatorResources.toK8s());
    expect(workloads.find((w) => w.name === 'tekton-operator-webhook')!.containers[0].resources.toK8s()).toEqual(v.webhook.resources);
  });

  it('runs restricted: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp', () => {
    expect(v.podSecurityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(v.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it('renders the minimum Kubernetes version it checks the cluster against', () => {
    expect(v.kubernetesMinVersion).toBe(DEFAULTS.kubernetesMinVersion);
  });

  it("renders the chart's own kubernetesMinVersion default, so the check tests what the operator enforces", () => {
    const defaults = yaml.load(vendoredChartFiles(ROOT, CHARTS.tektonOperator.chart, CHARTS.tektonOperator.version).get('values.yaml')!.toString('utf8')) as any;
    expect(defaults.kubernetesMinVersion).toBe(DEFAULTS.kubernetesMinVersion);
    expect(defaults.installCRDs).toBe(false);
    expect(defaults.operator.autoInstallComponents).toBe(true);
  });

  it('compares Kubernetes versions by minor, not as strings', () => {
    expect(kubernetesMinor('v1.34.0')).toEqual([1, 34]);
    expect(satisfiesMinimum('1.34', 'v1.34.0')).toBe(true);
    expect(satisfiesMinimum('1.9', 'v1.34.0')).toBe(false);
    expect(satisfiesMinimum('2.0', 'v1.34.0')).toBe(true);
    expect(() => kubernetesMinor('latest')).toThrow(/not a Kubernetes version: "latest"/);
  });

  it('fails the synth on a cluster older than the operator supports, naming both versions and the fix', () => {
    const [major, minor] = kubernetesMinor(DEFAULTS.kubernetesMinVersion);
    const older = `${major}.${minor - 1}`;
    expect(() => tektonOperatorComponent({ ...props, kubernetesVersion: older })).toThrow(
      `needs Kubernetes ${DEFAULTS.kubernetesMinVersion} or later, but kubernetesVersion is ${older}; upgrade the cluster (platform.yaml kubernetesVersion)`,
    );
  });
});
