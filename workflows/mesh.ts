/**
 * Workflow 6, Service mesh: Istio in sidecar mode with the CNI node agent.
 * istio-base, then istiod and istio-cni, then istio-config (all in istio-system).
 */
import { istioBaseComponent } from '../charts/istio-base';
import { istioCniComponent } from '../charts/istio-cni';
import { istioConfigComponent } from '../charts/istio-config';
import { istiodComponent, istiodTraffic } from '../charts/istiod';
import { SIZING } from '../config/sizing';
import { IMAGES } from '../config/versions';
import { PlatformComponent } from '../lib/component';
import { withTraffic } from '../lib/traffic';
import { PlatformContext } from './context';
import { ENDPOINTS } from './endpoints';
import { NAMESPACES, NS } from './namespaces';

/**
 * The ServiceAccount of emissary's pods: the emissary-ingress chart names it after its fullname,
 * which is the release name when that contains the chart name (release `emissary-ingress`).
 */
export const EMISSARY_SERVICE_ACCOUNT = 'emissary-ingress';

/** The tracing extension provider's name in the mesh config, referenced by the Telemetry resource. */
export const TRACING_PROVIDER = 'otel';

/** Namespaces labelled for sidecar injection (workflows/namespaces.ts). */
export function injectedNamespaces(): string[] {
  return Object.entries(NAMESPACES)
    .filter(([, spec]) => spec.istioInjection)
    .map(([name]) => name)
    .sort();
}

function hostPort(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(':');
  return { host: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)) };
}

export function meshComponents(ctx: PlatformContext): PlatformComponent[] {
  const { env } = ctx;
  const ns = NS.istioSystem;
  return [
    istioBaseComponent({ namespace: ns }),
    withTraffic(
      istiodComponent({
        namespace: ns,
        tierPolicy: env.tierPolicy,
        tracing: hostPort(ENDPOINTS.otlpGrpc),
        tracingProvider: TRACING_PROVIDER,
        accessLogs: env.accessLogs,
        sidecarResources: env.tierPolicy.sized(SIZING.istiod).sidecarResources,
      }),
      istiodTraffic(ns, injectedNamespaces()),
    ),
    istioCniComponent({ namespace: ns, excludeNamespaces: [NS.kubeSystem, ns] }),
    istioConfigComponent({
      meshNamespace: ns,
      appsNamespace: NS.apps,
      mtlsMode: env.mtlsMode,
      services: ctx.services.map((s) => ({ name: s.name, port: s.port, public: s.public, calls: s.calls })),
      ingressPrincipal: `cluster.local/ns/${NS.emissary}/sa/${EMISSARY_SERVICE_ACCOUNT}`,
      tracingProvider: TRACING_PROVIDER,
      samplingPercentage: env.tierPolicy.sized(SIZING['istio-config']).samplingPercentage,
      accessLogs: env.accessLogs,
      injectedNamespaces: injectedNamespaces(),
      kubectlImage: IMAGES.kubectl,
    }),
  ];
}
