/**
 * The NetworkPolicy of one microservice, on top of the namespace's default deny (ingress and
 * egress) and DNS allow from platform-base. Every allow is derived from the service's declared
 * facts: who calls it, what it calls, and which data services it uses.
 */
import { k8s } from 'cdk8s-plus-28';

const NAME_LABEL = 'app.kubernetes.io/name';
const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';

/** A service another one talks to, inside the services' namespace. */
export interface Peer {
  readonly name: string;
  readonly port: number;
}

/** A destination in another namespace, reached on fixed TCP ports. */
export interface NamespacePorts {
  readonly namespace: string;
  readonly ports: readonly number[];
}

export interface NetworkRules {
  /** The service's own container port (also where the sidecar accepts mTLS). */
  readonly port: number;
  /** Services whose `calls` include this one. */
  readonly callers: readonly string[];
  /** Services this one calls. */
  readonly callees: readonly Peer[];
  /** The ingress gateway's namespace, for public services. */
  readonly ingressFrom?: string;
  /** The monitoring namespace and the port it scrapes (Istio's merged metrics). */
  readonly scrapeFrom: NamespacePorts;
  /** Always-needed egress: istiod (xDS and certificates) and the OpenTelemetry collector. */
  readonly platformEgress: readonly NamespacePorts[];
  /** Postgres, Redis, Kafka: only those the service uses. */
  readonly dataEgress: readonly NamespacePorts[];
}

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
const inNamespace = (namespace: string): k8s.NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: namespace } } });

export function networkPolicySpec(podLabels: Record<string, string>, r: NetworkRules): k8s.NetworkPolicySpec {
  const ingress: k8s.NetworkPolicyIngressRule[] = [];
  if (r.ingressFrom) ingress.push({ from: [inNamespace(r.ingressFrom)], ports: [tcp(r.port)] });
  if (r.callers.length > 0) {
    ingress.push({
      from: [{ podSelector: { matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: [...r.callers].sort() }] } }],
      ports: [tcp(r.port)],
    });
  }
  ingress.push({ from: [inNamespace(r.scrapeFrom.namespace)], ports: r.scrapeFrom.ports.map(tcp) });

  const egress: k8s.NetworkPolicyEgressRule[] = [];
  for (const d of [...r.platformEgress, ...r.dataEgress]) egress.push({ to: [inNamespace(d.namespace)], ports: d.ports.map(tcp) });
  for (const c of [...r.callees].sort((a, b) => a.name.localeCompare(b.name))) {
    egress.push({ to: [{ podSelector: { matchLabels: { [NAME_LABEL]: c.name } } }], ports: [tcp(c.port)] });
  }
  return { podSelector: { matchLabels: podLabels }, policyTypes: ['Ingress', 'Egress'], ingress, egress };
}
