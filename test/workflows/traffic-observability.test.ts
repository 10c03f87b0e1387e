/**
 * Default-deny in `observability` (issue 10 point 5): the flows the generic test
 * (traffic.test.ts) cannot see, because prometheus-operator creates the Prometheus and
 * Alertmanager pods (not in the rendered objects) or because the flow crosses into namespaces that
 * are not default-deny. Pods are built from the charts' exported labels and the rendered custom
 * resources; the evaluator (traffic-evaluator.ts) applies both ends' policies.
 */
import { load } from 'js-yaml';
import type { K8sObject } from '../../lib/render';
import { ALERTMANAGER_POD_LABELS, PROMETHEUS_POD_LABELS, TRAFFIC_PORTS } from '../../charts/kube-prometheus-stack';
import { DEFAULTS as LOKI } from '../../charts/loki';
import { AGENT_POD_LABELS as COLLECTOR_POD_LABELS } from '../../charts/opentelemetry-collector';
import { LOKI_CLIENTS } from '../../workflows/loki-clients';
import { NS } from '../../workflows/namespaces';
import { ENVIRONMENTS, hydratedFixture } from '../support';
import { allowed, DENIED, Pod, podsOf, SERVICE_URL, selects, serviceTargets } from './traffic-evaluator';

const OBS = NS.observability;
const PROMETHEUS: Pod = { namespace: OBS, labels: { ...PROMETHEUS_POD_LABELS }, ports: [{ name: 'web', containerPort: 9090 }], what: 'Prometheus (operator-created)' };
const ALERTMANAGER: Pod = {
  namespace: OBS,
  labels: { ...ALERTMANAGER_POD_LABELS },
  ports: [
    { name: 'web', containerPort: 9093 },
    { name: 'mesh-tcp', containerPort: TRAFFIC_PORTS.alertmanagerCluster },
  ],
  what: 'Alertmanager (operator-created)',
};
const STRANGER: Pod = { namespace: 'stranger', labels: { 'app.kubernetes.io/name': 'stranger' }, ports: [{ containerPort: 8080 }], what: 'a pod in another namespace' };

