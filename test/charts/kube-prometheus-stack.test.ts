import { kubePrometheusStackComponent } from '../../charts/kube-prometheus-stack';
import { CHARTS } from '../../config/versions';
import { Duration } from '../../lib/duration';
import { WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { ENDPOINTS } from '../../workflows/endpoints';
import { component, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

const prod = fixtureEnvironment('prod');
const v = helmValues(prod, 'kube-prometheus-stack');
const spec = v.prometheus.prometheusSpec;

describe('kube-prometheus-stack', () => {
  it('installs the pinned chart without its CRDs (prometheus-operator-crds owns them) or its Grafana', () => {
    expect(component(prod, 'kube-prometheus-stack').source).toMatchObject({ chart: CHARTS.kubePrometheusStack });
    expect(CHARTS.kubePrometheusStack.version).toBe('88.5.3');
    expect(v.crds.enabled).toBe(false);
    expect(v.grafana).toEqual({ enabled: false, forceDeployDashboards: true });
  });

  it('keeps 15 days locally, scrapes and evaluates every 30s, compresses the WAL (seed)', () => {
    expect(spec.retention).toBe('15d');
    expect(spec.scrapeInterval).toBe('30s');
    expect(spec.evaluationInterval).toBe('30s');
    expect(spec.walCompression).toBe(true);
    expect(spec.retentionSize).toBe('17408MiB');
  });

  it('remote-writes to Mimir at the gateway endpoint, with exemplars', () => {
    expect(spec.remoteWrite).toHaveLength(1);
    expect(spec.remoteWrite[0].url).toBe(ENDPOINTS.mimirRemoteWrite);
    expect(spec.remoteWrite[0].url).toBe('http://mimir-gateway.observability.svc.cluster.local/api/v1/push');
    expect(spec.remoteWrite[0].sendExemplars).toBe(true);
  });

  it('requests 500m/2Gi with limits 2/4Gi for Prometheus in prod (seed), less in dev', async () => {
    expect(spec.resources).toEqual({ requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    expect(helmValues(fixtureEnvironment('dev'), 'kube-prometheus-stack').prometheus.prometheusSpec.resources.requests).toEqual({ cpu: '200m', memory: '1Gi' });
    // The Prometheus custom resource, as the operator runs it (lib/workloads.ts).
    const prom = componentWorkloads(await hydratedFixture('prod'), 'kube-prometheus-stack').find((w) => w.name === 'prometheus-kube-prometheus-stack-prometheus')!;
    expect(prom.containers[0].resources.toK8s()).toEqual(spec.resources);
  });

  it('selects every ServiceMonitor, PodMonitor, PrometheusRule, Probe and ScrapeConfig in the cluster', () => {
    for (const k of ['serviceMonitor', 'podMonitor', 'rule', 'probe', 'scrapeConfig']) {
      expect(spec[`${k}SelectorNilUsesHelmValues`]).toBe(false);
    }
  });

  it('turns off the EKS-managed control-plane targets', () => {
    expect(v.kubeControllerManager.enabled).toBe(false);
    expect(v.kubeScheduler.enabled).toBe(false);
    expect(v.kubeEtcd.enabled).toBe(false);
  });

  it('runs node-exporter as a DaemonSet and Alertmanager twice in prod, once in dev', async () => {
    const workloads = componentWorkloads(await hydratedFixture('prod'), 'kube-prometheus-stack');
    expect(workloads.find((w) => w.kind === WorkloadKind.DaemonSet)!.name).toBe('kube-prometheus-stack-prometheus-node-exporter');
    expect(v.alertmanager.alertmanagerSpec.replicas).toBe(2);
    expect(helmValues(fixtureEnvironment('dev'), 'kube-prometheus-stack').alertmanager.alertmanagerSpec.replicas).toBe(1);
    expect(v['prometheus-node-exporter'].resources.requests).toEqual({ cpu: '20m', memory: '32Mi' });
  });

  it('ignores the certgen-patched caBundle and waits for Mimir', () => {
    const c = component(prod, 'kube-prometheus-stack');
    expect(c.ignoreDifferences!.every((d) => d.jqPathExpressions!.includes('.webhooks[]?.clientConfig.caBundle'))).toBe(true);
    expect(c.dependsOn).toContain('mimir');
  });

  it('rejects an evaluation interval shorter than the scrape interval', () => {
    expect(() =>
      kubePrometheusStackComponent({
        namespace: 'observability', clusterName: 'x', remoteWriteUrl: 'http://m/api/v1/push', highAvailability: false,
        scrapeInterval: Duration.minutes(1), evaluationInterval: Duration.seconds(30),
      }),
    ).toThrow(/evaluationInterval 30s is shorter than scrapeInterval 1m/);
  });
});
