/**
 * In-cluster addresses one workflow gives another. Each is derived from the release name (the
 * component id), the namespace and the upstream chart's naming rules; the owning workflow's tests
 * check them against the chart. Consumers import these, never spell a service name themselves.
 */
import { KAFKA_ACCESS } from '../charts/kafka';
import { MIMIR_GATEWAY } from '../charts/mimir';
import { NS } from './namespaces';

const svc = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;
/** `http://host` on port 80, `http://host:port` otherwise. */
const httpBase = (host: string, port: number) => `http://${host}${port === 80 ? '' : `:${port}`}`;
const MIMIR_BASE = httpBase(svc(MIMIR_GATEWAY.name, NS.observability), MIMIR_GATEWAY.port);

export const ENDPOINTS = {
  /**
   * OTLP into the OpenTelemetry collector (observability). The collector is a DaemonSet; its Service
   * (`<release>` = opentelemetry-collector, ports.otlp/otlp-http servicePort) keeps traffic on the
   * sender's node (internalTrafficPolicy Local in daemonset mode).
   */
  otlpGrpc: `${svc('opentelemetry-collector', NS.observability)}:4317`,
  otlpHttp: `http://${svc('opentelemetry-collector', NS.observability)}:4318`,
  /** Monolithic Mimir through the Service the mimir chart names for its callers (`mimir-gateway`, port 80). */
  mimirRemoteWrite: `${MIMIR_BASE}/api/v1/push`,
  /** Mimir's OTLP metrics endpoint; the otlphttp exporter appends /v1/metrics. */
  mimirOtlp: `${MIMIR_BASE}/otlp`,
  mimirQuery: `${MIMIR_BASE}/prometheus`,
  /** Monolithic Loki, no gateway: the Service is `<release>` on 3100 (http-metrics). */
  lokiPush: `http://${svc('loki', NS.observability)}:3100/loki/api/v1/push`,
  /** Loki's OTLP logs endpoint; the otlphttp exporter appends /v1/logs. */
  lokiOtlp: `http://${svc('loki', NS.observability)}:3100/otlp`,
  lokiQuery: `http://${svc('loki', NS.observability)}:3100`,
  /** Monolithic Tempo: Service `<release>`, HTTP API 3200, OTLP gRPC 4317. */
  tempoQuery: `http://${svc('tempo', NS.observability)}:3200`,
  tempoOtlpGrpc: `${svc('tempo', NS.observability)}:4317`,
  /** kube-prometheus-stack: `<fullname>-alertmanager` 9093 and `<fullname>-prometheus` 9090. */
  alertmanager: `http://${svc('kube-prometheus-stack-alertmanager', NS.observability)}:9093`,
  prometheus: `http://${svc('kube-prometheus-stack-prometheus', NS.observability)}:9090`,
  /** OpenBao API (security): TLS from the internal CA (charts/openbao), so clients also need `openbaoCaCertificate`. */
  openbao: `https://${svc('openbao', NS.security)}:8200`,
  /** Data services (data). CloudNativePG's read-write Service `<cluster>-rw` of Cluster `postgres`. */
  postgresRw: svc('postgres-rw', NS.data),
  postgresPort: 5432,
  /** The Service the redis component owns: it follows the master (replication) or the standalone (dev). */
  redis: svc('redis', NS.data),
  redisPort: 6379,
  /** Strimzi's `<cluster>-kafka-bootstrap` of Kafka `kafka`: the TLS listener with SCRAM-SHA-512 (charts/kafka). */
  kafkaBootstrap: `${svc('kafka-kafka-bootstrap', NS.data)}:${KAFKA_ACCESS.port}`,
} as const;
