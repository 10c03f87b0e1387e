/**
 * The efficiency guide's KPIs that need more than one exporter's metric: availability against
 * 99.9%, MTTR against 15 minutes, resource_provisioning_time, and the cost metrics
 * (cost_per_deployment, cost_per_resource_unit, optimization_savings_realized,
 * spot_instance_savings_percentage) with the cost-anomaly alert.
 *
 * Availability comes from Istio's `istio_requests_total` as the destination's sidecar reports it
 * (`reporter="destination"`), not from emissary's Envoy metrics: every service has a sidecar, so
 * the mesh sees every request a service answers (from emissary, from another service, from a
 * job), while emissary sees only the public services' edge traffic. What neither sees: a request
 * that never reaches a sidecar (no ready endpoint, the load balancer failing); emissary answers
 * those with a 503 of its own, counted in its `envoy_cluster_upstream_rq` and not here.
 *
 * Cost: no cost tool runs. Each node is priced from platform.yaml `pricing` (hourly EC2 prices per
 * instance type and capacity type) joined on the node labels kube-state-metrics exports
 * (lib/node-cost-labels.ts). EC2 instances only: the EKS control plane, EBS volumes, load
 * balancers, NAT gateways and data transfer are not counted.
 *
 * Windows longer than Prometheus keeps (15 days) are evaluated by the Mimir ruler
 * (`mimirRulerGroups`): the 30-day availability and the week-over-week cost comparison.
 */
import { Duration } from '../../lib/duration';
import { CapacityType, ksmLabelName, NODE_COST_LABELS } from '../../lib/node-cost-labels';
import type { AlertSpec, Group, RecordingSpec, RuleTiming } from './rules';

/** The seed's KPI targets ("Success Metrics and KPIs"), quoted. */
export const KPI_TARGETS = {
  availability: { objective: 0.999, quote: 'reliability_improvement: service_availability: "> 99.9%"' },
  mttr: { limit: Duration.minutes(15), quote: 'operational_efficiency: mttr: "< 15_minutes"' },
  spotSavings: { low: 60, high: 70, quote: 'cost_optimization: spot_instance_savings: "60-70%"' },
} as const;

/** The seed's cost_anomaly trigger: `threshold: "cost_increase > 20% without performance_gain"`. */
export const COST_ANOMALY = { increase: 0.2, quote: 'cost_anomaly: threshold: "cost_increase > 20% without performance_gain"' } as const;

/** The window MTTR is averaged over: the guide's `measurement_phase: duration: "1_week"`. */
export const MTTR_WINDOW = Duration.days(7);

/** The hourly price of one EC2 instance type in the configured region (platform.yaml `pricing`). */
export interface InstancePrice {
  readonly onDemand: number;
  readonly spot?: number;
}

/** Instance type → hourly prices. */
export type PriceTable = Readonly<Record<string, InstancePrice>>;

/**
 * How each node's price is split between its CPU and its memory for `cost_per_resource_unit`:
 * relative weights only (each node's own price is divided), taken from OpenCost's default AWS price
 * sheet (USD 0.031611 per vCPU-hour and 0.004237 per GiB-hour), the split cost tools use when the
 * cloud sells whole instances.
 */
export const RESOURCE_PRICE_WEIGHTS = { cpu: 0.031611, memoryGiB: 0.004237 } as const;

const IT = ksmLabelName(NODE_COST_LABELS.instanceType);
const CT = ksmLabelName(NODE_COST_LABELS.capacityType);
const GIB = 1024 ** 3;

/** One series per node with its instance type and capacity type (value 1). */
const NODE_TYPES = `max by (node, ${IT}, ${CT}) (kube_node_labels)`;

/** Successful Argo CD syncs: what a "deployment" is here (as for deployment_success_rate). */
const SYNCS_1D = 'sum(increase(argocd_app_sync_total{phase="Succeeded"}[1d]))';

/** The destination sidecar's view of every request a service answered. */
const REQUESTS = 'istio_requests_total{reporter="destination"}';
const BY_SERVICE = 'destination_service_namespace, destination_service_name';

/** The windows of the multi-window burn-rate alerts (Google SRE workbook, "Alerting on SLOs"). */
const ERROR_RATIO_WINDOWS = ['30m', '1h', '2h', '6h', '1d', '3d'] as const;
type Window = '5m' | (typeof ERROR_RATIO_WINDOWS)[number];

/** A burn rate and its long and short window: page on the first two, ticket on the last two. */
const BURN_RATES: readonly { readonly factor: number; readonly long: Window; readonly short: Window; readonly page: boolean }[] = [
  { factor: 14.4, long: '1h', short: '5m', page: true },
  { factor: 6, long: '6h', short: '30m', page: true },
  { factor: 3, long: '1d', short: '2h', page: false },
  { factor: 1, long: '3d', short: '6h', page: false },
];

