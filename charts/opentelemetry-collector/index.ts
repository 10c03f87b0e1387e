/**
 * The OpenTelemetry Collector (chart 0.170.0) as one DaemonSet: it receives OTLP from the mesh and
 * the services on their own node and tails every container's log file there.
 *
 * - One release, `mode: daemonset`: a collector per node does both jobs, so the node's logs and
 *   the node's OTLP traffic share one process instead of an agent DaemonSet plus a gateway
 *   Deployment. In daemonset mode the chart creates the Service only with `service.enabled`, and
 *   then with `internalTrafficPolicy: Local`: a pod sending to `opentelemetry-collector:4317`
 *   reaches the collector on its own node, and the k8sattributes processor (filtered to the node)
 *   tags what it receives. No host ports: the Service is the entry point.
 * - Image `opentelemetry-collector-k8s` (`otelcol-k8s`), the distribution made for Kubernetes.
 *   Its rules admit only OTLP exporters, so every store is reached over OTLP: traces to Tempo over
 *   gRPC, metrics to Mimir's OTLP endpoint and logs to Loki's OTLP endpoint over HTTP. (The
 *   prometheusremotewrite exporter exists only in the contrib distribution; Mimir ingests OTLP
 *   natively, with exemplars.)
 * - Container logs: the chart's `logsCollection` preset (filelog on /var/log/pods, container
 *   parser) with checkpoints in /var/lib/otelcol on the node, so a restart resumes where it was.
 *   Exception to the non-root rule: kubelet writes pod logs as root with mode 0640, so the
 *   collector runs as UID 0 — with every capability dropped, no privilege escalation and a
 *   read-only root filesystem, reading only the host paths the preset mounts.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { Duration } from '../../lib/duration';
import { Endpoint } from '../../lib/endpoint';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { TrafficEdge } from '../../lib/traffic';
import { CollectorPipeline, OpenTelemetryCollectorValues } from './values';

export interface OpenTelemetryCollectorProps {
  readonly namespace: string;
  /** Where each signal goes. */
  readonly exporters: {
    /** host:port of Tempo's OTLP gRPC receiver. */
    readonly tracesOtlpGrpc: string;
    /** Base URL of Mimir's OTLP endpoint (the exporter appends /v1/metrics). */
    readonly metricsOtlpHttp: string;
    /** Base URL of Loki's OTLP endpoint (the exporter appends /v1/logs). */
    readonly logsOtlpHttp: string;
  };
  /** Requests and limits of the collector on each node (config/sizing.ts). */
  readonly resources: Resources;
}

export const DEFAULTS = {
  image: 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s',
  command: 'otelcol-k8s',
  /** The chart's port names and their Service ports (values.yaml `ports`). */
  otlpGrpcPort: 4317,
  otlpHttpPort: 4318,
  /** The batch processor's flush timeout, and how often the memory_limiter checks usage. */
  batchTimeout: Duration.seconds(5),
  memoryCheckInterval: Duration.seconds(5),
} as const;

/** The Helm release, and so the Service name (the chart's fullname). */
/** This component's id (its Argo CD Application name), also its Helm release. */
export const ID = 'opentelemetry-collector' satisfies PlatformComponentId;
const RELEASE = ID;

/** The labels the chart gives the agent DaemonSet's pods (daemonset mode), for peers' NetworkPolicies. */
export const AGENT_POD_LABELS = {
  'app.kubernetes.io/instance': RELEASE,
  'app.kubernetes.io/name': CHARTS.opentelemetryCollector.chart,
  component: 'agent-collector',
} as const;

/**
 * Where services and the mesh send OTLP in `namespace`: the collector's node-local Service
 * (`internalTrafficPolicy: Local`), gRPC and HTTP.
 */
export function openTelemetryCollectorEndpoints(namespace: string): { readonly otlpGrpc: Endpoint; readonly otlpHttp: Endpoint } {
  return { otlpGrpc: Endpoint.service(RELEASE, namespace, DEFAULTS.otlpGrpcPort), otlpHttp: Endpoint.service(RELEASE, namespace, DEFAULTS.otlpHttpPort) };
}

/** Exporter ids in the collector config. */
export const EXPORTERS = { traces: 'otlp/tempo', metrics: 'otlphttp/mimir', logs: 'otlphttp/loki' } as const;

