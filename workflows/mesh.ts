/**
 * Workflow 6, Service mesh: Istio in sidecar mode with the CNI node agent.
 * istio-base, then istiod and istio-cni, then istio-config (all in istio-system).
 */
import { istioBaseComponent } from '../charts/istio-base';
import { istioCniComponent } from '../charts/istio-cni';
import { istioConfigComponent } from '../charts/istio-config';
import { istiodComponent } from '../charts/istiod';
import { byTier, EnvironmentSettings } from '../config/defaults';
import { IMAGES } from '../config/versions';
import { PlatformComponent } from '../lib/component';
import { Resources } from '../lib/resources';
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

/**
 * Mesh-wide default requests and limits of an injected `istio-proxy` sidecar (and of the
 * `istio-validation` init container the CNI mode injects instead of `istio-init`). Workloads that
 * carry a sidecar set their own through the `sidecar.istio.io/proxy*` annotations and declare it
 * as a container of their workload, so their namespace quota counts it; this default only covers
 * a pod that sets none. Istio's own default (100m/128Mi) would add 1.5 CPU over 15 service pods.
 */
export function meshSidecarResources(env: Pick<EnvironmentSettings, 'tier'>): Resources {
  return byTier(env, {
    dev: Resources.of({ cpu: '10m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
    staging: Resources.of({ cpu: '30m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
    prod: Resources.of({ cpu: '30m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
  });
}

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
    istiodComponent({
      namespace: ns,
      highAvailability: env.highAvailability,
      tracing: hostPort(ENDPOINTS.otlpGrpc),
      tracingProvider: TRACING_PROVIDER,
      accessLogs: env.accessLogs,
      sidecarResources: meshSidecarResources(env),
    }),
    istioCniComponent({ namespace: ns, excludeNamespaces: [NS.kubeSystem, ns] }),
    istioConfigComponent({
      meshNamespace: ns,
      appsNamespace: NS.apps,
      mtlsMode: env.mtlsMode,
      services: ctx.services.map((s) => ({ name: s.name, port: s.port, public: s.public, calls: s.calls })),
      ingressPrincipal: `cluster.local/ns/${NS.emissary}/sa/${EMISSARY_SERVICE_ACCOUNT}`,
      tracingProvider: TRACING_PROVIDER,
      // Every request traced where traffic is low (dev, staging load tests); a sample in prod.
      samplingPercentage: byTier(env, { dev: 100, staging: 100, prod: 10 }),
      accessLogs: env.accessLogs,
      injectedNamespaces: injectedNamespaces(),
      kubectlImage: IMAGES.kubectl,
    }),
  ];
}
