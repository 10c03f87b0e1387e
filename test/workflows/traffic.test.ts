/**
 * Default-deny with declared traffic (issue 10 point 5, lib/traffic.ts), checked against the
 * rendered policies with an evaluator of Kubernetes NetworkPolicy and CiliumNetworkPolicy allow
 * semantics: a pod is isolated in a direction once any policy selects it for that direction, and
 * then a flow passes only if some policy selecting it allows the peer and the port; both ends must
 * pass. The flows the platform needs are found in the rendered objects themselves, independently of
 * lib/traffic.ts's derivation: every pod's DNS, the API server for pods with a token, webhook
 * Services, monitor targets, and every in-cluster URL a pod or a SecretStore names.
 */
import type { K8sObject } from '../../lib/render';
import { ENVIRONMENTS, hydratedFixture } from '../support';
import { allowed, DENIED, KUBE_DNS, Labels, Pod, podsOf, SERVICE_URL, selects, serviceTargets } from './traffic-evaluator';

/** Whether an ingress NetworkPolicy selecting `pod` admits every pod of every namespace on `port`. */
function openToEveryNamespace(policies: readonly K8sObject[], pod: Pod, port: number): boolean {
  return policies.some(
    (p) =>
      p.kind === 'NetworkPolicy' &&
      p.metadata.namespace === pod.namespace &&
      selects((p.spec as any).podSelector, pod.labels) &&
      ((p.spec as any).ingress ?? []).some(
        (r: any) =>
          (r.from ?? []).some((f: any) => f.namespaceSelector && Object.keys(f.namespaceSelector).length === 0 && Object.keys(f.podSelector?.matchLabels ?? {}).length === 0) &&
          (r.ports ?? []).some((x: any) => Number(x.port) === port || pod.ports.some((c) => c.name === x.port && c.containerPort === port)),
      ),
  );
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

  // The default-deny namespaces this environment renders (load-tests exists in staging only).
  const renderedDenied = () => DENIED.filter((ns) => objects.some((o) => o.kind === 'Namespace' && o.metadata.name === ns));

  it('has namespaces with declared traffic, each denying by default, with pods in them', () => {
    expect(DENIED.length).toBeGreaterThan(0);
    for (const ns of renderedDenied()) {
      expect(policies.find((p) => p.metadata.namespace === ns && p.metadata.name === 'default-deny')?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      // A namespace whose pods only an operator creates (tekton-pipelines) has none rendered, but
      // declared edges to them; its own traffic test builds those pods.
      const populated = pods.some((p) => p.namespace === ns) || policies.some((p) => p.metadata.namespace === ns && p.metadata.name.startsWith('allow-ingress-'));
      expect([ns, populated]).toEqual([ns, true]);
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
    for (const ns of renderedDenied()) {
      const inside = pods.filter((p) => p.namespace === ns);
      for (const pod of inside) {
        for (const port of pod.ports) {
          // A port opened on purpose to every namespace (an edge from `anyNamespace`, e.g. the
          // telemetry collector's OTLP receiver) admits the stranger; every other port must not.
          if (openToEveryNamespace(policies, pod, port.containerPort)) continue;
          expect([pod.what, port.containerPort, allowed(policies, { pod: stranger }, { pod }, port.containerPort)]).toEqual([pod.what, port.containerPort, false]);
        }
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
