/**
 * Who talks to Loki (issue 10, point 5: Loki accepts writes only from the collectors). The Loki
 * chart's NetworkPolicy admits these pods on its HTTP port and nothing else from outside Loki.
 * Each entry matches the pods a component renders (its release's pod template, or the pods
 * prometheus-operator creates for the Prometheus resource), with the labels each chart exports;
 * test/workflows/observability.test.ts checks every entry against the rendered objects, and that
 * every component whose rendering names a Loki URL (ENDPOINTS.loki*) is admitted.
 */
import { POD_LABELS as GRAFANA_POD_LABELS } from '../charts/grafana';
import { PROMETHEUS_POD_LABELS } from '../charts/kube-prometheus-stack';
import { LokiClients } from '../charts/loki';
import { AGENT_POD_LABELS as COLLECTOR_POD_LABELS } from '../charts/opentelemetry-collector';
import { NS } from './namespaces';

export const LOKI_CLIENTS: LokiClients = {
  writers: [
    {
      namespace: NS.observability,
      podLabels: COLLECTOR_POD_LABELS,
      purpose: 'the OpenTelemetry collector agent pushes node and pod logs over OTLP',
    },
    {
      namespace: NS.security,
      podLabels: { 'app.kubernetes.io/instance': 'falco', 'app.kubernetes.io/name': 'falcosidekick' },
      purpose: 'Falcosidekick pushes Falco events',
    },
  ],
  readers: [
    {
      namespace: NS.observability,
      podLabels: GRAFANA_POD_LABELS,
      purpose: 'Grafana queries logs (its Loki data source)',
    },
  ],
  scrapers: [
    {
      namespace: NS.observability,
      podLabels: PROMETHEUS_POD_LABELS,
      purpose: "Prometheus scrapes Loki's /metrics (its ServiceMonitor)",
    },
  ],
};
