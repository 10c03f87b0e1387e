/**
 * The platform's rules, from the efficiency guide: recording rules named after its "Performance
 * Monitoring" metrics, and alerts for its "Automated Optimization Triggers", "Fast Recovery
 * Patterns" and "Proactive Issue Prevention". Metric names are the exporters' own: Argo CD
 * (argocd_app_*), Argo Rollouts (rollout_events_total), kube-state-metrics (kube_*), node-exporter
 * (node_*), the kubelet and cAdvisor (kubelet_volume_stats_*, container_*), cert-manager
 * (certmanager_*), Istio (istio_*), Loki (loki_*), Mimir (cortex_*), Prometheus (prometheus_*)
 * and the OpenTelemetry collector (otelcol_*).
 */
import { Duration } from '../../lib/duration';
import { RESOURCE_PROVISIONING_TIME } from './kpis';

export type Severity = 'critical' | 'warning' | 'info';

/**
 * The seed's timing targets, quoted. `detection`: the alert must be able to fire within the
 * limit after the condition starts (its `for:` plus one scrape and one evaluation interval);
 * `sustained`: the condition must hold for exactly the limit before the alert fires.
 */
export const SEED_TIMING = {
  deploymentFailure: { kind: 'detection', limit: Duration.minutes(2), quote: 'deployment_failure: detection_time: "< 2 minutes"' },
  resourceExhaustion: { kind: 'detection', limit: Duration.minutes(1), quote: 'resource_exhaustion: detection_time: "< 1 minute"' },
  scalingResponse: { kind: 'sustained', limit: Duration.minutes(3), quote: 'resource_exhaustion: scaling_response: "< 3 minutes"' },
  serviceDegradation: { kind: 'detection', limit: Duration.seconds(30), quote: 'service_degradation: detection_time: "< 30 seconds"' },
  resourceInefficiency: { kind: 'sustained', limit: Duration.hours(24), quote: 'resource_inefficiency: threshold: "utilization < 60% for 24h"' },
} as const satisfies Record<string, { kind: 'detection' | 'sustained'; limit: Duration; quote: string }>;

export type SeedTimingKey = keyof typeof SEED_TIMING;

/** Scrape and evaluation intervals: together the floor under every detection time. */
export interface RuleTiming {
  readonly scrapeInterval: Duration;
  readonly evaluationInterval: Duration;
}

/** Worst case from a condition starting to the alert firing: `for:` + one scrape + one evaluation. */
export function detectionBound(forDuration: Duration, timing: RuleTiming): Duration {
  return forDuration.plus(timing.scrapeInterval).plus(timing.evaluationInterval);
}

