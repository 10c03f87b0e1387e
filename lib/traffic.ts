/**
 * Network traffic as declared edges (issue 10 point 5). The dependency graph says what must be
 * healthy first; it says nothing about who talks to whom, so traffic is its own data: each
 * component declares the edges it needs (`Component.traffic`), and what the rendered objects
 * already say is derived, never listed by hand:
 * - an admission or conversion webhook's Service is called by the API server;
 * - a ServiceMonitor's or PodMonitor's targets are scraped by Prometheus;
 * - every pod of a platform namespace resolves names (kube-dns) and may call the API server,
 *   which authenticates and authorises it (RBAC is the control there, not the network).
 * In a namespace with default-deny (workflows/namespaces.ts `defaultDeny`), platform-base renders
 * the policies of every edge with an end in it: an egress policy on the calling pods' side, an
 * ingress policy on the called pods' side, so both ends agree wherever each one lives.
 *
 * Pod peers are Kubernetes NetworkPolicies. The API server and the world are Cilium entities
 * (CiliumNetworkPolicy `toEntities`/`fromEntities`), because EKS's API server runs outside the
 * cluster on ENIs whose addresses change, and Cilium (chained to the VPC CNI, charts/cilium) does
 * not match them with a CIDR; the `kube-apiserver` entity follows the `default/kubernetes`
 * endpoints. Cilium chained to the VPC CNI has no DNS-aware (FQDN) policies, so calls to AWS APIs,
 * Cloudflare, Let's Encrypt or GitHub are `world` on 443 for exactly the pods that make them: VPC
 * endpoints would cover only the AWS half (Cloudflare, ACME and GitHub have none), cost an interface
 * endpoint per service and zone, and would still need the same world rule for the rest. The
 * CiliumClusterwideNetworkPolicy that denies the instance metadata service (charts/platform-base
 * imds.ts) wins over every world allow.
 */
import type { Component } from './component';
import type { K8sObject } from './render';

export type Labels = Readonly<Record<string, string>>;

export interface TrafficPort {
  /** A number, or a container port's name (resolved on the called pods). */
  readonly port: number | string;
  /** @default TCP */
  readonly protocol?: 'TCP' | 'UDP';
}

/**
 * Cilium entities outside the pod network: the API server, addresses outside the cluster, and the
 * nodes themselves (`host`: the pod's own node, `remote-node`: the others), which host-network pods
 * (node-exporter, kubelet) answer on.
 */
export type TrafficEntity = 'kube-apiserver' | 'world' | 'host' | 'remote-node';

/**
 * Pods of one namespace (`pods: {}`: every pod there), pods of every namespace (`anyNamespace`,
 * e.g. every pod that sends telemetry to the collector), or Cilium entities.
 */
export type TrafficPeer =
  | { readonly namespace: string; readonly pods: Labels }
  | { readonly anyNamespace: true; readonly pods: Labels }
  | { readonly entities: readonly TrafficEntity[] }
  | { readonly entity: TrafficEntity };

export interface TrafficEdge {
  /** Names the policies of the edge (`allow-egress-<name>`, `allow-ingress-<name>`): a DNS label, unique per namespace. */
  readonly name: string;
  readonly from: TrafficPeer;
  readonly to: TrafficPeer;
  readonly ports: readonly TrafficPort[];
  /** Why the edge exists, written onto its policies. */
  readonly reason: string;
}

/** The kube-apiserver's HTTPS port on EKS. */
export const API_SERVER_PORT = 443;

export function isPods(p: TrafficPeer): p is { readonly namespace: string; readonly pods: Labels } {
  return 'namespace' in p;
}

function isAnyNamespace(p: TrafficPeer): p is { readonly anyNamespace: true; readonly pods: Labels } {
  return 'anyNamespace' in p;
}

function entitiesOf(p: TrafficPeer): readonly TrafficEntity[] {
  return 'entity' in p ? [p.entity] : 'entities' in p ? p.entities : [];
}

/** A NetworkPolicy peer for pods of one namespace or of every namespace. */
function podPeer(p: { readonly namespace: string; readonly pods: Labels } | { readonly anyNamespace: true; readonly pods: Labels }) {
  return { namespaceSelector: isAnyNamespace(p) ? {} : { matchLabels: { [NAMESPACE_LABEL]: p.namespace } }, podSelector: { matchLabels: p.pods } };
}

