import * as yaml from 'js-yaml';
import { ObservabilityConfigChart, observabilityConfigComponent, ObservabilityConfigProps } from '../../charts/observability-config';
import { promqlProblems } from '../../charts/observability-config/promql';
import { SEED_METRICS, SEED_TIMING, SeedTimingKey } from '../../charts/observability-config/rules';
import { burnRateExpr, COST_ANOMALY, costGroups, KPI_TARGETS, MTTR_WINDOW } from '../../charts/observability-config/kpis';
import { NODE_COST_LABELS, ksmLabelName } from '../../lib/node-cost-labels';
import { parsePromql } from '../promql-grammar';
import { Duration } from '../../lib/duration';
import { ManifestSource } from '../../lib/component';
import { synthObjects } from '../../lib/render';
import { App } from 'cdk8s';

/** Minimal props, as the observability workflow passes them. */
const PROPS: ObservabilityConfigProps = {
  namespace: 'observability',
  timing: { scrapeInterval: Duration.seconds(30), evaluationInterval: Duration.seconds(30) },
  runbookUrl: 'https://example.com/README.md',
  grafana: { datasourceUid: 'mimir', label: 'grafana_dashboard', labelValue: '1', folderAnnotation: 'grafana_folder' },
  mimirRulesConfigMap: 'mimir-ruler-rules',
  prices: { 't3.large': { onDemand: 0.0912, spot: 0.031 }, 't3.medium': { onDemand: 0.0456 } },
};
const c = observabilityConfigComponent(PROPS);
const objects = synthObjects(c.source as ManifestSource);
const byName = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as any;
const rulesOf = (o: any): any[] => o.spec.groups.flatMap((g: any) => g.rules);
const alerts = rulesOf(byName('PrometheusRule', 'platform-alerts'));
const records = rulesOf(byName('PrometheusRule', 'platform-kpis'));
const forecast = yaml.load(byName('ConfigMap', 'mimir-ruler-rules').data['capacity-forecast.yaml']) as any;
const forecastAlerts: any[] = forecast.groups.flatMap((g: any) => g.rules);
const mimirKpis = yaml.load(byName('ConfigMap', 'mimir-ruler-rules').data['platform-kpis.yaml']) as any;
const mimirRules: any[] = mimirKpis.groups.flatMap((g: any) => g.rules);
const groupOf = (o: any, name: string) => o.spec.groups.find((g: any) => g.name === name);
const kpiDashboard = () => JSON.parse(byName('ConfigMap', 'grafana-dashboard-platform-kpis').data['platform-kpis.json']);
const IT = ksmLabelName(NODE_COST_LABELS.instanceType);
const CT = ksmLabelName(NODE_COST_LABELS.capacityType);
const rulesFromProps = (props: ObservabilityConfigProps) => {
  const app = new App();
  const chart = new ObservabilityConfigChart(app, 'x', props);
  return (chart.toJson() as any[]).filter((o) => o.kind === 'PrometheusRule');
};
const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('grafana-dashboard-')) as any[];
const SCRAPE_PLUS_EVAL = Duration.seconds(60);

/** The seed target each alert is held to, by name (what the rules must keep honouring). */
const SEED_FOR: Readonly<Record<string, [SeedTimingKey, string]>> = {
  ArgoCDApplicationDegraded: ['deploymentFailure', '1m'],
  ArgoCDApplicationOutOfSync: ['deploymentFailure', '1m'],
  ArgoCDSyncFailed: ['deploymentFailure', '0s'],
  NodeResourcePressure: ['resourceExhaustion', '0s'],
  PodsUnschedulable: ['resourceExhaustion', '0s'],
  ClusterScaleUpTooSlow: ['scalingResponse', '3m'],
  ServiceErrorRateHigh: ['serviceDegradation', '0s'],
  ServiceLatencyHigh: ['serviceDegradation', '0s'],
  ClusterUnderutilized: ['resourceInefficiency', '24h'],
};

jest.setTimeout(120_000);