export interface RecordingSpec {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AlertSpec {
  readonly alert: string;
  readonly expr: string;
  readonly for: Duration;
  /** Keeps a fast alert from flapping when the signal dips for one evaluation. */
  readonly keepFiringFor?: Duration;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
  /** What the on-call person does: rendered into the bootstrap README and linked as runbook_url. */
  readonly runbook: string;
  readonly seed?: SeedTimingKey;
}

export interface Group<T> {
  readonly name: string;
  readonly interval?: Duration;
  readonly rules: readonly T[];
}

/**
 * The seed's twelve metric names ("Real-Time Performance Tracking"), each a recording rule here
 * under its own name: deployment_metrics, resource_metrics and cost_metrics (the last and
 * resource_provisioning_time in kpis.ts).
 */
export const SEED_METRICS = [
  'deployment_duration_seconds', 'deployment_success_rate', 'rollback_frequency', 'resource_provisioning_time',
  'cluster_utilization_percentage', 'node_efficiency_score', 'pod_density_per_node', 'resource_waste_percentage',
  'cost_per_deployment', 'cost_per_resource_unit', 'optimization_savings_realized', 'spot_instance_savings_percentage',
] as const;

/** Pods that are running (a 0/1 series per pod), the filter for request and density sums. */
const RUNNING = 'max by (namespace, pod) (kube_pod_status_phase{phase="Running"} == 1)';

export function recordingGroups(): Group<RecordingSpec>[] {
  return [
    {
      // Argo CD counters move on syncs, minutes apart: a minute is plenty, and the 1d windows are cheap at that rate.
      name: 'platform-deployment-kpis',
      interval: Duration.minutes(1),
      rules: [
        {
          // Mean sync duration per application over the last hour.
          record: 'deployment_duration_seconds',
          expr: 'sum by (name, project) (increase(argocd_app_sync_duration_seconds_total[1h])) / (sum by (name, project) (increase(argocd_app_sync_total[1h])) > 0)',
        },
        {
          // Share of syncs that succeeded over the last day (seed KPI: > 95%).
          record: 'deployment_success_rate',
          expr: 'sum(increase(argocd_app_sync_total{phase="Succeeded"}[1d])) / (sum(increase(argocd_app_sync_total[1d])) > 0)',
        },
        {
          // Argo CD has no rollback counter: rollbacks are Argo Rollouts aborts (analysis failed,
          // traffic returned to the stable version), per successful sync over the last day (seed KPI: < 5%).
          record: 'rollback_frequency',
          expr: '(sum(increase(rollout_events_total{reason="RolloutAborted"}[1d])) or vector(0)) / (sum(increase(argocd_app_sync_total{phase="Succeeded"}[1d])) > 0)',
        },
        RESOURCE_PROVISIONING_TIME,
      ],
    },
    {
      name: 'platform-resource-kpis',
      rules: [
        {
          record: 'node_resource:requests:sum',
          expr: `sum by (node, resource) (kube_pod_container_resource_requests{resource=~"cpu|memory"} * on (namespace, pod) group_left () ${RUNNING})`,
        },
        {
          record: 'node_resource:allocatable:sum',
          expr: 'sum by (node, resource) (kube_node_status_allocatable{resource=~"cpu|memory"})',
        },
        {
          record: 'node_resource:requests:ratio',
          expr: 'node_resource:requests:sum / on (node, resource) node_resource:allocatable:sum',
        },
        {
          // Requests against allocatable for the whole cluster: what the 30-day forecast extrapolates.
          record: 'cluster_resource:requests_allocatable:ratio',
          expr: 'sum by (resource) (node_resource:requests:sum) / on (resource) sum by (resource) (node_resource:allocatable:sum)',
        },
        {
          // Seed target: cluster_utilization 70-80%.
          record: 'cluster_utilization_percentage',
          expr: '100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m])))',
          labels: { resource: 'cpu' },
        },
        {
          record: 'cluster_utilization_percentage',
          expr: '100 * (1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes))',
          labels: { resource: 'memory' },
        },
        {
          // How well a node is packed: mean of its CPU and memory requests against allocatable, 0-100.
          record: 'node_efficiency_score',
          expr: '100 * avg by (node) (node_resource:requests:ratio)',
        },
        {
          record: 'pod_density_per_node',
          expr: `count by (node) (kube_pod_info{node!=""} and on (namespace, pod) ${RUNNING})`,
        },
        {
          // Requested but unused, share of requests (seed target: resource_waste < 15%).
          record: 'resource_waste_percentage',
          expr: '100 * clamp_min(1 - sum(rate(container_cpu_usage_seconds_total{container!="", image!=""}[5m])) / sum(node_resource:requests:sum{resource="cpu"}), 0)',
          labels: { resource: 'cpu' },
        },
        {
          record: 'resource_waste_percentage',
          expr: '100 * clamp_min(1 - sum(container_memory_working_set_bytes{container!="", image!=""}) / sum(node_resource:requests:sum{resource="memory"}), 0)',
          labels: { resource: 'memory' },
        },
      ],
    },
  ];
}

/** Alerts Prometheus evaluates (15 days of local history is enough for each). */
export function alertGroups(): Group<AlertSpec>[] {
  const zero = Duration.seconds(0);
  return [
    {
      name: 'platform-optimization-triggers',
      rules: [
        {
          alert: 'NodeCPUUtilizationHigh',
          expr: '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) > 70',
          for: Duration.minutes(5),
          severity: 'warning',
          summary: 'Node {{ $labels.instance }} CPU above 70%',
          description: 'CPU utilization on {{ $labels.instance }} is {{ $value | printf "%.0f" }}%, above the seed\'s 70% scaling trigger for 5 minutes.',
          runbook: [
            'The cluster-autoscaler adds nodes for pending pods, not at a utilization level: the 70% trigger acts through the HPAs (which add pods) and the autoscaler then adds nodes for them.',
            '1. `kubectl top pods -A --sort-by=cpu | head` on the node: is one workload hot, or is the node simply full?',
            '2. A hot workload without an HPA: add one or raise its requests so the scheduler spreads it.',
            '3. A full node: check the `Pods unschedulable` alert and the autoscaler log (`kubectl -n kube-system logs deploy/cluster-autoscaler-aws-cluster-autoscaler`).',
          ].join('\n'),
        },
        {
          alert: 'NodeMemoryUtilizationHigh',
          expr: '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > 70',
          for: Duration.minutes(5),
          severity: 'warning',
          summary: 'Node {{ $labels.instance }} memory above 70%',
          description: 'Memory utilization on {{ $labels.instance }} is {{ $value | printf "%.0f" }}%, above the seed\'s 70% scaling trigger for 5 minutes.',
          runbook: [
            '1. `kubectl top pods -A --sort-by=memory | head`: find the largest consumers on the node.',
            '2. Pods above their requests (burstable) are evicted first under pressure: raise requests to what they use.',
            '3. If the whole cluster runs hot, the platform has outgrown the node group maximum: raise `nodeGroups.spot.maxSize`.',
          ].join('\n'),
        },
        {
          alert: 'ClusterUnderutilized',
          expr: 'cluster_utilization_percentage < 60',
          for: SEED_TIMING.resourceInefficiency.limit,
          severity: 'info',
          summary: 'Cluster {{ $labels.resource }} utilization below 60% for 24h: right-size',
          description: 'Cluster {{ $labels.resource }} utilization has stayed below 60% for 24 hours ({{ $value | printf "%.0f" }}% now), under the seed\'s 70-80% target.',
          runbook: [
            '1. Compare requests with use on the Platform KPIs dashboard ("Resource waste"): lower the requests of the most over-provisioned workloads.',
            '2. Check the autoscaler scales down (`scale-down-utilization-threshold` 0.7): pods without a controller or with local storage block scale-down.',
          ].join('\n'),
          seed: 'resourceInefficiency',
        },
        {
          alert: 'DeploymentSlowerThanBaseline',
          expr: 'deployment_duration_seconds > 1.5 * avg_over_time(deployment_duration_seconds[7d])',
          for: Duration.minutes(10),
          severity: 'info',
          summary: 'Syncs of {{ $labels.name }} take 1.5x their 7-day baseline',
          description: 'The mean sync duration of Argo CD application {{ $labels.name }} over the last hour is {{ $value | printf "%.0f" }}s, more than 1.5 times its 7-day average (the seed\'s performance_degradation trigger).',
          runbook: [
            '1. `argocd app get <name>`: which resources wait longest (hooks, slow health checks, image pulls)?',
            '2. Slow image pulls: check the node group has the images cached or pin smaller base images.',
          ].join('\n'),
        },
      ],
    },
    {
      name: 'platform-deployment-failures',
      rules: [
        {
          alert: 'ArgoCDApplicationDegraded',
          expr: 'argocd_app_info{health_status="Degraded"} == 1',
          for: Duration.minutes(1),
          severity: 'critical',
          summary: 'Argo CD application {{ $labels.name }} is Degraded',
          description: 'Application {{ $labels.name }} (project {{ $labels.project }}) has been Degraded for 1 minute.',
          runbook: [
            '1. `argocd app get <name>` and `kubectl describe` the degraded resources: crash loops, failed probes, unavailable replicas.',
            '2. A bad release: roll back with `argocd app rollback <name>` or revert the commit; Argo Rollouts aborts canaries on its own.',
          ].join('\n'),
          seed: 'deploymentFailure',
        },
        {
          alert: 'ArgoCDApplicationOutOfSync',
          expr: 'argocd_app_info{sync_status="OutOfSync"} == 1',
          for: Duration.minutes(1),
          severity: 'warning',
          summary: 'Argo CD application {{ $labels.name }} is OutOfSync',
          description: 'Application {{ $labels.name }} has differed from git for 1 minute although automated sync and self-heal are on.',
          runbook: [
            '1. `argocd app diff <name>`: a field a controller rewrites needs an `ignoreDifferences` entry; a failing sync shows in `ArgoCDSyncFailed`.',
            '2. Retries exhausted: `argocd app sync <name>` after fixing the cause.',
          ].join('\n'),
          seed: 'deploymentFailure',
        },
        {
          alert: 'ArgoCDSyncFailed',
          expr: 'increase(argocd_app_sync_total{phase=~"Failed|Error"}[2m]) > 0',
          for: zero,
          severity: 'critical',
          summary: 'Argo CD sync of {{ $labels.name }} failed',
          description: 'A sync of application {{ $labels.name }} ended in phase {{ $labels.phase }} within the last 2 minutes.',
          runbook: [
            '1. `argocd app get <name> --show-operation`: the failing resource and the API server\'s message.',
            '2. Admission rejections (Gatekeeper, webhooks) name the policy: fix the manifest, not the policy.',
          ].join('\n'),
          seed: 'deploymentFailure',
        },
      ],
    },
    {
      name: 'platform-fast-recovery',
      rules: [
        {
          alert: 'NodeResourcePressure',
          expr: 'kube_node_status_condition{condition=~"MemoryPressure|DiskPressure|PIDPressure", status="true"} == 1',
          for: zero,
          severity: 'critical',
          summary: 'Node {{ $labels.node }} reports {{ $labels.condition }}',
          description: 'The kubelet on {{ $labels.node }} reports {{ $labels.condition }}: it is evicting pods to protect the node.',
          runbook: [
            '1. `kubectl describe node <node>`: which resource, and which pods were evicted.',
            '2. Cordon the node if it keeps flapping (`kubectl cordon`), so the autoscaler replaces it.',
          ].join('\n'),
          seed: 'resourceExhaustion',
        },
        {
          alert: 'PodsUnschedulable',
          expr: 'sum by (namespace, pod) (kube_pod_status_unschedulable) > 0',
          for: zero,
          severity: 'warning',
          summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} cannot be scheduled',
          description: 'The scheduler found no node with room for {{ $labels.namespace }}/{{ $labels.pod }}: the cluster-autoscaler should add a node within 3 minutes.',
          runbook: [
            '1. `kubectl describe pod`: insufficient CPU or memory (the autoscaler will act), or a constraint no node group can meet (zone, taint, volume).',
            '2. If it persists for 3 minutes, `ClusterScaleUpTooSlow` fires.',
          ].join('\n'),
          seed: 'resourceExhaustion',
        },
        {
          alert: 'ClusterScaleUpTooSlow',
          expr: 'sum by (namespace, pod) (kube_pod_status_unschedulable) > 0',
          for: SEED_TIMING.scalingResponse.limit,
          severity: 'critical',
          summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} unschedulable for 3 minutes',
          description: 'No capacity was added for {{ $labels.namespace }}/{{ $labels.pod }} within the seed\'s 3-minute scaling response.',
          runbook: [
            '1. `kubectl -n kube-system logs deploy/cluster-autoscaler-aws-cluster-autoscaler | grep -i scale-up`: every group at its maximum, or spot capacity gone?',
            '2. Spot exhausted: the on-demand fallback group should take over; check its maximum size.',
            '3. At the maximum: raise the node group maximum in platform.yaml and re-run eksctl.',
          ].join('\n'),
          seed: 'scalingResponse',
        },
        {
          alert: 'ServiceErrorRateHigh',
          expr: 'sum by (destination_service_namespace, destination_service_name) (rate(istio_requests_total{reporter="destination", response_code=~"5.."}[1m])) / (sum by (destination_service_namespace, destination_service_name) (rate(istio_requests_total{reporter="destination"}[1m])) > 0) > 0.05',
          for: zero,
          keepFiringFor: Duration.minutes(2),
          severity: 'critical',
          summary: 'Service {{ $labels.destination_service_name }} answers more than 5% errors',
          description: '{{ $value | humanizePercentage }} of requests to {{ $labels.destination_service_namespace }}/{{ $labels.destination_service_name }} failed with 5xx over the last minute.',
          runbook: [
            '1. Traces of the failing requests: Grafana → Explore → Tempo, `status = error` for the service.',
            '2. A recent rollout: Argo Rollouts aborts on failed analysis; otherwise `argocd app rollback`.',
            '3. A failing dependency: the mesh\'s circuit breaker (DestinationRule outlier detection) ejects it.',
          ].join('\n'),
          seed: 'serviceDegradation',
        },
        {
          alert: 'ServiceLatencyHigh',
          expr: 'histogram_quantile(0.99, sum by (le, destination_service_namespace, destination_service_name) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[1m]))) > 1000',
          for: zero,
          keepFiringFor: Duration.minutes(2),
          severity: 'warning',
          summary: 'Service {{ $labels.destination_service_name }} p99 latency above 1s',
          description: 'The 99th percentile latency of {{ $labels.destination_service_namespace }}/{{ $labels.destination_service_name }} is {{ $value | printf "%.0f" }} ms over the last minute.',
          runbook: [
            '1. Slow spans: Grafana → Explore → Tempo, `duration > 1s` for the service, then its logs from the trace.',
            '2. Saturation: CPU throttling (`container_cpu_cfs_throttled_periods_total`) or an HPA at its maximum.',
          ].join('\n'),
          seed: 'serviceDegradation',
        },
      ],
    },
    {
      name: 'platform-issue-prevention',
      rules: [
        {
          alert: 'CertificateExpiringSoon',
          expr: 'certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 24 * 3600',
          for: Duration.minutes(15),
          severity: 'warning',
          summary: 'Certificate {{ $labels.namespace }}/{{ $labels.name }} expires within 14 days',
          description: 'cert-manager renews 30 days before expiry; a certificate this close to it means renewal is failing.',
          runbook: [
            '1. `kubectl -n <namespace> describe certificate <name>` and its CertificateRequest/Order: the ACME error.',
            '2. DNS01 with Cloudflare: check the API token Secret and that external-dns has not removed the challenge record.',
          ].join('\n'),
        },
        {
          alert: 'PersistentVolumeFillingUp',
          expr: 'kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > 0.8',
          for: Duration.minutes(5),
          severity: 'warning',
          summary: 'Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full',
          description: 'The PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is above 80% of its capacity.',
          runbook: [
            '1. The gp3 StorageClass allows expansion: raise the size in the chart values (StatefulSet volume claim templates need the recreate procedure of the chart).',
            '2. Or lower the retention of the store that writes it.',
          ].join('\n'),
        },
      ],
    },
    {
      name: 'platform-telemetry-ingestion',
      rules: [
        {
          alert: 'LokiRejectingLogs',
          expr: 'sum by (reason) (rate(loki_discarded_samples_total[5m])) > 0',
          for: Duration.minutes(5),
          severity: 'warning',
          summary: 'Loki discards log lines ({{ $labels.reason }})',
          description: 'Loki has been rejecting log lines for 5 minutes, reason {{ $labels.reason }}.',
          runbook: '1. Rate or stream limits: raise `limits_config` in the loki component, or find the noisy pod (`sum by (k8s_namespace_name) (rate({} [5m]))`).',
        },
        {
          alert: 'LokiIngestionFailing',
          expr: 'sum(rate(loki_request_duration_seconds_count{route=~"loki_api_v1_push|otlp_v1_logs", status_code=~"5.."}[5m])) > 0',
          for: Duration.minutes(5),
          severity: 'critical',
          summary: 'Loki fails log pushes',
          description: 'Loki has answered log pushes with 5xx for 5 minutes.',
          runbook: '1. `kubectl -n observability logs sts/loki`: S3 access (IRSA role, bucket), a full volume, or out-of-memory restarts.',
        },
        {
          alert: 'MimirRejectingSamples',
          expr: 'sum by (reason) (rate(cortex_discarded_samples_total[5m])) > 0',
          for: Duration.minutes(5),
          severity: 'warning',
          summary: 'Mimir discards samples ({{ $labels.reason }})',
          description: 'Mimir has been rejecting samples for 5 minutes, reason {{ $labels.reason }}.',
          runbook: '1. Per-tenant limits (series, ingestion rate): raise them in the mimir component, or drop the high-cardinality series at the source.',
        },
        {
          alert: 'MimirIngestionFailing',
          expr: 'sum(rate(cortex_request_duration_seconds_count{route=~"api_v1_push|otlp_v1_metrics", status_code=~"5.."}[5m])) > 0',
          for: Duration.minutes(5),
          severity: 'critical',
          summary: 'Mimir fails pushes',
          description: 'Mimir\'s distributors have answered pushes with 5xx for 5 minutes.',
          runbook: '1. Ingesters: `kubectl -n observability get pods -l app.kubernetes.io/component=ingester`; too few healthy for the replication factor means failed writes.',
        },
        {
          alert: 'PrometheusRemoteWriteFailing',
          expr: 'rate(prometheus_remote_storage_samples_failed_total[5m]) > 0',
          for: Duration.minutes(5),
          severity: 'warning',
          summary: 'Prometheus cannot write to Mimir',
          description: 'Prometheus has failed to send samples to {{ $labels.url }} for 5 minutes; it keeps 15 days locally, long-term history has a gap.',
          runbook: '1. Mimir\'s gateway and distributors reachable? `MimirIngestionFailing` usually fires too.',
        },
        {
          alert: 'CollectorExportFailing',
          expr: 'sum by (exporter) (rate(otelcol_exporter_send_failed_spans_total[5m]) or rate(otelcol_exporter_send_failed_metric_points_total[5m]) or rate(otelcol_exporter_send_failed_log_records_total[5m])) > 0',
          for: Duration.minutes(5),
          severity: 'warning',
          summary: 'OpenTelemetry collector exporter {{ $labels.exporter }} fails',
          description: 'The collector has failed to deliver telemetry through {{ $labels.exporter }} for 5 minutes.',
          runbook: '1. `kubectl -n observability logs ds/opentelemetry-collector-agent`: the store behind the exporter (Tempo, Mimir or Loki) and its own alerts.',
        },
      ],
    },
  ];
}

