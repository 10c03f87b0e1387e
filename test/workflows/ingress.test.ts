import { Workflow } from '../../lib/component';
import { Cpu, Memory, podTotal, WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { cloudflareProxied, cloudflareZone } from '../../workflows/ingress';
import { NAMESPACES, NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, hydratedFixture, fixtureEnvironment, renderedFixture } from '../support';

// The readiness gate closing the workflow is tested in test/workflows/readiness-gates.test.ts.
const INGRESS_IDS = ['cert-manager', 'cert-manager-config', 'external-dns', 'emissary-crds', 'emissary-ingress', 'emissary-config', 'ingress-readiness'];

jest.setTimeout(120_000);

describe('the ingress workflow', () => {
  it('has its six components and its readiness gate in every environment, in their namespaces', () => {
    for (const env of ENVIRONMENTS) {
      const m = fixtureEnvironment(env);
      expect(m.components.filter((c) => c.workflow === Workflow.Ingress).map((c) => c.id).sort()).toEqual([...INGRESS_IDS].sort());
    }
    const m = fixtureEnvironment('prod');
    expect(component(m, 'cert-manager').namespace).toBe(NS.certManager);
    expect(component(m, 'external-dns').namespace).toBe(NS.externalDns);
    expect(component(m, 'emissary-ingress').namespace).toBe(NS.emissary);
  });

  it("syncs in the guide's phases: cert-manager, external-dns, emissary-ingress, then its configuration", () => {
    const w = fixtureEnvironment('prod').graph.waves;
    const wave = (id: string) => w.get(id)!;
    expect(wave('cert-manager')).toBeLessThan(wave('external-dns'));
    expect(wave('external-dns')).toBeLessThan(wave('emissary-ingress'));
    expect(wave('emissary-ingress')).toBeLessThan(wave('emissary-config'));
    expect(wave('cert-manager')).toBeLessThan(wave('cert-manager-config'));
    expect(wave('cert-manager-config')).toBeLessThan(wave('emissary-config'));
    expect(wave('emissary-crds')).toBeLessThan(wave('emissary-ingress'));
  });

  it('starts in the wave right after Foundation', () => {
    const m = fixtureEnvironment('prod');
    const waves = (wf: Workflow) => m.components.filter((c) => c.workflow === wf).map((c) => m.graph.waves.get(c.id)!);
    expect(Math.min(...waves(Workflow.Ingress))).toBe(Math.max(...waves(Workflow.Foundation)) + 1);
  });

  it('requests at most the seed\'s ~0.5 CPU / ~768Mi in prod, plus the mesh sidecars', async () => {
    const m = await hydratedFixture('prod');
    let cpu = Cpu.millis(0);
    let memory = Memory.mebibytes(0);
    let sidecarCpu = Cpu.millis(0);
    let sidecarMemory = Memory.mebibytes(0);
    for (const c of m.components.filter((x) => x.workflow === Workflow.Ingress)) {
      for (const w of componentWorkloads(m, c.id).filter((x) => x.kind !== WorkloadKind.Job && x.kind !== WorkloadKind.DaemonSet)) {
        const pod = podTotal(w, 'requests');
        cpu = cpu.plus(pod.cpu.times(w.replicas));
        memory = memory.plus(pod.memory.times(w.replicas));
        for (const s of w.containers.filter((x) => x.name === 'istio-proxy')) {
          sidecarCpu = sidecarCpu.plus(s.resources.requests.cpu.times(w.replicas));
          sidecarMemory = sidecarMemory.plus(s.resources.requests.memory.times(w.replicas));
        }
      }
    }
    expect(cpu.millicores - sidecarCpu.millicores).toBeLessThanOrEqual(500);
    expect(memory.mebibytes - sidecarMemory.mebibytes).toBeLessThanOrEqual(768);
    // The overrun is the mesh requirement: Emissary's sidecars.
    expect(sidecarCpu.millicores).toBeGreaterThan(0);
  });

  it.each(ENVIRONMENTS)("%s: routes every public service to the in-mesh host and port of a rendered Service, so Emissary's sidecar originates mTLS", async (env) => {
    const m = await hydratedFixture(env);
    const all = [...m.objects.values()].flat() as any[];
    const mappings = all.filter((o) => o.kind === 'Mapping');
    const publicServices = m.config.services.filter((s) => s.public);
    expect(publicServices.length).toBeGreaterThan(0);
    expect(mappings.map((o) => o.spec.hostname).sort()).toEqual(publicServices.map((s) => `${s.name}.${m.env.domain}`).sort());
    for (const mapping of mappings) {
      const upstream = /^([a-z0-9-]+)\.([a-z0-9-]+):(\d+)$/.exec(mapping.spec.service);
      expect(upstream).not.toBeNull();
      const [, name, namespace, port] = upstream!;
      const service = all.find((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === namespace);
      expect(service).toBeDefined();
      expect(service.spec.ports.map((p: any) => p.port)).toContain(Number(port));
      // The sidecar's outbound routes are keyed by the mesh host: the public Host header matches none.
      expect(mapping.spec.host_rewrite).toBe(`${name}.${namespace}.svc.cluster.local`);
      const rule = all.find((o) => o.kind === 'DestinationRule' && o.spec.host === mapping.spec.host_rewrite);
      expect(rule).toBeDefined();
      // Over mTLS the service sees Emissary's identity: the one its AuthorizationPolicy allows.
      const allow = all.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.namespace === namespace && o.spec.selector?.matchLabels?.['app.kubernetes.io/name'] === name);
      const emissarySa = (m.objects.get('emissary-ingress') as any[]).find((o) => o.kind === 'Deployment').spec.template.spec.serviceAccountName;
      expect(allow.spec.rules.flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals))).toContain(`cluster.local/ns/${NS.emissary}/sa/${emissarySa}`);
    }
  });

  it('puts Emissary into the mesh: its namespace is labelled for sidecar injection', () => {
    expect(NAMESPACES[NS.emissary].istioInjection).toBe(true);
  });

  it('writes the Cloudflare token commands and the OpenBao handover into the bootstrap README', async () => {
    const readme = (await renderedFixture('prod')).get('prod/bootstrap/README.md')!;
    for (const ns of [NS.certManager, NS.externalDns]) {
      expect(readme).toContain(`kubectl -n ${ns} create secret generic cloudflare-api-token \\\n  --from-literal=api-token="$CLOUDFLARE_API_TOKEN"`);
    }
    expect(readme).toContain('"${CLOUDFLARE_API_TOKEN:?export CLOUDFLARE_API_TOKEN first}"');
    expect(readme).toContain('bao kv put secret/platform/cloudflare api-token="$CLOUDFLARE_API_TOKEN"');
    expect(readme).toContain('Zone → DNS → Edit');
  });

  it("uses the environment's own zone when its domain is outside dns.domain, and proxies first-level names only", () => {
    expect(cloudflareZone({ domain: 'dev.acme.io', apexDomain: 'acme.io' })).toBe('acme.io');
    expect(cloudflareZone({ domain: 'acme-sandbox.io', apexDomain: 'acme.io' })).toBe('acme-sandbox.io');
    expect(cloudflareProxied({ domain: 'acme.io', apexDomain: 'acme.io' })).toBe(true);
    expect(cloudflareProxied({ domain: 'dev.acme.io', apexDomain: 'acme.io' })).toBe(false);
  });
});