/** The pod templates of a workload object (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob). */
export function podTemplatesOf(o: K8sObject): { readonly metadata?: { readonly labels?: Labels }; readonly spec: any }[] {
  const spec = o.spec as any;
  switch (o.kind) {
    case 'Pod':
      return [{ metadata: o.metadata as any, spec }];
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return spec?.template ? [spec.template] : [];
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template ? [spec.jobTemplate.spec.template] : [];
    default:
      return [];
  }
}

function matches(selector: Labels, labels: Labels | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function servicePort(service: K8sObject, port: number | string | undefined): number | string | undefined {
  const ports = ((service.spec as any)?.ports ?? []) as { name?: string; port: number; targetPort?: number | string }[];
  const p = ports.find((x) => (typeof port === 'string' ? x.name === port : x.port === (port ?? 443))) ?? (port === undefined ? ports[0] : undefined);
  return p ? (p.targetPort ?? p.port) : undefined;
}

const WEBHOOK_KINDS = new Set(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);

/** The Services the API server calls: admission webhooks, CRD conversion webhooks and aggregated APIs. */
function apiServerCallees(objects: readonly K8sObject[]): { name: string; namespace: string; port?: number }[] {
  const out: { name: string; namespace: string; port?: number }[] = [];
  for (const o of objects) {
    if (WEBHOOK_KINDS.has(o.kind)) {
      for (const w of ((o as any).webhooks ?? []) as any[]) if (w.clientConfig?.service) out.push(w.clientConfig.service);
    } else if (o.kind === 'CustomResourceDefinition') {
      const s = (o.spec as any)?.conversion?.webhook?.clientConfig?.service;
      if (s) out.push(s);
    } else if (o.kind === 'APIService') {
      const s = (o.spec as any)?.service;
      if (s) out.push(s);
    }
  }
  return out;
}

/**
 * The edges the rendered objects imply for pods in `namespace`: the API server's calls to its
 * webhook Services, Prometheus's scrapes of what its monitors select, and every pod's DNS and API
 * server access. `prometheus` is the scraping pods.
 */
export function derivedEdges(namespace: string, objects: readonly K8sObject[], prometheus: { readonly namespace: string; readonly pods: Labels }): TrafficEdge[] {
  const services = objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === namespace);
  const service = (name: string) => services.find((s) => s.metadata.name === name);
  const out: TrafficEdge[] = [
    {
      name: 'kube-apiserver',
      from: { namespace, pods: {} },
      to: { entity: 'kube-apiserver' },
      ports: [{ port: API_SERVER_PORT }],
      reason: 'Every pod may reach the API server, which authenticates and authorises it.',
    },
  ];
  const seen = new Set<string>();
  for (const callee of apiServerCallees(objects).filter((s) => s.namespace === namespace)) {
    const svc = service(callee.name);
    const target = svc && servicePort(svc, callee.port);
    const selector = (svc?.spec as any)?.selector as Labels | undefined;
    if (!svc || target === undefined || !selector) continue;
    const name = shortName(`webhook-${callee.name}`);
    if (seen.has(name)) continue;
    seen.add(name);
    out.push({ name, from: { entity: 'kube-apiserver' }, to: { namespace, pods: selector }, ports: [{ port: target }], reason: `The API server calls the Service ${callee.name}.` });
  }
  for (const m of objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor')) {
    const spec = m.spec as any;
    const ns = spec.namespaceSelector?.matchNames ?? [m.metadata.namespace];
    if (!ns.includes(namespace) && !spec.namespaceSelector?.any) continue;
    const selector = (spec.selector?.matchLabels ?? {}) as Labels;
    if (m.kind === 'ServiceMonitor') {
      for (const svc of services.filter((s) => matches(selector, s.metadata.labels as Labels))) {
        const pods = (svc.spec as any)?.selector as Labels | undefined;
        const ports = ((spec.endpoints ?? []) as any[]).map((e) => servicePort(svc, e.port ?? e.targetPort)).filter((p): p is number | string => p !== undefined);
        if (!pods || ports.length === 0) continue;
        out.push({ name: shortName(`scrape-${svc.metadata.name}`), from: prometheus, to: { namespace, pods }, ports: uniquePorts(ports), reason: `Prometheus scrapes ${svc.metadata.name} (ServiceMonitor ${m.metadata.name}).` });
      }
    } else {
      const ports = ((spec.podMetricsEndpoints ?? []) as any[]).map((e) => e.port ?? e.targetPort).filter((p) => p !== undefined);
      if (ports.length === 0) continue;
      out.push({ name: shortName(`scrape-${m.metadata.name}`), from: prometheus, to: { namespace, pods: selector }, ports: uniquePorts(ports), reason: `Prometheus scrapes the pods of PodMonitor ${m.metadata.name}.` });
    }
  }
  // The scraper's own namespace also renders its egress end of every scrape elsewhere.
  if (namespace === prometheus.namespace) out.push(...scraperEgressEdges(namespace, objects, prometheus));
  return dedupeByName(out);
}

