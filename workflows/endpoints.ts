/**
 * In-cluster addresses one workflow gives another. Each is derived from the release name (the
 * component id), the namespace and the upstream chart's naming rules; the owning workflow's tests
 * check them against the chart. Consumers import these, never spell a service name themselves.
 */
import { kafkaEndpoints } from '../charts/kafka';
import { postgresEndpoints } from '../charts/postgres';
import { redisEndpoints } from '../charts/redis';
import { kubePrometheusStackEndpoints } from '../charts/kube-prometheus-stack';
import { LOKI_API_PATHS, lokiEndpoints } from '../charts/loki';
import { MIMIR_API_PATHS, mimirEndpoints } from '../charts/mimir';
import { openTelemetryCollectorEndpoints } from '../charts/opentelemetry-collector';
import { tempoEndpoints } from '../charts/tempo';
import { openbaoEndpoints } from '../charts/openbao';
import { NS } from './namespaces';

const OTEL = openTelemetryCollectorEndpoints(NS.observability);
const MIMIR = mimirEndpoints(NS.observability).gateway;
const LOKI = lokiEndpoints(NS.observability).http;
const TEMPO = tempoEndpoints(NS.observability);
const KPS = kubePrometheusStackEndpoints(NS.observability);

export const ENDPOINTS = {
  /**
   * OTLP into the OpenTelemetry collector (observability). The collector is a DaemonSet; its Service
   * (`<release>` = opentelemetry-collector, ports.otlp/otlp-http servicePort) keeps traffic on the
   * sender's node (internalTrafficPolicy Local in daemonset mode).
   */
  otlpGrpc: OTEL.otlpGrpc.hostPort,
  otlpHttp: OTEL.otlpHttp.url(),
  /** Monolithic Mimir through the Service the mimir chart names for its callers (`mimir-gateway`, port 80). */
  mimirRemoteWrite: MIMIR.url(MIMIR_API_PATHS.remoteWrite),
  /** Mimir's OTLP metrics endpoint; the otlphttp exporter appends /v1/metrics. */
  mimirOtlp: MIMIR.url(MIMIR_API_PATHS.otlp),
  mimirQuery: MIMIR.url(MIMIR_API_PATHS.query),
  /** Monolithic Loki, no gateway: the Service is `<release>` on 3100 (http-metrics). */
  lokiPush: LOKI.url(LOKI_API_PATHS.push),
  /** Loki's OTLP logs endpoint; the otlphttp exporter appends /v1/logs. */
  lokiOtlp: LOKI.url(LOKI_API_PATHS.otlp),
  lokiQuery: LOKI.url(),
  /** Monolithic Tempo: Service `<release>`, HTTP API 3200, OTLP gRPC 4317. */
  tempoQuery: TEMPO.http.url(),
  tempoOtlpGrpc: TEMPO.otlpGrpc.hostPort,
  /** kube-prometheus-stack: `<fullname>-alertmanager` 9093 and `<fullname>-prometheus` 9090. */
  alertmanager: KPS.alertmanager.url(),
  prometheus: KPS.prometheus.url(),
  /** OpenBao API (security): TLS from the internal CA (charts/openbao), so clients also need `openbaoCaCertificate`. */
  openbao: openbaoEndpoints(NS.security).api.url(),
  /** Data services (data). CloudNativePG's read-write Service `<cluster>-rw` of Cluster `postgres`. */
  postgresRw: postgresEndpoints(NS.data).rw.host,
  postgresPort: postgresEndpoints(NS.data).rw.port,
  /** The Service the redis component owns: it follows the master (replication) or the standalone (dev). */
  redis: redisEndpoints(NS.data).primary.host,
  redisPort: redisEndpoints(NS.data).primary.port,
  /** Strimzi's `<cluster>-kafka-bootstrap` of Kafka `kafka`: the TLS listener with SCRAM-SHA-512 (charts/kafka). */
  kafkaBootstrap: kafkaEndpoints(NS.data).bootstrap.hostPort,
} as const;
