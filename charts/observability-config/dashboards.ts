/**
 * Grafana dashboards as code: plain dashboard JSON (schemaVersion 39) built from the recording
 * rules, so a panel and its rule cannot drift apart. Panel queries use the Mimir data source by uid.
 */
import { COST_ANOMALY, errorBudget, KPI_TARGETS, MTTR_WINDOW } from './kpis';
import { ksmLabelName, NODE_COST_LABELS } from '../../lib/node-cost-labels';

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly json: Record<string, unknown>;
}

interface Target {
  readonly expr: string;
  readonly legend?: string;
}

interface PanelSpec {
  readonly title: string;
  readonly type: 'stat' | 'timeseries' | 'gauge' | 'bargauge';
  readonly targets: readonly Target[];
  readonly unit: string;
  readonly description: string;
  /** Ascending thresholds: the base colour, then [value, colour] steps. */
  readonly thresholds?: readonly (readonly [number | null, string])[];
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  readonly w?: number;
  readonly h?: number;
}

/** A row header: a full-width title above the panels that follow it. */
interface RowSpec {
  readonly row: string;
}

type Spec = PanelSpec | RowSpec;

function panels(datasourceUid: string, specs: readonly Spec[]): Record<string, unknown>[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((p, i) => {
    if ('row' in p) {
      const rowY = x === 0 ? y : y + rowHeight;
      x = 0;
      y = rowY + 1;
      rowHeight = 0;
      return { collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: rowY }, id: i + 1, panels: [], title: p.row, type: 'row' };
    }
    const w = p.w ?? 8;
    const h = p.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { h, w, x, y };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    const datasource = { type: 'prometheus', uid: datasourceUid };
    return {
      datasource,
      description: p.description,
      fieldConfig: {
        defaults: {
          unit: p.unit,
          ...(p.min !== undefined ? { min: p.min } : {}),
          ...(p.max !== undefined ? { max: p.max } : {}),
          ...(p.decimals !== undefined ? { decimals: p.decimals } : {}),
          thresholds: {
            mode: 'absolute',
            steps: (p.thresholds ?? [[null, 'green']]).map(([value, color]) => ({ color, value })),
          },
        },
        overrides: [],
      },
      gridPos,
      id: i + 1,
      options: p.type === 'timeseries' ? { legend: { displayMode: 'list', placement: 'bottom' } } : { reduceOptions: { calcs: ['lastNotNull'] } },
      targets: p.targets.map((t, j) => ({
        datasource,
        expr: t.expr,
        ...(t.legend ? { legendFormat: t.legend } : {}),
        refId: String.fromCharCode(65 + j),
      })),
      title: p.title,
      type: p.type,
    };
  });
}

function dashboard(uid: string, title: string, description: string, datasourceUid: string, specs: readonly Spec[]): Dashboard {
  return {
    uid,
    title,
    json: {
      annotations: { list: [] },
      description,
      editable: false,
      panels: panels(datasourceUid, specs),
      refresh: '1m',
      schemaVersion: 39,
      tags: ['platform'],
      time: { from: 'now-24h', to: 'now' },
      timezone: 'utc',
      title,
      uid,
      version: 1,
    },
  };
}

/**
 * The seed's KPIs ("Success Metrics and KPIs") next to their targets: availability and MTTR, the
 * twelve named metrics ("Real-Time Performance Tracking") and cost. Every query reads a recorded
 * series (rules.ts, kpis.ts), so a panel cannot drift from its rule.
 */