/** A DNS-label edge name short enough for `allow-ingress-<name>` as a label value (63): long names keep a hash. */
function shortName(name: string): string {
  if (name.length <= 49) return name;
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `${name.slice(0, 42).replace(/-+$/, '')}-${h.toString(36).slice(0, 6)}`;
}

/**
 * The scraper's egress to the targets of every ServiceMonitor and PodMonitor outside its own
 * namespace (the target's namespace renders the ingress end where it is default-deny), and, for
 * targets whose rendered pods run on the host network (node-exporter, the Cilium agent), to the
 * nodes (`host`, `remote-node`) on their numeric ports: such pods are not Cilium endpoints, so a
 * pod peer never matches them. Targets whose Services the rendering lacks (the operator-managed
 * kubelet Service, operator-created Services) are not derived: their component declares them.
 */
function scraperEgressEdges(namespace: string, objects: readonly K8sObject[], prometheus: { readonly namespace: string; readonly pods: Labels }): TrafficEdge[] {
  const out: TrafficEdge[] = [];
  const hostPorts = (ns: string, pods: Labels, ports: readonly (number | string)[]): number[] => {
    const templates = objects.filter((o) => o.metadata.namespace === ns).flatMap(podTemplatesOf).filter((t) => matches(pods, t.metadata?.labels) && t.spec?.hostNetwork === true);
    const containerPorts = templates.flatMap((t) => [...(t.spec.containers ?? []), ...(t.spec.initContainers ?? [])]).flatMap((c: any) => (c.ports ?? []) as { name?: string; containerPort: number }[]);
    return templates.length === 0 ? [] : ports.map((p) => (typeof p === 'number' ? p : containerPorts.find((c) => c.name === p)?.containerPort)).filter((p): p is number => p !== undefined);
  };
  const push = (ns: string, name: string, monitor: string, pods: Labels, ports: readonly (number | string)[]) => {
    if (ports.length === 0) return;
    if (ns !== namespace) {
      out.push({ name: shortName(`scrape-${ns}-${name}`), from: prometheus, to: { namespace: ns, pods }, ports: uniquePorts(ports), reason: `Prometheus scrapes ${ns}/${name} (${monitor}).` });
    }
    const host = hostPorts(ns, pods, ports);
    if (host.length > 0) {
      out.push({ name: shortName(`scrape-nodes-${ns}-${name}`), from: prometheus, to: { entities: ['host', 'remote-node'] }, ports: uniquePorts(host), reason: `Prometheus scrapes ${ns}/${name} on the host network of every node (${monitor}).` });
    }
  };
  for (const m of objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor')) {
    const spec = m.spec as any;
    const nss: string[] = spec.namespaceSelector?.matchNames ?? [m.metadata.namespace];
    const selector = (spec.selector?.matchLabels ?? {}) as Labels;
    for (const ns of nss) {
      if (m.kind === 'ServiceMonitor') {
        for (const svc of objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === ns && matches(selector, o.metadata.labels as Labels))) {
          const pods = (svc.spec as any)?.selector as Labels | undefined;
          if (!pods || Object.keys(pods).length === 0) continue;
          const ports = ((spec.endpoints ?? []) as any[]).map((e) => servicePort(svc, e.port ?? e.targetPort)).filter((p): p is number | string => p !== undefined);
          push(ns, svc.metadata.name, `ServiceMonitor ${m.metadata.namespace}/${m.metadata.name}`, pods, ports);
        }
      } else {
        if (Object.keys(selector).length === 0) continue;
        const ports = ((spec.podMetricsEndpoints ?? []) as any[]).map((e) => e.port ?? e.targetPort).filter((p) => p !== undefined);
        push(ns, m.metadata.name, `PodMonitor ${m.metadata.namespace}/${m.metadata.name}`, selector, ports);
      }
    }
  }
  return out;
}

