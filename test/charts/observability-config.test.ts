import * as yaml from 'js-yaml';
import { ObservabilityConfigChart, observabilityConfigComponent } from '../../charts/observability-config';
import { promqlProblems } from '../../charts/observability-config/promql';
import { applicationNotHealthyPastGate, SEED_METRICS, SEED_TIMING, SeedTimingKey } from '../../charts/observability-config/rules';
import { Duration } from '../../lib/duration';
import { ManifestSource, READINESS_GATES, Workflow, WORKFLOW_ORDER } from '../../lib/component';
import { synthObjects } from '../../lib/render';
import { component, fixtureEnvironment, renderedFixture } from '../support';
import { App } from 'cdk8s';

const prod = fixtureEnvironment('prod');
const c = component(prod, 'observability-config');
const objects = synthObjects(c.source as ManifestSource);
const byName = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as any;
const rulesOf = (o: any): any[] => o.spec.groups.flatMap((g: any) => g.rules);
const alerts = rulesOf(byName('PrometheusRule', 'platform-alerts'));
const records = rulesOf(byName('PrometheusRule', 'platform-kpis'));
const forecast = yaml.load(byName('ConfigMap', 'mimir-ruler-rules').data['capacity-forecast.yaml']) as any;
const forecastAlerts: any[] = forecast.groups.flatMap((g: any) => g.rules);
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
    for (const a of [...alerts, ...forecastAlerts]) {
      expect(['critical', 'warning', 'info']).toContain(a.labels.severity);
      expect(a.annotations.summary).toBeTruthy();
      expect(a.annotations.description).toBeTruthy();
      expect(a.annotations.runbook_url).toBe(`https://github.com/acme/platform-gitops/blob/main/dist/prod/bootstrap/README.md#${a.alert.toLowerCase()}`);
      expect(readme).toContain(`#### ${a.alert}\n`);
    }
  });

  it('renders the runbooks into the bootstrap README the runbook links point to', async () => {
    const tree = await renderedFixture('prod');
    const readme = tree.get('prod/bootstrap/README.md')!;
    expect(readme).toContain('#### ArgoCDSyncFailed');
    expect(readme).toContain('#### CapacityForecastExceeded');
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

  it('alerts when an Application stays out of Healthy longer than its workflow readiness gate', () => {
    const rule = alerts.find((a) => a.alert === 'ArgoCDApplicationNotHealthy');
    expect(rule).toBeDefined();
    const shortest = Math.min(...Object.values(READINESS_GATES).map((g) => g.timeoutSeconds));
    expect(Duration.parse(rule.for).totalSeconds).toBe(shortest);
    expect(rule.labels.severity).toBe('warning');
    // One branch per gate; each workflow's project in exactly one of them, checked back in steps of
    // at most `for:` until its whole gate is covered. The root app (project root) is left out.
    const branches: string[] = rule.expr.split(' or ');
    expect(branches).toHaveLength(new Set(Object.values(READINESS_GATES).map((g) => g.timeoutSeconds)).size);
    for (const wf of WORKFLOW_ORDER) {
      const mine = branches.filter((b) => new RegExp(`project=~"[^"]*\\b${wf}\\b`).test(b));
      expect({ wf, branches: mine.length }).toEqual({ wf, branches: 1 });
      const offsets = [0, ...[...mine[0].matchAll(/offset (\d+[smh])/g)].map((m) => Duration.parse(m[1]).totalSeconds)].sort((a, b) => a - b);
      for (let i = 1; i < offsets.length; i++) expect(offsets[i] - offsets[i - 1]).toBeLessThanOrEqual(shortest);
      expect({ wf, covered: offsets[offsets.length - 1] + shortest }).toEqual({ wf, covered: READINESS_GATES[wf].timeoutSeconds });
      expect(mine[0]).toContain('argocd_app_info{health_status!="Healthy"');
      expect(mine[0]).toContain('max by (name, project)');
    }
    expect(rule.expr).not.toContain('root');
    expect(rule.annotations.runbook_url).toMatch(/README\.md#argocdapplicationnothealthy$/);
  });

  it('covers a gate that is no multiple of the shortest without a gap', () => {
    const gates = { ...READINESS_GATES, [Workflow.Ingress]: { timeoutSeconds: 700, retryIntervalSeconds: 60 } };
    const a = applicationNotHealthyPastGate(gates);
    expect(a.for.toString()).toBe('5m');
    const ingress = a.expr.split(' or ').find((b) => b.includes('project=~"ingress"'))!;
    expect([...ingress.matchAll(/offset (\d+[smh])/g)].map((m) => m[1])).toEqual(['5m', '400s']);
  });

  it('evaluates the 30-day capacity forecast in the Mimir ruler, where the history longer than 15 days is', () => {
    expect(forecastAlerts.map((a) => a.alert)).toEqual(['CapacityForecastExceeded']);
    expect(forecastAlerts[0].expr).toContain('predict_linear(cluster_resource:requests_allocatable:ratio[30d], 30 * 24 * 3600)');
    expect(alerts.some((a) => a.expr.includes('predict_linear'))).toBe(false);
    expect(records.some((r) => r.record === 'cluster_resource:requests_allocatable:ratio')).toBe(true);
  });

  it('writes only well-formed PromQL, in rules and dashboards alike', () => {
    const exprs = [...alerts, ...records, ...forecastAlerts].map((r) => r.expr);
    for (const d of dashboards) {
      for (const p of JSON.parse(Object.values(d.data)[0] as string).panels) for (const t of p.targets) exprs.push(t.expr);
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
      for (const p of json.panels) expect(p.datasource).toEqual({ type: 'prometheus', uid: 'mimir' });
    }
    const kpis = JSON.parse(byName('ConfigMap', 'grafana-dashboard-platform-kpis').data['platform-kpis.json']);
    const queries = kpis.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)).join(' ');
    for (const m of ['deployment_success_rate', 'deployment_duration_seconds', 'cluster_utilization_percentage', 'pod_density_per_node', 'resource_waste_percentage']) {
      expect(queries).toContain(m);
    }
  });

  it('refuses a scrape interval that makes a seed detection time unreachable', () => {
    const props = {
      namespace: 'observability',
      timing: { scrapeInterval: Duration.minutes(2), evaluationInterval: Duration.minutes(2) },
      runbookUrl: 'https://example.com/README.md',
      grafana: { datasourceUid: 'mimir', label: 'grafana_dashboard', labelValue: '1', folderAnnotation: 'grafana_folder' },
      mimirRulesConfigMap: 'mimir-ruler-rules',
    };
    expect(() => new ObservabilityConfigChart(new App(), 'x', props)).toThrow(
      /alert ArgoCDApplicationDegraded: for 1m \+ scrape 2m \+ evaluation 2m = 5m misses the seed's deployment_failure: detection_time: "< 2 minutes"; shorten for/,
    );
    expect(observabilityConfigComponent(props).id).toBe('observability-config');
  });
});