export function platformKpiDashboard(datasourceUid: string): Dashboard {
  const objective = KPI_TARGETS.availability.objective;
  const budget = errorBudget();
  const mttr = KPI_TARGETS.mttr.limit;
  const service = '{{destination_service_namespace}}/{{destination_service_name}}';
  const it = ksmLabelName(NODE_COST_LABELS.instanceType);
  const ct = ksmLabelName(NODE_COST_LABELS.capacityType);
  const anomaly = 1 + COST_ANOMALY.increase;
  return dashboard(
    'platform-kpis',
    'Platform KPIs',
    "The efficiency guide's KPIs and its twelve named metrics, with its targets as thresholds. Cost is EC2 nodes priced from platform.yaml `pricing` (no cost tool runs).",
    datasourceUid,
    [
      { row: `Reliability: availability > ${objective * 100}%, MTTR < ${mttr}` },
      {
        title: 'Availability (30 days)',
        type: 'stat',
        description: `Requests answered without a 5xx over the last 30 days, all services (Istio, destination sidecars). Target > ${objective * 100}%.`,
        targets: [{ expr: 'platform:availability:ratio_rate30d' }],
        unit: 'percentunit',
        decimals: 3,
        thresholds: [[null, 'red'], [objective, 'green']],
        w: 6,
      },
      {
        title: `MTTR, critical alerts (${MTTR_WINDOW})`,
        type: 'stat',
        description: `Mean time critical alerts fire before they resolve, estimated from ALERTS over ${MTTR_WINDOW} (firing time over firing periods started; README "KPIs and cost"). Target < ${mttr}.`,
        targets: [{ expr: `severity:alerts_mttr_seconds:mean${MTTR_WINDOW}{severity="critical"}` }],
        unit: 's',
        thresholds: [[null, 'green'], [mttr.totalSeconds, 'red']],
        w: 6,
      },
      {
        title: 'Availability by service (30 days)',
        type: 'bargauge',
        description: `Each service's share of requests answered without a 5xx over the last 30 days. Target > ${objective * 100}%.`,
        targets: [{ expr: 'service:availability:ratio_rate30d', legend: service }],
        unit: 'percentunit',
        decimals: 3,
        min: 0.99,
        max: 1,
        thresholds: [[null, 'red'], [objective, 'green']],
        w: 12,
      },
      {
        title: 'Availability (5m) against the objective',
        type: 'timeseries',
        description: 'All services, over 5-minute windows, with the objective.',
        targets: [
          { expr: 'platform:availability:ratio_rate5m', legend: 'availability' },
          { expr: `vector(${objective})`, legend: 'objective' },
        ],
        unit: 'percentunit',
        w: 12,
      },
      {
        title: 'MTTR by severity',
        type: 'timeseries',
        description: `Mean firing duration of critical and warning alerts over the trailing ${MTTR_WINDOW}. Target (critical) < ${mttr}.`,
        targets: [{ expr: `severity:alerts_mttr_seconds:mean${MTTR_WINDOW}`, legend: '{{severity}}' }],
        unit: 's',
        thresholds: [[null, 'green'], [mttr.totalSeconds, 'red']],
        w: 12,
      },
      {
        title: 'Error budget left (30 days)',
        type: 'bargauge',
        description: `Share of each service's 30-day error budget (${budget * 100}% of requests) not yet spent.`,
        targets: [{ expr: 'service:error_budget_remaining:ratio_rate30d', legend: service }],
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: [[null, 'red'], [0.25, 'orange'], [0.5, 'green']],
        w: 12,
      },
      {
        title: 'Error budget burn rate (1h)',
        type: 'timeseries',
        description: 'How many times faster than the objective allows each service spends its budget: 14.4 over 1h pages (ServiceErrorBudgetBurnFast), 1 spends it exactly in 30 days.',
        targets: [{ expr: `service:request_errors:ratio_rate1h / ${budget}`, legend: service }],
        unit: 'short',
        thresholds: [[null, 'green'], [6, 'orange'], [14.4, 'red']],
        w: 12,
      },
      { row: 'Deployment' },
      {
        title: 'Deployment success rate (24h)',
        type: 'stat',
        description: 'Argo CD syncs that succeeded over the last day. Target > 95%.',
        targets: [{ expr: 'deployment_success_rate' }],
        unit: 'percentunit',
        thresholds: [[null, 'red'], [0.95, 'green']],
      },
      {
        title: 'Rollback frequency (24h)',
        type: 'stat',
        description: 'Argo Rollouts aborts per successful sync over the last day. Target < 5%.',
        targets: [{ expr: 'rollback_frequency' }],
        unit: 'percentunit',
        thresholds: [[null, 'green'], [0.05, 'red']],
      },
      {
        title: 'Resource provisioning time (1h)',
        type: 'stat',
        description: 'Mean time from pod creation to Ready (scheduling, any node scale-up, image pull, sidecar, probes) of the pods created in the last hour.',
        targets: [{ expr: 'resource_provisioning_time' }],
        unit: 's',
      },
      {
        title: 'Deployment duration by application (1h mean)',
        type: 'timeseries',
        description: 'Mean Argo CD sync duration per application over the last hour.',
        targets: [{ expr: 'deployment_duration_seconds', legend: '{{name}}' }],
        unit: 's',
        w: 24,
      },
      { row: 'Resources' },
      {
        title: 'Resource waste',
        type: 'stat',
        description: 'Requested but unused CPU and memory, as a share of requests. Target < 15%.',
        targets: [{ expr: 'resource_waste_percentage', legend: '{{resource}}' }],
        unit: 'percent',
        thresholds: [[null, 'green'], [15, 'orange']],
        w: 12,
      },
      {
        title: 'Cluster utilization',
        type: 'gauge',
        description: 'CPU and memory in use across all nodes. Target 70-80%; below 60% for 24h triggers right-sizing.',
        targets: [{ expr: 'cluster_utilization_percentage', legend: '{{resource}}' }],
        unit: 'percent',
        min: 0,
        max: 100,
        thresholds: [[null, 'blue'], [60, 'green'], [80, 'orange']],
        w: 12,
      },
      {
        title: 'Node efficiency score',
        type: 'bargauge',
        description: "Each node's CPU and memory requests against its allocatable capacity (mean of the two).",
        targets: [{ expr: 'node_efficiency_score', legend: '{{node}}' }],
        unit: 'percent',
        min: 0,
        max: 100,
        thresholds: [[null, 'blue'], [60, 'green'], [90, 'orange']],
        w: 12,
      },
      {
        title: 'Pod density per node',
        type: 'bargauge',
        description: 'Running pods per node (prefix delegation raises the per-node pod limit).',
        targets: [{ expr: 'pod_density_per_node', legend: '{{node}}' }],
        unit: 'short',
        w: 12,
      },
      {
        title: 'Requests against allocatable, and the 30-day forecast',
        type: 'timeseries',
        description: 'Cluster requests over allocatable now, and predicted 30 days ahead from the last 30 days (the CapacityForecastExceeded alert, evaluated by the Mimir ruler).',
        targets: [
          { expr: 'max by (resource) (cluster_resource:requests_allocatable:ratio)', legend: '{{resource}} now' },
          { expr: 'max by (resource) (predict_linear(cluster_resource:requests_allocatable:ratio[30d], 30 * 24 * 3600))', legend: '{{resource}} in 30 days' },
        ],
        unit: 'percentunit',
        thresholds: [[null, 'green'], [0.8, 'orange']],
        w: 24,
      },
      { row: 'Cost (EC2 nodes at the prices in platform.yaml)' },
      {
        title: 'Node cost per hour',
        type: 'stat',
        description: 'What the running nodes cost an hour at the configured prices: EC2 instances only (no control plane, EBS, load balancers, NAT or data transfer).',
        targets: [{ expr: 'platform:cluster_hourly_cost:usd' }],
        unit: 'currencyUSD',
        decimals: 2,
        w: 6,
      },
      {
        title: 'Cost per deployment (24h)',
        type: 'stat',
        description: "The last day's node cost per successful Argo CD sync that day.",
        targets: [{ expr: 'cost_per_deployment' }],
        unit: 'currencyUSD',
        decimals: 2,
        w: 6,
      },
      {
        title: 'Spot savings',
        type: 'stat',
        description: `What spot nodes cost less than the same nodes on demand. Target ${KPI_TARGETS.spotSavings.low}-${KPI_TARGETS.spotSavings.high}%.`,
        targets: [{ expr: 'spot_instance_savings_percentage' }],
        unit: 'percent',
        thresholds: [[null, 'orange'], [KPI_TARGETS.spotSavings.low, 'green']],
        w: 6,
      },
      {
        title: 'Savings realized (7 days)',
        type: 'stat',
        description: 'US dollars spot saved over the last 7 days against running the same nodes on demand.',
        targets: [{ expr: 'optimization_savings_realized', legend: '{{optimization}}' }],
        unit: 'currencyUSD',
        decimals: 2,
        w: 6,
      },
      {
        title: 'Cost per resource unit',
        type: 'bargauge',
        description: "US dollars per allocatable vCPU-hour and per GiB-hour: each node's price split between its CPU and memory by OpenCost's default weights.",
        targets: [{ expr: 'cost_per_resource_unit', legend: '{{resource}} ({{unit}})' }],
        unit: 'currencyUSD',
        decimals: 4,
        w: 12,
      },
      {
        title: 'Cost and traffic, week over week',
        type: 'timeseries',
        description: `Mean hourly node cost and served requests of the last 7 days against the 7 before. Cost above ${anomaly * 100}% without traffic to match fires CostAnomaly.`,
        targets: [
          { expr: 'platform:cluster_hourly_cost:ratio_wow', legend: 'cost' },
          { expr: 'platform:istio_requests:ratio_wow', legend: 'requests' },
        ],
        unit: 'percentunit',
        thresholds: [[null, 'green'], [anomaly, 'red']],
        w: 12,
      },
      {
        title: 'Cost per hour by node',
        type: 'bargauge',
        description: 'Each node at its configured price. A node missing here has no price (NodeWithoutPrice).',
        targets: [{ expr: 'platform:node_hourly_price:usd', legend: `{{node}} {{${it}}} {{${ct}}}` }],
        unit: 'currencyUSD',
        decimals: 4,
        w: 18,
      },
      {
        title: 'Nodes without a price',
        type: 'stat',
        description: 'Nodes whose instance type or capacity type platform.yaml `pricing` lacks: the cost panels leave them out.',
        targets: [{ expr: 'platform:nodes_unpriced:count' }],
        unit: 'short',
        thresholds: [[null, 'green'], [1, 'orange']],
        w: 6,
      },
    ],
  );
}

