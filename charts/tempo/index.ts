/**
 * Grafana Tempo, monolithic chart (grafana-community tempo 2.2.4, Tempo 2.10): traces in S3 through
 * IRSA, received over OTLP gRPC 4317 and HTTP 4318 from the OpenTelemetry collector.
 *
 * Monolithic and single-replica: tempo-distributed 3.x replaces the ingester with Kafka, which
 * arrives only with the Data workflow. Spans the process has not flushed survive a restart in the
 * WAL on its volume; the collector retries while Tempo is away. The metrics-generator (service
 * graphs, span metrics) is off to stay within the workflow's budget.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { Duration } from '../../lib/duration';
import { Endpoint } from '../../lib/endpoint';
import { PlatformComponent, RunbookSection, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { irsaAnnotations, irsaRole, IrsaTarget, s3BucketPolicy } from '../../lib/irsa';
import { PRIORITY } from '../../lib/priority';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from '../../lib/security';
import { Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TrafficEdge } from '../../lib/traffic';
import { TempoValues } from './values';

export interface TempoProps {
  readonly namespace: string;
  readonly target: IrsaTarget & { readonly region: string };
  readonly bucket: string;
  /** Requests and limits of the one Tempo pod (config/sizing.ts). */
  readonly resources: Resources;
  /** @default DEFAULTS.retention */
  readonly retention?: Duration;
  /** WAL volume (config/sizing.ts). */
  readonly volumeSize: Storage;
  readonly runbook?: readonly RunbookSection[];
}

export const DEFAULTS = {
  /** Two weeks of traces: incidents are investigated within days, trends live in metrics. */
  retention: Duration.days(14),
  serviceAccount: 'tempo',
  /** The image's user and group. */
  uid: 10001,
  /** Tempo's HTTP API port (the chart's `tempo.server.http_listen_port`, unchanged here). */
  httpPort: 3200,
  /** OTLP ports the chart's Service exposes (ports template: grpc-tempo-otlp, tempo-otlp-http). */
  otlpGrpcPort: 4317,
  otlpHttpPort: 4318,
  /** How often Prometheus scrapes Tempo's /metrics. */
  scrapeInterval: Duration.seconds(30),
} as const;

/** The Helm release, and so the Service name. */
/** This component's id (its Argo CD Application name), also its Helm release. */
export const ID = 'tempo' satisfies PlatformComponentId;
const RELEASE = ID;

/** The labels the chart gives Tempo's pods (its selector labels for release `tempo`). */
export const POD_LABELS = { 'app.kubernetes.io/instance': RELEASE, 'app.kubernetes.io/name': 'tempo' } as const;

/**
 * Tempo's own traffic (lib/traffic.ts): S3 and STS (IRSA) over HTTPS. One monolithic replica, so
 * no pod-to-pod flow; the collector's and Grafana's calls are declared in workflows/observability.ts.
 */
export function tempoTraffic(namespace: string): TrafficEdge[] {
  return [
    {
      name: 'tempo-s3',
      from: { namespace, pods: POD_LABELS },
      to: { entity: 'world' },
      ports: [{ port: 443 }],
      reason: 'Trace blocks in S3, and STS for its IRSA role, over HTTPS; Cilium has no FQDN policies under chaining (lib/traffic.ts).',
    },
  ];
}

/** The addresses Tempo serves in `namespace`: its HTTP API (Grafana's data source) and OTLP gRPC (the collector). */
export function tempoEndpoints(namespace: string): { readonly http: Endpoint; readonly otlpGrpc: Endpoint } {
  return { http: Endpoint.service(RELEASE, namespace, DEFAULTS.httpPort), otlpGrpc: Endpoint.service(RELEASE, namespace, DEFAULTS.otlpGrpcPort) };
}

export function tempoComponent(props: TempoProps): PlatformComponent {
  const ns = props.namespace;
  const resources = props.resources;
  const role = irsaRole(props.target, ns, DEFAULTS.serviceAccount, s3BucketPolicy(props.bucket));
  const values: TempoValues = {
    replicas: 1,
    priorityClassName: PRIORITY.platformCritical,
    serviceAccount: { create: true, name: DEFAULTS.serviceAccount, annotations: irsaAnnotations(role) },
    securityContext: { ...RESTRICTED_POD_SECURITY_CONTEXT, runAsUser: DEFAULTS.uid, runAsGroup: DEFAULTS.uid, fsGroup: DEFAULTS.uid },
    tempo: {
      resources: resources.toK8s(),
      securityContext: { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT },
      reportingEnabled: false,
      retention: (props.retention ?? DEFAULTS.retention).toHours(),
      storage: {
        trace: {
          backend: 's3',
          s3: { bucket: props.bucket, endpoint: `s3.${props.target.region}.amazonaws.com`, region: props.target.region },
          wal: { path: '/var/tempo/wal' },
        },
      },
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: `0.0.0.0:${DEFAULTS.otlpGrpcPort}` },
            http: { endpoint: `0.0.0.0:${DEFAULTS.otlpHttpPort}` },
          },
        },
      },
    },
    persistence: { enabled: true, size: props.volumeSize.toString() },
    serviceMonitor: { enabled: true, interval: DEFAULTS.scrapeInterval.toString() },
  };
  return helmComponent({
    id: RELEASE,
    workflow: Workflow.Observability,
    namespace: ns,
    dependsOn: [],
    chart: CHARTS.tempo,
    values,
    irsa: [role],
    traffic: tempoTraffic(ns),
    runbook: props.runbook ?? [],
  });
}
