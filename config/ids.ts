/**
 * The fixed ids of the platform components. Each becomes the name of exactly one Argo CD
 * Application, so tools and people can rely on them; no microservice may take one.
 */
export const PLATFORM_COMPONENT_IDS = [
  // Foundation
  'cilium', 'metrics-server', 'cluster-autoscaler', 'prometheus-operator-crds', 'platform-base',
  // The guide's readiness gate of each of workflows 1-3, after every other component of it.
  'foundation-readiness',
  // Ingress
  'cert-manager', 'cert-manager-config', 'external-dns', 'emissary-crds', 'emissary-ingress', 'emissary-config', 'ingress-readiness',
  // Observability
  'mimir', 'loki', 'tempo', 'kube-prometheus-stack', 'opentelemetry-collector', 'grafana',
  // Our PrometheusRules and Grafana dashboards (native), after the stores and Grafana.
  'observability-config', 'observability-readiness',
  // GitOps
  'argocd', 'argo-rollouts', 'tekton-operator', 'tekton-config',
  // Security
  'openbao', 'external-secrets', 'external-secrets-config', 'gatekeeper', 'gatekeeper-templates',
  'gatekeeper-constraints', 'falco',
  // Service mesh
  'istio-base', 'istiod', 'istio-cni', 'istio-config',
  // Data
  'cloudnative-pg', 'barman-cloud', 'postgres', 'redis-operator', 'redis', 'strimzi', 'kafka',
  // Staging load tests
  'k6-operator',
] as const;

export type PlatformComponentId = (typeof PLATFORM_COMPONENT_IDS)[number];

/** Names reserved beyond the component ids: the root app, the AppProjects and the Argo CD namespace objects. */
export const RESERVED_NAMES = ['root', 'platform'] as const;

/**
 * Components a fork may switch off with `components.<id>.enabled: false`, each with what is lost.
 * Everything else is load-bearing: another component depends on it, or the platform's security
 * model or readiness gates count on it.
 */
export const OPTIONAL_COMPONENTS: Readonly<Partial<Record<PlatformComponentId, string>>> = {
  falco: 'runtime threat detection: without it no Falco event reaches the alert receivers',
  'k6-operator': 'the staging load tests (it runs in staging only)',
};
