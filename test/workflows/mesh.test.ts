import { parseConfig } from '../../config/load';
import { ManifestSource, Workflow } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { podTotal, WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { buildEnvironment, EnvironmentModel } from '../../platform';
import { ENDPOINTS } from '../../workflows/endpoints';
import { EMISSARY_SERVICE_ACCOUNT, injectedNamespaces } from '../../workflows/mesh';
import { NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, FIXTURE_CONFIG_TEXT, fixtureEnvironment } from '../support';

const MESH_IDS = ['istio-base', 'istiod', 'istio-cni', 'istio-config'];
const INGRESS = `cluster.local/ns/${NS.emissary}/sa/${EMISSARY_SERVICE_ACCOUNT}`;
const sa = (name: string) => `cluster.local/ns/${NS.apps}/sa/${name}`;

const rendered = (m: EnvironmentModel, id: string): K8sObject[] => synthObjects(component(m, id).source as ManifestSource);
const find = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as any;
/** Callee → principals allowed to call it (ingress and services), from the rendered policies. */
function allowed(objs: K8sObject[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of objs.filter((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name.startsWith('allow-')) as any[]) {
    out[p.spec.selector.matchLabels['app.kubernetes.io/name']] = p.spec.rules.flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals)).sort();
  }
  return out;
}

