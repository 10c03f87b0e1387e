/**
 * Emissary-ingress (v4 OCI chart): the platform's one API gateway behind one AWS Network Load
 * Balancer for every host (the efficiency guide's "single_load_balancer"). The chart creates no
 * Listeners, Hosts or Module: those are `emissary-config`, a later wave, so the CRDs and the
 * wildcard certificate are in place first.
 *
 * Mesh: the pods join the Istio mesh so Emissary reaches the services over mTLS (prod runs STRICT).
 * The sidecar handles only outbound traffic: inbound on the listener ports (8080, 8443) comes from
 * the load balancer, outside the mesh, and the admin port (8877: probes and Prometheus metrics) is
 * scraped by a Prometheus that is not in the mesh either, so all three bypass the sidecar.
 */
import { CHARTS } from '../../config/versions';
import { Component, helm, RunbookSection, Workflow } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { EmissaryIngressValues } from './values';

export interface EmissaryIngressProps {
  readonly namespace: string;
  /** Replicas across zones behind a PodDisruptionBudget. */
  readonly highAvailability: boolean;
  /** Annotations for the load balancer Service (e.g. the names external-dns publishes). */
  readonly serviceAnnotations: Readonly<Record<string, string>>;
  /** Inject the Istio sidecar (outbound only) so upstream calls use mesh mTLS. */
  readonly mesh: boolean;
  /** @default DEFAULTS.replicas (by highAvailability) */
  readonly replicas?: number;
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
  /** The Istio sidecar's requests and limits (pod annotations), counted with the pod. @default DEFAULTS.sidecarResources */
  readonly sidecarResources?: Resources;
}

/** The ports Emissary listens on in the pod (the Listeners in emissary-config bind these). */
export const PORTS = { http: 8080, https: 8443, admin: 8877 } as const;

