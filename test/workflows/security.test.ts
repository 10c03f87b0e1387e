/**
 * The security workflow on the fixture config: what holds for any environment the workflow builds
 * (the tier policy applied, the endpoints one component gives another, every Secret delivered,
 * Gatekeeper's constraints over the whole platform). The charts' own behaviour is tested from
 * props under test/charts/.
 */
import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AUDIT_SUFFIX, Policy } from '../../charts/gatekeeper-constraints';
import { expectEnforcedExceptWhereExcepted } from '../charts/gatekeeper-enforcement';
import { OPENBAO, openbaoEndpoints } from '../../charts/openbao';
import { WORKLOAD_CONTROLLERS } from '../../charts/openbao/namespace-guard';
import { permissionsOf } from '../../argocd/applications';
import { SIZING } from '../../config/sizing';
import { ManifestSource, Workflow } from '../../lib/component';
import { parseCaCertificate } from '../../lib/ca-certificate';
import { K8sObject, synthObjects } from '../../lib/render';
import { Cpu, Memory, podTotal, WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { ENDPOINTS } from '../../workflows/endpoints';
import { NS } from '../../workflows/namespaces';
import { applicationNamespaces, constraintExceptions, deliveredFromOpenBao, INJECTED_IMAGES, platformNamespaces } from '../../workflows/security';
import { RBAC_ALLOWANCES } from '../../workflows/policy-exceptions';
import { component, configProblems, configVariant, ENVIRONMENTS, helmValues, hydratedFixture, renderedFixture, fixtureEnvironment } from '../support';

jest.setTimeout(300_000);

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

  it.each(ENVIRONMENTS)('%s: runs three OpenBao voters and two of each stateless controller where the tier is highly available, one of each otherwise', (env) => {
    const model = fixtureEnvironment(env);
    const tier = model.env.tierPolicy;
    expect(helmValues(model, 'openbao').server.ha.replicas).toBe(tier.highAvailability ? 3 : 1);
    for (const replicas of [helmValues(model, 'external-secrets').replicaCount, helmValues(model, 'gatekeeper').replicas, helmValues(model, 'falco').falcosidekick.replicaCount]) {
      expect(replicas).toBe(tier.highAvailability ? 2 : 1);
    }
  });

  it.each(ENVIRONMENTS)("%s: spreads OpenBao's voters over zones by the tier policy's rule for replicated stores, and renders that many", async (env) => {
    const model = fixtureEnvironment(env);
    const tier = model.env.tierPolicy;
    const spread = helmValues(model, 'openbao').server.topologySpreadConstraints;
    expect(spread).toEqual(tier.zoneSpreadConstraints(OPENBAO.podSelector, 'replicated'));
    if (tier.highAvailability) expect(spread[0].whenUnsatisfiable).toBe(model.env.spotGroupPerZone ? 'DoNotSchedule' : 'ScheduleAnyway');
    const sts = componentWorkloads(await hydratedFixture(env), 'openbao').find((w) => w.kind === WorkloadKind.StatefulSet)!;
    expect(sts.replicas).toBe(helmValues(model, 'openbao').server.ha.replicas);
  });

  it.each(ENVIRONMENTS)("%s: sizes OpenBao from the tier's row of config/sizing.ts", async (env) => {
    const model = fixtureEnvironment(env);
    const size = model.env.tierPolicy.sized(SIZING.openbao);
    const v = helmValues(model, 'openbao');
    expect(v.server.resources).toEqual(size.resources.toK8s());
    expect(v.server.dataStorage.size).toBe(size.storage.toString());
    const server = componentWorkloads(await hydratedFixture(env), 'openbao').find((w) => w.kind === WorkloadKind.StatefulSet)!;
    expect(server.containers.find((c) => c.name === 'openbao')!.resources.toK8s()).toEqual(v.server.resources);
  });

  it.each(ENVIRONMENTS)('%s: seals OpenBao with the configured KMS key through IRSA, or with the static key where none is configured', (env) => {
    const model = fixtureEnvironment(env);
    const seal = model.env.openbaoSeal;
    const c = component(model, 'openbao');
    const config: string = helmValues(model, 'openbao').server.ha.raft.config;
    if (seal.kind === 'awskms') {
      expect(config).toContain(`kms_key_id = "${seal.keyArn}"`);
      expect(c.irsa![0].policy.statements![0].Resource).toEqual([seal.keyArn]);
      expect(c.secrets!.map((x) => x.name)).toEqual([OPENBAO.tls.caSecret]);
    } else {
      expect(config).toContain('seal "static"');
      expect(c.secrets!.map((x) => x.name)).toContain('openbao-unseal-key');
    }
  });

  it("gives every OpenBao client the address OpenBao's chart exports, which names a client Service it renders", async () => {
    const api = openbaoEndpoints(NS.security).api;
    expect(ENDPOINTS.openbao).toBe(api.url());
    const services = (await hydratedFixture('prod')).objects.get('openbao')!.filter((o) => o.kind === 'Service' && o.metadata.name === api.service) as any[];
    expect(services).toHaveLength(1);
    expect(services[0].spec.ports.map((p: any) => p.port)).toContain(api.port);
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

describe('the security workflow delivers every Secret', () => {
  const objectsOf = (env: string): any[] => synthObjects(component(fixtureEnvironment(env), 'external-secrets-config').source as ManifestSource);

  it.each(ENVIRONMENTS)('%s: every SecretRequirement in the platform has exactly one ExternalSecret, in its own namespace, which its AppProject allows', async (env) => {
    const model = fixtureEnvironment(env);
    const required = model.components.flatMap((c) => c.secrets ?? []).filter(deliveredFromOpenBao).map((s) => `${s.namespace}/${s.name}`).sort();
    const rendered = objectsOf(env)
      .filter((o) => o.kind === 'ExternalSecret')
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
      .sort();
    expect(rendered).toEqual(required);
    const allowed = permissionsOf([component(model, 'external-secrets-config')], (await hydratedFixture(env)).objects).namespaces;
    for (const ns of new Set(required.map((r) => r.split('/')[0]))) expect(allowed).toContain(ns);
  });

  it.each(ENVIRONMENTS)("%s: every store reaches OpenBao's endpoint with the committed CA, and every ExternalSecret refreshes at the configured interval", (env) => {
    const model = fixtureEnvironment(env);
    const objs = objectsOf(env);
    for (const store of objs.filter((o) => o.kind === 'SecretStore')) {
      expect(store.spec.provider.vault.server).toBe(ENDPOINTS.openbao);
      expect(Buffer.from(store.spec.provider.vault.caBundle, 'base64').toString('utf8')).toBe(model.env.openbaoCaCertificate);
    }
    for (const es of objs.filter((o) => o.kind === 'ExternalSecret')) expect(es.spec.refreshInterval).toBe(model.env.secretRefreshInterval);
  });

  it("leaves self-initialization without a reader role: the stores log in with the roles the reconcile step declares, which goes with the stores' component", () => {
    const hcl: string = helmValues(fixtureEnvironment('prod'), 'openbao').server.ha.raft.config;
    expect(hcl).not.toContain('role/external-secrets');
    const reconcile = component(fixtureEnvironment('prod'), 'external-secrets-config').runbook!.find((r) => r.title === 'Reconcile OpenBao roles and policies')!;
    const namespaces = [...new Set(objectsOf('prod').filter((o) => o.kind === 'SecretStore').map((o) => o.metadata.namespace as string))];
    expect(namespaces.length).toBeGreaterThan(0);
    for (const ns of namespaces) expect(reconcile.body).toContain(`roles/eso-${ns}.json`);
  });

  it('orders the store after OpenBao and the operator, and seeds every declared path', () => {
    const model = fixtureEnvironment('dev');
    expect(model.graph.waves.get('external-secrets-config')!).toBeGreaterThan(model.graph.waves.get('openbao')!);
    const seed = component(model, 'external-secrets-config').runbook!.find((r) => r.title === 'Seed OpenBao with the platform secrets')!.body;
    for (const req of model.components.flatMap((x) => x.secrets ?? []).filter(deliveredFromOpenBao)) {
      for (const ref of Object.values(req.data)) expect(seed).toContain(`bao kv put -mount=secret ${ref.path} `);
    }
  });
});

describe('OpenBao TLS across the platform', () => {
  it.each(ENVIRONMENTS)('%s: no rendered file holds a private key', async (env) => {
    const tree = await renderedFixture(env);
    // CRD schemas quote PEM markers in their field descriptions; nothing else may hold one.
    const withKey = [...tree.entries()]
      .filter(([, text]) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(String(text)) && !/^kind: CustomResourceDefinition$/m.test(String(text)))
      .map(([file]) => file);
    expect(withKey).toEqual([]);
  });
});

describe("the security namespace's guard on the platform", () => {
  const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'];
  it.each(ENVIRONMENTS)("%s: lets through the user Argo CD applies as (its rendered controller binding's subject) and the controllers that run what it applies, and nobody else's ServiceAccount", async (env) => {
    const m = await hydratedFixture(env);
    const all = m.components.flatMap((c) => (m.objects.get(c.id) ?? []).map((o: any) => ({ component: c.id, o })));
    const controllerBinding = all.find(({ component, o }) => component === 'argocd' && o.kind === 'ClusterRoleBinding' && o.roleRef.name === 'argocd-application-controller')!.o as any;
    const sa = controllerBinding.subjects[0];
    const policy = (m.objects.get('openbao') as any[]).find((o) => o.kind === 'ValidatingAdmissionPolicy');
    const workloadRule = policy.spec.validations.find((v: any) => v.expression.includes('in ['));
    expect(workloadRule.expression).toContain(`'system:serviceaccount:${sa.namespace}:${sa.name}'`);
    for (const c of WORKLOAD_CONTROLLERS) expect(workloadRule.expression).toContain(`'system:serviceaccount:kube-system:${c}'`);
    // No ServiceAccount of the guarded namespace itself may create workloads or tokens there.
    expect(policy.spec.validations.map((v: any) => v.expression).join('\n')).not.toContain(`system:serviceaccount:${NS.security}:`);
    // Every workload rendered into the namespace is one the guard sees, so it is applied by Argo CD.
    const kinds = new Set(all.filter(({ o }) => o.metadata.namespace === NS.security && WORKLOAD_KINDS.includes(o.kind)).map(({ o }) => o.kind));
    const plural = (k: string) => `${k.toLowerCase()}s`;
    const guarded = policy.spec.matchConstraints.resourceRules.flatMap((r: any) => r.resources);
    for (const k of kinds) expect([k, guarded.includes(plural(k))]).toEqual([k, true]);
  });
});

describe('openbaoCaCertificate in platform.yaml', () => {
  const ca = fixtureEnvironment('dev').env.openbaoCaCertificate;

  it('accepts the committed test CA and reads its fingerprint as openssl prints it', () => {
    const parsed = parseCaCertificate(ca);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(parsed.value.fingerprint256).toBe(new X509Certificate(ca).fingerprint256);
    const r = spawnSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: ca, encoding: 'utf8' });
    expect(r.stdout.trim().split('=')[1]).toBe(parsed.value.fingerprint256);
  });

  it('is required in every environment, naming the key and the README section', () => {
    const problems = configProblems(configVariant((c) => delete c.environments.staging.openbaoCaCertificate));
    expect(problems).toEqual([expect.stringMatching(/environments\.staging\.openbaoCaCertificate.*required.*OpenBao internal CA/)]);
  });

  it('rejects a pasted private key, a truncated block and a certificate that is no CA', () => {
    const withKey = configProblems(configVariant((c) => (c.environments.dev.openbaoCaCertificate = `${ca}-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n`)));
    expect(withKey).toEqual([expect.stringMatching(/environments\.dev\.openbaoCaCertificate.*contains a private key: commit only the certificate/)]);
    const truncated = configProblems(configVariant((c) => (c.environments.dev.openbaoCaCertificate = ca.split('\n').slice(0, 4).join('\n') + '\n-----END CERTIFICATE-----\n')));
    expect(truncated).toEqual([expect.stringMatching(/environments\.dev\.openbaoCaCertificate.*is not a valid PEM certificate/)]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openbao-leaf-'));
    try {
      const leaf = path.join(dir, 'leaf.crt');
      const r = spawnSync('openssl', ['req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', path.join(dir, 'leaf.key'), '-out', leaf, '-days', '1', '-subj', '/CN=leaf', '-addext', 'basicConstraints=critical,CA:FALSE'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const notCa = configProblems(configVariant((c) => (c.environments.dev.openbaoCaCertificate = fs.readFileSync(leaf, 'utf8'))));
      expect(notCa).toEqual([expect.stringMatching(/environments\.dev\.openbaoCaCertificate.*"CN=leaf" is not a CA/)]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The constraints gatekeeper-constraints renders for an environment of the fixture config. */
function constraints(env: string): any[] {
  return synthObjects(component(fixtureEnvironment(env), 'gatekeeper-constraints').source as ManifestSource).filter((o: K8sObject) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1');
}

describe("Gatekeeper's constraints over the platform", () => {
  it('comes after the templates and every other platform component, never after a microservice', () => {
    const model = fixtureEnvironment('prod');
    const c = component(model, 'gatekeeper-constraints');
    const wave = model.graph.waves.get('gatekeeper-constraints')!;
    expect(c.dependsOn).toContain('gatekeeper-templates');
    for (const other of model.components) {
      if (other.id === c.id || other.id === 'platform-base') continue;
      if (other.workflow === Workflow.Apps) {
        expect(c.dependsOn).not.toContain(other.id);
        expect(model.graph.waves.get(other.id)!).toBeGreaterThan(wave);
      } else {
        expect(c.dependsOn).toContain(other.id);
        expect(model.graph.waves.get(other.id)!).toBeLessThan(wave);
      }
    }
  });

  it.each(ENVIRONMENTS)("%s: enforces every namespaced rule with the environment's action in every namespace but those its exceptions name, which the rule audits with dryrun", (env) => {
    const model = fixtureEnvironment(env);
    const action = model.env.policyEnforcement;
    const all = constraints(env);
    const exceptions = constraintExceptions(model.components, model.env.highAvailability);
    expectEnforcedExceptWhereExcepted(all, exceptions, action);
  });

  it('enforces on platform namespaces too: every platform namespace is enforced by most rules, and kube-system by a per-namespace constraint', () => {
    const model = fixtureEnvironment('prod');
    const all = constraints('prod');
    for (const ns of platformNamespaces(model.components)) {
      const enforcing = all.filter((o) => o.spec.enforcementAction === 'deny' && !(o.spec.match.excludedNamespaces ?? []).includes(ns) && (!o.spec.match.namespaces || o.spec.match.namespaces.includes(ns)));
      expect(enforcing.length).toBeGreaterThanOrEqual(8);
    }
    expect(all.find((o) => o.metadata.name === `${Policy.PRIVILEGED.name}-${NS.kubeSystem}`).spec.match.labelSelector).toEqual({ matchExpressions: [{ key: 'k8s-app', operator: 'NotIn', values: ['cilium'] }] });
  });

  it('names a reason for every exception, and leaves the emissary load balancer as the one LoadBalancer exception', () => {
    const model = fixtureEnvironment('prod');
    const exceptions = constraintExceptions(model.components, model.env.highAvailability);
    for (const e of exceptions) expect(e.reason.length).toBeGreaterThan(20);
    const lb = exceptions.filter((e) => e.policy === Policy.BLOCK_LOADBALANCER);
    expect(lb.map((e) => [e.component, e.namespace])).toEqual([['emissary-ingress', NS.emissary]]);
    expect(exceptions.filter((e) => e.policy === Policy.BLOCK_NODEPORT || e.policy === Policy.EXTERNAL_IPS)).toEqual([]);
    const nodePort = constraints('prod').find((o) => o.metadata.name === Policy.BLOCK_NODEPORT.name);
    expect(nodePort.spec.match).toEqual({ kinds: [{ apiGroups: [''], kinds: ['Service'] }], scope: 'Namespaced' });
    expect(constraints('prod').find((o) => o.metadata.name === Policy.EXTERNAL_IPS.name).spec.parameters).toEqual({ allowedIPs: [] });
  });

  it.each(ENVIRONMENTS)("%s: requires image digests in the application namespaces only, with the environment's action and the injected sidecar exempt", (env) => {
    const model = fixtureEnvironment(env);
    const action = model.env.policyEnforcement;
    const digests = constraints(env).filter((o) => o.kind === 'K8sImageDigests');
    expect(digests).toHaveLength(1);
    expect(digests[0].spec.enforcementAction).toBe(action);
    expect(digests[0].spec.match.namespaces).toEqual(applicationNamespaces(model.components));
    expect(digests[0].spec.match.namespaces).not.toContain(NS.kubeSystem);
    expect(digests[0].spec.parameters.exemptImages).toEqual(INJECTED_IMAGES.map((i) => `${i}*`));
  });

  it('denies bindings to cluster-admin and wildcard roles outside the allow-list, cluster-wide, with the Argo CD controller allowed', () => {
    const rbac = constraints('prod').filter((o) => o.kind === 'K8sRestrictedRbac');
    expect(rbac).toHaveLength(1);
    expect(rbac[0].spec.enforcementAction).toBe('deny');
    expect(rbac[0].spec.match).toEqual({ kinds: [{ apiGroups: ['rbac.authorization.k8s.io'], kinds: ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'] }], scope: '*' });
    expect(rbac[0].spec.parameters.allowedWildcardRoles).toContain('ClusterRole/argocd-application-controller');
    expect(rbac[0].spec.parameters.allowedClusterAdminBindings).toEqual(['ClusterRoleBinding/cluster-admin']);
    for (const a of RBAC_ALLOWANCES) expect(a.reason.length).toBeGreaterThan(15);
  });

  it.each(ENVIRONMENTS)('%s: the platform namespaces are exactly those the platform components render into', async (env) => {
    const model = await hydratedFixture(env);
    // What the rendered objects use, pods operators create included (the list itself is built from the destinations).
    const platform = new Set<string>([NS.kubeSystem]);
    for (const c of model.components) {
      if (c.workflow === Workflow.Apps || c.id === 'platform-base') continue;
      const created = model.objects.get(c.id)!.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
      const used = [c.namespace, ...model.objects.get(c.id)!.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])), ...componentWorkloads(model, c.id).map((w) => w.namespace)];
      for (const ns of used) if (!created.includes(ns)) platform.add(ns);
    }
    for (const c of model.components.filter((x) => x.workflow === Workflow.Apps)) platform.delete(c.namespace);
    expect(platformNamespaces(model.components)).toEqual([...platform].sort());
    expect(platformNamespaces(model.components)).not.toContain(NS.apps);
  });

  it('allows only the configured registries plus the injected mesh sidecar, requires the name label and limits', () => {
    const all = constraints('prod');
    const repos = all.find((o) => o.metadata.name === Policy.ALLOWED_REPOS.name);
    expect(repos.spec.parameters.repos).toEqual([...fixtureEnvironment('prod').env.policy.allowedRegistries, ...INJECTED_IMAGES]);
    expect(all.find((o) => o.metadata.name === Policy.REQUIRED_LABELS.name).spec.parameters.labels).toEqual([{ key: 'app.kubernetes.io/name' }]);
    expect(all.find((o) => o.metadata.name === Policy.REQUIRED_RESOURCES.name).spec.parameters).toEqual({ limits: ['cpu', 'memory'], requests: ['cpu', 'memory'] });
    expect(all.find((o) => o.metadata.name === Policy.DISALLOWED_TAGS.name).spec.parameters).toEqual({ tags: ['latest'] });
  });

  it.each(ENVIRONMENTS)('%s: the webhook fails closed exactly where constraints deny', async (env) => {
    const model = await hydratedFixture(env);
    const hook = model.objects.get('gatekeeper')!.find((o) => o.kind === 'ValidatingWebhookConfiguration')! as any;
    const validation = hook.webhooks.find((w: any) => w.name === 'validation.gatekeeper.sh');
    expect(validation.failurePolicy === 'Fail').toBe(model.env.policyEnforcement === 'deny');
    for (const c of constraints(env).filter((o) => o.spec.enforcementAction !== 'dryrun' && !o.metadata.name.endsWith(AUDIT_SUFFIX))) {
      expect([c.metadata.name, c.spec.enforcementAction]).toEqual([c.metadata.name, model.env.policyEnforcement]);
    }
  });
});
