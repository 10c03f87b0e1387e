/**
 * No cluster-wide Secret reads where a namespace will do (issue 10, point 3), checked on the
 * rendered objects of the fixture's three environments: Emissary watches only its own namespace,
 * where the public routes are generated; Grafana's sidecar reads ConfigMaps only; the Tekton
 * operator runs alone in its namespace; and the README's "Cluster-wide Secret readers" table lists
 * exactly the ClusterRoles that still let a bound subject read Secrets in every namespace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { Workflow } from '../../lib/component';
import { groupOf } from '../../lib/cluster-scope';
import { K8sObject } from '../../lib/render';
import { HydratedModel } from '../../synth';
import { NS } from '../../workflows/namespaces';
import { ENVIRONMENTS, hydratedFixture, renderedFixture, ROOT } from '../support';

jest.setTimeout(300_000);

interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs?: readonly string[];
  readonly resourceNames?: readonly string[];
}
interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}
/** One ClusterRole that lets its bound subjects read Secrets in every namespace. */
interface SecretReader {
  readonly clusterRole: string;
  readonly component: string;
  readonly subjects: readonly string[];
}

const isRbac = (o: K8sObject, kind: string) => o.kind === kind && o.apiVersion.startsWith('rbac.authorization.k8s.io/');
const rulesOf = (o: K8sObject) => (o.rules as readonly PolicyRule[] | undefined) ?? [];

/**
 * Whether a rule lets its subject read any Secret: the core group (or `*`), `secrets` (or `*`), a
 * read verb (or `*`), and no `resourceNames` (a rule for named Secrets reads only those).
 */
export function readsAnySecret(r: PolicyRule): boolean {
  return (
    (r.apiGroups ?? []).some((g) => g === '' || g === '*') &&
    (r.resources ?? []).some((x) => x === 'secrets' || x === '*') &&
    (r.verbs ?? []).some((v) => ['get', 'list', 'watch', '*'].includes(v)) &&
    (r.resourceNames ?? []).length === 0
  );
}

/**
 * The ClusterRoles a ClusterRoleBinding binds whose rules (with those aggregated into them by an
 * `aggregationRule`) read Secrets: their subjects read Secrets in every namespace.
 */
