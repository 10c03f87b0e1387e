/**
 * In-cluster addresses one workflow gives another. Each is derived from the release name (the
 * component id), the namespace and the upstream chart's naming rules; the owning workflow's tests
 * check them against the chart. Consumers import these, never spell a service name themselves.
 */
import { NS } from './namespaces';

const svc = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

export const ENDPOINTS = {
  /** OTLP into the OpenTelemetry collector (observability). */
  otlpGrpc: `${svc('opentelemetry-collector', NS.observability)}:4317`,
  otlpHttp: `http://${svc('opentelemetry-collector', NS.observability)}:4318`,
  /** Prometheus remote-write into Mimir, through its gateway. */
  mimirRemoteWrite: `http://${svc('mimir-gateway', NS.observability)}/api/v1/push`,
  mimirQuery: `http://${svc('mimir-gateway', NS.observability)}/prometheus`,
  lokiPush: `http://${svc('loki-gateway', NS.observability)}/loki/api/v1/push`,
  lokiQuery: `http://${svc('loki-gateway', NS.observability)}`,
  tempoQuery: `http://${svc('tempo', NS.observability)}:3200`,
  tempoOtlpGrpc: `${svc('tempo', NS.observability)}:4317`,
  alertmanager: `http://${svc('kube-prometheus-stack-alertmanager', NS.observability)}:9093`,
  prometheus: `http://${svc('kube-prometheus-stack-prometheus', NS.observability)}:9090`,
  /** OpenBao API (security). */
  openbao: `http://${svc('openbao', NS.security)}:8200`,
  /** Data services (data). */
  postgresRw: svc('postgres-rw', NS.data),
  postgresPort: 5432,
  redis: svc('redis', NS.data),
  redisPort: 6379,
  kafkaBootstrap: `${svc('kafka-kafka-bootstrap', NS.data)}:9092`,
} as const;
