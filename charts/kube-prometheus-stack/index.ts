/**
 * kube-prometheus-stack 88.5.3: the Prometheus Operator, one Prometheus, Alertmanager,
 * kube-state-metrics and node-exporter; the efficiency guide's "Prometheus Optimization" block.
 *
 * - Prometheus keeps 15 days locally (WAL compressed) and remote-writes everything, exemplars
 *   included, to Mimir, which keeps the long-term history. Scrape and rule evaluation every 30 s.
 *   One replica: a second would double the seed's 500m/2Gi, and Mimir holds the durable copy.
 * - It selects every ServiceMonitor, PodMonitor, PrometheusRule, Probe and ScrapeConfig in the
 *   cluster (`*SelectorNilUsesHelmValues: false`), not only those labelled with this release.
 * - CRDs come from prometheus-operator-crds (Foundation); the bundled Grafana is off, its
 *   dashboards still ship as `grafana_dashboard` ConfigMaps for the Grafana component's sidecar.
 * - EKS manages etcd, the scheduler and the controller-manager: nothing to scrape, so no targets
 *   and no alerts for them.
 * - node-exporter runs on the host network and PID namespace to read the node's own metrics: the
 *   reason the observability namespace is `privileged`.
 * - Alertmanager routes by severity to the receivers platform.yaml names (alertmanager.ts: how the
 *   configuration and the receivers' credentials reach it without a credential in git).
 * - The operator's admission webhook certificate comes from the chart's certgen hook Jobs (no
 *   dependency on cert-manager, which belongs to another workflow); they patch the webhooks'
 *   caBundle, which Argo CD ignores as drift.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { Duration } from '../../lib/duration';
import { Endpoint } from '../../lib/endpoint';
import { WEBHOOK_KINDS } from '../../lib/cluster-scope';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { NODE_COST_ALLOWLIST } from '../../lib/node-cost-labels';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';
import { TrafficEdge } from '../../lib/traffic';
import { ALERTMANAGER_CONFIG_SECRET, AlertReceiver, AlertRouting, alertmanagerConfig, receiverCredentials } from './alertmanager';
import { KubePrometheusStackValues } from './values';

export type KubePrometheusStackTarget =
  | 'prometheus' | 'configReloader' | 'alertmanager' | 'operator' | 'admissionJob' | 'kubeStateMetrics' | 'nodeExporter';

/** The targets whose size is the same in every tier (DEFAULTS.resources); the others are sized per tier. */
type FixedTarget = 'configReloader' | 'admissionJob';

/** Requests and limits per target: the tier-sized ones required (config/sizing.ts), the others defaulted. */
export type KubePrometheusStackResources = Readonly<Record<Exclude<KubePrometheusStackTarget, FixedTarget>, Resources>> &
  Partial<Readonly<Record<FixedTarget, Resources>>>;

export interface KubePrometheusStackProps {
  readonly namespace: string;
  /** `cluster` external label on every series and alert, so Mimir can tell clusters apart. */
  readonly clusterName: string;
  /** Prometheus remote-write endpoint of Mimir. */
  readonly remoteWriteUrl: string;
  /** The environment's tier policy: two Alertmanagers (gossiping) where it is highly available, one otherwise. */
  readonly tierPolicy: TierPolicy;
  /** Per target (config/sizing.ts); `configReloader` and `admissionJob` @default DEFAULTS.resources */
  readonly resources: KubePrometheusStackResources;
  /** @default DEFAULTS.retention */
  readonly retention?: Duration;
  /** @default DEFAULTS.scrapeInterval */
  readonly scrapeInterval?: Duration;
  /** @default DEFAULTS.evaluationInterval */
  readonly evaluationInterval?: Duration;
  /** Prometheus TSDB volume (config/sizing.ts). */
  readonly volumeSize: Storage;
  /** Alertmanager's receivers and routing by severity. @default DEFAULTS.alerting */
  readonly alerting?: AlertRouting;
}