function uniquePorts(ports: readonly (number | string)[]): TrafficPort[] {
  return [...new Set(ports.map(String))].map((p) => ({ port: /^\d+$/.test(p) ? Number(p) : p }));
}

function dedupeByName(edges: readonly TrafficEdge[]): TrafficEdge[] {
  const byName = new Map<string, TrafficEdge>();
  for (const e of edges) if (!byName.has(e.name)) byName.set(e.name, e);
  return [...byName.values()];
}

const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';
/** Cilium's label for an endpoint's namespace in endpoint selectors. */
const CILIUM_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';

function k8sPorts(ports: readonly TrafficPort[]) {
  return ports.map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port }));
}

function ciliumPorts(ports: readonly TrafficPort[]) {
  return [{ ports: ports.map((p) => ({ port: String(p.port), protocol: p.protocol ?? 'TCP' })) }];
}

/**
 * The policies that open `edges` for the pods of `namespace` (default-deny there): plain objects,
 * sorted by name, labelled with `labels`, each annotated with its reason under `reasonKey`
 * (LabelDomain.trafficReason). Edges with no end in the namespace give nothing.
 */
export function edgePolicies(namespace: string, edges: readonly TrafficEdge[], labels: (name: string) => Labels, reasonKey: string): K8sObject[] {
  const out: K8sObject[] = [];
  /** One end of an edge: `pods` of this namespace, calling out to `peer` (egress) or called by it (ingress). */
  const end = (e: TrafficEdge, direction: 'egress' | 'ingress', pods: Labels, peer: TrafficPeer): K8sObject => {
    const name = `allow-${direction}-${e.name}`;
    const metadata = { name, namespace, labels: labels(name), annotations: { [reasonKey]: e.reason } };
    if (isPods(peer) || isAnyNamespace(peer)) {
      const rule = { [direction === 'egress' ? 'to' : 'from']: [podPeer(peer)], ports: k8sPorts(e.ports) };
      return {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata,
        spec: { podSelector: { matchLabels: pods }, policyTypes: [direction === 'egress' ? 'Egress' : 'Ingress'], [direction]: [rule] },
      };
    }
    const rule = { [direction === 'egress' ? 'toEntities' : 'fromEntities']: [...entitiesOf(peer)], toPorts: ciliumPorts(e.ports) };
    return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata, spec: { endpointSelector: { matchLabels: pods }, [direction]: [rule] } };
  };
  for (const e of edges) {
    // A caller in every namespace calls from this one too.
    const from = isAnyNamespace(e.from) ? { namespace, pods: e.from.pods } : e.from;
    if (isPods(from) && from.namespace === namespace) out.push(end(e, 'egress', from.pods, e.to));
    if (isPods(e.to) && e.to.namespace === namespace) out.push(end(e, 'ingress', e.to.pods, e.from));
  }
  const names = out.map((o) => `${o.kind}/${o.metadata.name}`);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`traffic in namespace ${namespace}: two edges render ${dup}; give each edge a unique name`);
  return out.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name) || a.kind.localeCompare(b.kind));
}

/** For tests and readers: Cilium's namespace label in an endpoint selector. */
export { CILIUM_NAMESPACE_LABEL };

/** `c` with more declared traffic: calls to other components, declared where both ends are known. */
export function withTraffic<C extends Component>(c: C, edges: readonly TrafficEdge[]): C {
  return { ...c, traffic: [...(c.traffic ?? []), ...edges] };
}
