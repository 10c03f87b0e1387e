/**
 * Emissary-ingress (v4 OCI chart): the platform's one API gateway behind one AWS Network Load
 * Balancer for every host (the efficiency guide's "single_load_balancer"). The chart creates no
 * Listeners, Hosts, Module or Mappings: those are `emissary-config`, a later wave, so the CRDs and
 * the wildcard certificate are in place first. Emissary watches only its own namespace, where all
 * of them live.
 *
 * Mesh: the pods join the Istio mesh so Emissary reaches the services over mTLS (prod runs STRICT).
 * The sidecar handles only outbound traffic: inbound on the listener ports (8080, 8443) comes from
 * the load balancer, outside the mesh, and the admin port (8877: probes and Prometheus metrics) is
 * scraped by a Prometheus that is not in the mesh either, so all three bypass the sidecar.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, RunbookSection, Workflow } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { helmComponent } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';
import { TrafficEdge } from '../../lib/traffic';
import { EmissaryIngressValues } from './values';

export type { EmissaryIngressValues } from './values';

export const ID = 'emissary-ingress' satisfies PlatformComponentId;

export interface EmissaryIngressProps {
  readonly namespace: string;
  /**
   * Where the tier is highly available, replicas spread over zones (a stateless controller:
   * preferred, never required) behind a PodDisruptionBudget.
   */
  readonly tierPolicy: TierPolicy;
  /** Annotations for the load balancer Service (e.g. the names external-dns publishes). */
  readonly serviceAnnotations: Readonly<Record<string, string>>;
  /** Inject the Istio sidecar (outbound only) so upstream calls use mesh mTLS. */
  readonly mesh: boolean;
  /**
   * The only client CIDRs the load balancer accepts (`loadBalancerSourceRanges`), e.g. the CDN's
   * ranges where it proxies every record, so no one reaches the origin around it.
   * @default any source
   */
  readonly sourceRanges?: readonly string[];
  /** @default DEFAULTS.replicas (by the tier's high availability) */
  readonly replicas?: number;
  /** Emissary's requests and limits (per tier: config/sizing.ts). */
  readonly resources: Resources;
  /** The Istio sidecar's requests and limits (pod annotations), counted with the pod (per tier: config/sizing.ts). */
  readonly sidecarResources: Resources;
}

/** The ports Emissary listens on in the pod (the Listeners in emissary-config bind these). */
export const PORTS = { http: 8080, https: 8443, admin: 8877 } as const;

/** The ports of the load balancer Service: what clients connect to. */
export const SERVICE_PORTS = { http: 80, https: 443 } as const;

export const DEFAULTS = {
  replicas: { highAvailability: 2, single: 1 },
  releaseName: 'emissary-ingress',
  /** Emissary's image runs as this user (its Dockerfile's `ambassador` user). */
  uid: 8888,
  /** The writable emptyDirs under a read-only root filesystem. */
  scratch: { configBase: Storage.mebibytes(256), tmp: Storage.mebibytes(64) },
} as const;

/** Emissary's pods: the chart's selector labels for the release. */
export const POD_LABELS = { 'app.kubernetes.io/instance': DEFAULTS.releaseName, 'app.kubernetes.io/name': DEFAULTS.releaseName } as const;

/**
 * The clients reaching Emissary's listener ports through the load balancer (lib/traffic.ts). The
 * Service keeps `externalTrafficPolicy: Cluster`, so a connection arrives from the client's address
 * (the world: any client, or only the CDN's ranges, which `sourceRanges` enforces in the node
 * security group, where the DNS provider proxies) when the node the load balancer picked runs the
 * pod, and from that node's address (`host`, `remote-node`) when kube-proxy forwards it to a pod on
 * another node; the load balancer's health checks arrive the same way. The admin port is Prometheus's
 * (derived from the ServiceMonitor); the upstream calls are declared where the routes are known.
 */
export function emissaryIngressTraffic(namespace: string): TrafficEdge[] {
  return [
    {
      name: 'emissary-load-balancer',
      from: { entities: ['world', 'host', 'remote-node'] },
      to: { namespace, pods: POD_LABELS },
      ports: [{ port: PORTS.http }, { port: PORTS.https }],
      reason: "Clients reach the listeners through the load balancer (sources limited by the Service's loadBalancerSourceRanges where set); forwarded connections arrive from the nodes.",
    },
  ];
}

