/**
 * Who talks to Loki (issue 10, point 5: Loki accepts writes only from the collectors). The Loki
 * chart's NetworkPolicy admits these pods on its HTTP port and nothing else from outside Loki.
 * Each entry matches the pods a component renders (its release's pod template, or the pods
 * prometheus-operator creates for the Prometheus resource); test/charts/loki.test.ts checks every
 * entry against the rendered objects, and that every component whose rendering names a Loki URL
 * (ENDPOINTS.loki*) is admitted.
 */
import { LokiClients } from '../charts/loki';
import { NS } from './namespaces';

export const LOKI_CLIENTS: LokiClients = {
  writers: [
    {
      namespace: NS.observability,
      podLabels: { 'app.kubernetes.io/instance': 'opentelemetry-collector', 'app.kubernetes.io/name': 'opentelemetry-collector', component: 'agent-collector' },
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
      podLabels: { 'app.kubernetes.io/instance': 'grafana', 'app.kubernetes.io/name': 'grafana' },
      purpose: 'Grafana queries logs (its Loki data source)',
    },
  ],
  scrapers: [
    {
      namespace: NS.observability,
      podLabels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' },
      purpose: "Prometheus scrapes Loki's /metrics (its ServiceMonitor)",
    },
  ],
};
