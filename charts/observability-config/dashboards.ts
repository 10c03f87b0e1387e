/**
 * Grafana dashboards as code: plain dashboard JSON (schemaVersion 39) built from the recording
 * rules, so a panel and its rule cannot drift apart. Panel queries use the Mimir data source by uid.
 */

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
  readonly w?: number;
  readonly h?: number;
}

function panels(datasourceUid: string, specs: readonly PanelSpec[]): Record<string, unknown>[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((p, i) => {
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

function dashboard(uid: string, title: string, description: string, datasourceUid: string, specs: readonly PanelSpec[]): Dashboard {
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

/** The seed's KPIs ("Success Metrics and KPIs") next to their targets. */
export function platformKpiDashboard(datasourceUid: string): Dashboard {
  return dashboard('platform-kpis', 'Platform KPIs', "The efficiency guide's deployment and resource KPIs, with its targets as thresholds.", datasourceUid, [
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
      title: 'Resource waste',
      type: 'stat',
      description: 'Requested but unused CPU and memory, as a share of requests. Target < 15%.',
      targets: [{ expr: 'resource_waste_percentage', legend: '{{resource}}' }],
      unit: 'percent',
      thresholds: [[null, 'green'], [15, 'orange']],
    },
    {
      title: 'Deployment duration by application (1h mean)',
      type: 'timeseries',
      description: 'Mean Argo CD sync duration per application over the last hour.',
      targets: [{ expr: 'deployment_duration_seconds', legend: '{{name}}' }],
      unit: 's',
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
  ]);
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