/** 1 - objective, without the float noise of `1 - 0.999`. */
export function errorBudget(objective: number = KPI_TARGETS.availability.objective): number {
  return Number((1 - objective).toPrecision(12));
}

const errorRatio = (w: Window) => `service:request_errors:ratio_rate${w}`;

/** PromQL number literal for a price; `key` names where it came from. */
function price(n: number, key: string): string {
  if (!Number.isFinite(n) || n <= 0) throw new Error(`observability-config: ${key} is ${n}, not a positive hourly price in US dollars; set it in platform.yaml`);
  return String(n);
}

/** The burn-rate expression of one severity: either pair of windows over its threshold. */
export function burnRateExpr(page: boolean, objective: number = KPI_TARGETS.availability.objective): string {
  const budget = errorBudget(objective);
  return BURN_RATES.filter((b) => b.page === page)
    .map((b) => `(${errorRatio(b.long)} > ${b.factor} * ${budget} and ${errorRatio(b.short)} > ${b.factor} * ${budget})`)
    .join(' or ');
}

/** Request and 5xx rates per service, and their ratio over every burn-rate window (Prometheus). */
export function availabilityGroups(): Group<RecordingSpec>[] {
  return [
    {
      name: 'platform-availability',
      rules: [
        { record: 'service:istio_requests:rate5m', expr: `sum by (${BY_SERVICE}) (rate(${REQUESTS}[5m]))` },
        {
          // Zero, not absent, for a service without errors, so its ratio is 0 rather than missing.
          record: 'service:istio_request_errors:rate5m',
          expr: `sum by (${BY_SERVICE}) (rate(istio_requests_total{reporter="destination", response_code=~"5.."}[5m])) or 0 * service:istio_requests:rate5m`,
        },
        { record: errorRatio('5m'), expr: 'service:istio_request_errors:rate5m / (service:istio_requests:rate5m > 0)' },
        // Longer windows from the 5-minute rates: the sums weigh each step by its traffic, so these
        // are request-weighted ratios, and no rule reads days of raw counters.
        ...ERROR_RATIO_WINDOWS.map((w) => ({
          record: errorRatio(w),
          expr: `sum_over_time(service:istio_request_errors:rate5m[${w}]) / (sum_over_time(service:istio_requests:rate5m[${w}]) > 0)`,
        })),
        // `or vector(0)`: requests served is 0, not missing, while nothing is served (the weekly
        // comparison averages it).
        { record: 'platform:istio_requests:rate5m', expr: 'sum(service:istio_requests:rate5m) or vector(0)' },
        { record: 'platform:availability:ratio_rate5m', expr: '1 - sum(service:istio_request_errors:rate5m) / (sum(service:istio_requests:rate5m) > 0)' },
      ],
    },
  ];
}

/**
 * MTTR from `ALERTS`. Prometheus keeps no record of when an alert resolved, so it is estimated:
 * the firing alert-seconds over the window divided by the firing periods that started in it, which
 * is the mean firing duration when periods start and end at a steady rate (Little's law). Two
 * recorded counts per severity, sampled at the evaluation interval: alerts firing now, and alerts
 * firing now that were not firing one interval ago (a start).
 *
 * Limits, also in the README: it measures alerts, not incidents (one incident firing three alerts
 * counts three periods); "recovery" is the alert resolving, so `keep_firing_for` is included and
 * the `for:` wait before firing is not; periods straddling the window's edges count with their
 * time inside it, so one long period dominates a quiet week; resolution is one evaluation interval;
 * a Prometheus restart re-counts the alerts firing across it as new periods. Alerts the Mimir ruler
 * evaluates are not in Prometheus' ALERTS and are left out.
 */
export function mttrGroups(timing: RuleTiming): Group<RecordingSpec>[] {
  const interval = timing.evaluationInterval;
  const firing = 'ALERTS{alertstate="firing", severity=~"critical|warning"}';
  return [
    {
      // The interval is pinned: the start detection looks back exactly one interval.
      name: 'platform-mttr',
      interval,
      rules: [
        { record: 'severity:alerts_firing:count', expr: `count by (severity) (${firing})` },
        { record: 'severity:alerts_firing_started:count', expr: `count by (severity) (${firing} unless ${firing} offset ${interval})` },
        {
          record: `severity:alerts_mttr_seconds:mean${MTTR_WINDOW}`,
          expr: `sum_over_time(severity:alerts_firing:count[${MTTR_WINDOW}]) * ${interval.totalSeconds} / (sum_over_time(severity:alerts_firing_started:count[${MTTR_WINDOW}]) > 0)`,
        },
      ],
    },
  ];
}

