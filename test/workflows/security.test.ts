import { OPENBAO } from '../../charts/openbao';
import { Workflow } from '../../lib/component';
import { Cpu, Memory, podTotal, WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, renderedFixture, fixtureEnvironment } from '../support';

const SECURITY_IDS = ['openbao', 'external-secrets', 'external-secrets-config', 'gatekeeper', 'gatekeeper-templates', 'gatekeeper-constraints', 'falco'];

/** Steady-state requests of the workflow's Deployments and StatefulSets, and one node's worth of DaemonSets. */
async function requests(env: string) {
  const m = await hydratedFixture(env);
  const ws = m.components.filter((c) => c.workflow === Workflow.Security).flatMap((c) => componentWorkloads(m, c.id));
  let cpu = Cpu.millis(0);
  let memory = Memory.mebibytes(0);
  let perNodeCpu = Cpu.millis(0);
  let perNodeMemory = Memory.mebibytes(0);
  for (const w of ws) {
    const t = podTotal(w, 'requests');
    // Hook Jobs run while the Application syncs, not beside the steady state.
    if (w.kind === WorkloadKind.Job) continue;
    if (w.kind === WorkloadKind.DaemonSet) {
      perNodeCpu = perNodeCpu.plus(t.cpu);
      perNodeMemory = perNodeMemory.plus(t.memory);
    } else {
      cpu = cpu.plus(t.cpu.times(w.replicas));
      memory = memory.plus(t.memory.times(w.replicas));
    }
  }
  return { cpu: cpu.millicores, memoryMi: memory.mebibytes, perNodeCpu: perNodeCpu.millicores, perNodeMemoryMi: perNodeMemory.mebibytes };
}

describe('security workflow', () => {
  it.each(ENVIRONMENTS)('%s: has every security component, all in the security namespace', (env) => {
    const model = fixtureEnvironment(env);
    const ids = model.components.filter((c) => c.workflow === Workflow.Security).map((c) => c.id).sort();
    expect(ids).toEqual([...SECURITY_IDS].sort());
    for (const id of SECURITY_IDS) expect(component(model, id).namespace).toBe(NS.security);
  });

  it('keeps prod requests within the seed allocation (~0.8 CPU / ~1.5 Gi), Falco reported per node', async () => {
    const prod = await requests('prod');
    expect(prod.perNodeCpu).toBeGreaterThan(0);
    expect(prod.cpu).toBeLessThanOrEqual(800);
    expect(prod.memoryMi).toBeLessThanOrEqual(1536);
  });

  it('mirrors prod in staging and runs lower in dev', async () => {
    const prod = await requests('prod');
    expect(await requests('staging')).toEqual(prod);
    const dev = await requests('dev');
    expect(dev.cpu).toBeLessThan(prod.cpu);
    expect(dev.memoryMi).toBeLessThan(prod.memoryMi);
  });

  it.each([
    ['dev', 1, 1],
    ['staging', 3, 2],
    ['prod', 3, 2],
  ])('%s: %i OpenBao voter(s) and %i replica(s) of each stateless controller', (env, voters, replicas) => {
    const model = fixtureEnvironment(env);
    expect(helmValues(model, 'openbao').server.ha.replicas).toBe(voters);
    expect(helmValues(model, 'external-secrets').replicaCount).toBe(replicas);
    expect(helmValues(model, 'gatekeeper').replicas).toBe(replicas);
    expect(helmValues(model, 'falco').falcosidekick.replicaCount).toBe(replicas);
  });

  it('orders the waves: OpenBao and the operator, then the store; Gatekeeper, then templates, then constraints', () => {
    const { graph } = fixtureEnvironment('prod');
    const wave = (id: string) => graph.waves.get(id)!;
    expect(wave('external-secrets-config')).toBeGreaterThan(Math.max(wave('openbao'), wave('external-secrets')));
    expect(wave('gatekeeper-templates')).toBeGreaterThan(wave('gatekeeper'));
    expect(wave('gatekeeper-constraints')).toBeGreaterThan(wave('gatekeeper-templates'));
    // Workflow 5 follows workflows 1-3.
    for (const c of fixtureEnvironment('prod').components.filter((x) => [Workflow.Foundation, Workflow.Ingress, Workflow.Observability].includes(x.workflow))) {
      expect(wave('openbao')).toBeGreaterThan(wave(c.id));
    }
  });

  it('seals with KMS wherever a key is configured and statically only in dev', () => {
    expect(fixtureEnvironment('dev').env.openbaoSeal.kind).toBe('static');
    expect(fixtureEnvironment('staging').env.openbaoSeal.kind).toBe('awskms');
    expect(fixtureEnvironment('prod').env.openbaoSeal.kind).toBe('awskms');
  });

  describe('the dev static unseal key', () => {
    const KEY_SECRET = `${NS.security}/openbao-unseal-key`;

    it('is never delivered from the OpenBao it unseals: no ExternalSecret targets it and the seeding runbook never writes it', async () => {
      const m = await hydratedFixture('dev');
      const targets = m.objects
        .get('external-secrets-config')!
        .filter((o) => o.kind === 'ExternalSecret')
        .map((o) => `${o.metadata.namespace}/${(o.spec as any).target?.name ?? o.metadata.name}`);
      expect(targets.length).toBeGreaterThan(0);
      expect(targets).not.toContain(KEY_SECRET);
      const seeding = component(m, 'external-secrets-config').runbook!.map((r) => r.body).join('\n');
      expect(seeding).toContain('bao kv put');
      expect(seeding).not.toContain('unseal');
    });

    it('is a Secret the bootstrap step creates, with the README saying the operator keeps it in the password manager and never in OpenBao', async () => {
      const readme = (await renderedFixture('dev')).get('dev/bootstrap/README.md')!;
      expect(readme).toContain('kubectl -n security create secret generic openbao-unseal-key \\\n  --from-literal=key="$OPENBAO_UNSEAL_KEY"');
      expect(readme).toContain('keep it in the password manager');
      expect(readme).toContain('never store it in OpenBao');
      expect(readme).not.toMatch(/bao kv put\S* \S*unseal/);
    });

    it('still reaches every other Secret a component declares through an ExternalSecret', async () => {
      const m = await hydratedFixture('dev');
      const declared = m.components.flatMap((c) => c.secrets ?? []).map((r) => `${r.namespace}/${r.name}`);
      const targets = new Set(
        m.objects
          .get('external-secrets-config')!
          .filter((o) => o.kind === 'ExternalSecret')
          .map((o) => `${o.metadata.namespace}/${(o.spec as any).target?.name ?? o.metadata.name}`),
      );
      // The other bootstrap-only Secret is OpenBao's internal CA key (it serves OpenBao's own TLS).
      expect(declared.filter((d) => !targets.has(d)).sort()).toEqual([KEY_SECRET, `${NS.security}/${OPENBAO.tls.caSecret}`].sort());
    });
  });
});