const r = Resources.of;

export const DEFAULTS = {
  /** The targets sized the same in every tier. */
  resources: {
    configReloader: r({ cpu: '10m', memory: '32Mi' }, { cpu: '50m', memory: '64Mi' }),
    admissionJob: r({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
  } satisfies Record<FixedTarget, Resources>,
  /** Seed: retention "15d" ("Reduced, use Mimir for long-term"). */
  retention: Duration.days(15),
  /** Seed: scrape_interval "30s". */
  scrapeInterval: Duration.seconds(30),
  /** Seed: evaluation_interval "30s". */
  evaluationInterval: Duration.seconds(30),
  /** Alertmanagers where the tier is highly available (they gossip). */
  haAlertmanagers: 2,
  /** No receivers: every alert ends in the null receiver (dev may run so; PLAN.md says it). */
  alerting: { receivers: [], routes: { critical: [], warning: [], info: [] } } satisfies AlertRouting,
  /** Size-based retention as a guard below the volume size, so a cardinality spike cannot fill the disk. */
  retentionSizeFraction: 0.85,
  /**
   * Never sent to Mimir (kept 15 days in Prometheus): the API server and etcd latency buckets,
   * the highest-cardinality series of a kube-prometheus-stack install, used by no rule of ours.
   */
  remoteWriteDrop: 'apiserver_request_duration_seconds_bucket|apiserver_request_sli_duration_seconds_bucket|apiserver_response_sizes_bucket|etcd_request_duration_seconds_bucket',
} as const;

/** The Helm release. */
/** This component's id (its Argo CD Application name), also its Helm release. */
export const ID = 'kube-prometheus-stack' satisfies PlatformComponentId;
const RELEASE = ID;
/** Release fullname (`kube-prometheus-stack.fullname`: the release name when it contains the chart name). */
const FULLNAME = RELEASE;

/** The chart's Service ports for Alertmanager and Prometheus (their web ports, unchanged here). */
const PORTS = { alertmanager: 9093, prometheus: 9090 } as const;

/** The labels prometheus-operator gives the pods of the stack's Prometheus resource (`<fullname>-prometheus`). */
export const PROMETHEUS_POD_LABELS = { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': `${FULLNAME}-prometheus` } as const;

/** The labels prometheus-operator gives the pods of the stack's Alertmanager resource (`<fullname>-alertmanager`). */
export const ALERTMANAGER_POD_LABELS = { 'app.kubernetes.io/name': 'alertmanager', alertmanager: `${FULLNAME}-alertmanager` } as const;

/** The addresses the stack serves in `namespace`: `<fullname>-alertmanager` and `<fullname>-prometheus`. */
export function kubePrometheusStackEndpoints(namespace: string): { readonly alertmanager: Endpoint; readonly prometheus: Endpoint } {
  return {
    alertmanager: Endpoint.service(`${FULLNAME}-alertmanager`, namespace, PORTS.alertmanager),
    prometheus: Endpoint.service(`${FULLNAME}-prometheus`, namespace, PORTS.prometheus),
  };
}

/** The ports the stack's pods serve or call that no rendered object names. */
export const TRAFFIC_PORTS = {
  /** Alertmanager's cluster (gossip) port: prometheus-operator's default `--cluster.listen-address`, TCP and UDP. */
  alertmanagerCluster: 9094,
  /** The kubelet's HTTPS port, behind the operator-managed `kube-system/kubelet` Service (ServiceMonitor kubelet: /metrics, cAdvisor, probes). */
  kubelet: 10250,
  /** kube-proxy's metrics port (the chart's `kubeProxy.service.targetPort`), on the host network of every node. */
  kubeProxy: 10249,
  /** HTTPS: the receivers' SaaS APIs (Slack, PagerDuty) and webhook URLs. */
  https: 443,
} as const;

/** The receivers Alertmanager ever calls: those the routes and the heartbeat name. */
function usedReceivers(alerting: AlertRouting): AlertReceiver[] {
  const names = new Set([...Object.values(alerting.routes).flat(), ...(alerting.heartbeat ? [alerting.heartbeat] : [])]);
  return alerting.receivers.filter((r) => names.has(r.name));
}

/** The ports Alertmanager calls out to the world on: HTTPS for Slack, PagerDuty and webhooks, each email receiver's smarthost port. */
export function receiverPorts(alerting: AlertRouting): number[] {
  const ports = usedReceivers(alerting).map((r) => {
    if (r.kind !== 'email') return TRAFFIC_PORTS.https;
    const m = /:(\d+)$/.exec(r.smarthost);
    if (!m) throw new Error(`kube-prometheus-stack: receiver ${r.name}: smarthost "${r.smarthost}" has no port`);
    return Number(m[1]);
  });
  return [...new Set(ports)].sort((a, b) => a - b);
}

/**
 * The stack's own traffic (lib/traffic.ts; the API server for every pod, the operator's admission
 * webhook and the scrapes of the rendered monitors are derived): Prometheus sends alerts to
 * Alertmanager and scrapes what no rendered Service lets it derive, the kubelets (their Service is
 * managed by the operator, their endpoints are the nodes) and kube-proxy (an EKS add-on on the host
 * network); the Alertmanagers gossip where there are several; Alertmanager calls its receivers,
 * which are outside the cluster. node-exporter runs on the host network: it is not a Cilium
 * endpoint, so its scrape goes to the nodes (derived from its rendered DaemonSet).
 */
export function kubePrometheusStackTraffic(namespace: string, p: { readonly alertmanagers: number; readonly alerting: AlertRouting }): TrafficEdge[] {
  const prometheus = { namespace, pods: PROMETHEUS_POD_LABELS };
  const alertmanager = { namespace, pods: ALERTMANAGER_POD_LABELS };
  const nodes = { entities: ['host', 'remote-node'] as const };
  const world = receiverPorts(p.alerting);
  return [
    { name: 'prometheus-alertmanager', from: prometheus, to: alertmanager, ports: [{ port: PORTS.alertmanager }], reason: 'Prometheus sends firing alerts to every Alertmanager.' },
    {
      name: 'prometheus-kubelet',
      from: prometheus,
      to: nodes,
      ports: [{ port: TRAFFIC_PORTS.kubelet }, { port: TRAFFIC_PORTS.kubeProxy }],
      reason: "Prometheus scrapes every node's kubelet (metrics, cAdvisor, probes: ServiceMonitor kubelet) and kube-proxy (ServiceMonitor kube-proxy), both on the host network.",
    },
    ...(p.alertmanagers > 1
      ? [
          {
            name: 'alertmanager-cluster',
            from: alertmanager,
            to: alertmanager,
            ports: [{ port: TRAFFIC_PORTS.alertmanagerCluster }, { port: TRAFFIC_PORTS.alertmanagerCluster, protocol: 'UDP' as const }],
            reason: 'The Alertmanagers gossip silences and notification state, so one alert is sent once.',
          },
        ]
      : []),
    ...(world.length > 0
      ? [
          {
            name: 'alertmanager-receivers',
            from: alertmanager,
            to: { entity: 'world' as const },
            ports: world.map((port) => ({ port })),
            reason: 'Alertmanager notifies the configured receivers (Slack, PagerDuty, webhooks over HTTPS; email on its smarthost port); Cilium has no FQDN policies under chaining (lib/traffic.ts).',
          },
        ]
      : []),
  ];
}

export function kubePrometheusStackComponent(props: KubePrometheusStackProps): PlatformComponent {
  const ns = props.namespace;
  const res: Record<KubePrometheusStackTarget, Resources> = { ...DEFAULTS.resources, ...props.resources };
  const scrapeInterval = props.scrapeInterval ?? DEFAULTS.scrapeInterval;
  const evaluationInterval = props.evaluationInterval ?? DEFAULTS.evaluationInterval;
  if (evaluationInterval.totalSeconds < scrapeInterval.totalSeconds) {
    throw new Error(`kube-prometheus-stack: evaluationInterval ${evaluationInterval} is shorter than scrapeInterval ${scrapeInterval}; rules would re-read the same samples`);
  }
  const volumeSize = props.volumeSize;
  const retentionSize = `${Math.floor(volumeSize.mebibytes * DEFAULTS.retentionSizeFraction)}MiB`;
  const alertmanagers = props.tierPolicy.replicas(DEFAULTS.haAlertmanagers);
  const alerting = props.alerting ?? DEFAULTS.alerting;
  const credentials = receiverCredentials(alerting, ns);
  const values: KubePrometheusStackValues = {
    crds: { enabled: false },
    grafana: { enabled: false, forceDeployDashboards: true },
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeEtcd: { enabled: false },
    prometheusOperator: {
      resources: res.operator.toK8s(),
      priorityClassName: PRIORITY.platformCritical,
      prometheusConfigReloader: { resources: res.configReloader.toK8s() },
      admissionWebhooks: { patch: { resources: res.admissionJob.toK8s(), priorityClassName: PRIORITY.platformCritical } },
    },
    prometheus: {
      prometheusSpec: {
        replicas: 1,
        retention: (props.retention ?? DEFAULTS.retention).toString(),
        retentionSize,
        scrapeInterval: scrapeInterval.toString(),
        evaluationInterval: evaluationInterval.toString(),
        walCompression: true,
        // Keeps the exemplars instrumented services attach, for the exemplar → trace links.
        enableFeatures: ['exemplar-storage'],
        externalLabels: { cluster: props.clusterName },
        remoteWrite: [
          {
            url: props.remoteWriteUrl,
            sendExemplars: true,
            writeRelabelConfigs: [{ sourceLabels: ['__name__'], regex: DEFAULTS.remoteWriteDrop, action: 'drop' }],
          },
        ],
        resources: res.prometheus.toK8s(),
        priorityClassName: PRIORITY.platformCritical,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        storageSpec: {
          volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: volumeSize.toString() } } } },
        },
      },
    },
    alertmanager: {
      // The chart renders the configuration into its config Secret: no credential in it, only
      // *_file paths into the mounted credentials Secret (alertmanager.ts says why this way).
      config: alertmanagerConfig(alerting),
      alertmanagerSpec: {
        replicas: alertmanagers,
        resources: res.alertmanager.toK8s(),
        priorityClassName: PRIORITY.platformCritical,
        useExistingSecret: false,
        secrets: credentials ? [credentials.name] : [],
      },
    },
    'kube-state-metrics': {
      resources: res.kubeStateMetrics.toK8s(),
      priorityClassName: PRIORITY.platformCritical,
      // Instance type and capacity type on kube_node_labels: observability-config prices each node by them.
      metricLabelsAllowlist: [NODE_COST_ALLOWLIST],
    },
    'prometheus-node-exporter': { resources: res.nodeExporter.toK8s(), priorityClassName: PRIORITY.platformCritical },
  };
  return helmComponent({
    id: RELEASE,
    workflow: Workflow.Observability,
    namespace: ns,
    // Prometheus remote-writes to Mimir from its first scrape.
    dependsOn: ['mimir'],
    chart: CHARTS.kubePrometheusStack,
    values,
    ...(credentials ? { secrets: [credentials] } : {}),
    committedSecrets: [ALERTMANAGER_CONFIG_SECRET],
    traffic: kubePrometheusStackTraffic(ns, { alertmanagers, alerting }),
    ignoreDifferences: WEBHOOK_KINDS.map((k) => ({
      group: 'admissionregistration.k8s.io',
      kind: k.split('/')[1],
      name: `${FULLNAME}-admission`,
      jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
    })),
  });
}