/**
 * `resource_provisioning_time`: seconds from a pod's creation to its Ready condition (scheduling,
 * any node scale-up, image pull, sidecar, probes), averaged over the pods that became Ready and were
 * created within the last hour.
 */
export const RESOURCE_PROVISIONING_TIME: RecordingSpec = {
  record: 'resource_provisioning_time',
  expr:
    'avg((max by (namespace, pod) (kube_pod_status_ready_time) - on (namespace, pod) max by (namespace, pod) (kube_pod_created))' +
    ' and on (namespace, pod) (max by (namespace, pod) (kube_pod_status_ready{condition="true"}) == 1)' +
    ' and on (namespace, pod) (time() - max by (namespace, pod) (kube_pod_created) < 3600))',
};

/** The price table as series, each node's price, and the cost metrics (Prometheus). */
export function costGroups(prices: PriceTable): Group<RecordingSpec>[] {
  const types = Object.keys(prices).sort();
  if (types.length === 0) throw new Error('observability-config: prices is empty; platform.yaml pricing.instanceTypes must price the node groups\' instance types');
  const row = (type: string, capacity: CapacityType, hourly: number): RecordingSpec => ({
    record: 'platform:instance_hourly_price:usd',
    expr: `vector(${price(hourly, `pricing.instanceTypes.${type}.${capacity === 'SPOT' ? 'spot' : 'onDemand'}`)})`,
    labels: { [CT]: capacity, [IT]: type },
  });
  const cpuAlloc = 'node_resource:allocatable:sum{resource="cpu"}';
  const memAlloc = 'node_resource:allocatable:sum{resource="memory"}';
  const cpuWeight = `(${RESOURCE_PRICE_WEIGHTS.cpu} * max by (node) (${cpuAlloc}))`;
  const memWeight = `(${RESOURCE_PRICE_WEIGHTS.memoryGiB} * max by (node) (${memAlloc}) / ${GIB})`;
  const priced = 'platform:node_hourly_price:usd';
  return [
    {
      name: 'platform-cost',
      interval: Duration.minutes(1),
      rules: [
        // The price table (platform.yaml pricing), one series per instance type and capacity type.
        ...types.flatMap((t) => [row(t, 'ON_DEMAND', prices[t].onDemand), ...(prices[t].spot !== undefined ? [row(t, 'SPOT', prices[t].spot)] : [])]),
        // What each node costs an hour, from its instance type and capacity type.
        { record: priced, expr: `${NODE_TYPES} * on (${IT}, ${CT}) group_left () platform:instance_hourly_price:usd` },
        // What each node would cost on demand: the baseline of the spot savings.
        {
          record: 'platform:node_on_demand_hourly_price:usd',
          expr: `${NODE_TYPES} * on (${IT}) group_left () max by (${IT}) (platform:instance_hourly_price:usd{${CT}="ON_DEMAND"})`,
        },
        // Nodes whose instance type or capacity type has no price: the cost metrics leave them out.
        { record: 'platform:nodes_unpriced:count', expr: `count(${NODE_TYPES} unless on (node) ${priced}) or vector(0)` },
        { record: 'platform:cluster_hourly_cost:usd', expr: `sum(${priced})` },
        { record: 'platform:cluster_cost:usd_1d', expr: 'avg_over_time(platform:cluster_hourly_cost:usd[1d]) * 24' },
        {
          // The cluster's cost over the last day per successful Argo CD sync that day.
          record: 'cost_per_deployment',
          expr: `platform:cluster_cost:usd_1d / on () (${SYNCS_1D} > 0)`,
        },
        // Each node's price split between its CPU and its memory (RESOURCE_PRICE_WEIGHTS).
        {
          record: 'platform:node_resource_hourly_price:usd',
          expr: `${priced} * on (node) group_left () (${cpuWeight} / (${cpuWeight} + ${memWeight}))`,
          labels: { resource: 'cpu' },
        },
        {
          record: 'platform:node_resource_hourly_price:usd',
          expr: `${priced} * on (node) group_left () (${memWeight} / (${cpuWeight} + ${memWeight}))`,
          labels: { resource: 'memory' },
        },
        {
          // USD per allocatable vCPU-hour.
          record: 'cost_per_resource_unit',
          expr: `sum(platform:node_resource_hourly_price:usd{resource="cpu"}) / sum(max by (node) (${cpuAlloc}) and on (node) ${priced})`,
          labels: { resource: 'cpu', unit: 'usd_per_vcpu_hour' },
        },
        {
          // USD per allocatable GiB-hour of memory.
          record: 'cost_per_resource_unit',
          expr: `sum(platform:node_resource_hourly_price:usd{resource="memory"}) / (sum(max by (node) (${memAlloc}) and on (node) ${priced}) / ${GIB})`,
          labels: { resource: 'memory', unit: 'usd_per_gib_hour' },
        },
        {
          // What spot nodes save an hour against the same nodes on demand.
          record: 'platform:spot_savings_hourly:usd',
          expr: `sum(platform:node_on_demand_hourly_price:usd{${CT}="SPOT"} and on (node) ${priced}) - sum(${priced}{${CT}="SPOT"})`,
        },
        {
          // Seed target: spot_instance_savings 60-70%.
          record: 'spot_instance_savings_percentage',
          expr: `100 * (1 - sum(${priced}{${CT}="SPOT"}) / sum(platform:node_on_demand_hourly_price:usd{${CT}="SPOT"} and on (node) ${priced}))`,
        },
        {
          // US dollars saved over the last 7 days by running spot instead of on demand: the one
          // optimization with a measurable counterfactual (the same nodes at the on-demand price).
          record: 'optimization_savings_realized',
          expr: 'avg_over_time(platform:spot_savings_hourly:usd[7d]) * 24 * 7',
          labels: { optimization: 'spot', window: '7d' },
        },
      ],
    },
  ];
}

