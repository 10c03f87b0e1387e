import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { AUDIT_SUFFIX, constraintVariants, exclusionExpressions, gatekeeperConstraintsComponent, GatekeeperConstraintsProps, Policy, PolicyScope, SKIP_DRY_RUN, SYNC_OPTIONS_ANNOTATION } from '../../charts/gatekeeper-constraints';
import { gatekeeperTemplatesComponent, LibraryTemplate, OWN_TEMPLATES_DIR, VENDOR_DIR } from '../../charts/gatekeeper-templates';
import { RECOVERY_NAMESPACES } from '../../charts/gatekeeper';
import { readVendoredObjects } from '../../lib/hydrate';
import { CHARTS, GIT_SOURCES } from '../../config/versions';
import { ManifestSource, VendoredSource, Workflow } from '../../lib/component';
import { LabelDomain } from '../../lib/labels';
import { PRIORITY } from '../../lib/priority';
import { K8sObject, synthObjects } from '../../lib/render';
import { syncOptionsFor } from '../../argocd/applications';
import { componentWorkloads } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { applicationNamespaces, constraintExceptions, INJECTED_IMAGES, platformNamespaces } from '../../workflows/security';
import { RBAC_ALLOWANCES } from '../../workflows/policy-exceptions';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, ROOT, fixtureConfig, fixtureEnvironment } from '../support';

// The constraint schemas are in the repository (schemas/README.md), generated from the vendored library's commit.
const schemasDir = path.join(ROOT, 'schemas');

function objects(env: string): any[] {
  return synthObjects(component(fixtureEnvironment(env), 'gatekeeper-constraints').source as ManifestSource);
}
const constraints = (env: string): any[] => objects(env).filter((o: K8sObject) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1');

describe('gatekeeper', () => {
  it('runs the pinned chart in the security namespace with the platform priority, requests and limits', async () => {
    const c = component(fixtureEnvironment('prod'), 'gatekeeper');
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.gatekeeper });
    expect(CHARTS.gatekeeper.version).toBe('3.23.0');
    expect(c.namespace).toBe(NS.security);
    const v = helmValues(fixtureEnvironment('prod'), 'gatekeeper');
    for (const part of [v.controllerManager, v.audit]) {
      expect(part.priorityClassName).toBe(PRIORITY.platformCritical);
      expect(part.resources.requests.memory).toBeTruthy();
      expect(part.resources.limits.cpu).toBeTruthy();
    }
    const audit = componentWorkloads(await hydratedFixture('prod'), 'gatekeeper').find((w) => w.name === 'gatekeeper-audit')!;
    expect(audit.containers[0].resources.toK8s()).toEqual(v.audit.resources);
  });

  it('replicates the webhook in prod and runs one in dev, without a PDB that would block drains', () => {
    expect(helmValues(fixtureEnvironment('prod'), 'gatekeeper')).toMatchObject({ replicas: 2, pdb: { controllerManager: { minAvailable: 1 } } });
    expect(helmValues(fixtureEnvironment('dev'), 'gatekeeper')).toMatchObject({ replicas: 1, pdb: { controllerManager: { minAvailable: 0 } } });
  });

  it.each([
    ['dev', 'Ignore', []],
    ['staging', 'Fail', RECOVERY_NAMESPACES],
    ['prod', 'Fail', RECOVERY_NAMESPACES],
  ])('%s: the webhook failure policy is %s, exempting %j besides its own namespace', async (env, policy, exempt) => {
    const model = await hydratedFixture(env as string);
    const hook = model.objects.get('gatekeeper')!.find((o) => o.kind === 'ValidatingWebhookConfiguration')!;
    const validation = (hook as any).webhooks.find((w: any) => w.name === 'validation.gatekeeper.sh');
    expect(validation.failurePolicy).toBe(policy);
    const names = validation.namespaceSelector.matchExpressions.find((e: any) => e.key === 'kubernetes.io/metadata.name');
    expect(names).toEqual({ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...(exempt as string[]), NS.security] });
    // Fail closed exactly where constraints deny.
    expect(policy === 'Fail').toBe(fixtureEnvironment(env as string).env.policyEnforcement === 'deny');
  });

  it('never relabels the shared namespace restricted (Falco needs privileged there)', () => {
    expect(helmValues(fixtureEnvironment('prod'), 'gatekeeper').postInstall.labelNamespace.podSecurity).toEqual([]);
  });
});

