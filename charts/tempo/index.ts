/**
 * Grafana Tempo, monolithic chart (grafana-community tempo 2.2.4, Tempo 2.10): traces in S3 through
 * IRSA, received over OTLP gRPC 4317 and HTTP 4318 from the OpenTelemetry collector.
 *
 * Monolithic and single-replica: tempo-distributed 3.x replaces the ingester with Kafka, which
 * arrives only with the Data workflow. Spans the process has not flushed survive a restart in the
 * WAL on its volume; the collector retries while Tempo is away. The metrics-generator (service
 * graphs, span metrics) is off to stay within the workflow's budget.
 */
import { CHARTS } from '../../config/versions';
import { Duration } from '../../lib/duration';
import { PlatformComponent, helm, RunbookSection, Workflow } from '../../lib/component';
import { irsaAnnotations, irsaRole, IrsaTarget, s3BucketPolicy } from '../../lib/irsa';
import { PRIORITY } from '../../lib/priority';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from '../../lib/security';
import { K8sResources, Resources } from '../../lib/resources';

export interface TempoValues {
  readonly replicas: number;
  readonly priorityClassName: string;
  readonly serviceAccount: { readonly create: boolean; readonly name: string; readonly annotations: Record<string, string> };
  /** Pod security context (the chart's top-level `securityContext`). */
  readonly securityContext: Record<string, unknown>;
  readonly tempo: {
    readonly resources: K8sResources;
    /** Container security context. */
    readonly securityContext: Record<string, unknown>;
    readonly reportingEnabled: boolean;
    /** Go duration: compactor block retention. */
    readonly retention: string;
    /** Tempo's `storage` block, rendered verbatim (free-form in the key test). */
    readonly storage: {
      readonly trace: {
        readonly backend: 's3';
        readonly s3: { readonly bucket: string; readonly endpoint: string; readonly region: string };
        readonly wal: { readonly path: string };
      };
    };
    readonly receivers: {
      readonly otlp: { readonly protocols: { readonly grpc: { readonly endpoint: string }; readonly http: { readonly endpoint: string } } };
    };
  };
  readonly persistence: { readonly enabled: boolean; readonly size: string };
  readonly serviceMonitor: { readonly enabled: boolean; readonly interval: string };
}

export interface TempoProps {
  readonly namespace: string;
  readonly target: IrsaTarget & { readonly region: string };
  readonly bucket: string;
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
  /** @default DEFAULTS.retention */
  readonly retention?: Duration;
  /** @default DEFAULTS.volumeSize */
  readonly volumeSize?: string;
  readonly runbook?: readonly RunbookSection[];
}

export const DEFAULTS = {
  resources: Resources.of({ cpu: '100m', memory: '256Mi' }, { cpu: '1', memory: '1Gi' }),
  devResources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
  /** Two weeks of traces: incidents are investigated within days, trends live in metrics. */
  retention: Duration.days(14),
  volumeSize: '10Gi',
  serviceAccount: 'tempo',
  /** OTLP ports the chart's Service exposes (ports template: grpc-tempo-otlp, tempo-otlp-http). */
  otlpGrpcPort: 4317,
  otlpHttpPort: 4318,
} as const;

export function tempoComponent(props: TempoProps): PlatformComponent {
  const ns = props.namespace;
  const resources = props.resources ?? DEFAULTS.resources;
  const role = irsaRole(props.target, ns, DEFAULTS.serviceAccount, s3BucketPolicy(props.bucket));
  const values: TempoValues = {
    replicas: 1,
    priorityClassName: PRIORITY.platformCritical,
    serviceAccount: { create: true, name: DEFAULTS.serviceAccount, annotations: irsaAnnotations(role) },
    securityContext: { ...RESTRICTED_POD_SECURITY_CONTEXT, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 },
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
    persistence: { enabled: true, size: props.volumeSize ?? DEFAULTS.volumeSize },
    serviceMonitor: { enabled: true, interval: '30s' },
  };
  return {
    id: 'tempo',
    workflow: Workflow.Observability,
    namespace: ns,
    dependsOn: [],
    source: helm(CHARTS.tempo, values),
    irsa: [role],
    runbook: props.runbook ?? [],
  };
}
