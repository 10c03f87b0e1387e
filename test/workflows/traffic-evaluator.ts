/**
 * An evaluator of Kubernetes NetworkPolicy and CiliumNetworkPolicy allow semantics over rendered
 * objects, for the traffic tests (test/workflows/traffic*.test.ts): a pod is isolated in a direction
 * once any policy selects it for that direction, and then a flow passes only if some policy
 * selecting it allows the peer and the port; both ends must pass.
 */
import { NAMESPACES } from '../../workflows/namespaces';
import { podTemplatesOf } from '../../lib/traffic';
import type { K8sObject } from '../../lib/render';

export type Labels = Record<string, string>;
export type Pod = { namespace: string; labels: Labels; ports: { name?: string; containerPort: number }[]; what: string };
export type Peer = { pod: Pod } | { entity: 'kube-apiserver' | 'world' | 'host' | 'remote-node' };

/** The namespaces with default-deny and declared traffic. */
export const DENIED = Object.entries(NAMESPACES).filter(([, s]) => s.defaultDeny && s.declaredTraffic).map(([ns]) => ns);
export const KUBE_DNS: Pod = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', containerPort: 53 }], what: 'kube-dns' };

export function selects(selector: any, labels: Labels): boolean {
  const ml = selector?.matchLabels ?? {};
  // matchExpressions too (e.g. the Redis policy's and apps/network.ts's `In` lists): ignoring them would select every pod.
  const expressions: { key: string; operator: string; values?: string[] }[] = selector?.matchExpressions ?? [];
  const expressionHolds = (e: { key: string; operator: string; values?: string[] }) =>
    e.operator === 'In' ? e.key in labels && (e.values ?? []).includes(labels[e.key]) : e.operator === 'NotIn' ? !(e.key in labels) || !(e.values ?? []).includes(labels[e.key]) : e.operator === 'Exists' ? e.key in labels : !(e.key in labels);
  return Object.entries(ml).every(([k, v]) => labels[k] === v) && expressions.every(expressionHolds);
}

function portMatches(rulePorts: any[] | undefined, port: number, target: Pod | undefined, protocol = 'TCP'): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (Number(p.port) === port) return true;
    return target?.ports.some((cp) => cp.name === p.port && cp.containerPort === port) ?? false;
  });
}

function ciliumPortMatches(toPorts: any[] | undefined, port: number, target: Pod | undefined, protocol = 'TCP'): boolean {
  if (!toPorts || toPorts.length === 0) return true;
  return toPorts.some((tp) => portMatches(tp.ports, port, target, protocol));
}

function podPeerMatches(peer: any, pod: Pod, policyNamespace: string): boolean {
  if (peer.ipBlock) return false;
  const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': pod.namespace }) : pod.namespace === policyNamespace;
  return nsOk && (peer.podSelector ? selects(peer.podSelector, pod.labels) : true);
}

function ciliumEndpointMatches(sel: any, pod: Pod, policyNamespace: string): boolean {
  const ml: Labels = { ...(sel?.matchLabels ?? {}) };
  const ns = ml['k8s:io.kubernetes.pod.namespace'] ?? policyNamespace;
  delete ml['k8s:io.kubernetes.pod.namespace'];
  return ns === pod.namespace && selects({ matchLabels: ml }, pod.labels);
}

/** Whether `pod`'s side lets the flow through in `direction`, with `other` at the far end. */
function sideAllows(policies: readonly K8sObject[], pod: Pod, direction: 'ingress' | 'egress', other: Peer, port: number, protocol: string): boolean {
  const target = direction === 'egress' ? ('pod' in other ? other.pod : undefined) : pod;
  let isolated = false;
  for (const p of policies.filter((x) => x.metadata.namespace === pod.namespace)) {
    const spec = p.spec as any;
    if (p.kind === 'NetworkPolicy') {
      if (!selects(spec.podSelector, pod.labels)) continue;
      const types: string[] = spec.policyTypes ?? ['Ingress'];
      if (!types.includes(direction === 'ingress' ? 'Ingress' : 'Egress')) continue;
      isolated = true;
      const rules: any[] = spec[direction] ?? [];
      for (const r of rules) {
        const peers: any[] = r[direction === 'ingress' ? 'from' : 'to'] ?? [];
        const peerOk = peers.length === 0 || ('pod' in other && peers.some((x) => podPeerMatches(x, other.pod, pod.namespace)));
        if (peerOk && portMatches(r.ports, port, target, protocol)) return true;
      }
    } else if (p.kind === 'CiliumNetworkPolicy') {
      if (!ciliumEndpointMatches(spec.endpointSelector, pod, pod.namespace)) continue;
      const rules: any[] = spec[direction] ?? [];
      if (rules.length === 0) continue;
      isolated = true;
      for (const r of rules) {
        const entities: string[] = r[direction === 'ingress' ? 'fromEntities' : 'toEntities'] ?? [];
        const endpoints: any[] = r[direction === 'ingress' ? 'fromEndpoints' : 'toEndpoints'] ?? [];
        const peerOk = 'entity' in other ? entities.includes(other.entity) || entities.includes('all') : endpoints.some((e) => ciliumEndpointMatches(e, other.pod, pod.namespace));
        if (peerOk && ciliumPortMatches(r.toPorts, port, target, protocol)) return true;
      }
    }
  }
  return !isolated;
}

export function allowed(policies: readonly K8sObject[], from: Peer, to: Peer, port: number, protocol = 'TCP'): boolean {
  return ('pod' in from ? sideAllows(policies, from.pod, 'egress', to, port, protocol) : true) && ('pod' in to ? sideAllows(policies, to.pod, 'ingress', from, port, protocol) : true);
}

export function podsOf(objects: readonly K8sObject[]): (Pod & { spec: any; object: K8sObject })[] {
  return objects.flatMap((o) =>
    podTemplatesOf(o).map((t) => ({
      namespace: o.metadata.namespace!,
      labels: (t.metadata?.labels ?? {}) as Labels,
      ports: [...(t.spec.containers ?? []), ...(t.spec.initContainers ?? [])].flatMap((c: any) => c.ports ?? []),
      what: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`,
      spec: t.spec,
      object: o,
    })),
  );
}

/** `<service>.<namespace>.svc[.cluster.local][:port]` in a text. */
export const SERVICE_URL = /(?:https?:\/\/)?([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?(?::(\d+))?/g;

export function serviceTargets(objects: readonly K8sObject[], pods: readonly Pod[], name: string, namespace: string, port: number | undefined): { pod: Pod; port: number }[] {
  const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === namespace);
  if (!svc) return [];
  const sp = ((svc.spec as any).ports ?? []).find((p: any) => p.port === (port ?? 443) || port === undefined);
  if (!sp) return [];
  const selector = (svc.spec as any).selector ?? {};
  return pods
    .filter((p) => p.namespace === namespace && Object.keys(selector).length > 0 && selects({ matchLabels: selector }, p.labels))
    .map((p) => {
      const t = sp.targetPort ?? sp.port;
      const n = typeof t === 'number' ? t : p.ports.find((c) => c.name === t)?.containerPort;
      return { pod: p, port: n ?? sp.port };
    });
}