export function clusterSecretReaders(m: HydratedModel): SecretReader[] {
  const all = m.components.flatMap((c) => (m.objects.get(c.id) ?? []).map((o) => ({ component: c.id, o })));
  const roles = new Map(all.filter(({ o }) => isRbac(o, 'ClusterRole')).map((x) => [x.o.metadata.name, x]));
  const effectiveRules = (role: K8sObject): PolicyRule[] => {
    const aggregation = role.aggregationRule as { clusterRoleSelectors?: { matchLabels?: Record<string, string> }[] } | undefined;
    const aggregated = [...roles.values()].filter(({ o }) => {
      const labels = (o.metadata.labels as Record<string, string> | undefined) ?? {};
      return (aggregation?.clusterRoleSelectors ?? []).some((s) => Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
    });
    return [...rulesOf(role), ...aggregated.flatMap(({ o }) => rulesOf(o))];
  };
  const out = new Map<string, { component: string; subjects: Set<string> }>();
  for (const { o: binding } of all.filter(({ o }) => isRbac(o, 'ClusterRoleBinding'))) {
    const ref = binding.roleRef as { kind: string; name: string };
    const role = ref.kind === 'ClusterRole' ? roles.get(ref.name) : undefined;
    if (!role || !effectiveRules(role.o).some(readsAnySecret)) continue;
    const entry = out.get(ref.name) ?? { component: role.component, subjects: new Set<string>() };
    for (const s of (binding.subjects as Subject[] | undefined) ?? []) entry.subjects.add(`${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`);
    out.set(ref.name, entry);
  }
  return [...out.entries()].map(([clusterRole, e]) => ({ clusterRole, component: e.component, subjects: [...e.subjects].sort() })).sort((a, b) => a.clusterRole.localeCompare(b.clusterRole));
}

/** `ClusterRole → component` of every row of the README's "Cluster-wide Secret readers" table. */
export function readmeSecretReaders(readme: string): Map<string, string> {
  const start = readme.indexOf('\n## Cluster-wide Secret readers\n');
  if (start < 0) throw new Error('README.md has no "## Cluster-wide Secret readers" section');
  const rest = readme.slice(start + 1);
  const end = rest.indexOf('\n## ', 1);
  const section = end < 0 ? rest : rest.slice(0, end);
  const rows = [...section.matchAll(/^\| `([^`]+)` \| `([^`]+)` \|/gm)];
  return new Map(rows.map((r) => [r[1], r[2]]));
}

const objectsOf = (m: HydratedModel, id: string): any[] => (m.objects.get(id) ?? []) as any[];
const everyObject = (m: HydratedModel) => m.components.flatMap((c) => objectsOf(m, c.id).map((o) => ({ component: c.id, workflow: c.workflow, o })));

let models: HydratedModel[];
beforeAll(async () => {
  models = await Promise.all(ENVIRONMENTS.map((env) => hydratedFixture(env)));
});

describe('cluster-wide Secret readers', () => {
  it('are listed in the README exactly: every ClusterRole bound cluster-wide that reads Secrets, with its component, and no other', () => {
    const rendered = new Map<string, string>();
    for (const m of models) for (const r of clusterSecretReaders(m)) rendered.set(r.clusterRole, r.component);
    const listed = readmeSecretReaders(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    const missing = [...rendered].filter(([role]) => !listed.has(role)).map(([role, c]) => `${role} (${c}) reads Secrets cluster-wide but the README does not list it`);
    const stale = [...listed].filter(([role]) => !rendered.has(role)).map(([role]) => `${role} is in the README but no longer reads Secrets cluster-wide`);
    const wrongComponent = [...rendered].filter(([role, c]) => listed.has(role) && listed.get(role) !== c).map(([role, c]) => `${role} belongs to ${c}, not ${listed.get(role)}`);
    expect([...missing, ...stale, ...wrongComponent]).toEqual([]);
    expect(rendered.size).toBeGreaterThan(0);
  });

  it('counts a rule limited to named Secrets as no cluster-wide read, and a wildcard rule as one', () => {
    expect(readsAnySecret({ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['one'] })).toBe(false);
    expect(readsAnySecret({ apiGroups: ['*'], resources: ['*'], verbs: ['list'] })).toBe(true);
    expect(readsAnySecret({ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] })).toBe(false);
    expect(readsAnySecret({ apiGroups: ['apps'], resources: ['secrets'], verbs: ['get'] })).toBe(false);
  });

  it.each(ENVIRONMENTS)('%s: include none of emissary-ingress, grafana, and no subject in the argocd namespace but Argo CD and Argo Rollouts', (env) => {
    const readers = clusterSecretReaders(models[ENVIRONMENTS.indexOf(env)]);
    expect(readers.filter((r) => ['emissary-ingress', 'grafana'].includes(r.component))).toEqual([]);
    const inArgoCd = readers.filter((r) => r.subjects.some((s) => s.startsWith(`ServiceAccount ${NS.argocd}/`))).map((r) => r.component);
    expect([...new Set(inArgoCd)].sort()).toEqual(['argo-rollouts', 'argocd']);
  });
});

describe('emissary watches only its own namespace', () => {
  it.each(ENVIRONMENTS)('%s: reads Secrets through a Role in its namespace, and its Deployment says single-namespace', (env) => {
    const m = models[ENVIRONMENTS.indexOf(env)];
    const objs = objectsOf(m, 'emissary-ingress');
    const deployment = objs.find((o) => o.kind === 'Deployment');
    const sa = deployment.spec.template.spec.serviceAccountName;
    const container = deployment.spec.template.spec.containers.find((c: any) => (c.env ?? []).some((e: any) => e.name === 'AMBASSADOR_SINGLE_NAMESPACE'));
    expect(container).toBeDefined();
    const binding = objs.find((o) => isRbac(o, 'RoleBinding') && o.subjects.some((s: any) => s.name === sa));
    expect(binding.metadata.namespace).toBe(NS.emissary);
    const role = objs.find((o) => isRbac(o, 'Role') && o.metadata.name === binding.roleRef.name);
    expect(role.metadata.namespace).toBe(NS.emissary);
    expect(rulesOf(role).some(readsAnySecret)).toBe(true);
    // What it still gets cluster-wide: the CRDs, and no Secret.
    const clusterRules = objs.filter((o) => isRbac(o, 'ClusterRole')).flatMap(rulesOf);
    expect(clusterRules.some(readsAnySecret)).toBe(false);
  });

  it.each(ENVIRONMENTS)("%s: finds every Listener, Host, Module and Mapping there, with the wildcard certificate's Secret", (env) => {
    const m = models[ENVIRONMENTS.indexOf(env)];
    const ambassador = everyObject(m).filter(({ o }) => groupOf(o.apiVersion) === 'getambassador.io');
    expect(ambassador.filter(({ o }) => o.kind === 'Mapping').length).toBe(m.config.services.filter((s) => s.public).length);
    expect(ambassador.filter(({ o }) => o.metadata.namespace !== NS.emissary).map(({ component, o }) => `${component}: ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([]);
    // Public routes belong to the ingress project's emissary-config, never to a service's Application.
    expect([...new Set(ambassador.filter(({ o }) => o.kind === 'Mapping').map(({ component }) => component))]).toEqual(['emissary-config']);
    const certificate = objectsOf(m, 'cert-manager-config').find((o) => o.kind === 'Certificate');
    expect(certificate.metadata.namespace).toBe(NS.emissary);
    for (const { o: host } of ambassador.filter(({ o }) => o.kind === 'Host')) expect(host.spec.tlsSecret.name).toBe(certificate.spec.secretName);
  });

  it.each(ENVIRONMENTS)("%s: still reaches each public service in its own namespace: the service's NetworkPolicy admits Emissary's namespace on the Mapping's port", (env) => {
    const m = models[ENVIRONMENTS.indexOf(env)];
    for (const mapping of objectsOf(m, 'emissary-config').filter((o) => o.kind === 'Mapping')) {
      const [host, port] = mapping.spec.service.split(':');
      const [name, namespace] = host.split('.');
      expect(namespace).not.toBe(NS.emissary);
      const policy = objectsOf(m, name).find((o) => o.kind === 'NetworkPolicy');
      expect(policy.metadata.namespace).toBe(namespace);
      const fromEmissary = policy.spec.ingress.filter((r: any) => r.from.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === NS.emissary));
      expect(fromEmissary.flatMap((r: any) => r.ports.map((p: any) => p.port))).toContain(Number(port));
    }
  });
});

describe('tenants cannot create routes', () => {
  it.each(ENVIRONMENTS)('%s: the apps AppProject allows exactly the namespaced kinds the services render, which include no Mapping', async (env) => {
    const m = models[ENVIRONMENTS.indexOf(env)];
    const tree = await renderedFixture(env);
    const project = (kind: string) => yaml.load(tree.get(`${env}/apps/appproject-${kind}.yaml`)!) as any;
    const allowed = (p: any) => (p.spec.namespaceResourceWhitelist ?? []).map((k: any) => `${k.group}/${k.kind}`).sort();
    const rendered = new Set(everyObject(m).filter(({ workflow, o }) => workflow === Workflow.Apps && o.metadata.namespace).map(({ o }) => `${groupOf(o.apiVersion)}/${o.kind}`));
    expect(allowed(project(Workflow.Apps))).toEqual([...rendered].sort());
    expect(allowed(project(Workflow.Apps))).not.toContain('getambassador.io/Mapping');
    expect(allowed(project(Workflow.Ingress))).toContain('getambassador.io/Mapping');
  });
});

describe("Grafana's sidecar reads ConfigMaps only", () => {
  it.each(ENVIRONMENTS)('%s: its ClusterRole grants no Secrets and the sidecar watches ConfigMaps', (env) => {
    const objs = objectsOf(models[ENVIRONMENTS.indexOf(env)], 'grafana');
    const rules = objs.filter((o) => isRbac(o, 'ClusterRole')).flatMap(rulesOf);
    expect(rules.some((r) => (r.resources ?? []).includes('configmaps'))).toBe(true);
    expect(rules.filter(readsAnySecret)).toEqual([]);
    const pod = objs.find((o) => o.kind === 'Deployment').spec.template.spec;
    const sidecars = [...(pod.initContainers ?? []), ...pod.containers].filter((c: any) => (c.env ?? []).some((e: any) => e.name === 'RESOURCE'));
    expect(sidecars.length).toBeGreaterThan(0);
    for (const c of sidecars) expect(c.env.find((e: any) => e.name === 'RESOURCE').value).toBe('configmap');
  });
});

describe('the Tekton operator runs in its own namespace', () => {
  it.each(ENVIRONMENTS)('%s: its namespaced objects and its cluster-wide binding are there, and no other component runs a workload there', (env) => {
    const m = models[ENVIRONMENTS.indexOf(env)];
    const objs = objectsOf(m, 'tekton-operator');
    expect([...new Set(objs.filter((o) => o.metadata.namespace).map((o) => o.metadata.namespace))]).toEqual([NS.tektonOperator]);
    const subjects = objs.filter((o) => isRbac(o, 'ClusterRoleBinding')).flatMap((o) => (o.subjects as Subject[]).filter((x) => x.kind === 'ServiceAccount'));
    expect(subjects.length).toBeGreaterThan(0);
    for (const s of subjects) expect(s.namespace).toBe(NS.tektonOperator);
    const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod'];
    const others = everyObject(m).filter(({ component, o }) => component !== 'tekton-operator' && o.metadata.namespace === NS.tektonOperator && WORKLOADS.includes(o.kind));
    expect(others.map(({ component, o }) => `${component}: ${o.kind}/${o.metadata.name}`)).toEqual([]);
  });
});
