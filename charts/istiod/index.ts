/**
 * istiod: the Istio control plane (pilot, CA, sidecar injector) in sidecar mode.
 *
 * Injection runs with the Istio CNI node agent (`cni.enabled`): the injected pods then carry no
 * `istio-init` container with NET_ADMIN/NET_RAW, which the restricted Pod Security Standard of the
 * services' namespace forbids; the CNI plugin (istio-cni) sets up the traffic redirection instead.
 */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { K8sResources, Resources } from '../../lib/resources';

/** An OpenTelemetry (OTLP/gRPC) tracing provider of the mesh config. */
export interface OtelProvider {
  readonly name: string;
  readonly opentelemetry: { readonly service: string; readonly port: number };
}

/** The MeshConfig fields we set (istio.mesh.v1alpha1.MeshConfig; a free-form map for the chart). */
export interface MeshConfig {
  /** Merges the app's own metrics into the agent's port 15020 (`/stats/prometheus`). */
  readonly enablePrometheusMerge: boolean;
  /** `/dev/stdout` turns Envoy access logs on; empty leaves them off. */
  readonly accessLogFile: string;
  readonly accessLogEncoding: 'JSON' | 'TEXT';
  readonly defaultConfig: { readonly holdApplicationUntilProxyStarts: boolean };
  readonly extensionProviders: readonly OtelProvider[];
}

/** The `istiod` chart (1.30.3) keys we set, at top level as the chart reads them. */
export interface IstiodValues {
  readonly replicaCount: number;
  readonly autoscaleEnabled: boolean;
  readonly resources: K8sResources;
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
  readonly topologySpreadConstraints: readonly object[];
  /** Becomes `pilot.cni.enabled` in the injection template: no privileged init container. */
  readonly cni: { readonly enabled: boolean };
  readonly global: {
    readonly istioNamespace: string;
    readonly priorityClassName: string;
    readonly logAsJson: boolean;
    readonly defaultPodDisruptionBudget: { readonly enabled: boolean };
    readonly proxy: { readonly resources: K8sResources; readonly seccompProfile: { readonly type: 'RuntimeDefault' } };
  };
  readonly meshConfig: MeshConfig;
  /** Same value as in `base` (see charts/istio-base): no failurePolicy flip, no Argo CD drift. */
  readonly base: { readonly validationFailurePolicy: 'Fail' | 'Ignore' };
}

export interface IstiodProps {
  readonly namespace: string;
  readonly highAvailability: boolean;
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
  container: 'discovery',
} as const;

export function istiodComponent(props: IstiodProps): PlatformComponent {
  const resources = props.resources ?? DEFAULTS.resources;
  const replicas = props.highAvailability ? 2 : 1;
  if (!Number.isInteger(props.tracing.port) || props.tracing.port < 1 || props.tracing.port > 65535) {
    throw new Error(`istiod: tracing.port ${props.tracing.port} is not a TCP port; pass the collector's OTLP/gRPC port (4317)`);
  }
  const values: IstiodValues = {
    replicaCount: replicas,
    // Fixed replicas: an HPA would add pods outside the capacity plan.
    autoscaleEnabled: false,
    resources: resources.toK8s(),
    seccompProfile: { type: 'RuntimeDefault' },
    topologySpreadConstraints: props.highAvailability
      ? [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'istiod' } } }]
      : [],
    cni: { enabled: true },
    global: {
      istioNamespace: props.namespace,
      priorityClassName: PRIORITY.platformCritical,
      logAsJson: true,
      // A PDB of minAvailable 1 over a single replica would block every node drain.
      defaultPodDisruptionBudget: { enabled: props.highAvailability },
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
  return {
    id: 'istiod',
    workflow: Workflow.Mesh,
    namespace: props.namespace,
    dependsOn: ['istio-base'],
    source: helm(CHARTS.istiod, values),
    // istiod patches its CA bundle into the injection and validation webhooks at runtime.
    ignoreDifferences: [
      { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
    ],
  };
}
