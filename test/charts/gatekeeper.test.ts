import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { gatekeeperComponent, GatekeeperProps, GatekeeperValues, RECOVERY_NAMESPACES } from '../../charts/gatekeeper';
import {
  AUDIT_SUFFIX,
  constraintVariants,
  exclusionExpressions,
  gatekeeperConstraintsComponent,
  GatekeeperConstraintsProps,
  Policy,
  PolicyException,
  SKIP_DRY_RUN,
  SYNC_OPTIONS_ANNOTATION,
} from '../../charts/gatekeeper-constraints';
import { gatekeeperTemplatesComponent, LibraryTemplate, OWN_TEMPLATES_DIR, VENDOR_DIR } from '../../charts/gatekeeper-templates';
import { syncOptionsFor } from '../../argocd/applications';
import { CHARTS, GIT_SOURCES } from '../../config/versions';
import { HelmSource, ManifestSource, VendoredSource } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { readVendoredObjects } from '../../lib/hydrate';
import { LabelDomain } from '../../lib/labels';
import { PRIORITY } from '../../lib/priority';
import { K8sObject, synthObjects } from '../../lib/render';
import { objectsOfKind, renderComponent, ROOT } from '../support';
import { expectEnforcedExceptWhereExcepted } from './gatekeeper-enforcement';

jest.setTimeout(120_000);

// The constraint schemas are in the repository (schemas/README.md), generated from the vendored library's commit.
const schemasDir = path.join(ROOT, 'schemas');

const props: GatekeeperProps = { namespace: 'policy', replicas: 2, failClosed: true };
const values = (p: GatekeeperProps): GatekeeperValues => (gatekeeperComponent(p).source as HelmSource).values as GatekeeperValues;
const rendered = new Map<boolean, Promise<K8sObject[]>>();
/** Gatekeeper rendered from props, failing closed (or open). */
const objects = (failClosed: boolean): Promise<K8sObject[]> => {
  if (!rendered.has(failClosed)) rendered.set(failClosed, renderComponent(gatekeeperComponent({ ...props, failClosed })));
  return rendered.get(failClosed)!;
};

describe('gatekeeper', () => {
  it('runs the pinned chart in the namespace it is given with the platform priority, requests and limits', async () => {
    const c = gatekeeperComponent(props);
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.gatekeeper });
    expect(c.namespace).toBe('policy');
    const v = values(props);
    for (const part of [v.controllerManager, v.audit]) {
      expect(part.priorityClassName).toBe(PRIORITY.platformCritical);
      expect(part.resources.requests.memory).toBeTruthy();
      expect(part.resources.limits.cpu).toBeTruthy();
    }
    const [audit] = objectsOfKind(await objects(true), 'Deployment', 'gatekeeper-audit');
    expect(audit.metadata.namespace).toBe('policy');
    expect(audit.spec.template.spec.containers[0].resources).toEqual(v.audit.resources);
  });

  it('replicates the webhook behind a PodDisruptionBudget, and runs a single one without a budget that would block drains', () => {
    expect(values(props)).toMatchObject({ replicas: 2, pdb: { controllerManager: { minAvailable: 1 } } });
    expect(values({ ...props, replicas: 1 })).toMatchObject({ replicas: 1, pdb: { controllerManager: { minAvailable: 0 } } });
  });

  it.each([
    [true, 'Fail', RECOVERY_NAMESPACES],
    [false, 'Ignore', []],
  ] as const)('failing closed (%s): the webhook failure policy is %s, exempting %j besides its own namespace', async (failClosed, policy, exempt) => {
    const hook = objectsOfKind(await objects(failClosed), 'ValidatingWebhookConfiguration')[0];
    const validation = hook.webhooks.find((w: any) => w.name === 'validation.gatekeeper.sh');
    expect(validation.failurePolicy).toBe(policy);
    const names = validation.namespaceSelector.matchExpressions.find((e: any) => e.key === 'kubernetes.io/metadata.name');
    expect(names).toEqual({ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...exempt, 'policy'] });
  });

  it('never relabels its namespace restricted (Falco needs privileged there)', () => {
    expect(values(props).postInstall.labelNamespace.podSecurity).toEqual([]);
  });

  it('ignores the CA bundle Gatekeeper writes into its webhook configuration', () => {
    expect(gatekeeperComponent(props).ignoreDifferences).toEqual([
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
    ]);
  });

  describe('rejects bad props with a clear message', () => {
    it('an audit interval under ten seconds', () => {
      expect(() => gatekeeperComponent({ ...props, auditInterval: Duration.seconds(5) })).toThrow(/gatekeeper: auditInterval 5s must be at least 10s/);
    });
    it('no webhook replica', () => {
      expect(() => gatekeeperComponent({ ...props, replicas: 0 })).toThrow(/gatekeeper: replicas 0 must be a positive whole number/);
    });
  });
});