describe('observability-config', () => {
  it('is a native component in the observability namespace after Prometheus, Grafana and Mimir', () => {
    expect(c.source.type).toBe('manifests');
    expect(c.dependsOn).toEqual(['kube-prometheus-stack', 'grafana', 'mimir']);
    for (const o of objects) {
      expect(o.metadata.namespace).toBe('observability');
      expect((o.metadata as any).labels['app.kubernetes.io/instance']).toBe('observability-config');
    }
  });

  it('records every seed metric under its own name', () => {
    const recorded = new Set(records.map((r) => r.record));
    for (const m of SEED_METRICS) expect(recorded).toContain(m);
    expect(records.filter((r) => r.record === 'cluster_utilization_percentage').map((r) => r.labels.resource)).toEqual(['cpu', 'memory']);
  });

  it('builds the deployment KPIs from Argo CD metrics and the resource KPIs from kube-state-metrics and node-exporter', () => {
    const expr = (name: string) => records.filter((r) => r.record === name).map((r) => r.expr).join(' ');
    expect(expr('deployment_duration_seconds')).toContain('argocd_app_sync_duration_seconds_total');
    expect(expr('deployment_success_rate')).toContain('argocd_app_sync_total{phase="Succeeded"}');
    expect(expr('rollback_frequency')).toContain('rollout_events_total{reason="RolloutAborted"}');
    expect(expr('cluster_utilization_percentage')).toContain('node_cpu_seconds_total');
    expect(expr('pod_density_per_node')).toContain('kube_pod_info');
    expect(expr('node_resource:requests:sum')).toContain('kube_pod_container_resource_requests');
  });

  it('gives every alert a severity, a summary, a description and a runbook link to its README entry', () => {
    const readme = c.runbook!.find((r) => r.phase === 'operations')!.body;
    for (const a of [...alerts, ...forecastAlerts, ...mimirRules.filter((r) => r.alert)]) {
      expect(['critical', 'warning', 'info']).toContain(a.labels.severity);
      expect(a.annotations.summary).toBeTruthy();
      expect(a.annotations.description).toBeTruthy();
      expect(a.annotations.runbook_url).toBe(`${PROPS.runbookUrl}#${a.alert.toLowerCase()}`);
      expect(readme).toContain(`#### ${a.alert}\n`);
    }
  });

  it('holds the for: durations to the seed: failures within 2m, exhaustion within 1m, scale-up 3m, right-sizing after 24h', () => {
    for (const [alert, [seed, forText]] of Object.entries(SEED_FOR)) {
      const rule = alerts.find((a) => a.alert === alert);
      expect(rule).toBeDefined();
      expect(rule.for).toBe(forText);
      const t = SEED_TIMING[seed];
      const forDuration = Duration.parse(rule.for);
      if (t.kind === 'sustained') expect(forDuration.totalSeconds).toBe(t.limit.totalSeconds);
      else if (seed === 'serviceDegradation') expect(forDuration.totalSeconds).toBe(0);
      else expect(forDuration.plus(SCRAPE_PLUS_EVAL).totalSeconds).toBeLessThanOrEqual(t.limit.totalSeconds);
    }
  });

  it("states the real detection bound where the seed's 30 seconds is below one scrape plus one evaluation", () => {
    const errors = alerts.find((a) => a.alert === 'ServiceErrorRateHigh');
    expect(errors.annotations.detection_bound).toMatch(/^1m worst case \(for 0s \+ scrape 30s \+ evaluation 30s\); seed service_degradation: detection_time: "< 30 seconds", below what/);
    expect(errors.keep_firing_for).toBe('2m');
    expect(alerts.find((a) => a.alert === 'ArgoCDApplicationDegraded').annotations.detection_bound).toMatch(/^2m worst case/);
  });

  it('alerts on node CPU and memory above 70%, certificates within 14 days, volumes above 80% and ingestion errors', () => {
    const expr = (name: string) => alerts.find((a) => a.alert === name).expr;
    expect(expr('NodeCPUUtilizationHigh')).toMatch(/> 70$/);
    expect(expr('NodeMemoryUtilizationHigh')).toMatch(/> 70$/);
    expect(expr('CertificateExpiringSoon')).toBe('certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 24 * 3600');
    expect(expr('PersistentVolumeFillingUp')).toBe('kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > 0.8');
    expect(expr('LokiIngestionFailing')).toContain('loki_request_duration_seconds_count');
    expect(expr('MimirIngestionFailing')).toContain('cortex_request_duration_seconds_count');
  });

  it('evaluates the 30-day capacity forecast in the Mimir ruler, where the history longer than 15 days is', () => {
    expect(forecastAlerts.map((a) => a.alert)).toEqual(['CapacityForecastExceeded']);
    expect(forecastAlerts[0].expr).toContain('predict_linear(cluster_resource:requests_allocatable:ratio[30d], 30 * 24 * 3600)');
    expect(alerts.some((a) => a.expr.includes('predict_linear'))).toBe(false);
    expect(records.some((r) => r.record === 'cluster_resource:requests_allocatable:ratio')).toBe(true);
  });

  it('writes only well-formed PromQL, in rules and dashboards alike', () => {
    const exprs = [...alerts, ...records, ...forecastAlerts, ...mimirRules].map((r) => r.expr);
    for (const d of dashboards) {
      for (const p of JSON.parse(Object.values(d.data)[0] as string).panels) for (const t of p.targets ?? []) exprs.push(t.expr);
    }
    expect(exprs.length).toBeGreaterThan(40);
    for (const e of exprs) expect([e, promqlProblems(e)]).toEqual([e, []]);
  });

  it('catches unbalanced brackets, unclosed strings and ranges that are not durations', () => {
    expect(promqlProblems('sum(rate(x[5m])')).toEqual(['unclosed "(" at 3']);
    expect(promqlProblems('x{a="b}')).toEqual(['unterminated " string', 'unclosed "{" at 1']);
    expect(promqlProblems('rate(x[five])')).toEqual(['range selector "[five]" at 6 is not a duration']);
    expect(promqlProblems('(x]')).toEqual(['"(" at 0 closed by "]" at 2']);
  });

  it('ships the KPI and telemetry dashboards as sidecar ConfigMaps querying Mimir by uid', () => {
    expect(dashboards.map((d) => d.metadata.name).sort()).toEqual(['grafana-dashboard-platform-kpis', 'grafana-dashboard-telemetry-pipeline']);
    for (const d of dashboards) {
      expect(d.metadata.labels.grafana_dashboard).toBe('1');
      expect(d.metadata.annotations.grafana_folder).toBe('Platform');
      const json = JSON.parse(Object.values(d.data)[0] as string);
      for (const p of json.panels.filter((x: any) => x.type !== 'row')) expect(p.datasource).toEqual({ type: 'prometheus', uid: 'mimir' });
    }
    const kpis = kpiDashboard();
    expect(kpis.title).toBe('Platform KPIs');
    const queries = kpis.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr)).join(' ');
    for (const m of ['deployment_success_rate', 'deployment_duration_seconds', 'cluster_utilization_percentage', 'pod_density_per_node', 'resource_waste_percentage']) {
      expect(queries).toContain(m);
    }
  });

  it('shows every one of the twelve named metrics, availability, MTTR and cost on the Platform KPIs dashboard', () => {
    const used = new Set(kpiDashboard().panels.flatMap((p: any) => (p.targets ?? []).flatMap((t: any) => parsePromql(t.expr).metrics)));
    expect(SEED_METRICS).toHaveLength(12);
    for (const m of [...SEED_METRICS, 'platform:availability:ratio_rate30d', `severity:alerts_mttr_seconds:mean${MTTR_WINDOW}`, 'platform:cluster_hourly_cost:usd']) {
      expect({ m, shown: used.has(m) }).toEqual({ m, shown: true });
    }
  });

  it('lays out every dashboard panel and row header without overlaps, inside the 24-column grid', () => {
    for (const d of dashboards) {
      const boxes = JSON.parse(Object.values(d.data)[0] as string).panels.map((p: any) => ({ title: p.title, ...p.gridPos }));
      for (const b of boxes) expect(b.x + b.w).toBeLessThanOrEqual(24);
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i], boxes[j]];
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect({ a: a.title, b: b.title, overlap }).toEqual({ a: a.title, b: b.title, overlap: false });
        }
      }
    }
  });

  it('draws the availability and MTTR panels against the seed targets, 99.9% and 15 minutes', () => {
    const panel = (title: string) => kpiDashboard().panels.find((p: any) => p.title === title);
    const steps = (title: string) => panel(title).fieldConfig.defaults.thresholds.steps.map((s: any) => s.value);
    expect(steps('Availability (30 days)')).toEqual([null, 0.999]);
    expect(steps(`MTTR, critical alerts (${MTTR_WINDOW})`)).toEqual([null, 900]);
    expect(KPI_TARGETS.availability.objective).toBe(0.999);
    expect(KPI_TARGETS.mttr.limit.totalSeconds).toBe(15 * 60);
  });

  it('queries on the Platform KPIs dashboard read only series a rule records, in Prometheus or the Mimir ruler', () => {
    const recorded = new Set([...records, ...mimirRules].filter((r) => r.record).map((r) => r.record));
    const exprs: string[] = kpiDashboard().panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr));
    expect(exprs.length).toBeGreaterThan(25);
    for (const e of exprs) for (const m of parsePromql(e).metrics) expect({ e, m, recorded: recorded.has(m) }).toEqual({ e, m, recorded: true });
  });

  it("parses every rule and dashboard expression with Prometheus' own PromQL grammar", () => {
    const exprs = [...alerts, ...records, ...forecastAlerts, ...mimirRules].map((r) => r.expr as string);
    for (const d of dashboards) {
      for (const p of JSON.parse(Object.values(d.data)[0] as string).panels) for (const t of p.targets ?? []) exprs.push(t.expr);
    }
    expect(exprs.length).toBeGreaterThan(100);
    for (const e of exprs) expect({ e, errorAt: parsePromql(e).errorAt }).toEqual({ e, errorAt: undefined });
    expect(parsePromql('sum by (a) (rate(x[5m])) >').errorAt).toBeDefined();
  });

  it("records availability per service from the destination sidecars' istio_requests_total over every burn-rate window", () => {
    const g = groupOf(byName('PrometheusRule', 'platform-kpis'), 'platform-availability');
    const byRecord = (name: string) => g.rules.find((r: any) => r.record === name);
    expect(byRecord('service:istio_requests:rate5m').expr).toContain('istio_requests_total{reporter="destination"}');
    expect(byRecord('service:istio_requests:rate5m').expr).toContain('sum by (destination_service_namespace, destination_service_name)');
    expect(byRecord('service:istio_request_errors:rate5m').expr).toContain('response_code=~"5.."');
    for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d']) expect(byRecord(`service:request_errors:ratio_rate${w}`)).toBeDefined();
    const availability30d = mimirRules.find((r) => r.record === 'service:availability:ratio_rate30d');
    expect(availability30d.expr).toContain('[30d]');
    expect(records.some((r) => r.record === 'service:availability:ratio_rate30d')).toBe(false);
  });

  it('pages on a fast burn of the 99.9% error budget and warns on a slow one, each over a long and a short window', () => {
    const fast = alerts.find((a) => a.alert === 'ServiceErrorBudgetBurnFast');
    const slow = alerts.find((a) => a.alert === 'ServiceErrorBudgetBurnSlow');
    expect(fast.labels.severity).toBe('critical');
    expect(slow.labels.severity).toBe('warning');
    expect(fast.expr).toBe(
      '(service:request_errors:ratio_rate1h > 14.4 * 0.001 and service:request_errors:ratio_rate5m > 14.4 * 0.001) or ' +
        '(service:request_errors:ratio_rate6h > 6 * 0.001 and service:request_errors:ratio_rate30m > 6 * 0.001)',
    );
    expect(slow.expr).toContain('service:request_errors:ratio_rate3d > 1 * 0.001 and service:request_errors:ratio_rate6h > 1 * 0.001');
    expect(burnRateExpr(true, 0.99)).toContain('> 14.4 * 0.01 and');
  });

  it('estimates MTTR from ALERTS, detecting a start by looking back exactly the group interval', () => {
    const g = groupOf(byName('PrometheusRule', 'platform-kpis'), 'platform-mttr');
    expect(g.interval).toBe('30s');
    const started = g.rules.find((r: any) => r.record === 'severity:alerts_firing_started:count').expr;
    expect(started).toMatch(/ALERTS\{alertstate="firing"[^}]*\} unless ALERTS\{alertstate="firing"[^}]*\} offset 30s\)$/);
    const mttr = g.rules.find((r: any) => r.record === `severity:alerts_mttr_seconds:mean${MTTR_WINDOW}`).expr;
    expect(mttr).toBe('sum_over_time(severity:alerts_firing:count[7d]) * 30 / (sum_over_time(severity:alerts_firing_started:count[7d]) > 0)');
    const faster = rulesFromProps({ ...PROPS, timing: { scrapeInterval: Duration.seconds(15), evaluationInterval: Duration.seconds(15) } });
    const g2 = groupOf(faster.find((o) => o.metadata.name === 'platform-kpis'), 'platform-mttr');
    expect(g2.interval).toBe('15s');
    expect(g2.rules[1].expr).toMatch(/offset 15s\)$/);
    expect(g2.rules[2].expr).toContain('* 15 /');
    const target = alerts.find((a) => a.alert === 'MeanTimeToRecoveryAboveTarget');
    expect(target.expr).toBe(`severity:alerts_mttr_seconds:mean7d{severity="critical"} > 900`);
  });

  it('renders the price table as one series per instance type and capacity type, joined on the labels kube-state-metrics exports', () => {
    const kpis = rulesFromProps(PROPS).find((o) => o.metadata.name === 'platform-kpis');
    const rows = groupOf(kpis, 'platform-cost').rules.filter((r: any) => r.record === 'platform:instance_hourly_price:usd');
    expect(rows.map((r: any) => [r.labels[IT], r.labels[CT], r.expr])).toEqual([
      ['t3.large', 'ON_DEMAND', 'vector(0.0912)'],
      ['t3.large', 'SPOT', 'vector(0.031)'],
      ['t3.medium', 'ON_DEMAND', 'vector(0.0456)'],
    ]);
    expect(IT).toBe('label_node_kubernetes_io_instance_type');
    expect(CT).toBe('label_eks_amazonaws_com_capacity_type');
    const node = groupOf(kpis, 'platform-cost').rules.find((r: any) => r.record === 'platform:node_hourly_price:usd').expr;
    expect(node).toBe(`max by (node, ${IT}, ${CT}) (kube_node_labels) * on (${IT}, ${CT}) group_left () platform:instance_hourly_price:usd`);
  });

  it('refuses an empty price table and a price that is not a positive number', () => {
    expect(() => costGroups({})).toThrow(/prices is empty; platform\.yaml pricing\.instanceTypes/);
    expect(() => costGroups({ 't3.large': { onDemand: -1 } })).toThrow(/pricing\.instanceTypes\.t3\.large\.onDemand is -1, not a positive hourly price in US dollars; set it in platform\.yaml/);
  });

  it('computes spot savings against the same nodes on demand, and the savings realized over 7 days', () => {
    const expr = (name: string) => records.find((r) => r.record === name).expr;
    expect(expr('spot_instance_savings_percentage')).toBe(
      `100 * (1 - sum(platform:node_hourly_price:usd{${CT}="SPOT"}) / sum(platform:node_on_demand_hourly_price:usd{${CT}="SPOT"} and on (node) platform:node_hourly_price:usd))`,
    );
    expect(expr('optimization_savings_realized')).toBe('avg_over_time(platform:spot_savings_hourly:usd[7d]) * 24 * 7');
    expect(expr('cost_per_deployment')).toContain('argocd_app_sync_total{phase="Succeeded"}[1d]');
    expect(records.filter((r) => r.record === 'cost_per_resource_unit').map((r) => r.labels.resource)).toEqual(['cpu', 'memory']);
  });

  it('fires the cost anomaly when cost rose more than 20% week over week and traffic does not explain it', () => {
    expect(COST_ANOMALY.increase).toBe(0.2);
    const a = mimirRules.find((r) => r.alert === 'CostAnomaly');
    expect(a.expr).toBe('platform:cluster_hourly_cost:ratio_wow > 1.2 unless on () (platform:cluster_hourly_cost:ratio_wow / platform:istio_requests:ratio_wow <= 1.2)');
    expect(a.labels.severity).toBe('warning');
    expect(a.annotations.runbook_url).toMatch(/#costanomaly$/);
    expect(mimirRules.find((r) => r.record === 'platform:cluster_hourly_cost:ratio_wow').expr).toContain('offset 7d');
  });

  it('refuses a scrape interval that makes a seed detection time unreachable', () => {
    const props = { ...PROPS, timing: { scrapeInterval: Duration.minutes(2), evaluationInterval: Duration.minutes(2) } };
    expect(() => new ObservabilityConfigChart(new App(), 'x', props)).toThrow(
      /alert ArgoCDApplicationDegraded: for 1m \+ scrape 2m \+ evaluation 2m = 5m misses the seed's deployment_failure: detection_time: "< 2 minutes"; shorten for/,
    );
    expect(observabilityConfigComponent(props).id).toBe('observability-config');
  });
});