/** Whether telemetry reaches the stores: the pipeline the ingestion alerts watch. */
export function telemetryPipelineDashboard(datasourceUid: string): Dashboard {
  return dashboard('telemetry-pipeline', 'Telemetry pipeline', 'Ingestion into Mimir, Loki and Tempo, and what is rejected or fails on the way.', datasourceUid, [
    {
      title: 'Mimir samples received',
      type: 'timeseries',
      description: 'Samples per second the distributors accept (Prometheus remote write and OTLP).',
      targets: [{ expr: 'sum(rate(cortex_distributor_received_samples_total[5m]))', legend: 'samples/s' }],
      unit: 'short',
    },
    {
      title: 'Loki bytes received',
      type: 'timeseries',
      description: 'Log bytes per second Loki accepts.',
      targets: [{ expr: 'sum(rate(loki_distributor_bytes_received_total[5m]))', legend: 'bytes/s' }],
      unit: 'Bps',
    },
    {
      title: 'Tempo spans received',
      type: 'timeseries',
      description: 'Spans per second Tempo accepts.',
      targets: [{ expr: 'sum(rate(tempo_distributor_spans_received_total[5m]))', legend: 'spans/s' }],
      unit: 'short',
    },
    {
      title: 'Rejected by the stores',
      type: 'timeseries',
      description: 'Samples Mimir and log lines Loki discard, by reason.',
      targets: [
        { expr: 'sum by (reason) (rate(cortex_discarded_samples_total[5m]))', legend: 'mimir {{reason}}' },
        { expr: 'sum by (reason) (rate(loki_discarded_samples_total[5m]))', legend: 'loki {{reason}}' },
      ],
      unit: 'short',
      w: 12,
    },
    {
      title: 'Delivery failures',
      type: 'timeseries',
      description: 'Prometheus remote-write and collector exporter failures.',
      targets: [
        { expr: 'sum(rate(prometheus_remote_storage_samples_failed_total[5m]))', legend: 'prometheus remote write' },
        { expr: 'sum by (exporter) (rate(otelcol_exporter_send_failed_log_records_total[5m]))', legend: '{{exporter}} logs' },
        { expr: 'sum by (exporter) (rate(otelcol_exporter_send_failed_spans_total[5m]))', legend: '{{exporter}} spans' },
        { expr: 'sum by (exporter) (rate(otelcol_exporter_send_failed_metric_points_total[5m]))', legend: '{{exporter}} metrics' },
      ],
      unit: 'short',
      w: 12,
    },
  ]);
}
