import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { DEFAULTS, kubernetesMinor, satisfiesMinimum, tektonOperatorComponent } from '../../charts/tekton-operator';
import { CHARTS } from '../../config/versions';
import { permissionsOf } from '../../argocd/applications';
import { HelmSource } from '../../lib/component';
import { WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, referenceDir, fixtureEnvironment } from '../support';

const chartValuesDir = referenceDir('CHART_VALUES_DIR');

describe('tekton-operator', () => {
  const prod = fixtureEnvironment('prod');
  const v = helmValues(prod, 'tekton-operator');

  it('is the pinned OCI chart, running in its own namespace and installing Tekton into tekton-pipelines', () => {
    const c = component(prod, 'tekton-operator');
    const source = c.source as HelmSource;
    expect(source.chart).toEqual(CHARTS.tektonOperator);
    expect(source.chart).toMatchObject({ repoURL: 'ghcr.io/tektoncd/operator/charts', chart: 'tekton-operator', oci: true });
    expect(c.namespace).toBe(NS.tektonOperator);
    expect(v.operator.defaultTargetNamespace).toBe(NS.tektonPipelines);
  });

  it('installs its CRDs and leaves the TektonConfig to tekton-config', async () => {
    expect(v.installCRDs).toBe(true);
    expect(v.operator.autoInstallComponents).toBe(false);
    const objects = (await hydratedFixture('prod')).objects;
    expect(permissionsOf([component(prod, 'tekton-operator')], objects).clusterResources).toContain('apiextensions.k8s.io/CustomResourceDefinition');
    expect(objects.get('tekton-operator')!.some((o) => o.kind === 'TektonConfig')).toBe(false);
  });

  it('creates its ServiceMonitor, after the monitoring CRDs', () => {
    expect(v.service.createServiceMonitor).toBe(true);
    expect(prod.graph.waves.get('tekton-operator')!).toBeGreaterThan(prod.graph.waves.get('prometheus-operator-crds')!);
  });

  it('sets requests and limits on both pods, as its values give them', async () => {
    const workloads = componentWorkloads(await hydratedFixture('prod'), 'tekton-operator');
    const operator = workloads.find((w) => w.name === 'tekton-operator')!;
    expect(operator.kind).toBe(WorkloadKind.Deployment);
    // The chart gives `operator.resources` to both containers of the operator pod.
    expect(operator.containers.map((x) => x.resources.toK8s())).toEqual([v.operator.resources, v.operator.resources]);
    expect(v.operator.resources).toEqual({ requests: { cpu: '20m', memory: '48Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(workloads.find((w) => w.name === 'tekton-operator-webhook')!.containers[0].resources.toK8s()).toEqual(v.webhook.resources);
  });

  it('runs restricted: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp', () => {
    expect(v.podSecurityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(v.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it("runs on the pinned cluster: every environment's Kubernetes version meets the operator's minimum", () => {
    for (const env of ENVIRONMENTS) {
      const k = fixtureEnvironment(env).env.kubernetesVersion;
      expect(k).toBe('1.35');
      expect(satisfiesMinimum(k, DEFAULTS.kubernetesMinVersion)).toBe(true);
      expect(helmValues(fixtureEnvironment(env), 'tekton-operator').kubernetesMinVersion).toBe('v1.34.0');
    }
  });

  (chartValuesDir ? it : it.skip)("renders the chart's own kubernetesMinVersion default, so the check above tests what the operator enforces", () => {
    const defaults = yaml.load(fs.readFileSync(path.join(chartValuesDir!, 'tekton-operator', CHARTS.tektonOperator.version, 'values.yaml'), 'utf8')) as any;
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

  it('fails the synth on a cluster older than the operator supports', () => {
    expect(() => tektonOperatorComponent({ namespace: NS.argocd, targetNamespace: NS.tektonPipelines, kubernetesVersion: '1.33' })).toThrow(
      /tekton-operator 0\.81\.1 needs Kubernetes v1\.34\.0 or later, but kubernetesVersion is 1\.33/,
    );
  });
});