/**
 * The collector's inbound traffic (lib/traffic.ts): OTLP from every pod of every namespace (the
 * services, the mesh's sidecars, the platform's own components), on gRPC and HTTP only; the other
 * receivers the chart defines are in no pipeline. Its exports to the stores are declared in
 * workflows/observability.ts; its API calls (k8s_attributes) are derived. It runs no kubeletstats
 * receiver, so it calls no kubelet.
 */
export function openTelemetryCollectorTraffic(namespace: string): TrafficEdge[] {
  return [
    {
      name: 'otlp-collector',
      from: { anyNamespace: true, pods: {} },
      to: { namespace, pods: AGENT_POD_LABELS },
      ports: [{ port: DEFAULTS.otlpGrpcPort }, { port: DEFAULTS.otlpHttpPort }],
      reason: 'Every pod may send traces, metrics and logs over OTLP to the collector on its node.',
    },
  ];
}

export function openTelemetryCollectorComponent(props: OpenTelemetryCollectorProps): PlatformComponent {
  const ns = props.namespace;
  const resources = props.resources;
  for (const [signal, url] of Object.entries({ metricsOtlpHttp: props.exporters.metricsOtlpHttp, logsOtlpHttp: props.exporters.logsOtlpHttp })) {
    if (!/^https?:\/\//.test(url)) throw new Error(`opentelemetry-collector: exporters.${signal} "${url}" must be an http(s) URL`);
  }
  if (/^[a-z]+:\/\//.test(props.exporters.tracesOtlpGrpc)) {
    throw new Error(`opentelemetry-collector: exporters.tracesOtlpGrpc "${props.exporters.tracesOtlpGrpc}" must be host:port, without a scheme`);
  }
  const pipeline = (exporter: string): CollectorPipeline => ({ receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: [exporter] });
  const values: OpenTelemetryCollectorValues = {
    mode: 'daemonset',
    image: { repository: DEFAULTS.image },
    command: { name: DEFAULTS.command },
    presets: {
      logsCollection: { enabled: true, storeCheckpoints: true },
      kubernetesAttributes: { enabled: true },
    },
    config: {
      // Only OTLP comes in. The chart's default Jaeger, Zipkin and self-scrape receivers stay
      // defined but in no pipeline, so the collector never starts them (and their ports are closed).
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: `\${env:MY_POD_IP}:${DEFAULTS.otlpGrpcPort}` },
            http: { endpoint: `\${env:MY_POD_IP}:${DEFAULTS.otlpHttpPort}` },
          },
        },
      },
      processors: {
        batch: { send_batch_size: 8192, timeout: DEFAULTS.batchTimeout.toString() },
        memory_limiter: { check_interval: DEFAULTS.memoryCheckInterval.toString(), limit_percentage: 80, spike_limit_percentage: 25 },
      },
      exporters: {
        [EXPORTERS.traces]: { endpoint: props.exporters.tracesOtlpGrpc, tls: { insecure: true } },
        [EXPORTERS.metrics]: { endpoint: props.exporters.metricsOtlpHttp },
        [EXPORTERS.logs]: { endpoint: props.exporters.logsOtlpHttp },
      },
      service: {
        pipelines: {
          traces: pipeline(EXPORTERS.traces),
          metrics: pipeline(EXPORTERS.metrics),
          // The logsCollection preset appends its filelog receiver to this pipeline.
          logs: pipeline(EXPORTERS.logs),
        },
      },
    },
    ports: {
      otlp: { enabled: true, hostPort: 0 },
      'otlp-http': { enabled: true, hostPort: 0 },
      'jaeger-compact': { enabled: false },
      'jaeger-thrift': { enabled: false },
      'jaeger-grpc': { enabled: false },
      zipkin: { enabled: false },
      // The collector's own metrics, scraped through the PodMonitor.
      metrics: { enabled: true },
    },
    service: { enabled: true, internalTrafficPolicy: 'Local' },
    resources: resources.toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    podSecurityContext: { seccompProfile: { type: 'RuntimeDefault' } },
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    // Every node's logs, including nodes tainted against ordinary workloads.
    tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
    podMonitor: { enabled: true },
  };
  return helmComponent({
    id: RELEASE,
    workflow: Workflow.Observability,
    namespace: ns,
    // A consumer after the stores it exports to.
    dependsOn: ['mimir', 'loki', 'tempo'],
    chart: CHARTS.opentelemetryCollector,
    values,
    traffic: openTelemetryCollectorTraffic(ns),
  });
}
