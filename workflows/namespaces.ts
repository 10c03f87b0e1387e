/**
 * Every namespace the platform uses, consolidated as the efficiency guide's "Shared Resource
 * Strategy" says, with its Pod Security Standard level. platform-base creates them all; a
 * component whose namespace is missing here fails the synth.
 */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface NamespaceSpec {
  readonly podSecurity: PodSecurityLevel;
  /** Why a namespace is not `restricted`: the named exception. */
  readonly reason?: string;
  /** Istio sidecar injection. */
  readonly istioInjection?: boolean;
  /** Deny all ingress and egress except DNS; workloads add their own allows. */
  readonly defaultDeny?: boolean;
  /**
   * With defaultDeny: the allows come from the components' declared traffic and what their
   * rendered objects imply (lib/traffic.ts), rendered by platform-base.
   */
  readonly declaredTraffic?: boolean;
  /** Whether platform-base owns the Namespace object (kube-system exists already and is left alone). */
  readonly managed: boolean;
}

export const NS = {
  kubeSystem: 'kube-system',
  certManager: 'cert-manager',
  externalDns: 'external-dns',
  emissary: 'emissary',
  observability: 'observability',
  argocd: 'argocd',
  tektonOperator: 'tekton-operator',
  tektonPipelines: 'tekton-pipelines',
  security: 'security',
  istioSystem: 'istio-system',
  data: 'data',
  apps: 'apps',
  loadTests: 'load-tests',
} as const;

export const NAMESPACES: Readonly<Record<string, NamespaceSpec>> = {
  // No default-deny, the one named exception: the platform does not create kube-system, and the EKS
  // add-ons eksctl installs there (CoreDNS, the VPC CNI, the EBS CSI driver, kube-proxy) are outside
  // dist, so their flows cannot be derived; a missed one would break DNS for every pod. Its
  // components that dist does render (Cilium, metrics-server, the autoscaler) are reached by
  // declared edges from the other namespaces.
  [NS.kubeSystem]: { podSecurity: 'privileged', reason: 'Cilium and the EKS add-ons run host-level agents here', managed: false },
  // Holds the Cloudflare token: only declared and derived traffic (lib/traffic.ts).
  [NS.certManager]: { podSecurity: 'restricted', defaultDeny: true, declaredTraffic: true, managed: true },
  // Holds the Cloudflare token: only declared and derived traffic (lib/traffic.ts).
  [NS.externalDns]: { podSecurity: 'restricted', defaultDeny: true, declaredTraffic: true, managed: true },
  // Emissary joins the mesh: its upstream calls go out through the sidecar over mTLS (inbound
  // listener ports bypass it; see charts/emissary-ingress).
  // The public entry point: only declared and derived traffic (lib/traffic.ts).
  [NS.emissary]: { podSecurity: 'restricted', istioInjection: true, defaultDeny: true, declaredTraffic: true, managed: true },
  [NS.observability]: {
    podSecurity: 'privileged',
    reason: 'node-exporter and the OpenTelemetry log collector read host paths and the host network',
    // Every cluster's telemetry, and Prometheus reaches every namespace: only declared and derived traffic (lib/traffic.ts).
    defaultDeny: true,
    declaredTraffic: true,
    managed: true,
  },
  // Argo CD's controller is cluster-admin: only declared and derived traffic (lib/traffic.ts).
  [NS.argocd]: { podSecurity: 'restricted', defaultDeny: true, declaredTraffic: true, managed: true },
  // The Tekton operator reads Secrets cluster-wide (its ClusterRole): alone in its namespace, its
  // ServiceAccount token sits beside no other component's pods, and Argo CD's namespace holds no
  // identity beyond Argo CD's own.
  [NS.tektonOperator]: { podSecurity: 'restricted', defaultDeny: true, declaredTraffic: true, managed: true },
  [NS.tektonPipelines]: {
    podSecurity: 'privileged',
    reason:
      "rootless BuildKit (non-root, never privileged) needs an Unconfined seccomp profile to create its user namespace, which baseline forbids (charts/tekton-config, BUILDKIT); Gatekeeper still denies privileged containers, host namespaces, host network and host paths here",
    // CI holds the registry and GitOps push credentials: only declared and derived traffic (lib/traffic.ts).
    defaultDeny: true,
    declaredTraffic: true,
    managed: true,
  },
  [NS.security]: {
    podSecurity: 'privileged',
    reason: 'Falco (least-privileged modern eBPF) still needs host paths and added capabilities such as BPF and PERFMON',
    // OpenBao holds every secret: only declared and derived traffic reaches in or out (lib/traffic.ts).
    defaultDeny: true,
    declaredTraffic: true,
    managed: true,
  },
  // istiod signs every workload certificate of the mesh: only declared and derived traffic (lib/traffic.ts).
  [NS.istioSystem]: { podSecurity: 'privileged', reason: 'the Istio CNI node agent installs its plugin on every node', defaultDeny: true, declaredTraffic: true, managed: true },
  // Every service's data: only declared and derived traffic (lib/traffic.ts).
  [NS.data]: { podSecurity: 'restricted', defaultDeny: true, declaredTraffic: true, managed: true },
  [NS.apps]: { podSecurity: 'restricted', istioInjection: true, defaultDeny: true, managed: true },
  [NS.loadTests]: { podSecurity: 'restricted', defaultDeny: true, declaredTraffic: true, managed: true },
};