describe('the service mesh workflow', () => {
  it('has its four components in istio-system in every environment, in the order base, istiod and cni, config', () => {
    for (const env of ENVIRONMENTS) {
      const m = fixtureEnvironment(env);
      expect(m.components.filter((c) => c.workflow === Workflow.Mesh).map((c) => c.id).sort()).toEqual([...MESH_IDS].sort());
      for (const id of MESH_IDS) expect(component(m, id).namespace).toBe(NS.istioSystem);
      const wave = (id: string) => m.graph.waves.get(id)!;
      expect(wave('istio-base')).toBeLessThan(wave('istiod'));
      expect(wave('istio-base')).toBeLessThan(wave('istio-cni'));
      expect(wave('istiod')).toBeLessThan(wave('istio-config'));
      expect(wave('istio-cni')).toBeLessThan(wave('istio-config'));
      // Emissary (Ingress workflow) is up before the mesh: hence the sidecar-restart hook.
      expect(wave('emissary-ingress')).toBeLessThan(wave('istiod'));
    }
  });

  it('runs mTLS STRICT in staging and prod (full zero-trust) and PERMISSIVE in dev', () => {
    const mode = (env: string) => find(rendered(fixtureEnvironment(env), 'istio-config'), 'PeerAuthentication', 'default');
    expect(mode('prod').spec.mtls.mode).toBe('STRICT');
    expect(mode('staging').spec.mtls.mode).toBe('STRICT');
    expect(mode('dev').spec.mtls.mode).toBe('PERMISSIVE');
    expect(mode('prod').metadata.namespace).toBe(NS.istioSystem);
  });

  it('scrapes through the merged metrics port 15020, so no authorization policy opens an app port to monitoring', () => {
    // The choice: Prometheus (outside the mesh) scrapes the agent's 15020 (/stats/prometheus), which
    // Istio serves outside the mTLS listener, instead of PERMISSIVE port-level mTLS on the app port.
    expect(helmValues(fixtureEnvironment('prod'), 'istiod').meshConfig.enablePrometheusMerge).toBe(true);
    const policies = rendered(fixtureEnvironment('prod'), 'istio-config').filter((o) => o.kind === 'AuthorizationPolicy') as any[];
    expect(JSON.stringify(policies)).not.toContain(NS.observability);
    expect(rendered(fixtureEnvironment('prod'), 'istio-config').some((o) => o.kind === 'PeerAuthentication' && (o as any).spec.portLevelMtls)).toBe(false);
  });

  it('derives every allow from the config: the ingress to public services, callers only where calls declares them', () => {
    const objs = rendered(fixtureEnvironment('prod'), 'istio-config');
    expect(find(objs, 'AuthorizationPolicy', 'default-deny').spec).toEqual({});
    expect(allowed(objs)).toEqual({
      'gateway-api': [INGRESS],
      orders: [sa('gateway-api')],
      catalog: [sa('gateway-api'), sa('orders')].sort(),
      users: [sa('gateway-api')],
      payments: [sa('orders')],
    });
  });

  it('gives a sixth service its allows, its callers\' allows and a DestinationRule without code changes', () => {
    const text = FIXTURE_CONFIG_TEXT.replace('calls: [orders, catalog, users]', 'calls: [orders, catalog, users, reviews]') +
      ['  - name: reviews', '    image: ghcr.io/acme/reviews:1.0.0@sha256:fc79bda5c2b079ef13ea7b313df3f1d194e1dafe444c982e522f6a676ed99b3f', '    port: 9090', '    public: true', '    calls: [catalog]', ''].join('\n');
    const m = buildEnvironment(parseConfig(text), 'prod');
    const objs = rendered(m, 'istio-config');
    const a = allowed(objs);
    expect(a.reviews).toEqual([INGRESS, sa('gateway-api')].sort());
    expect(a.catalog).toEqual([sa('gateway-api'), sa('orders'), sa('reviews')].sort());
    expect(find(objs, 'AuthorizationPolicy', 'allow-reviews').spec.rules[0].to).toEqual([{ operation: { ports: ['9090'] } }]);
    expect(find(objs, 'DestinationRule', 'reviews').spec.host).toBe('reviews.apps.svc.cluster.local');
  });

  it('puts a DestinationRule with connection pool and outlier detection (circuit breaking) on every service', () => {
    const m = fixtureEnvironment('prod');
    const objs = rendered(m, 'istio-config');
    for (const s of m.config.services) {
      const dr = find(objs, 'DestinationRule', s.name);
      expect(dr.metadata.namespace).toBe(NS.apps);
      expect(dr.spec.trafficPolicy.connectionPool.tcp.maxConnections).toBeGreaterThan(0);
      expect(dr.spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBeGreaterThan(0);
    }
  });

  it('traces to the collector endpoint through the Telemetry API and logs access in staging and prod only', () => {
    const [host, port] = ENDPOINTS.otlpGrpc.split(':');
    for (const env of ENVIRONMENTS) {
      const m = fixtureEnvironment(env);
      const v = helmValues(m, 'istiod');
      expect(v.meshConfig.extensionProviders[0].opentelemetry).toEqual({ service: host, port: Number(port) });
      const tel = find(rendered(m, 'istio-config'), 'Telemetry', 'mesh-default');
      expect(tel.spec.tracing[0].providers[0].name).toBe(v.meshConfig.extensionProviders[0].name);
      expect(v.meshConfig.accessLogFile).toBe(env === 'dev' ? '' : '/dev/stdout');
      expect(tel.spec.accessLogging[0].disabled).toBe(env === 'dev');
    }
  });

  it('restarts the workloads of un-injected pods in every injected namespace, emissary\'s included, after the mesh is in place', () => {
    expect(injectedNamespaces()).toEqual(expect.arrayContaining([NS.apps, NS.emissary]));
    const objs = rendered(fixtureEnvironment('prod'), 'istio-config');
    const job = find(objs, 'Job', 'sidecar-restart');
    expect(job.spec.template.spec.containers.map((c: any) => c.args)).toEqual([injectedNamespaces()]);
    for (const ns of injectedNamespaces()) {
      const role = objs.find((o) => o.kind === 'Role' && o.metadata.namespace === ns) as any;
      expect(role.rules.flatMap((r: any) => r.verbs)).not.toContain('delete');
    }
  });

  it('can roll every workload rendered in an injected namespace; the services\' Rollouts start after the mesh, already injected', async () => {
    const m = await hydratedFixture('prod');
    const injected = new Set(injectedNamespaces());
    const role = find(rendered(fixtureEnvironment('prod'), 'istio-config'), 'Role', 'sidecar-restart');
    const patchable = new Set(role.rules.filter((r: any) => r.verbs.includes('patch')).flatMap((r: any) => r.resources));
    const plural: Record<string, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };
    const kinds = new Set<string>();
    for (const c of m.components) {
      for (const o of m.objects.get(c.id) ?? []) {
        if (!injected.has(o.metadata?.namespace ?? c.namespace)) continue;
        if (['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'].includes(o.kind)) kinds.add(o.kind);
        if (o.kind === 'Rollout') expect(m.graph.waves.get(c.id)!).toBeGreaterThan(m.graph.waves.get('istio-config')!);
      }
    }
    expect(kinds.has('Deployment')).toBe(true);
    for (const kind of [...kinds].filter((k) => k !== 'Rollout')) expect(patchable.has(plural[kind])).toBe(true);
  });

  it('keeps Cilium\'s socket load-balancing in the host namespace, as Istio requires', () => {
    for (const env of ENVIRONMENTS) expect(helmValues(fixtureEnvironment(env), 'cilium').socketLB.hostNamespaceOnly).toBe(true);
  });

  it('requests at most ~1 CPU / ~2Gi in prod for the control plane, with the CNI agent reported per node', async () => {
    const m = await hydratedFixture('prod');
    let cpu = 0;
    let mem = 0;
    let perNode = { cpu: 0, mem: 0 };
    for (const c of m.components.filter((x) => x.workflow === Workflow.Mesh)) {
      for (const w of componentWorkloads(m, c.id)) {
        const t = podTotal(w, 'requests');
        if (w.kind === WorkloadKind.Job) continue;
        if (w.kind === WorkloadKind.DaemonSet) perNode = { cpu: perNode.cpu + t.cpu.millicores, mem: perNode.mem + t.memory.mebibytes };
        else {
          cpu += t.cpu.millicores * w.replicas;
          mem += t.memory.mebibytes * w.replicas;
        }
      }
    }
    // istio-cni's node agent, counted once per node by the plan.
    expect(perNode.cpu).toBeGreaterThan(0);
    expect(cpu).toBeLessThanOrEqual(1000);
    expect(mem).toBeLessThanOrEqual(2048);
  });
});