describe('gatekeeper-templates', () => {
  const c = component(fixtureEnvironment('prod'), 'gatekeeper-templates');
  const source = c.source as VendoredSource;

  it('applies the library templates vendored at the pinned commit, after Gatekeeper', () => {
    expect(source).toMatchObject({ type: 'vendored', origin: { repoURL: GIT_SOURCES.gatekeeperLibrary.repoURL, revision: GIT_SOURCES.gatekeeperLibrary.revision } });
    expect(source.origin.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(fs.readFileSync(path.join(ROOT, VENDOR_DIR, 'INDEX.md'), 'utf8')).toContain(GIT_SOURCES.gatekeeperLibrary.revision);
    expect(c.dependsOn).toContain('gatekeeper');
  });

  it('selects exactly the templates of the constraints we render, each defining its constraint kind', () => {
    const kinds = [...new Set(constraints('prod').map((o) => o.kind))].sort();
    expect(source.files).toEqual(kinds.map((k) => LibraryTemplate.forKind(k).repoPath).sort());
    const templates = readVendoredObjects(ROOT, source.files);
    expect(templates.map((t) => (t.spec as any).crd.spec.names.kind).sort()).toEqual(kinds);
    expect(templates.every((t) => t.kind === 'ConstraintTemplate')).toBe(true);
  });

  it('vendors each library template byte for byte as the pinned commit has it, and keeps ours beside the chart', () => {
    for (const t of LibraryTemplate.ALL) {
      const text = fs.readFileSync(path.join(ROOT, t.repoPath), 'utf8');
      if (t.origin === 'own') {
        expect(t.repoPath.startsWith(`${OWN_TEMPLATES_DIR}/`)).toBe(true);
        continue;
      }
      // The reference copy of the library at the same commit, where the workspace has it.
      const shared = path.join(ROOT, '..', 'shared', 'gatekeeper-library');
      if (fs.existsSync(shared)) expect(text).toBe(fs.readFileSync(path.join(shared, 'library', t.file), 'utf8'));
      expect(text).toContain(`kind: ${t.kind}`);
    }
  });

  it('has a constraint schema for every selected template, generated from the same library commit', () => {
    for (const t of LibraryTemplate.ALL) {
      expect(fs.existsSync(path.join(schemasDir, 'crds/constraints.gatekeeper.sh', `${t.kind.toLowerCase()}_v1beta1.json`))).toBe(true);
    }
  });

  it('refuses an empty selection', () => {
    expect(() => gatekeeperTemplatesComponent({ namespace: 'security', templates: [] })).toThrow(/select at least one library template/);
  });
});

describe('the restricted-rbac template (ours)', () => {
  const template = readVendoredObjects(ROOT, [LibraryTemplate.RESTRICTED_RBAC.repoPath])[0] as any;
  const rego: string = template.spec.targets[0].rego;

  it("has the library's structure: a v1 ConstraintTemplate named after its kind, with a parameters schema and one admission target", () => {
    expect(template.apiVersion).toBe('templates.gatekeeper.sh/v1');
    expect(template.metadata.name).toBe('k8srestrictedrbac');
    expect(template.spec.crd.spec.names.kind).toBe('K8sRestrictedRbac');
    expect(Object.keys(template.spec.crd.spec.validation.openAPIV3Schema.properties).sort()).toEqual(['allowedClusterAdminBindings', 'allowedWildcardRoles']);
    expect(template.spec.targets).toHaveLength(1);
    expect(template.spec.targets[0].target).toBe('admission.k8s.gatekeeper.sh');
    expect(rego.startsWith('package k8srestrictedrbac\n')).toBe(true);
  });

  it('is written in v0 Rego, as Gatekeeper reads `rego`, with balanced braces and no v1-only keywords', () => {
    expect(rego).not.toMatch(/\b(if|contains)\b\s*\{/);
    expect(rego).not.toMatch(/^import rego\.v1/m);
    expect((rego.match(/\{/g) ?? []).length).toBe((rego.match(/\}/g) ?? []).length);
    expect(rego).toContain('violation[{"msg": msg}]');
    // Every rule head it calls is defined.
    for (const fn of ['is_role', 'is_binding', 'object_ref', 'allowed', 'matches']) expect(rego).toMatch(new RegExp(`^${fn}\\(`, 'm'));
  });
});

describe('gatekeeper-constraints', () => {
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

  it('marks every constraint to skip the dry run until its CRD exists', () => {
    const c = component(fixtureEnvironment('prod'), 'gatekeeper-constraints');
    expect(syncOptionsFor(c, constraints('prod'))).toContain(SKIP_DRY_RUN);
    for (const o of constraints('prod')) expect(o.metadata.annotations[SYNC_OPTIONS_ANNOTATION]).toBe(SKIP_DRY_RUN);
    expect([...new Set(constraints('prod').map((o) => o.kind))].sort()).toEqual(Policy.ALL.map((p) => p.kind).sort());
  });

  it.each([
    ['dev', 'warn'],
    ['staging', 'deny'],
    ['prod', 'deny'],
  ])('%s: enforces every namespaced rule with %s in every namespace but those its exceptions name, which the rule audits with dryrun', (env, action) => {
    const model = fixtureEnvironment(env);
    const all = constraints(env);
    const exceptions = constraintExceptions(model.components, model.env.highAvailability);
    for (const p of Policy.ALL.filter((x) => x.scope === PolicyScope.AllNamespaces)) {
      const own = exceptions.filter((e) => e.policy === p);
      const enforced = all.find((o) => o.metadata.name === p.name);
      expect(enforced.kind).toBe(p.kind);
      expect(enforced.spec.enforcementAction).toBe(action);
      expect(enforced.spec.match.namespaces).toBeUndefined();
      const excluded = [...new Set(own.map((e) => e.namespace))].sort();
      expect(enforced.spec.match.excludedNamespaces ?? []).toEqual(excluded);
      // A namespace excepted for some components only is enforced on everything else there.
      for (const ns of excluded.filter((n) => !own.some((e) => e.namespace === n && !e.selector))) {
        const there = all.find((o) => o.metadata.name === `${p.name}-${ns}`);
        expect(there.spec.enforcementAction).toBe(action);
        expect(there.spec.match.namespaces).toEqual([ns]);
        expect(there.spec.match.labelSelector.matchExpressions.every((e: any) => ['NotIn', 'DoesNotExist'].includes(e.operator))).toBe(true);
      }
      const audit = all.find((o) => o.metadata.name === `${p.name}${AUDIT_SUFFIX}`);
      if (excluded.length === 0) expect(audit).toBeUndefined();
      else expect(audit.spec).toMatchObject({ enforcementAction: 'dryrun', match: { namespaces: excluded } });
    }
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

  it.each([
    ['dev', 'warn'],
    ['prod', 'deny'],
  ])('%s: requires image digests in the application namespaces only (%s), with the injected sidecar exempt', (env, action) => {
    const model = fixtureEnvironment(env);
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

  it('renders the configured audit-only namespaces out of every rule, into its audit and out of the webhook through the Config', () => {
    const props = { ...constraintProps(), auditOnlyNamespaces: ['legacy-batch'] };
    const variants = constraintVariants(Policy.HOST_PATH, props);
    expect(variants.find((v) => v.name === Policy.HOST_PATH.name)!.match.excludedNamespaces).toContain('legacy-batch');
    expect(variants.find((v) => v.name === `${Policy.HOST_PATH.name}${AUDIT_SUFFIX}`)).toMatchObject({ action: 'dryrun', match: { namespaces: ['legacy-batch'] } });
    const config = synthObjects(gatekeeperConstraintsComponent(props).source as ManifestSource).find((o) => o.kind === 'Config')!;
    expect(config.spec).toEqual({ match: [{ excludedNamespaces: ['legacy-batch'], processes: ['webhook'] }] });
    const none = objects('prod').find((o) => o.kind === 'Config');
    expect(none.metadata).toMatchObject({ name: 'config', namespace: NS.security });
    expect(none.spec).toEqual({});
  });

  it('leaves out the objects of several exceptions in one namespace with one expression per label key', () => {
    expect(exclusionExpressions([{ key: 'k8s-app', values: ['cilium'] }, { key: 'k8s-app', values: ['cilium-envoy'] }, { key: 'cnpg.io/cluster' }])).toEqual([
      { key: 'cnpg.io/cluster', operator: 'DoesNotExist' },
      { key: 'k8s-app', operator: 'NotIn', values: ['cilium', 'cilium-envoy'] },
    ]);
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
    expect(repos.spec.parameters.repos).toEqual([...fixtureConfig().policy.allowedRegistries, ...INJECTED_IMAGES]);
    expect(all.find((o) => o.metadata.name === Policy.REQUIRED_LABELS.name).spec.parameters.labels).toEqual([{ key: 'app.kubernetes.io/name' }]);
    expect(all.find((o) => o.metadata.name === Policy.REQUIRED_RESOURCES.name).spec.parameters).toEqual({ limits: ['cpu', 'memory'], requests: ['cpu', 'memory'] });
    expect(all.find((o) => o.metadata.name === Policy.DISALLOWED_TAGS.name).spec.parameters).toEqual({ tags: ['latest'] });
  });

  it("validates each constraint's parameters against its template's schema", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const o of constraints('prod')) {
      const schema = JSON.parse(fs.readFileSync(path.join(schemasDir, 'crds/constraints.gatekeeper.sh', `${o.kind.toLowerCase()}_v1beta1.json`), 'utf8'));
      const ok = ajv.validate(schema, o);
      if (!ok) throw new Error(`${o.kind} ${o.metadata.name}: ${ajv.errorsText()}`);
      expect(ok).toBe(true);
    }
  });

  it('scrapes Gatekeeper with a PodMonitor on its metrics port', () => {
    const pm = objects('prod').find((o) => o.kind === 'PodMonitor');
    expect(pm.metadata.namespace).toBe(NS.security);
    expect(pm.spec).toEqual({ selector: { matchLabels: { 'gatekeeper.sh/system': 'yes' } }, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }] });
  });

  describe('rejects bad props with a clear message', () => {
    const base = constraintProps();
    const exception = { policy: Policy.HOST_PATH, component: 'agent', namespace: 'kube-system', reason: 'reads the host' };
    it('an exception in an application namespace', () => {
      expect(() => gatekeeperConstraintsComponent({ ...base, exceptions: [{ ...exception, namespace: 'apps' }] })).toThrow(/exception of agent to no-host-path in namespace "apps": "apps" is an application namespace, which is never excepted/);
    });
    it('a namespace exception to an application-only or cluster rule', () => {
      expect(() => gatekeeperConstraintsComponent({ ...base, exceptions: [{ ...exception, policy: Policy.IMAGE_DIGESTS }] })).toThrow(/covers application-namespaces, which takes no namespace exceptions/);
      expect(() => gatekeeperConstraintsComponent({ ...base, exceptions: [{ ...exception, policy: Policy.RESTRICTED_RBAC }] })).toThrow(/add an RbacAllowance/);
    });
    it('an exception without a reason', () => {
      expect(() => gatekeeperConstraintsComponent({ ...base, exceptions: [{ ...exception, reason: ' ' }] })).toThrow(/has no reason/);
    });
    it('a namespaced RBAC allowance without its namespace', () => {
      expect(() => gatekeeperConstraintsComponent({ ...base, rbacAllowances: [{ kind: 'Role', name: 'x', component: 'c', reason: 'r' }] })).toThrow(/RBAC allowance Role\/x names no namespace/);
    });
    it('no registries', () => {
      expect(() => gatekeeperConstraintsComponent({ ...base, allowedRegistries: [] })).toThrow(/allowedRegistries is empty/);
    });
  });
});

function constraintProps(): GatekeeperConstraintsProps {
  return {
    namespace: 'security',
    enforcement: 'deny',
    labelDomain: LabelDomain.of('platform.example.com'),
    applicationNamespaces: ['apps'],
    auditOnlyNamespaces: [],
    allowedRegistries: ['ghcr.io/acme/'],
    injectedImages: [],
    exceptions: [],
    rbacAllowances: [],
    after: [],
    metrics: { podLabels: { a: 'b' }, portName: 'metrics' },
  };
}