describe.each(ENVIRONMENTS)('%s: traffic of the observability namespace', (env) => {
  let objects: K8sObject[];
  let policies: K8sObject[];
  let pods: ReturnType<typeof podsOf>;
  /** Only the observability namespace's policies: Prometheus's egress end, whatever the target's namespace does. */
  let obsPolicies: K8sObject[];

  beforeAll(async () => {
    const model = await hydratedFixture(env);
    objects = [...model.objects.values()].flat();
    policies = objects.filter((o) => o.kind === 'NetworkPolicy' || o.kind === 'CiliumNetworkPolicy');
    obsPolicies = policies.filter((p) => p.metadata.namespace === OBS);
    pods = podsOf(objects);
  });

  const cr = (kind: string) => objects.find((o) => o.kind === kind && o.metadata.namespace === OBS)!;
  const urlTargets = (text: string) =>
    [...text.matchAll(SERVICE_URL)].flatMap((m) => serviceTargets(objects, pods, m[1], m[2], m[3] ? Number(m[3]) : m[0].startsWith('https') ? 443 : 80));

  it('is default-deny with declared traffic', () => {
    expect(DENIED).toContain(OBS);
  });

  it('lets Prometheus remote-write to Mimir and alert every Alertmanager, as its resource says', () => {
    const spec = cr('Prometheus').spec as any;
    const writes = (spec.remoteWrite ?? []).flatMap((w: any) => urlTargets(w.url));
    expect(writes.length).toBeGreaterThan(0);
    for (const t of writes) expect([t.pod.what, allowed(policies, { pod: PROMETHEUS }, { pod: t.pod }, t.port)]).toEqual([t.pod.what, true]);
    const alerting = spec.alerting?.alertmanagers ?? [];
    expect(alerting.length).toBeGreaterThan(0);
    for (const a of alerting) {
      const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === a.name && o.metadata.namespace === a.namespace)!;
      expect(selects({ matchLabels: (svc.spec as any).selector }, ALERTMANAGER.labels)).toBe(true);
      const port = ((svc.spec as any).ports as any[]).find((p) => p.name === a.port);
      expect(allowed(policies, { pod: PROMETHEUS }, { pod: ALERTMANAGER }, port.targetPort)).toBe(true);
    }
  });

  it('lets the Alertmanagers gossip only where there are several, and only with each other', () => {
    const replicas = (cr('Alertmanager').spec as any).replicas ?? 1;
    const port = TRAFFIC_PORTS.alertmanagerCluster;
    expect(allowed(policies, { pod: ALERTMANAGER }, { pod: ALERTMANAGER }, port)).toBe(replicas > 1);
    expect(allowed(policies, { pod: ALERTMANAGER }, { pod: ALERTMANAGER }, port, 'UDP')).toBe(replicas > 1);
    expect(allowed(policies, { pod: PROMETHEUS }, { pod: ALERTMANAGER }, port)).toBe(false);
    expect(allowed(policies, { pod: STRANGER }, { pod: ALERTMANAGER }, 9093)).toBe(false);
    expect(allowed(policies, { pod: STRANGER }, { pod: PROMETHEUS }, 9090)).toBe(false);
  });

  it('lets Alertmanager reach exactly the ports its routed receivers need in the world', () => {
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.namespace === OBS && o.metadata.name === 'alertmanager-kube-prometheus-stack-alertmanager') as any;
    const config = load(Buffer.from(secret.data['alertmanager.yaml'], 'base64').toString()) as any;
    const routed = new Set<string>();
    const walk = (r: any) => {
      if (r.receiver) routed.add(r.receiver);
      (r.routes ?? []).forEach(walk);
    };
    walk(config.route);
    const ports = new Set<number>();
    for (const r of (config.receivers as any[]).filter((x) => routed.has(x.name))) {
      for (const e of r.email_configs ?? []) ports.add(Number(/:(\d+)$/.exec(e.smarthost)![1]));
      if (r.slack_configs || r.pagerduty_configs || r.webhook_configs) ports.add(443);
    }
    for (const port of [443, 25, 465, 587]) expect([port, allowed(policies, { pod: ALERTMANAGER }, { entity: 'world' }, port)]).toEqual([port, ports.has(port)]);
    expect(allowed(policies, { pod: ALERTMANAGER }, { entity: 'world' }, 80)).toBe(false);
  });

  it('lets only the object stores and Alertmanager out to the world, and only on their ports', () => {
    const inside = [...pods.filter((p) => p.namespace === OBS && !p.spec.hostNetwork), PROMETHEUS, ALERTMANAGER];
    const callers = inside.filter((p) => allowed(policies, { pod: p }, { entity: 'world' }, 443)).map((p) => p.labels['app.kubernetes.io/name']);
    expect(new Set(callers)).toEqual(new Set(['loki', 'mimir', 'tempo', ...(callers.includes('alertmanager') ? ['alertmanager'] : [])]));
  });

  it('lets every pod of every default-deny namespace send OTLP to the collector, on its OTLP ports only', () => {
    const collector = pods.find((p) => p.namespace === OBS && selects({ matchLabels: COLLECTOR_POD_LABELS }, p.labels))!;
    for (const pod of pods.filter((p) => DENIED.includes(p.namespace) && !p.spec.hostNetwork)) {
      for (const port of [4317, 4318]) expect([pod.what, port, allowed(policies, { pod }, { pod: collector }, port)]).toEqual([pod.what, port, true]);
    }
    expect(allowed(policies, { pod: STRANGER }, { pod: collector }, 4318)).toBe(true);
    expect(allowed(policies, { pod: STRANGER }, { pod: collector }, 8888)).toBe(false);
  });

  it("admits to Loki's HTTP port exactly its declared clients (writes only from the collectors)", () => {
    const loki = pods.find((p) => p.namespace === OBS && selects({ matchLabels: LOKI.podLabels }, p.labels))!;
    const peers = [...LOKI_CLIENTS.writers, ...LOKI_CLIENTS.readers, ...LOKI_CLIENTS.scrapers];
    const isClient = (p: Pod) => selects({ matchLabels: LOKI.podLabels }, p.labels) || peers.some((c) => c.namespace === p.namespace && selects({ matchLabels: c.podLabels }, p.labels));
    for (const p of [...pods.filter((x) => !x.spec.hostNetwork), PROMETHEUS, ALERTMANAGER, STRANGER]) {
      expect([p.what, allowed(policies, { pod: p }, { pod: loki }, LOKI.ports.http)]).toEqual([p.what, isClient(p)]);
    }
    // Every declared client gets through both ends (Falcosidekick's end is declared in workflows/security.ts).
    for (const c of peers) {
      const pod = c.namespace === OBS && selects({ matchLabels: c.podLabels }, PROMETHEUS.labels) ? PROMETHEUS : pods.find((p) => p.namespace === c.namespace && selects({ matchLabels: c.podLabels }, p.labels));
      expect([c.purpose, pod && allowed(policies, { pod }, { pod: loki }, LOKI.ports.http)]).toEqual([c.purpose, true]);
    }
  });

  it("lets Prometheus (its end) scrape every monitor's targets in every namespace, and the nodes' host-network targets", () => {
    let checked = 0;
    for (const m of objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor')) {
      const spec = m.spec as any;
      for (const ns of (spec.namespaceSelector?.matchNames ?? [m.metadata.namespace]) as string[]) {
        const targets: { pod: Pod & { spec?: any }; port: number }[] = [];
        if (m.kind === 'ServiceMonitor') {
          for (const svc of objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === ns && selects(spec.selector, (o.metadata.labels ?? {}) as any))) {
            for (const e of spec.endpoints ?? []) {
              const sp = ((svc.spec as any).ports ?? []).find((p: any) => p.name === e.port);
              if (sp) targets.push(...serviceTargets(objects, pods, svc.metadata.name, ns, sp.port));
            }
          }
        } else {
          for (const pod of pods.filter((p) => p.namespace === ns && selects(spec.selector, p.labels))) {
            for (const e of spec.podMetricsEndpoints ?? []) {
              const port = pod.ports.find((c) => c.name === e.port)?.containerPort;
              if (port !== undefined) targets.push({ pod, port });
            }
          }
        }
        for (const t of targets) {
          checked++;
          const hostNetwork = (t.pod as any).spec?.hostNetwork === true;
          if (hostNetwork) {
            for (const entity of ['host', 'remote-node'] as const) expect([m.metadata.name, entity, t.port, allowed(obsPolicies, { pod: PROMETHEUS }, { entity }, t.port)]).toEqual([m.metadata.name, entity, t.port, true]);
          } else {
            expect([m.metadata.name, t.pod.what, t.port, allowed(obsPolicies, { pod: PROMETHEUS }, { pod: t.pod }, t.port)]).toEqual([m.metadata.name, t.pod.what, t.port, true]);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    // The kubelets (operator-managed Service, ServiceMonitor kubelet) and kube-proxy (an EKS add-on): on every node.
    for (const entity of ['host', 'remote-node'] as const) {
      for (const port of [TRAFFIC_PORTS.kubelet, TRAFFIC_PORTS.kubeProxy]) expect(allowed(policies, { pod: PROMETHEUS }, { entity }, port)).toBe(true);
    }
    // Nothing else: a stranger's pod, the world.
    expect(allowed(policies, { pod: PROMETHEUS }, { pod: STRANGER }, 8080)).toBe(false);
    expect(allowed(policies, { pod: PROMETHEUS }, { entity: 'world' }, 443)).toBe(false);
    expect(allowed(policies, { pod: PROMETHEUS }, { entity: 'host' }, 22)).toBe(false);
  });
});