/** Alerts on the availability SLO and the price table (Prometheus). */
export function kpiAlertGroups(): Group<AlertSpec>[] {
  const target = KPI_TARGETS.availability;
  const percent = `${target.objective * 100}%`;
  return [
    {
      name: 'platform-slo',
      rules: [
        {
          alert: 'ServiceErrorBudgetBurnFast',
          expr: burnRateExpr(true),
          for: Duration.minutes(2),
          severity: 'critical',
          summary: 'Service {{ $labels.destination_service_name }} burns its 30-day error budget fast',
          description:
            `{{ $labels.destination_service_namespace }}/{{ $labels.destination_service_name }} fails requests at 14.4x (1h and 5m) or 6x (6h and 30m) the rate its ${percent} availability objective allows (seed: ${target.quote}): ` +
            'at this rate the 30-day budget is gone in 2 to 5 days.',
          runbook: [
            'The multi-window burn-rate alert of the Google SRE workbook: the long window says the burn is significant, the short one that it is still going on.',
            '1. Which responses fail: Grafana → Platform KPIs, "Error budget burn (1h)"; then `ServiceErrorRateHigh` and the traces with `status = error` in Tempo.',
            '2. A recent rollout: `argocd app rollback` or abort the Rollout (`kubectl argo rollouts abort <name>`).',
            '3. A service with very little traffic fails a large share with few requests: check the request rate before paging further.',
          ].join('\n'),
        },
        {
          alert: 'ServiceErrorBudgetBurnSlow',
          expr: burnRateExpr(false),
          for: Duration.minutes(15),
          severity: 'warning',
          summary: 'Service {{ $labels.destination_service_name }} burns its 30-day error budget steadily',
          description:
            `{{ $labels.destination_service_namespace }}/{{ $labels.destination_service_name }} fails requests at 3x (1d and 2h) or 1x (3d and 6h) the rate its ${percent} availability objective allows: ` +
            'left alone, the 30-day budget runs out before the month does.',
          runbook: [
            '1. Grafana → Platform KPIs: the service\'s error budget left and its burn over the last days.',
            '2. A slow leak (one failing endpoint, a retry storm, a flaky dependency): find the failing route in the access logs (Loki) and fix it before the budget is spent.',
          ].join('\n'),
        },
      ],
    },
    {
      name: 'platform-kpi-targets',
      rules: [
        {
          alert: 'MeanTimeToRecoveryAboveTarget',
          expr: `severity:alerts_mttr_seconds:mean${MTTR_WINDOW}{severity="critical"} > ${KPI_TARGETS.mttr.limit.totalSeconds}`,
          for: Duration.hours(1),
          severity: 'info',
          summary: `Critical alerts took longer than ${KPI_TARGETS.mttr.limit} to resolve on average over ${MTTR_WINDOW}`,
          description: `Critical alerts fired for {{ $value | humanizeDuration }} on average over the last ${MTTR_WINDOW}, above the seed's ${KPI_TARGETS.mttr.quote}.`,
          runbook: [
            'An estimate from ALERTS (README, "KPIs and cost"): firing time over firing periods started.',
            '1. Which alerts fired longest: Grafana → Explore, `sum by (alertname) (count_over_time(ALERTS{alertstate="firing", severity="critical"}[7d]))`.',
            '2. An alert that stays firing without anyone acting on it is noise or lacks a runbook step: fix the rule or the cause, so recovery is measured on real incidents.',
          ].join('\n'),
        },
        {
          alert: 'NodeWithoutPrice',
          expr: `${NODE_TYPES} unless on (node) platform:node_hourly_price:usd`,
          for: Duration.minutes(15),
          severity: 'info',
          summary: `Node {{ $labels.node }} ({{ $labels.${IT} }}, {{ $labels.${CT} }}) has no price`,
          description: `The cost KPIs leave node {{ $labels.node }} out: platform.yaml pricing has no price for instance type "{{ $labels.${IT} }}" as {{ $labels.${CT} }}.`,
          runbook: [
            '1. Add the instance type to platform.yaml `pricing.instanceTypes` (onDemand, and spot for a spot node) with the region\'s current price, and re-render.',
            `2. Empty labels: kube-state-metrics does not export \`${NODE_COST_LABELS.instanceType}\` and \`${NODE_COST_LABELS.capacityType}\` (its metricLabelsAllowlist), or the node is not from an EKS managed node group.`,
          ].join('\n'),
        },
      ],
    },
  ];
}