describe('gatekeeper-templates', () => {
  const c = gatekeeperTemplatesComponent({ namespace: 'policy', templates: Policy.ALL.map((p) => LibraryTemplate.forKind(p.kind)) });
  const source = c.source as VendoredSource;

  it('applies the library templates vendored at the pinned commit, after Gatekeeper', () => {
    expect(source).toMatchObject({ type: 'vendored', origin: { repoURL: GIT_SOURCES.gatekeeperLibrary.repoURL, revision: GIT_SOURCES.gatekeeperLibrary.revision } });
    expect(source.origin.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(fs.readFileSync(path.join(ROOT, VENDOR_DIR, 'INDEX.md'), 'utf8')).toContain(GIT_SOURCES.gatekeeperLibrary.revision);
    expect(c.dependsOn).toContain('gatekeeper');
  });

  it('selects exactly the templates of the constraints it is given, each defining its constraint kind', () => {
    const kinds = [...new Set(constraints(constraintProps()).map((o) => o.kind))].sort();
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
  /** A whole namespace excepted from one rule, and one component's pods (by label) from two. */
  const EXCEPTIONS: readonly PolicyException[] = [
    { policy: Policy.ALLOWED_REPOS, component: 'platform', namespace: 'agents', reason: "the agents' vendor images, pinned in their charts" },
    { policy: Policy.HOST_PATH, component: 'agent', namespace: 'kube-system', selector: { key: 'k8s-app', values: ['agent'] }, reason: 'the node agent reads the host filesystem' },
    { policy: Policy.PRIVILEGED, component: 'agent', namespace: 'kube-system', selector: { key: 'k8s-app', values: ['agent'] }, reason: 'the node agent loads kernel programs' },
  ];
  const withExceptions = (enforcement: 'warn' | 'deny'): GatekeeperConstraintsProps => ({ ...constraintProps(), enforcement, exceptions: EXCEPTIONS });

  it('comes after the templates and every component it is given, so a deny never blocks a platform chart mid-rollout', () => {
    const c = gatekeeperConstraintsComponent({ ...constraintProps(), after: ['openbao', 'falco'] });
    expect(c.dependsOn).toEqual(expect.arrayContaining(['gatekeeper-templates', 'openbao', 'falco']));
    expect(c.namespace).toBe('security');
  });

  it('marks every constraint to skip the dry run until its CRD exists, one kind per policy', () => {
    const c = gatekeeperConstraintsComponent(constraintProps());
    const all = constraints(constraintProps());
    expect(syncOptionsFor(c, all)).toContain(SKIP_DRY_RUN);
    for (const o of all) expect(o.metadata.annotations[SYNC_OPTIONS_ANNOTATION]).toBe(SKIP_DRY_RUN);
    expect([...new Set(all.map((o) => o.kind))].sort()).toEqual(Policy.ALL.map((p) => p.kind).sort());
  });

  it.each(['warn', 'deny'] as const)('enforces every namespaced rule with %s in every namespace but those its exceptions name, which the rule audits with dryrun', (action) => {
    const all = constraints(withExceptions(action));
    expectEnforcedExceptWhereExcepted(all, EXCEPTIONS, action);
    expect(all.find((o) => o.metadata.name === `${Policy.PRIVILEGED.name}-kube-system`).spec.match.labelSelector).toEqual({ matchExpressions: [{ key: 'k8s-app', operator: 'NotIn', values: ['agent'] }] });
  });

  it('blocks NodePorts and external IPs everywhere, with no exception', () => {
    const all = constraints(constraintProps());
    expect(all.find((o) => o.metadata.name === Policy.BLOCK_NODEPORT.name).spec.match).toEqual({ kinds: [{ apiGroups: [''], kinds: ['Service'] }], scope: 'Namespaced' });
    expect(all.find((o) => o.metadata.name === Policy.EXTERNAL_IPS.name).spec.parameters).toEqual({ allowedIPs: [] });
  });

  it.each(['warn', 'deny'] as const)('requires image digests in the application namespaces only (%s), with the injected sidecar exempt', (action) => {
    const p = { ...constraintProps(), enforcement: action, applicationNamespaces: ['apps', 'shop'], injectedImages: ['docker.io/istio/proxyv2:'] };
    const digests = constraints(p).filter((o) => o.kind === 'K8sImageDigests');
    expect(digests).toHaveLength(1);
    expect(digests[0].spec.enforcementAction).toBe(action);
    expect(digests[0].spec.match.namespaces).toEqual(['apps', 'shop']);
    expect(digests[0].spec.parameters.exemptImages).toEqual(['docker.io/istio/proxyv2:*']);
  });

  it('denies bindings to cluster-admin and wildcard roles outside the allow-list, cluster-wide', () => {
    const p = {
      ...constraintProps(),
      rbacAllowances: [
        { kind: 'ClusterRole' as const, name: 'argocd-application-controller', component: 'argocd', reason: 'applies every kind' },
        { kind: 'ClusterRoleBinding' as const, name: 'cluster-admin', component: 'cluster', reason: 'the built-in binding' },
      ],
    };
    const rbac = constraints(p).filter((o) => o.kind === 'K8sRestrictedRbac');
    expect(rbac).toHaveLength(1);
    expect(rbac[0].spec.enforcementAction).toBe('deny');
    expect(rbac[0].spec.match).toEqual({ kinds: [{ apiGroups: ['rbac.authorization.k8s.io'], kinds: ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'] }], scope: '*' });
    expect(rbac[0].spec.parameters.allowedWildcardRoles).toContain('ClusterRole/argocd-application-controller');
    expect(rbac[0].spec.parameters.allowedClusterAdminBindings).toEqual(['ClusterRoleBinding/cluster-admin']);
  });

  it('renders the configured audit-only namespaces out of every rule, into its audit and out of the webhook through the Config', () => {
    const p = { ...constraintProps(), auditOnlyNamespaces: ['legacy-batch'] };
    const variants = constraintVariants(Policy.HOST_PATH, p);
    expect(variants.find((v) => v.name === Policy.HOST_PATH.name)!.match.excludedNamespaces).toContain('legacy-batch');
    expect(variants.find((v) => v.name === `${Policy.HOST_PATH.name}${AUDIT_SUFFIX}`)).toMatchObject({ action: 'dryrun', match: { namespaces: ['legacy-batch'] } });
    const config = synthObjects(gatekeeperConstraintsComponent(p).source as ManifestSource).find((o) => o.kind === 'Config')!;
    expect(config.spec).toEqual({ match: [{ excludedNamespaces: ['legacy-batch'], processes: ['webhook'] }] });
    const none = synthObjects(gatekeeperConstraintsComponent(constraintProps()).source as ManifestSource).find((o) => o.kind === 'Config')!;
    expect(none.metadata).toMatchObject({ name: 'config', namespace: 'security' });
    expect(none.spec).toEqual({});
  });

  it('leaves out the objects of several exceptions in one namespace with one expression per label key', () => {
    expect(exclusionExpressions([{ key: 'k8s-app', values: ['cilium'] }, { key: 'k8s-app', values: ['cilium-envoy'] }, { key: 'cnpg.io/cluster' }])).toEqual([
      { key: 'cnpg.io/cluster', operator: 'DoesNotExist' },
      { key: 'k8s-app', operator: 'NotIn', values: ['cilium', 'cilium-envoy'] },
    ]);
  });

  it('allows only the configured registries plus the injected mesh sidecar, requires the name label and limits', () => {
    const p = { ...constraintProps(), allowedRegistries: ['ghcr.io/acme/', 'registry.example.com/'], injectedImages: ['docker.io/istio/proxyv2:'] };
    const all = constraints(p);
    expect(all.find((o) => o.metadata.name === Policy.ALLOWED_REPOS.name).spec.parameters.repos).toEqual(['ghcr.io/acme/', 'registry.example.com/', 'docker.io/istio/proxyv2:']);
    expect(all.find((o) => o.metadata.name === Policy.REQUIRED_LABELS.name).spec.parameters.labels).toEqual([{ key: 'app.kubernetes.io/name' }]);
    expect(all.find((o) => o.metadata.name === Policy.REQUIRED_RESOURCES.name).spec.parameters).toEqual({ limits: ['cpu', 'memory'], requests: ['cpu', 'memory'] });
    expect(all.find((o) => o.metadata.name === Policy.DISALLOWED_TAGS.name).spec.parameters).toEqual({ tags: ['latest'] });
  });

  it("validates each constraint's parameters against its template's schema", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const o of constraints({ ...withExceptions('deny'), auditOnlyNamespaces: ['legacy-batch'], injectedImages: ['docker.io/istio/proxyv2:'] })) {
      const schema = JSON.parse(fs.readFileSync(path.join(schemasDir, 'crds/constraints.gatekeeper.sh', `${o.kind.toLowerCase()}_v1beta1.json`), 'utf8'));
      const ok = ajv.validate(schema, o);
      if (!ok) throw new Error(`${o.kind} ${o.metadata.name}: ${ajv.errorsText()}`);
      expect(ok).toBe(true);
    }
  });

  it('scrapes Gatekeeper with a PodMonitor on its metrics port', () => {
    const pm = synthObjects(gatekeeperConstraintsComponent({ ...constraintProps(), metrics: { podLabels: { 'gatekeeper.sh/system': 'yes' }, portName: 'metrics' } }).source as ManifestSource).find((o) => o.kind === 'PodMonitor') as any;
    expect(pm.metadata.namespace).toBe('security');
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

/** The constraints `props` render. */
function constraints(p: GatekeeperConstraintsProps): any[] {
  return synthObjects(gatekeeperConstraintsComponent(p).source as ManifestSource).filter((o: K8sObject) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1');
}

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
