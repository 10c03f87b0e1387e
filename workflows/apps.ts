/**
 * The microservices, and the progressive-delivery tools they are released with (Argo Rollouts in
 * every environment, the k6 load-test operator in staging; both in the GitOps workflow).
 * Everything per service comes from its entry in platform.yaml: a new service needs no code.
 */
import { microserviceComponent } from '../apps';
import { argoRolloutsComponent, CONTROLLER_POD_LABELS as ROLLOUTS_POD_LABELS } from '../charts/argo-rollouts';
import { PROMETHEUS_POD_LABELS } from '../charts/kube-prometheus-stack';
import { PublicRoute } from '../charts/emissary-config';
import { k6OperatorComponent } from '../charts/k6-operator';
import { KAFKA_ACCESS, kafkaUserSecret } from '../charts/kafka';
import { REDIS_ACCESS } from '../charts/redis';
import { ServiceConfig } from '../config/schema';
import { Component, PlatformComponent } from '../lib/component';
import { TrafficEdge, withTraffic } from '../lib/traffic';
import { PlatformContext } from './context';
import { ENDPOINTS } from './endpoints';
import { NS } from './namespaces';

/** The port of a `host:port` or `scheme://host:port/path` address. */
export function portOf(address: string): number {
  const m = /:(\d+)(\/.*)?$/.exec(address);
  if (!m) throw new Error(`no port in address "${address}"`);
  return Number(m[1]);
}

export const WIRING = {
  namespaces: { ingress: NS.emissary, observability: NS.observability, istioSystem: NS.istioSystem, data: NS.data },
  otlp: { endpoint: ENDPOINTS.otlpHttp, ports: [portOf(ENDPOINTS.otlpGrpc), portOf(ENDPOINTS.otlpHttp)] },
  prometheusUrl: ENDPOINTS.prometheus,
  postgres: { host: ENDPOINTS.postgresRw, port: ENDPOINTS.postgresPort },
  redis: { host: ENDPOINTS.redis, port: ENDPOINTS.redisPort, caSecret: REDIS_ACCESS.caSecret, caKey: REDIS_ACCESS.caKey },
  kafka: {
    bootstrap: ENDPOINTS.kafkaBootstrap,
    port: portOf(ENDPOINTS.kafkaBootstrap),
    securityProtocol: KAFKA_ACCESS.securityProtocol,
    saslMechanism: KAFKA_ACCESS.saslMechanism,
    userSecret: kafkaUserSecret,
    passwordKey: KAFKA_ACCESS.passwordKey,
    caSecret: KAFKA_ACCESS.clusterCaSecret,
    caKey: KAFKA_ACCESS.clusterCaKey,
  },
} as const;

/** `<service>.<environment domain>`: the public hostname (the ingress workflow's wildcard Host covers it). */
export const publicHostname = (ctx: PlatformContext, service: Pick<ServiceConfig, 'name'>) => `${service.name}.${ctx.env.domain}`;

/** The namespace every service runs in. */
export const SERVICES_NAMESPACE = NS.apps;

/**
 * The route of each public service: its hostname to its Service in the services' namespace. The
 * ingress workflow renders these as Mappings in Emissary's own namespace (emissary-config), so the
 * services' project never needs Mapping rights.
 */
export function publicRoutes(ctx: PlatformContext): PublicRoute[] {
  return ctx.services
    .filter((s) => s.public)
    .map((s) => ({ name: s.name, hostname: publicHostname(ctx, s), service: { name: s.name, namespace: SERVICES_NAMESPACE, port: s.port } }));
}

export function appsComponents(ctx: PlatformContext): Component[] {
  const { env, services } = ctx;
  const byName = new Map(services.map((s) => [s.name, s]));
  return services.map((service) =>
    microserviceComponent({
      service,
      namespace: SERVICES_NAMESPACE,
      environment: env.name,
      sizing: env.services,
      tierPolicy: env.tierPolicy,
      callers: services.filter((s) => s.calls.includes(service.name)).map((s) => s.name),
      callees: service.calls.map((name) => ({ name, port: byName.get(name)!.port })),
      wiring: WIRING,
    }),
  );
}

/** Argo Rollouts everywhere; k6-operator and its TestRuns in staging only. Added to the GitOps workflow. */
export function deliveryComponents(ctx: PlatformContext): PlatformComponent[] {
  const rollouts = withTraffic(argoRolloutsComponent({ namespace: NS.argocd, tierPolicy: ctx.env.tierPolicy }), [rolloutsAnalysisTraffic()]);
  if (ctx.env.tier !== 'staging') return [rollouts];
  const targets = ctx.services
    .filter((s) => s.public)
    .map((s) => ({ name: s.name, url: `https://${publicHostname(ctx, s)}${s.healthPath}` }));
  return [rollouts, k6OperatorComponent({ namespace: NS.loadTests, targets })];
}

/** The canary analyses (apps/canary.ts) are Prometheus queries the Rollouts controller runs. */
function rolloutsAnalysisTraffic(): TrafficEdge {
  return {
    name: 'argo-rollouts-prometheus',
    from: { namespace: NS.argocd, pods: ROLLOUTS_POD_LABELS },
    to: { namespace: NS.observability, pods: PROMETHEUS_POD_LABELS },
    ports: [{ port: portOf(WIRING.prometheusUrl) }],
    reason: "The Argo Rollouts controller runs the canaries' AnalysisRuns: Prometheus queries.",
  };
}
