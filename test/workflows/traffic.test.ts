/**
 * Default-deny with declared traffic (issue 10 point 5, lib/traffic.ts), checked against the
 * rendered policies with an evaluator of Kubernetes NetworkPolicy and CiliumNetworkPolicy allow
 * semantics: a pod is isolated in a direction once any policy selects it for that direction, and
 * then a flow passes only if some policy selecting it allows the peer and the port; both ends must
 * pass. The flows the platform needs are found in the rendered objects themselves, independently of
 * lib/traffic.ts's derivation: every pod's DNS, the API server for pods with a token, webhook
 * Services, monitor targets, and every in-cluster URL a pod or a SecretStore names.
 */
import { NAMESPACES } from '../../workflows/namespaces';
import { podTemplatesOf } from '../../lib/traffic';
import type { K8sObject } from '../../lib/render';
import { ENVIRONMENTS, hydratedFixture } from '../support';

type Labels = Record<string, string>;
type Pod = { namespace: string; labels: Labels; ports: { name?: string; containerPort: number }[]; what: string };
type Peer = { pod: Pod } | { entity: 'kube-apiserver' | 'world' };

const DENIED = Object.entries(NAMESPACES).filter(([, s]) => s.defaultDeny && s.declaredTraffic).map(([ns]) => ns);
const KUBE_DNS: Pod = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', containerPort: 53 }], what: 'kube-dns' };