/** Recording rules the Mimir ruler evaluates: windows longer than Prometheus' 15 days. */
export function mimirRecordingGroups(): Group<RecordingSpec>[] {
  const budget = errorBudget();
  const ratio30d = `sum_over_time(service:istio_request_errors:rate5m[30d]) / (sum_over_time(service:istio_requests:rate5m[30d]) > 0)`;
  const wow = (series: string) => `avg_over_time(${series}[7d]) / (avg_over_time(${series}[7d] offset 7d) > 0)`;
  return [
    {
      name: 'platform-availability-30d',
      interval: Duration.minutes(10),
      rules: [
        { record: 'service:availability:ratio_rate30d', expr: `1 - ${ratio30d}` },
        { record: 'service:error_budget_remaining:ratio_rate30d', expr: `1 - (${ratio30d}) / ${budget}` },
        {
          record: 'platform:availability:ratio_rate30d',
          expr: '1 - sum(sum_over_time(service:istio_request_errors:rate5m[30d])) / (sum(sum_over_time(service:istio_requests:rate5m[30d])) > 0)',
        },
      ],
    },
    {
      // Last 7 days against the 7 before: 14 days of history, more than Prometheus is sure to keep.
      name: 'platform-cost-trend',
      interval: Duration.minutes(10),
      rules: [
        { record: 'platform:cluster_hourly_cost:ratio_wow', expr: wow('platform:cluster_hourly_cost:usd') },
        { record: 'platform:istio_requests:ratio_wow', expr: wow('platform:istio_requests:rate5m') },
      ],
    },
  ];
}

/** The cost-anomaly alert, on the Mimir ruler's weekly comparison. */
export function mimirAlertGroups(): Group<AlertSpec>[] {
  const limit = 1 + COST_ANOMALY.increase;
  const pct = `${Math.round(COST_ANOMALY.increase * 100)}%`;
  return [
    {
      name: 'platform-cost-anomaly',
      interval: Duration.minutes(10),
      rules: [
        {
          alert: 'CostAnomaly',
          // Cost up more than 20% and not explained by traffic: cost per served request is up more
          // than 20% too (or nothing was served in either week to compare with).
          expr: `platform:cluster_hourly_cost:ratio_wow > ${limit} unless on () (platform:cluster_hourly_cost:ratio_wow / platform:istio_requests:ratio_wow <= ${limit})`,
          for: Duration.hours(1),
          severity: 'warning',
          summary: `Node cost rose more than ${pct} week over week without matching traffic`,
          description:
            `The mean hourly node cost of the last 7 days is {{ $value | humanizePercentage }} of the 7 days before, and served requests did not grow with it (seed ${COST_ANOMALY.quote}).`,
          runbook: [
            'The seed\'s action: cost_optimization_analysis. Cost here is EC2 nodes priced from platform.yaml `pricing`.',
            '1. Grafana → Platform KPIs, "Cluster cost per hour" and "Spot savings": more nodes, more on-demand nodes (spot capacity lost), or a price change in platform.yaml?',
            '2. More nodes: which workloads grew (`kubectl top pods -A`, requests on the Resource waste panel); an HPA stuck at its maximum or a forgotten load test.',
            '3. On-demand fallback in use: spot capacity returns by itself; check `kubectl get nodes -L eks.amazonaws.com/capacityType`.',
          ].join('\n'),
        },
      ],
    },
  ];
}