/**
 * The 30-day capacity forecast, evaluated by the Mimir ruler: `predict_linear` over 30 days of
 * history needs more than Prometheus' 15 days. Requests against allocatable, extrapolated 30 days
 * ahead (the seed's forecasting_horizon), compared with the top of the seed's 70-80% target.
 */
export function forecastGroups(): Group<AlertSpec>[] {
  return [
    {
      name: 'platform-capacity-forecast',
      interval: Duration.minutes(10),
      rules: [
        {
          alert: 'CapacityForecastExceeded',
          expr: 'max by (resource) (predict_linear(cluster_resource:requests_allocatable:ratio[30d], 30 * 24 * 3600)) > 0.8',
          for: Duration.hours(1),
          severity: 'warning',
          summary: 'Cluster {{ $labels.resource }} requests will pass 80% of allocatable within 30 days',
          description: 'At the trend of the last 30 days, {{ $labels.resource }} requests reach {{ $value | humanizePercentage }} of today\'s allocatable capacity in 30 days.',
          runbook: [
            '1. Plan capacity: raise node group maximums (platform.yaml `nodeGroups`) or larger instance types before the trend meets them.',
            '2. Or cut waste first: the Platform KPIs dashboard shows requests far above use.',
          ].join('\n'),
        },
      ],
    },
  ];
}
