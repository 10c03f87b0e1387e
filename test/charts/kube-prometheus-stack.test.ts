import { kubePrometheusStackComponent, kubePrometheusStackEndpoints, KubePrometheusStackProps } from '../../charts/kube-prometheus-stack';
import { ALERTMANAGER, AlertRouting, alertmanagerConfig, credentialFieldsIn } from '../../charts/kube-prometheus-stack/alertmanager';
import { KubePrometheusStackValues } from '../../charts/kube-prometheus-stack/values';
import { routeAlert } from '../alertmanager';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { K8sObject } from '../../lib/render';
import { Resources, WorkloadKind } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';
import { workloadsFromObjects } from '../../lib/workloads';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const r = Resources.of;
const HA = TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true });
const SINGLE = TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false });
/** Minimal props. */
const MINIMAL: KubePrometheusStackProps = {
  namespace: 'observability',
  clusterName: 'acme-prod',
  remoteWriteUrl: 'http://mimir-gateway.observability.svc.cluster.local/api/v1/push',
  tierPolicy: HA,
  resources: {
    prometheus: r({ cpu: '500m', memory: '2Gi' }, { cpu: '2', memory: '4Gi' }),
    alertmanager: r({ cpu: '20m', memory: '64Mi' }, { cpu: '100m', memory: '128Mi' }),
    operator: r({ cpu: '50m', memory: '128Mi' }, { cpu: '200m', memory: '256Mi' }),
    kubeStateMetrics: r({ cpu: '20m', memory: '96Mi' }, { cpu: '200m', memory: '256Mi' }),
    nodeExporter: r({ cpu: '20m', memory: '32Mi' }, { cpu: '200m', memory: '64Mi' }),
  },
  volumeSize: Storage.gibibytes(20),
};
const valuesOf = (p: KubePrometheusStackProps): KubePrometheusStackValues => (kubePrometheusStackComponent(p).source as HelmSource).values as KubePrometheusStackValues;
const v = valuesOf(MINIMAL);
const spec = v.prometheus.prometheusSpec;
const ROUTING: AlertRouting = {
  receivers: [
    { kind: 'pagerduty', name: 'pager' },
    { kind: 'slack', name: 'chat', channel: '#alerts' },
    { kind: 'email', name: 'mail', to: ['a@example.com'], from: 'am@example.com', smarthost: 'smtp.example.com:587', username: 'am', requireTls: true },
    { kind: 'webhook', name: 'beat' },
  ],
  routes: { critical: ['pager', 'chat'], warning: ['chat'], info: ['mail'] },
  heartbeat: 'beat',
};

