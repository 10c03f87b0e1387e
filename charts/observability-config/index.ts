/**
 * observability-config: what we author for the observability stack, rendered natively after the
 * Prometheus Operator and Grafana are up.
 *
 * - PrometheusRule `platform-kpis`: recording rules named after the seed's twelve metrics, and the
 *   KPIs behind them (kpis.ts): availability per service from the mesh, MTTR from ALERTS, and cost
 *   from the price table in platform.yaml joined with the nodes' instance and capacity types.
 * - PrometheusRule `platform-alerts`: the seed's triggers and recovery targets. Each alert carries
 *   a severity, a summary, a description and a runbook_url into the bootstrap README, where the
 *   runbook of every alert is rendered (this component's operations section). Alerts held to a
 *   seed detection time carry `detection_bound`: `for:` plus one scrape and one evaluation, the
 *   real worst case; construction fails when a bound misses the seed (except where the seed asks
 *   for less than one scrape interval, which the annotation states).
 * - ConfigMap for the Mimir ruler: the 30-day capacity forecast, the 30-day availability and the
 *   week-over-week cost comparison with its cost-anomaly alert, evaluated where more than 15 days
 *   of history live (Mimir), mounted read-only into the ruler.
 * - Grafana dashboards as ConfigMaps for the sidecar: the platform KPIs and the telemetry pipeline.
 */
import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as yaml from 'js-yaml';
import { PrometheusRule, PrometheusRuleSpecGroups, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import type { PlatformComponentId } from '../../config/ids';
import { PlatformComponent, manifests, RunbookSection, Workflow } from '../../lib/component';
import { standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { Dashboard, platformKpiDashboard, telemetryPipelineDashboard } from './dashboards';
import { availabilityGroups, costGroups, kpiAlertGroups, mimirAlertGroups, mimirRecordingGroups, mttrGroups, PriceTable } from './kpis';
import { checkPromql } from './promql';
import { AlertSpec, alertGroups, detectionBound, forecastGroups, Group, RecordingSpec, recordingGroups, RuleTiming, SEED_TIMING } from './rules';

export interface ObservabilityConfigProps {
  readonly namespace: string;
  /** Prometheus' scrape and evaluation intervals: the floor under every detection time. */
  readonly timing: RuleTiming;
  /** The rendered bootstrap README; each alert's runbook_url is `<url>#<alert name, lowercase>`. */
  readonly runbookUrl: string;
  /** What the Grafana dashboard sidecar loads, and the uid of the metrics data source. */
  readonly grafana: { readonly datasourceUid: string; readonly label: string; readonly labelValue: string; readonly folderAnnotation: string };
  /** Name of the ConfigMap the Mimir ruler mounts its rule files from. */
  readonly mimirRulesConfigMap: string;
  /** Hourly EC2 prices per instance type in the cluster's region (platform.yaml `pricing`): the cost KPIs' only source of cost. */
  readonly prices: PriceTable;
  /** Grafana folder of our dashboards. @default DEFAULTS.folder */
  readonly folder?: string;
}

export const DEFAULTS = {
  folder: 'Platform',
} as const;

/** This component's id: its Argo CD Application name. */
export const ID = 'observability-config' satisfies PlatformComponentId;

/**
 * One rule in Prometheus' rule-file format, which the Mimir ruler ConfigMap takes as it is. The
 * PrometheusRule construct takes the same rules through `toCrdGroups`: its generated type
 * (imports/monitoring.coreos.com.ts) wraps `expr` in an IntOrString class and names
 * `keep_firing_for` `keepFiringFor`, which only the construct's toJson turns back.
 */
interface RuleFileRule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

interface RuleFileGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly RuleFileRule[];
}

function toCrdGroups(gs: readonly RuleFileGroup[]): PrometheusRuleSpecGroups[] {
  return gs.map((g) => ({
    name: g.name,
    interval: g.interval,
    rules: g.rules.map((r) => ({
      record: r.record,
      alert: r.alert,
      expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
      for: r.for,
      keepFiringFor: r.keep_firing_for,
      labels: r.labels,
      annotations: r.annotations,
    })),
  }));
}

/** The annotation stating an alert's real detection bound against its seed target. */
export function detectionBoundText(a: AlertSpec, timing: RuleTiming): string | undefined {
  if (!a.seed || SEED_TIMING[a.seed].kind !== 'detection') return undefined;
  const seed = SEED_TIMING[a.seed];
  const bound = detectionBound(a.for, timing);
  const reachable = bound.totalSeconds <= seed.limit.totalSeconds;
  return `${bound} worst case (for ${a.for} + scrape ${timing.scrapeInterval} + evaluation ${timing.evaluationInterval}); seed ${seed.quote}` +
    (reachable ? '' : `, below what a ${timing.scrapeInterval} scrape and ${timing.evaluationInterval} evaluation can observe: this alert fires as early as they allow`);
}

/** Rejects an alert whose `for:` cannot meet its seed target. */
function checkSeedTiming(a: AlertSpec, timing: RuleTiming): void {
  if (!a.seed) return;
  const seed = SEED_TIMING[a.seed];
  if (seed.kind === 'sustained' && a.for.totalSeconds !== seed.limit.totalSeconds) {
    throw new Error(`alert ${a.alert}: for ${a.for} must equal the seed's ${seed.limit} (${seed.quote})`);
  }
  const bound = detectionBound(a.for, timing);
  if (seed.kind === 'detection' && bound.totalSeconds > seed.limit.totalSeconds && a.for.totalSeconds > 0) {
    throw new Error(`alert ${a.alert}: for ${a.for} + scrape ${timing.scrapeInterval} + evaluation ${timing.evaluationInterval} = ${bound} misses the seed's ${seed.quote}; shorten for`);
  }
}

function alertRule(a: AlertSpec, props: ObservabilityConfigProps): RuleFileRule {
  checkSeedTiming(a, props.timing);
  const bound = detectionBoundText(a, props.timing);
  return {
    alert: a.alert,
    expr: checkPromql(a.alert, a.expr),
    for: a.for.toString(),
    ...(a.keepFiringFor ? { keep_firing_for: a.keepFiringFor.toString() } : {}),
    labels: { severity: a.severity },
    annotations: {
      summary: a.summary,
      description: a.description,
      runbook_url: `${props.runbookUrl}#${a.alert.toLowerCase()}`,
      ...(bound ? { detection_bound: bound } : {}),
    },
  };
}

function recordingRule(r: RecordingSpec): RuleFileRule {
  return { record: r.record, expr: checkPromql(r.record, r.expr), ...(r.labels ? { labels: r.labels } : {}) };
}

function groups<T>(gs: readonly Group<T>[], render: (rule: T) => RuleFileRule): RuleFileGroup[] {
  return gs.map((g) => ({ name: g.name, ...(g.interval ? { interval: g.interval.toString() } : {}), rules: g.rules.map(render) }));
}

export class ObservabilityConfigChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: ObservabilityConfigProps) {
    super(scope, id);
    const ns = props.namespace;
    const meta = (name: string, component: string, extra: Partial<ApiObjectMetadata> = {}): ApiObjectMetadata => ({
      name,
      namespace: ns,
      ...extra,
      labels: { ...standardLabels({ name, instance: ID, component }), ...(extra.labels ?? {}) },
    });
    new PrometheusRule(this, 'platform-kpis', {
      metadata: meta('platform-kpis', 'rules'),
      spec: {
        groups: toCrdGroups([
          ...groups(recordingGroups(), recordingRule),
          ...groups(availabilityGroups(), recordingRule),
          ...groups(mttrGroups(props.timing), recordingRule),
          ...groups(costGroups(props.prices), recordingRule),
        ]),
      },
    });
    new PrometheusRule(this, 'platform-alerts', {
      metadata: meta('platform-alerts', 'rules'),
      spec: { groups: toCrdGroups(groups([...alertGroups(), ...kpiAlertGroups()], (a) => alertRule(a, props))) },
    });
    new k8s.KubeConfigMap(this, 'mimir-rules', {
      metadata: meta(props.mimirRulesConfigMap, 'rules'),
      data: {
        'capacity-forecast.yaml': ruleFile(groups(forecastGroups(), (a) => alertRule(a, props))),
        'platform-kpis.yaml': ruleFile([...groups(mimirRecordingGroups(), recordingRule), ...groups(mimirAlertGroups(), (a) => alertRule(a, props))]),
      },
    });
    for (const d of dashboards(props.grafana.datasourceUid)) {
      const name = `grafana-dashboard-${d.uid}`;
      new k8s.KubeConfigMap(this, name, {
        metadata: meta(name, 'dashboard', {
          labels: { [props.grafana.label]: props.grafana.labelValue },
          annotations: { [props.grafana.folderAnnotation]: props.folder ?? DEFAULTS.folder },
        }),
        data: { [`${d.uid}.json`]: `${JSON.stringify(d.json, null, 2)}\n` },
      });
    }
  }
}