function selects(selector: any, labels: Labels): boolean {
  const ml = selector?.matchLabels ?? {};
  return Object.entries(ml).every(([k, v]) => labels[k] === v);
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

function allowed(policies: readonly K8sObject[], from: Peer, to: Peer, port: number, protocol = 'TCP'): boolean {
  return ('pod' in from ? sideAllows(policies, from.pod, 'egress', to, port, protocol) : true) && ('pod' in to ? sideAllows(policies, to.pod, 'ingress', from, port, protocol) : true);
}

function podsOf(objects: readonly K8sObject[]): (Pod & { spec: any; object: K8sObject })[] {
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
const SERVICE_URL = /(?:https?:\/\/)?([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?(?::(\d+))?/g;

function serviceTargets(objects: readonly K8sObject[], pods: readonly Pod[], name: string, namespace: string, port: number | undefined): { pod: Pod; port: number }[] {
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

describe.each(ENVIRONMENTS)('%s: traffic in the default-deny platform namespaces', (env) => {
  let objects: K8sObject[];
  let policies: K8sObject[];
  let pods: ReturnType<typeof podsOf>;

  beforeAll(async () => {
    const model = await hydratedFixture(env);
    objects = [...model.objects.values()].flat();
    policies = objects.filter((o) => o.kind === 'NetworkPolicy' || o.kind === 'CiliumNetworkPolicy');
    pods = podsOf(objects);
  });

  it('has namespaces with declared traffic, each denying by default, with pods in them', () => {
    expect(DENIED.length).toBeGreaterThan(0);
    for (const ns of DENIED) {
      expect(policies.find((p) => p.metadata.namespace === ns && p.metadata.name === 'default-deny')?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      expect(pods.filter((p) => p.namespace === ns).length).toBeGreaterThan(0);
    }
  });

  it('lets every pod there resolve names and reach the API server when it mounts a token', () => {
    for (const pod of pods.filter((p) => DENIED.includes(p.namespace))) {
      expect([pod.what, allowed(policies, { pod }, { pod: KUBE_DNS }, 53, 'UDP')]).toEqual([pod.what, true]);
      if (pod.spec.automountServiceAccountToken === false) continue;
      expect([pod.what, allowed(policies, { pod }, { entity: 'kube-apiserver' }, 443)]).toEqual([pod.what, true]);
    }
  });

  it('lets the API server call every webhook Service there', () => {
    const callees = objects.flatMap((o) => (o.kind.endsWith('WebhookConfiguration') ? ((o as any).webhooks ?? []).map((w: any) => w.clientConfig?.service).filter(Boolean) : []));
    const inDenied = callees.filter((s: any) => DENIED.includes(s.namespace));
    expect(inDenied.length).toBeGreaterThan(0);
    for (const s of inDenied) {
      const targets = serviceTargets(objects, pods, s.name, s.namespace, s.port ?? 443);
      expect([s.name, targets.length > 0]).toEqual([s.name, true]);
      for (const t of targets) expect([s.name, t.pod.what, allowed(policies, { entity: 'kube-apiserver' }, { pod: t.pod }, t.port)]).toEqual([s.name, t.pod.what, true]);
    }
  });

  it("lets Prometheus scrape every monitor's targets there", () => {
    const prometheus = pods.find((p) => p.labels['app.kubernetes.io/name'] === 'prometheus' && p.object.kind === 'StatefulSet');
    const prometheusPod: Pod = prometheus ?? { namespace: 'observability', labels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' }, ports: [], what: 'prometheus' };
    let checked = 0;
    for (const m of objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor')) {
      const spec = m.spec as any;
      const nss: string[] = spec.namespaceSelector?.matchNames ?? [m.metadata.namespace];
      for (const ns of nss.filter((n) => DENIED.includes(n))) {
        if (m.kind === 'ServiceMonitor') {
          for (const svc of objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === ns && selects(spec.selector, (o.metadata.labels ?? {}) as Labels))) {
            for (const e of spec.endpoints ?? []) {
              const sp = ((svc.spec as any).ports ?? []).find((p: any) => p.name === e.port);
              if (!sp) continue;
              for (const t of serviceTargets(objects, pods, svc.metadata.name, ns, sp.port)) {
                checked++;
                expect([m.metadata.name, t.pod.what, allowed(policies, { pod: prometheusPod }, { pod: t.pod }, t.port)]).toEqual([m.metadata.name, t.pod.what, true]);
              }
            }
          }
        } else {
          for (const pod of pods.filter((p) => p.namespace === ns && selects(spec.selector, p.labels))) {
            for (const e of spec.podMetricsEndpoints ?? []) {
              const port = pod.ports.find((c) => c.name === e.port)?.containerPort;
              if (port === undefined) continue;
              checked++;
              expect([m.metadata.name, pod.what, allowed(policies, { pod: prometheusPod }, { pod }, port)]).toEqual([m.metadata.name, pod.what, true]);
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('lets every pod and every SecretStore reach the in-cluster URLs they name, where either end is default-deny', () => {
    const esoController = pods.find((p) => p.object.kind === 'Deployment' && p.object.metadata.name === 'external-secrets');
    const calls: { caller: Pod; name: string; namespace: string; port?: number; text: string }[] = [];
    const scan = (caller: Pod, text: string) => {
      for (const m of text.matchAll(SERVICE_URL)) {
        // A bare name (no scheme, no port) is a DNS name, e.g. a certificate's, not a call.
        const port = m[3] ? Number(m[3]) : m[0].startsWith('https') ? 443 : m[0].startsWith('http') ? 80 : undefined;
        if (port !== undefined) calls.push({ caller, name: m[1], namespace: m[2], port, text: m[0] });
      }
    };
    for (const pod of pods) {
      scan(pod, JSON.stringify([...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].map((c: any) => [c.env, c.args, c.command])));
      for (const v of pod.spec.volumes ?? []) {
        const cm = v.configMap && objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === v.configMap.name && o.metadata.namespace === pod.namespace);
        if (cm) scan(pod, JSON.stringify((cm as any).data ?? {}));
      }
    }
    if (esoController) for (const s of objects.filter((o) => o.kind === 'SecretStore' || o.kind === 'ClusterSecretStore')) scan(esoController, JSON.stringify(s.spec));
    const relevant = calls.filter((c) => DENIED.includes(c.caller.namespace) || DENIED.includes(c.namespace));
    expect(relevant.length).toBeGreaterThan(0);
    for (const c of relevant) {
      const targets = serviceTargets(objects, pods, c.name, c.namespace, c.port);
      for (const t of targets) {
        expect([c.caller.what, c.text, t.pod.what, allowed(policies, { pod: c.caller }, { pod: t.pod }, t.port)]).toEqual([c.caller.what, c.text, t.pod.what, true]);
      }
    }
  });

  it('keeps everything else out: another namespace, other ports, and the world where nothing declares it', () => {
    // A namespace no edge names: a compromised pod anywhere else.
    const stranger: Pod = { namespace: 'stranger', labels: { 'app.kubernetes.io/name': 'stranger' }, ports: [], what: 'a pod in another namespace' };
    let inDenied = 0;
    let worldCallers = 0;
    for (const ns of DENIED) {
      const inside = pods.filter((p) => p.namespace === ns);
      for (const pod of inside) {
        for (const port of pod.ports) expect([pod.what, port.containerPort, allowed(policies, { pod: stranger }, { pod }, port.containerPort)]).toEqual([pod.what, port.containerPort, false]);
        expect([pod.what, allowed(policies, { pod }, { pod: { ...stranger, ports: [{ containerPort: 8080 }] } }, 8080)]).toEqual([pod.what, false]);
        expect([pod.what, allowed(policies, { pod }, { entity: 'world' }, 80)]).toEqual([pod.what, false]);
      }
      inDenied += inside.length;
      worldCallers += inside.filter((p) => allowed(policies, { pod: p }, { entity: 'world' }, 443)).length;
    }
    // Only the pods that call out get the world, never all of them.
    expect(worldCallers).toBeGreaterThan(0);
    expect(worldCallers).toBeLessThan(inDenied);
  });
});