export const DEFAULTS = {
  /** Seed "Ambassador Optimization": requests 200m/256Mi, limits 500m/512Mi. */
  resources: Resources.of({ cpu: '200m', memory: '256Mi' }, { cpu: '500m', memory: '512Mi' }),
  /** The sidecar only proxies Emissary's upstream calls; Envoy's idle footprint is ~40Mi. */
  sidecarResources: Resources.of({ cpu: '50m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
  replicas: { highAvailability: 2, single: 1 },
  releaseName: 'emissary-ingress',
  /** Emissary's image runs as this user (its Dockerfile's `ambassador` user). */
  uid: 8888,
} as const;

/** The in-tree AWS cloud provider builds a Network Load Balancer (TCP passthrough: Emissary terminates TLS). */
export const NLB_ANNOTATIONS: Readonly<Record<string, string>> = {
  'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
};

export function emissaryIngressComponent(props: EmissaryIngressProps): Component {
  const ns = props.namespace;
  const name = DEFAULTS.releaseName;
  const replicas = props.replicas ?? (props.highAvailability ? DEFAULTS.replicas.highAvailability : DEFAULTS.replicas.single);
  if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`emissary-ingress: replicas must be a whole number of at least 1, got ${replicas}`);
  if (props.highAvailability && replicas < 2) {
    throw new Error(`emissary-ingress: highAvailability needs at least 2 replicas, got ${replicas}; the PodDisruptionBudget would block every node drain`);
  }
  const resources = props.resources ?? DEFAULTS.resources;
  const sidecar = props.sidecarResources ?? DEFAULTS.sidecarResources;
  const selector = { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name };

  const values: EmissaryIngressValues = {
    replicaCount: replicas,
    resources: resources.toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    podDisruptionBudget: props.highAvailability ? { maxUnavailable: 1 } : {},
    // Zero-downtime rollouts: a new pod is ready before an old one stops.
    deploymentStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    topologySpreadConstraints: props.highAvailability
      ? [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } }]
      : [],
    // The label is Istio's per-pod switch (the annotation of the same name is deprecated); the
    // namespace carries `istio-injection=enabled` as well.
    podLabels: { 'sidecar.istio.io/inject': props.mesh ? 'true' : 'false' },
    podAnnotations: props.mesh ? meshAnnotations(sidecar) : {},
    security: {
      podSecurityContext: { runAsNonRoot: true, runAsUser: DEFAULTS.uid, seccompProfile: { type: 'RuntimeDefault' } },
      containerSecurityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
    // With a read-only root filesystem, Emissary writes its Envoy configuration, snapshots and
    // caches under AMBASSADOR_CONFIG_BASE_DIR (/ambassador) and its HOME (/tmp/ambassador).
    volumes: [
      { name: 'ambassador-config-base', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ],
    volumeMounts: [
      { name: 'ambassador-config-base', mountPath: '/ambassador' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    service: {
      type: 'LoadBalancer',
      annotations: { ...NLB_ANNOTATIONS, ...props.serviceAnnotations },
      ports: [
        { name: 'http', port: 80, targetPort: PORTS.http },
        { name: 'https', port: 443, targetPort: PORTS.https },
      ],
    },
    createDefaultListeners: false,
    // No apiext (the CRDs serve only v3alpha1): nothing to wait for, and no Roles in its
    // `emissary-system` namespace, which this platform does not have.
    waitForApiext: { enabled: false, createRoles: false },
    // emissary-config owns the `ambassador` Module; two owners of one object would fight.
    module: { enabled: false },
    // Routing is Mappings and Hosts; no Ingress objects, so no IngressClass.
    ingressClassResource: { enabled: false },
    metrics: { serviceMonitor: { enabled: true } },
  };
  return {
    id: 'emissary-ingress',
    workflow: Workflow.Ingress,
    namespace: ns,
    // The efficiency guide's phases (certificates, DNS, gateway), and the CRDs it watches.
    dependsOn: ['external-dns', 'emissary-crds'],
    source: helm(CHARTS.emissaryIngress, values, name),
    runbook: props.mesh ? [meshRunbook(ns, name)] : [],
  };
}

function meshAnnotations(sidecar: Resources): Record<string, string> {
  const k = sidecar.toK8s();
  return {
    'traffic.sidecar.istio.io/excludeInboundPorts': [PORTS.http, PORTS.https, PORTS.admin].join(','),
    'sidecar.istio.io/proxyCPU': k.requests.cpu,
    'sidecar.istio.io/proxyMemory': k.requests.memory,
    'sidecar.istio.io/proxyCPULimit': k.limits.cpu,
    'sidecar.istio.io/proxyMemoryLimit': k.limits.memory,
    // Emissary talks to the Kubernetes API at start; its first calls must not race the sidecar.
    'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}',
  };
}

/**
 * Ingress syncs before the mesh (the seed's workflow order), so the first Emissary pods start
 * before istiod's injection webhook exists. istio-config's PostSync hook recreates un-injected
 * pods once the mesh runs; this is the check, and the manual fallback.
 */
function meshRunbook(namespace: string, deployment: string): RunbookSection {
  return {
    phase: 'operations',
    title: 'Emissary joins the mesh once Istio runs',
    body: `Emissary starts (workflow 2) before istiod (workflow 6) can inject its sidecar, and in
STRICT mTLS environments a pod without the sidecar cannot reach the services. When
\`istio-config\` syncs, its PostSync hook recreates the un-injected pods. Check that every
Emissary pod lists \`istio-proxy\`; if one does not (the hook failed or was skipped), restart
the Deployment once.

\`\`\`bash
kubectl -n ${namespace} get pods -l app.kubernetes.io/name=${deployment} -o jsonpath='{range .items[*]}{.metadata.name}{": "}{.spec.containers[*].name}{"\\n"}{end}'
# only if a pod lacks istio-proxy:
kubectl -n ${namespace} rollout restart deployment/${deployment}
kubectl -n ${namespace} rollout status deployment/${deployment} --timeout=10m
\`\`\``,
  };
}