/** A rule file as Prometheus and the Mimir ruler read it. */
function ruleFile(gs: readonly RuleFileGroup[]): string {
  return yaml.dump({ groups: gs }, { sortKeys: true, lineWidth: -1, noRefs: true });
}

function dashboards(datasourceUid: string): Dashboard[] {
  return [platformKpiDashboard(datasourceUid), telemetryPipelineDashboard(datasourceUid)];
}

/** Every alert, for the runbook section (Prometheus' and the Mimir ruler's). */
export function allAlerts(): AlertSpec[] {
  return [...alertGroups(), ...kpiAlertGroups(), ...forecastGroups(), ...mimirAlertGroups()].flatMap((g) => [...g.rules]);
}

function runbookSection(): RunbookSection {
  const entries = allAlerts()
    .slice()
    .sort((a, b) => a.alert.localeCompare(b.alert))
    .map((a) => `#### ${a.alert}\n\n${a.severity}: ${a.summary.replace(/\{\{[^}]*\}\}/g, '…')}\n\n${a.runbook}\n`);
  return {
    phase: 'operations',
    title: 'Alert runbooks',
    body: `Every platform alert's \`runbook_url\` points to its entry here.\n\n${entries.join('\n')}`,
  };
}

export function observabilityConfigComponent(props: ObservabilityConfigProps): PlatformComponent {
  return {
    id: ID,
    workflow: Workflow.Observability,
    namespace: props.namespace,
    // The PrometheusRule CRD's operator (its admission webhook validates the rules), Grafana's
    // sidecar for the dashboards, and the Mimir ruler that mounts the forecast.
    dependsOn: ['kube-prometheus-stack', 'grafana', 'mimir'],
    source: manifests((scope) => new ObservabilityConfigChart(scope, ID, props)),
    runbook: [runbookSection()],
  };
}