describe('kube-prometheus-stack', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await renderComponent(kubePrometheusStackComponent(MINIMAL));
  });

  it('installs the pinned chart without its CRDs (prometheus-operator-crds owns them) or its Grafana', () => {
    const c = kubePrometheusStackComponent(MINIMAL);
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.kubePrometheusStack });
    expect(c.namespace).toBe('observability');
    expect(objects.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
    expect(v.crds.enabled).toBe(false);
    expect(v.grafana).toEqual({ enabled: false, forceDeployDashboards: true });
  });

  it('keeps 15 days locally, scrapes and evaluates every 30s, compresses the WAL (seed)', () => {
    expect(spec.retention).toBe('15d');
    expect(spec.scrapeInterval).toBe('30s');
    expect(spec.evaluationInterval).toBe('30s');
    expect(spec.walCompression).toBe(true);
    // 85% of the volume it is given.
    expect(spec.retentionSize).toBe('17408MiB');
    expect(valuesOf({ ...MINIMAL, volumeSize: Storage.gibibytes(10) }).prometheus.prometheusSpec.retentionSize).toBe('8704MiB');
    expect(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe('20Gi');
  });

  it('remote-writes to the URL it is given, with exemplars, without the API server latency buckets', () => {
    expect(spec.remoteWrite).toHaveLength(1);
    expect(spec.remoteWrite[0].url).toBe(MINIMAL.remoteWriteUrl);
    expect(spec.remoteWrite[0].sendExemplars).toBe(true);
    expect(spec.remoteWrite[0].writeRelabelConfigs[0]).toMatchObject({ sourceLabels: ['__name__'], action: 'drop' });
    expect(spec.externalLabels).toEqual({ cluster: 'acme-prod' });
  });

  it('runs Prometheus with the requests and limits it is given, and the unsized targets with their defaults', () => {
    expect(spec.resources).toEqual(MINIMAL.resources.prometheus.toK8s());
    // The Prometheus custom resource, as the operator runs it (lib/workloads.ts).
    const prom = workloadsFromObjects(objects, { defaultNamespace: 'observability' }).find((w) => w.name === 'prometheus-kube-prometheus-stack-prometheus')!;
    expect(prom.containers[0].resources.toK8s()).toEqual(spec.resources);
    expect(v.prometheusOperator.prometheusConfigReloader.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '50m', memory: '64Mi' } });
    const admission = r({ cpu: '5m', memory: '16Mi' }, { cpu: '50m', memory: '32Mi' });
    expect(valuesOf({ ...MINIMAL, resources: { ...MINIMAL.resources, admissionJob: admission } }).prometheusOperator.admissionWebhooks.patch.resources).toEqual(admission.toK8s());
  });

  it('serves Alertmanager and Prometheus on the Services and ports its exported endpoints name', () => {
    const endpoints = kubePrometheusStackEndpoints(MINIMAL.namespace);
    for (const endpoint of [endpoints.alertmanager, endpoints.prometheus]) {
      const [service] = objectsOfKind(objects, 'Service', endpoint.service);
      expect({ name: endpoint.service, namespace: service?.metadata.namespace }).toEqual({ name: endpoint.service, namespace: endpoint.namespace });
      expect(service.spec.ports.map((p: any) => p.port)).toContain(endpoint.port);
    }
  });

  it('selects every ServiceMonitor, PodMonitor, PrometheusRule, Probe and ScrapeConfig in the cluster', () => {
    for (const k of ['serviceMonitor', 'podMonitor', 'rule', 'probe', 'scrapeConfig'] as const) {
      expect(spec[`${k}SelectorNilUsesHelmValues`]).toBe(false);
    }
  });

  it('turns off the EKS-managed control-plane targets', () => {
    expect(v.kubeControllerManager.enabled).toBe(false);
    expect(v.kubeScheduler.enabled).toBe(false);
    expect(v.kubeEtcd.enabled).toBe(false);
  });

  it('runs node-exporter as a DaemonSet, and Alertmanager twice where the tier is highly available, once otherwise', () => {
    const workloads = workloadsFromObjects(objects, { defaultNamespace: 'observability' });
    expect(workloads.find((w) => w.kind === WorkloadKind.DaemonSet)!.name).toBe('kube-prometheus-stack-prometheus-node-exporter');
    expect(v.alertmanager.alertmanagerSpec.replicas).toBe(2);
    expect(valuesOf({ ...MINIMAL, tierPolicy: SINGLE }).alertmanager.alertmanagerSpec.replicas).toBe(1);
    expect(v['prometheus-node-exporter'].resources).toEqual(MINIMAL.resources.nodeExporter.toK8s());
  });

  it('ignores the certgen-patched caBundle and waits for Mimir', () => {
    const c = kubePrometheusStackComponent(MINIMAL);
    expect(c.ignoreDifferences!.every((d) => d.jqPathExpressions!.includes('.webhooks[]?.clientConfig.caBundle'))).toBe(true);
    expect(c.dependsOn).toContain('mimir');
  });

  it('routes each severity to its receivers in order, Watchdog to the heartbeat, InfoInhibitor and nothing else to null', () => {
    const config = alertmanagerConfig(ROUTING);
    const to = (labels: Record<string, string>) => routeAlert(config.route, labels);
    expect(to({ alertname: 'A', severity: 'critical' })).toEqual(['pager', 'chat']);
    expect(to({ alertname: 'A', severity: 'warning' })).toEqual(['chat']);
    expect(to({ alertname: 'A', severity: 'info' })).toEqual(['mail']);
    // Any other severity, or none, goes to the warning receivers.
    expect(to({ alertname: 'A', severity: 'information' })).toEqual(['chat']);
    expect(to({ alertname: 'A' })).toEqual(['chat']);
    expect(to({ alertname: 'Watchdog', severity: 'none' })).toEqual(['beat']);
    expect(to({ alertname: 'InfoInhibitor', severity: 'none' })).toEqual([ALERTMANAGER.nullReceiver]);
  });

  it('sends a severity without receivers of its own to the warning receivers, and everything to null when there are none', () => {
    const noInfo = alertmanagerConfig({ ...ROUTING, routes: { ...ROUTING.routes, info: [] } });
    expect(routeAlert(noInfo.route, { alertname: 'A', severity: 'info' })).toEqual(['chat']);
    const none = alertmanagerConfig({ receivers: [], routes: { critical: [], warning: [], info: [] } });
    for (const severity of ['critical', 'warning', 'info', 'none']) expect(routeAlert(none.route, { alertname: 'A', severity })).toEqual([ALERTMANAGER.nullReceiver]);
    expect(none.receivers).toEqual([{ name: ALERTMANAGER.nullReceiver }]);
  });

  it('names every credential by a *_file in the mounted Secret, which bootstrap creates and OpenBao later fills', () => {
    const c = kubePrometheusStackComponent({ ...MINIMAL, alerting: ROUTING });
    const values = (c.source as HelmSource).values as KubePrometheusStackValues;
    expect(values.alertmanager.alertmanagerSpec.useExistingSecret).toBe(false);
    expect(values.alertmanager.alertmanagerSpec.secrets).toEqual([ALERTMANAGER.credentialsSecret]);
    expect(credentialFieldsIn(values.alertmanager.config)).toEqual([]);
    const files = JSON.stringify(values.alertmanager.config).match(/"[a-z_]+_file":"[^"]+"/g)!;
    // pager, chat, beat and mail (it logs in); a mail receiver without a username would have none.
    expect(files.map((f) => f.split('"')[3]).sort()).toEqual(['beat', 'chat', 'mail', 'pager'].map((n) => `/etc/alertmanager/secrets/${ALERTMANAGER.credentialsSecret}/${n}`));
    const [secret] = c.secrets!;
    expect(secret).toMatchObject({ namespace: 'observability', name: ALERTMANAGER.credentialsSecret });
    expect(Object.keys(secret.data).sort()).toEqual(['beat', 'chat', 'mail', 'pager']);
    expect(Object.keys(secret.bootstrap!).sort()).toEqual(Object.keys(secret.data).sort());
    expect(secret.bootstrap!.pager).toBe('ALERTMANAGER_RECEIVER_PAGER');
    expect(Object.values(secret.data).every((r) => r.path === ALERTMANAGER.openbaoPath)).toBe(true);
  });

  it('mounts no Secret and declares none when no receiver has a credential', () => {
    const c = kubePrometheusStackComponent({
      ...MINIMAL,
      alerting: { receivers: [{ kind: 'email', name: 'mail', to: ['a@example.com'], from: 'am@example.com', smarthost: 'relay.example.com:25', requireTls: false }], routes: { critical: ['mail'], warning: ['mail'], info: [] } },
    });
    expect(((c.source as HelmSource).values as KubePrometheusStackValues).alertmanager.alertmanagerSpec.secrets).toEqual([]);
    expect(c.secrets).toBeUndefined();
  });

  it('finds a credential written into the configuration, but not an endpoint', () => {
    expect(credentialFieldsIn({ receivers: [{ name: 'x', slack_configs: [{ api_url: 'https://hooks.slack.com/services/T/B/X' }] }] })).toEqual([
      'receivers[0].slack_configs[0].api_url holds a value; use api_url_file with a file under /etc/alertmanager/secrets/',
    ]);
    expect(credentialFieldsIn({ receivers: [{ name: 'x', webhook_configs: [{ url: 'https://hc-ping.com/uuid' }] }] })).toHaveLength(1);
    expect(credentialFieldsIn({ global: { smtp_auth_password: 'hunter2' } })).toHaveLength(1);
    expect(credentialFieldsIn({ receivers: [{ name: 'x', pagerduty_configs: [{ url: 'https://events.eu.pagerduty.com/v2/enqueue', routing_key_file: '/etc/alertmanager/secrets/s/x' }] }] })).toEqual([]);
    expect(credentialFieldsIn({ receivers: [{ name: 'x', slack_configs: [{ api_url_file: '/tmp/url' }] }] })).toEqual(['receivers[0].slack_configs[0].api_url_file is not a file under /etc/alertmanager/secrets/']);
  });

  it('rejects a route naming a receiver that is not defined', () => {
    expect(() => kubePrometheusStackComponent({ ...MINIMAL, alerting: { ...ROUTING, routes: { ...ROUTING.routes, warning: ['chta'] } } })).toThrow(
      /alerting routes\.warning names receiver "chta", which is not defined; define it or remove it \(defined: pager, chat, mail, beat\)/,
    );
  });

  it('rejects an evaluation interval shorter than the scrape interval', () => {
    expect(() => kubePrometheusStackComponent({ ...MINIMAL, scrapeInterval: Duration.minutes(1), evaluationInterval: Duration.seconds(30) })).toThrow(/evaluationInterval 30s is shorter than scrapeInterval 1m/);
  });
});
