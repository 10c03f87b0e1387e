import { AcmeIssuer } from '../../charts/cert-manager-config';
import { SIZING } from '../../config/sizing';
import { ManifestSource, Workflow } from '../../lib/component';
import { synthObjects } from '../../lib/render';
import { Cpu, Memory, podTotal, WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { CLOUDFLARE_TOKEN, cloudflareProxied, cloudflareZone, dnsPolicy, wildcardIssuer } from '../../workflows/ingress';
import { NAMESPACES, NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, fixtureEnvironment, renderedFixture } from '../support';

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

  it.each(ENVIRONMENTS)("%s: sizes cert-manager, external-dns and Emissary with its sidecar from the tier's rows of config/sizing.ts", (env) => {
    const m = fixtureEnvironment(env);
    const sized = <T>(row: Readonly<Record<'dev' | 'staging' | 'prod', T>>) => m.env.tierPolicy.sized(row);
    expect(helmValues(m, 'cert-manager').resources).toEqual(sized(SIZING['cert-manager']).toK8s());
    expect(helmValues(m, 'external-dns').resources).toEqual(sized(SIZING['external-dns']).toK8s());
    const emissary = helmValues(m, 'emissary-ingress');
    const { gateway, sidecar } = sized(SIZING['emissary-ingress']);
    expect(emissary.resources).toEqual(gateway.toK8s());
    expect(emissary.podAnnotations['sidecar.istio.io/proxyCPU']).toBe(sidecar.toK8s().requests.cpu);
  });

  it('gives staging the production sizes and dev no more than them', () => {
    for (const id of ['cert-manager', 'external-dns'] as const) {
      expect(SIZING[id].staging).toEqual(SIZING[id].prod);
      expect(SIZING[id].dev.requests.cpu.millicores).toBeLessThanOrEqual(SIZING[id].prod.requests.cpu.millicores);
    }
    expect(SIZING['emissary-ingress'].staging).toEqual(SIZING['emissary-ingress'].prod);
    expect(SIZING['emissary-ingress'].dev.gateway.requests.memory.mebibytes).toBeLessThanOrEqual(SIZING['emissary-ingress'].prod.gateway.requests.memory.mebibytes);
  });

  it.each(ENVIRONMENTS)("%s: replicates the cert-manager webhook and Emissary, spreading Emissary over zones, exactly where the tier policy is highly available", (env) => {
    const m = fixtureEnvironment(env);
    const ha = m.env.tierPolicy.highAvailability;
    expect(helmValues(m, 'cert-manager').webhook.replicaCount).toBe(ha ? 2 : 1);
    expect(helmValues(m, 'cert-manager').webhook.podDisruptionBudget.enabled).toBe(ha);
    const emissary = helmValues(m, 'emissary-ingress');
    expect(emissary.replicaCount).toBe(ha ? 2 : 1);
    expect(emissary.topologySpreadConstraints.map((c: { whenUnsatisfiable: string }) => c.whenUnsatisfiable)).toEqual(ha ? ['ScheduleAnyway'] : []);
  });

  it('runs its workloads with the very resources and replicas it passes to the charts', async () => {
    const m = await hydratedFixture('prod');
    const byName = new Map(['cert-manager', 'external-dns', 'emissary-ingress'].flatMap((id) => componentWorkloads(m, id)).map((w) => [w.name, w]));
    const cm = helmValues(m, 'cert-manager');
    expect(byName.get('cert-manager')!.containers[0].resources.toK8s()).toEqual(cm.resources);
    expect(byName.get('cert-manager-webhook')!.replicas).toBe(cm.webhook.replicaCount);
    expect(byName.get('cert-manager-webhook')!.containers[0].resources.toK8s()).toEqual(cm.webhook.resources);
    expect(byName.get('cert-manager-cainjector')!.containers[0].resources.toK8s()).toEqual(cm.cainjector.resources);
    expect(byName.get('cert-manager-startupapicheck')!.kind).toBe(WorkloadKind.Job);
    expect(byName.get('external-dns')!.replicas).toBe(1);
    expect(byName.get('external-dns')!.containers[0].resources.toK8s()).toEqual(helmValues(m, 'external-dns').resources);
    // Emissary's sidecar is counted with its pod, sized by the numbers its annotations give Istio.
    const emissary = helmValues(m, 'emissary-ingress');
    const [gateway, sidecar] = byName.get('emissary-ingress')!.containers;
    expect(byName.get('emissary-ingress')!.replicas).toBe(emissary.replicaCount);
    expect(gateway.resources.toK8s()).toEqual(emissary.resources);
    expect(sidecar.name).toBe('istio-proxy');
    const k = sidecar.resources.toK8s();
    expect([emissary.podAnnotations['sidecar.istio.io/proxyCPU'], emissary.podAnnotations['sidecar.istio.io/proxyMemory']]).toEqual([k.requests.cpu, k.requests.memory]);
    expect([emissary.podAnnotations['sidecar.istio.io/proxyCPULimit'], emissary.podAnnotations['sidecar.istio.io/proxyMemoryLimit']]).toEqual([k.limits.cpu, k.limits.memory]);
  });

  it.each(ENVIRONMENTS)("%s: has external-dns own its records under the cluster name in the environment's zone, every 60 seconds, deleting only in dev", (env) => {
    const m = fixtureEnvironment(env);
    const v = helmValues(m, 'external-dns');
    expect(v.txtOwnerId).toBe(m.env.clusterName);
    expect(v.interval).toBe('60s');
    expect(v.domainFilters).toEqual([cloudflareZone(m.env)]);
    expect(v.policy).toBe(dnsPolicy(m.env));
    expect(v.extraArgs.includes('--cloudflare-proxied')).toBe(cloudflareProxied(m.env));
    // Its names come from the one load balancer's hostname annotation.
    expect(helmValues(m, 'emissary-ingress').service.annotations['external-dns.alpha.kubernetes.io/hostname']).toBe(`*.${m.env.domain},${m.env.domain}`);
  });

  it('deletes DNS records and uses the untrusted Let\'s Encrypt staging issuer only in dev; staging mirrors prod', () => {
    expect([dnsPolicy({ tier: 'dev' }), dnsPolicy({ tier: 'staging' }), dnsPolicy({ tier: 'prod' })]).toEqual(['sync', 'upsert-only', 'upsert-only']);
    expect([wildcardIssuer({ tier: 'dev' }), wildcardIssuer({ tier: 'staging' }), wildcardIssuer({ tier: 'prod' })]).toEqual([AcmeIssuer.STAGING, AcmeIssuer.PRODUCTION, AcmeIssuer.PRODUCTION]);
  });

  it.each(ENVIRONMENTS)("%s: issues the environment's wildcard certificate into Emissary's namespace, the Secret its Hosts serve, trusting Cloudflare's headers only where it proxies", (env) => {
    const m = fixtureEnvironment(env);
    const objects = (id: string) => synthObjects(component(m, id).source as ManifestSource) as any[];
    const cert = objects('cert-manager-config').find((o) => o.kind === 'Certificate');
    expect(cert.metadata.namespace).toBe(NS.emissary);
    expect(cert.spec.dnsNames).toEqual([`*.${m.env.domain}`, m.env.domain]);
    expect(cert.spec.issuerRef.name).toBe(wildcardIssuer(m.env).name);
    for (const issuer of objects('cert-manager-config').filter((o) => o.kind === 'ClusterIssuer')) expect(issuer.spec.acme.email).toBe(m.env.acmeEmail);
    const config = objects('emissary-config');
    for (const host of config.filter((o) => o.kind === 'Host')) {
      expect(host.metadata.namespace).toBe(cert.metadata.namespace);
      expect(host.spec.tlsSecret).toEqual({ name: cert.spec.secretName });
    }
    for (const listener of config.filter((o) => o.kind === 'Listener')) expect(listener.spec.l7Depth).toBe(cloudflareProxied(m.env) ? 1 : 0);
  });

  it('has cert-manager-config and external-dns read the Cloudflare token from their own namespaces, created at bootstrap before OpenBao', () => {
    const m = fixtureEnvironment('prod');
    for (const [id, ns] of [['cert-manager-config', NS.certManager], ['external-dns', NS.externalDns]] as const) {
      const c = component(m, id);
      expect(c.secrets).toEqual([
        expect.objectContaining({
          namespace: ns,
          name: CLOUDFLARE_TOKEN.secretName,
          data: { [CLOUDFLARE_TOKEN.key]: CLOUDFLARE_TOKEN.openbao },
          bootstrap: { [CLOUDFLARE_TOKEN.key]: CLOUDFLARE_TOKEN.envVar },
        }),
      ]);
      expect(c.dependsOn).not.toContain('external-secrets-config');
    }
  });
});