/** The gateway's load balancer Service in `namespace`: what the readiness gate and clients inside the cluster address. */
export function emissaryIngressEndpoints(namespace: string) {
  return {
    http: Endpoint.service(DEFAULTS.releaseName, namespace, SERVICE_PORTS.http, 'http'),
    https: Endpoint.service(DEFAULTS.releaseName, namespace, SERVICE_PORTS.https, 'https'),
  };
}

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** A source range list must restrict something: an empty list would mean "any" to Kubernetes. */
function checkSourceRanges(ranges: readonly string[]): void {
  if (ranges.length === 0) throw new Error('emissary-ingress: sourceRanges is empty, which Kubernetes reads as "any source"; leave it unset for any, or list the CIDRs to admit');
  const bad = ranges.filter((r) => !IPV4_CIDR.test(r));
  if (bad.length) throw new Error(`emissary-ingress: sourceRanges has ${bad.map((b) => `"${b}"`).join(', ')}, not IPv4 CIDRs; write them as 203.0.113.0/24`);
}

/** The in-tree AWS cloud provider builds a Network Load Balancer (TCP passthrough: Emissary terminates TLS). */
export const NLB_ANNOTATIONS: Readonly<Record<string, string>> = {
  'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
};

export function emissaryIngressComponent(props: EmissaryIngressProps): PlatformComponent {
  const ns = props.namespace;
  const name = DEFAULTS.releaseName;
  const { tierPolicy } = props;
  const ha = tierPolicy.highAvailability;
  const replicas = props.replicas ?? tierPolicy.replicas(DEFAULTS.replicas.highAvailability, DEFAULTS.replicas.single);
  if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`emissary-ingress: replicas must be a whole number of at least 1, got ${replicas}`);
  if (ha && replicas < 2) {
    throw new Error(`emissary-ingress: the ${tierPolicy.tier} tier is highly available and needs at least 2 replicas, got ${replicas}; the PodDisruptionBudget would block every node drain`);
  }
  if (props.sourceRanges) checkSourceRanges(props.sourceRanges);
  const selector = { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name };

  const values: EmissaryIngressValues = {
    replicaCount: replicas,
    resources: props.resources.toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    podDisruptionBudget: ha ? { maxUnavailable: 1 } : {},
    // Zero-downtime rollouts: a new pod is ready before an old one stops.
    deploymentStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    topologySpreadConstraints: tierPolicy.k8sZoneSpreadConstraints(selector, 'controller'),
    // The label is Istio's per-pod switch (the annotation of the same name is deprecated); the
    // namespace carries `istio-injection=enabled` as well.
    podLabels: { 'sidecar.istio.io/inject': props.mesh ? 'true' : 'false' },
    podAnnotations: props.mesh ? meshAnnotations(props.sidecarResources) : {},
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
      { name: 'ambassador-config-base', emptyDir: { sizeLimit: DEFAULTS.scratch.configBase.toString() } },
      { name: 'tmp', emptyDir: { sizeLimit: DEFAULTS.scratch.tmp.toString() } },
    ],
    volumeMounts: [
      { name: 'ambassador-config-base', mountPath: '/ambassador' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    service: {
      type: 'LoadBalancer',
      annotations: { ...NLB_ANNOTATIONS, ...props.serviceAnnotations },
      ports: [
        { name: 'http', port: SERVICE_PORTS.http, targetPort: PORTS.http },
        { name: 'https', port: SERVICE_PORTS.https, targetPort: PORTS.https },
      ],
      // The in-tree controller turns these into the node security group's rules for the NLB's ports
      // (the NLB keeps the client's address), so traffic from anywhere else never reaches Emissary.
      ...(props.sourceRanges ? { loadBalancerSourceRanges: props.sourceRanges } : {}),
    },
    // Emissary watches only its own namespace (AMBASSADOR_SINGLE_NAMESPACE), so the chart grants
    // its reads of Secrets, Services and the getambassador.io kinds by a Role there, not a
    // ClusterRole: a compromised gateway reads no other namespace's Secrets. Its Listeners, Hosts,
    // Module, Mappings and the wildcard certificate's Secret all live there (emissary-config,
    // cert-manager-config); a Mapping names its upstream Service as `<name>.<namespace>`, which
    // Emissary resolves through DNS without watching that namespace.
    scope: { singleNamespace: true },
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
  return helmComponent({
    id: ID,
    workflow: Workflow.Ingress,
    namespace: ns,
    // The efficiency guide's phases (certificates, DNS, gateway), and the CRDs it watches.
    dependsOn: ['external-dns', 'emissary-crds'],
    chart: CHARTS.emissaryIngress,
    values,
    releaseName: name,
    runbook: props.mesh ? [meshRunbook(ns, name)] : [],
    traffic: emissaryIngressTraffic(ns),
  });
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
