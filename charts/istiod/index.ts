/**
 * istiod: the Istio control plane (pilot, CA, sidecar injector) in sidecar mode.
 *
 * Injection runs with the Istio CNI node agent (`cni.enabled`): the injected pods then carry no
 * `istio-init` container with NET_ADMIN/NET_RAW, which the restricted Pod Security Standard of the
 * services' namespace forbids; the CNI plugin (istio-cni) sets up the traffic redirection instead.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent, WEBHOOK_CA_BUNDLE_DIFFERENCES } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { TierPolicy } from '../../lib/tier-policy';
import { TrafficEdge } from '../../lib/traffic';
import { IstiodValues } from './values';

/** This component's id: its Argo CD Application name. */
export const ID = 'istiod' satisfies PlatformComponentId;

export type { IstiodValues, MeshConfig, OtelProvider } from './values';

export interface IstiodProps {
  readonly namespace: string;
  /** Replicas, PodDisruptionBudget and zone spread (a stateless controller: spread preferred). */
  readonly tierPolicy: TierPolicy;
  /** Where the mesh sends spans: the OTLP/gRPC host and port of the collector. */
  readonly tracing: { readonly host: string; readonly port: number };
  /** Envoy access logs to stdout. */
  readonly accessLogs: boolean;
  /** Requests and limits of every injected sidecar (declared by the workloads that carry one). */
  readonly sidecarResources: Resources;
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
  /** @default DEFAULTS.tracingProvider */
  readonly tracingProvider?: string;
}

export const DEFAULTS = {
  /**
   * The chart's 500m/2Gi is sized for large meshes. This mesh is ~20 proxies (5 services x 3
   * replicas plus the ingress); istiod's working set at that size is a few hundred MiB.
   */
  resources: Resources.of({ cpu: '100m', memory: '384Mi' }, { cpu: '1', memory: '1Gi' }),
  tracingProvider: 'otel',
  /** Replicas where the tier is highly available. */
  haReplicas: 2,
  container: 'discovery',
} as const;

/** istiod's pods (the chart's selector labels) and its xDS port over TLS, which every sidecar dials. */
export const ISTIOD = { podLabels: { app: 'istiod', istio: 'pilot' }, xdsTlsPort: 15012 } as const;

/**
 * Every pod of each injected namespace dials istiod for its configuration and certificate (xDS over
 * TLS, lib/traffic.ts); the injection and validation webhooks and the scrape are derived.
 */
export function istiodTraffic(namespace: string, injectedNamespaces: readonly string[]): TrafficEdge[] {
  return injectedNamespaces.map((from) => ({
    name: `xds-${from}`,
    from: { namespace: from, pods: {} },
    to: { namespace, pods: ISTIOD.podLabels },
    ports: [{ port: ISTIOD.xdsTlsPort }],
    reason: `The Istio sidecars in ${from} fetch their configuration and certificates from istiod.`,
  }));
}

export function istiodComponent(props: IstiodProps): PlatformComponent {
  const resources = props.resources ?? DEFAULTS.resources;
  const policy = props.tierPolicy;
  const replicas = policy.replicas(DEFAULTS.haReplicas);
  if (!Number.isInteger(props.tracing.port) || props.tracing.port < 1 || props.tracing.port > 65535) {
    throw new Error(`istiod: tracing.port ${props.tracing.port} is not a TCP port; pass the collector's OTLP/gRPC port (4317)`);
  }
  const values: IstiodValues = {
    replicaCount: replicas,
    // Fixed replicas: an HPA would add pods outside the capacity plan.
    autoscaleEnabled: false,
    resources: resources.toK8s(),
    seccompProfile: { type: 'RuntimeDefault' },
    topologySpreadConstraints: policy.zoneSpreadConstraints({ app: 'istiod' }, 'controller'),
    cni: { enabled: true },
    global: {
      istioNamespace: props.namespace,
      priorityClassName: PRIORITY.platformCritical,
      logAsJson: true,
      // A PDB of minAvailable 1 over a single replica would block every node drain.
      defaultPodDisruptionBudget: { enabled: policy.highAvailability },
      proxy: { resources: props.sidecarResources.toK8s(), seccompProfile: { type: 'RuntimeDefault' } },
    },
    meshConfig: {
      // Prometheus (outside the mesh) cannot scrape an app port under STRICT mTLS. The agent
      // serves the merged app + Envoy metrics on 15020, which Istio excludes from inbound
      // capture (plaintext, outside the mTLS listener): the services' PodMonitors scrape that.
      enablePrometheusMerge: true,
      accessLogFile: props.accessLogs ? '/dev/stdout' : '',
      accessLogEncoding: 'JSON',
      // Apps start only once Envoy is ready: under STRICT mTLS their first calls would fail.
      defaultConfig: { holdApplicationUntilProxyStarts: true },
      extensionProviders: [
        { name: props.tracingProvider ?? DEFAULTS.tracingProvider, opentelemetry: { service: props.tracing.host, port: props.tracing.port } },
      ],
    },
    base: { validationFailurePolicy: 'Fail' },
  };
  return helmComponent({
    id: ID,
    workflow: Workflow.Mesh,
    namespace: props.namespace,
    dependsOn: ['istio-base'],
    chart: CHARTS.istiod,
    values,
    // istiod patches its CA bundle into the injection and validation webhooks at runtime.
    ignoreDifferences: WEBHOOK_CA_BUNDLE_DIFFERENCES,
  });
}
