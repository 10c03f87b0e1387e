/**
 * Invariants of the repository's own platform.yaml, whatever its owner made of it: another name,
 * account, region or domain, more services, more environments. Every other test builds from the
 * fixture under test/fixtures/; this one reads the config `npm run synth` reads, and asserts no
 * value of the example it started from. Each check reads what synth writes: the rendered
 * Applications, AppProjects and eksctl ClusterConfig, and the objects of every component.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { WAVE_ANNOTATION } from '../../argocd/applications';
import { loadConfigFile } from '../../config/load';
import { Workflow } from '../../lib/component';
import { committedSecretProblems, derivePermissions, PERMISSIONS_LOCK, permissionsBeyondLock, readPermissionsLock } from '../../lib/checks';
import { groupOf } from '../../lib/cluster-scope';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { FileTree } from '../../lib/output';
import { capacityPlanOf, checkCapacity } from '../../lib/plan';
import { K8sObject } from '../../lib/render';
import { buildEnvironment, EnvironmentModel } from '../../platform';
import { defaultHydrateOptions, HydratedModel, hydrateModel, renderModels } from '../../synth';
import { RENOVATE_FILE, renovateJson } from '../../lib/renovate';
import { ROOT } from '../support';

jest.setTimeout(300_000);

const CONFIG_FILE = path.join(ROOT, 'platform.yaml');
const config = loadConfigFile(CONFIG_FILE);
const ENVS = Object.keys(config.environments).sort();

/**
 * The rollout order the README documents: 1 Foundation first; 2 Ingress and 3 Observability after
 * it; 4-7 (GitOps, Security, Mesh, Data) after those; the services last. Every Application of a
 * stage syncs in a later wave than every Application of an earlier stage.
 */
const STAGES: readonly (readonly string[])[] = [
  [Workflow.Foundation],
  [Workflow.Ingress, Workflow.Observability],
  [Workflow.GitOps, Workflow.Security, Workflow.Mesh, Workflow.Data],
  [Workflow.Apps],
];
const stageOf = (workflow: string) => STAGES.findIndex((s) => s.includes(workflow));

let built: EnvironmentModel[];
let models: Map<string, HydratedModel>;
let tree: FileTree;

beforeAll(async () => {
  built = ENVS.map((env) => buildEnvironment(config, env));
  const hydrated = await Promise.all(built.map((m) => hydrateModel(m, defaultHydrateOptions())));
  models = new Map(hydrated.map((m) => [m.env.name, m]));
  tree = renderModels(hydrated);
});

const ref = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const objects = (m: HydratedModel) => m.components.flatMap((c) => (m.objects.get(c.id) ?? []).map((o) => ({ id: c.id, o })));
const parse = (file: string): any => {
  const text = tree.get(file);
  if (text === undefined) throw new Error(`${file} was not rendered`);
  return yaml.load(text);
};
/** The rendered documents of one kind under `<env>/apps/`. */
const rendered = (env: string, kind: string): any[] =>
  [...tree.keys()].filter((f) => f.startsWith(`${env}/apps/${kind.toLowerCase()}-`)).map(parse);

/** The documents of the ```yaml blocks of a Markdown text. */
function yamlBlocks(markdown: string): K8sObject[] {
  return [...markdown.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].flatMap((m) => yaml.loadAll(m[1]) as K8sObject[]).filter((d) => d && typeof d === 'object' && 'kind' in d);
}

/**
 * `namespace/name` of each ServiceAccount bound to an IAM role → the role ARN it is annotated with:
 * ServiceAccount objects, and those CloudNativePG creates for a Cluster (named after it, annotated
 * from its `serviceAccountTemplate`).
 */
function annotatedServiceAccounts(docs: readonly K8sObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of docs) {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    const annotations = (o.metadata as { annotations?: Record<string, string> }).annotations;
    if (o.kind === 'ServiceAccount' && annotations?.[ROLE_ARN_ANNOTATION]) out.set(key, annotations[ROLE_ARN_ANNOTATION]);
    const template = (o.spec as { serviceAccountTemplate?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.serviceAccountTemplate;
    if (o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/') && template?.metadata?.annotations?.[ROLE_ARN_ANNOTATION]) out.set(key, template.metadata.annotations[ROLE_ARN_ANNOTATION]);
  }
  return out;
}

describe(`the repository's platform.yaml`, () => {
  it('has at least one environment and one service to check', () => {
    expect(ENVS.length).toBeGreaterThan(0);
    expect(config.services.length).toBeGreaterThan(0);
  });

  it('is granted everything its rendering needs by the committed permissions.lock.json (else: npm run synth -- --update-permissions, after review)', () => {
    const file = path.join(ROOT, PERMISSIONS_LOCK);
    expect(fs.existsSync(file)).toBe(true);
    expect(permissionsBeyondLock(derivePermissions([...models.values()]), readPermissionsLock(file))).toEqual([]);
  });

  it('has the committed renovate.json generated from it (npm run synth rewrites it)', () => {
    expect(fs.readFileSync(path.join(ROOT, RENOVATE_FILE), 'utf8')).toBe(renovateJson(config, built));
  });
});

describe.each(ENVS)('environment %s of the repository\'s platform.yaml', (env) => {
  it('builds and renders: the ClusterConfig, PLAN.md, the bootstrap README, one Application and one manifests folder per component, and it fits its node groups', () => {
    const m = models.get(env)!;
    for (const file of ['eksctl/cluster.yaml', 'PLAN.md', 'bootstrap/README.md']) expect([file, tree.has(`${env}/${file}`)]).toEqual([file, true]);
    expect(rendered(env, 'Application').map((a) => a.metadata.name).sort()).toEqual(m.components.map((c) => c.id).sort());
    for (const c of m.components) {
      expect([c.id, [...tree.keys()].some((f) => f.startsWith(`${env}/manifests/${c.id}/`))]).toEqual([c.id, true]);
    }
    expect(() => checkCapacity([capacityPlanOf(m)])).not.toThrow();
  });

  it('syncs in the documented order: Foundation, then Ingress and Observability, then GitOps, Security, Mesh and Data, then the services; every dependency in an earlier wave', () => {
    const m = models.get(env)!;
    const apps = rendered(env, 'Application').map((a) => ({ id: a.metadata.name as string, workflow: a.spec.project as string, wave: Number(a.metadata.annotations[WAVE_ANNOTATION]) }));
    const wave = new Map(apps.map((a) => [a.id, a.wave]));
    const problems: string[] = [];
    for (const a of apps) {
      if (stageOf(a.workflow) < 0) problems.push(`${a.id}: project ${a.workflow} is no workflow`);
      if (!Number.isInteger(a.wave)) problems.push(`${a.id}: no sync wave`);
      for (const b of apps) {
        if (stageOf(b.workflow) < stageOf(a.workflow) && !(b.wave < a.wave)) problems.push(`${a.id} (${a.workflow}, wave ${a.wave}) is not after ${b.id} (${b.workflow}, wave ${b.wave})`);
      }
      for (const d of m.graph.edges.get(a.id) ?? []) if (!(wave.get(d)! < a.wave)) problems.push(`${a.id} (wave ${a.wave}) needs ${d} (wave ${wave.get(d)}) first`);
    }
    expect(problems).toEqual([]);
    expect(apps.filter((a) => a.workflow === Workflow.Apps).map((a) => a.id).sort()).toEqual(config.services.map((s) => s.name).sort());
  });

  it("keeps every object of an Application inside its AppProject's namespaces and cluster-scoped kinds", () => {
    const m = models.get(env)!;
    const projects = new Map(rendered(env, 'AppProject').map((p) => [p.metadata.name as string, p.spec]));
    const outside: string[] = [];
    for (const app of rendered(env, 'Application')) {
      const project = projects.get(app.spec.project);
      if (!project) {
        outside.push(`${app.metadata.name}: no AppProject ${app.spec.project}`);
        continue;
      }
      const namespaces = new Set((project.destinations ?? []).map((d: { namespace: string }) => d.namespace));
      const kinds = new Set((project.clusterResourceWhitelist ?? []).map((k: { group: string; kind: string }) => `${k.group}/${k.kind}`));
      if (!namespaces.has(app.spec.destination.namespace)) outside.push(`${app.metadata.name}: destination namespace ${app.spec.destination.namespace}`);
      for (const o of m.objects.get(app.metadata.name) ?? []) {
        if (o.metadata.namespace ? !namespaces.has(o.metadata.namespace) : !kinds.has(`${groupOf(o.apiVersion)}/${o.kind}`)) outside.push(`${app.metadata.name}: ${ref(o)}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it('commits no Secret with data, but for Alertmanager\'s configuration free of credentials', () => {
    const m = models.get(env)!;
    const withData = objects(m)
      .filter(({ o }) => o.kind === 'Secret' && (Object.keys((o.data as object) ?? {}).length || Object.keys((o.stringData as object) ?? {}).length))
      .filter(({ id, o }) => committedSecretProblems(m.components.find((c) => c.id === id)!, o)?.problems.length !== 0)
      .map(({ id, o }) => `${id}: ${ref(o)}`);
    expect(withData).toEqual([]);
  });

  it('pairs every IAM role eksctl creates with the ServiceAccount annotated with its ARN, and the other way round', () => {
    const cluster = parse(`${env}/eksctl/cluster.yaml`);
    const roles = new Map<string, string>(
      (cluster.iam?.serviceAccounts ?? []).map((sa: { metadata: { name: string; namespace: string }; roleName: string }) => [`${sa.metadata.namespace}/${sa.metadata.name}`, `arn:aws:iam::${config.aws.accountId}:role/${sa.roleName}`]),
    );
    // Synced objects, and the manifests the bootstrap README has the operator apply (a recovery cluster).
    const applied = [...objects(models.get(env)!).map(({ o }) => o), ...yamlBlocks(tree.get(`${env}/bootstrap/README.md`)!)];
    const annotated = annotatedServiceAccounts(applied);
    const unpaired: string[] = [];
    for (const [sa, arn] of roles) if (annotated.get(sa) !== arn) unpaired.push(`eksctl role for ${sa} (${arn}): the ServiceAccount ${annotated.has(sa) ? `is annotated with ${annotated.get(sa)}` : 'is not rendered with the annotation'}`);
    for (const [sa, arn] of annotated) if (!roles.has(sa)) unpaired.push(`ServiceAccount ${sa} is annotated with ${arn}, which eksctl does not create`);
    expect(unpaired).toEqual([]);
    expect(roles.size).toBeGreaterThan(0);
  });

  it("routes every public service, and only those, through an emissary Mapping on its host in Emissary's namespace, rewriting Host to a rendered Service with that port", () => {
    const m = models.get(env)!;
    const all = objects(m).map(({ o }) => o);
    const services = new Map(all.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1').map((o) => [`${o.metadata.name}.${o.metadata.namespace}`, o]));
    const problems: string[] = [];
    // Mappings live only where Emissary watches: its own namespace, from the ingress project.
    const allMappings = objects(m).filter(({ o }) => o.kind === 'Mapping' && o.apiVersion.startsWith('getambassador.io/'));
    for (const { id, o } of allMappings) {
      const owner = m.components.find((c) => c.id === id)!;
      if (owner.workflow !== Workflow.Ingress || o.metadata.namespace !== owner.namespace) problems.push(`${id}: Mapping ${ref(o)} is outside the ingress project's namespace`);
    }
    for (const s of config.services) {
      const namespace = m.components.find((c) => c.id === s.name)?.namespace;
      const mappings = allMappings.map(({ o }) => o).filter((o) => (o.spec as { service: string }).service.split(':')[0] === `${s.name}.${namespace}`);
      if (!s.public) {
        if (mappings.length) problems.push(`${s.name} is not public but has a Mapping`);
        continue;
      }
      if (mappings.length !== 1) {
        problems.push(`${s.name} is public and has ${mappings.length} Mappings`);
        continue;
      }
      const spec = mappings[0].spec as { hostname: string; service: string; host_rewrite?: string };
      if (spec.hostname !== `${s.name}.${m.env.domain}`) problems.push(`${s.name}: Mapping hostname ${spec.hostname}, not ${s.name}.${m.env.domain}`);
      const [target, port] = spec.service.split(':');
      const svc = services.get(target);
      const ports = ((svc?.spec as { ports?: { port: number }[] } | undefined)?.ports ?? []).map((p) => p.port);
      if (!svc) problems.push(`${s.name}: Mapping service ${spec.service}: no rendered Service ${target}`);
      else if (!ports.includes(Number(port ?? 80))) problems.push(`${s.name}: Mapping service ${spec.service}: the Service has ports ${ports.join(', ')}`);
      if (spec.host_rewrite !== `${target}.svc.cluster.local`) problems.push(`${s.name}: host_rewrite ${spec.host_rewrite}, not the Service's in-mesh name ${target}.svc.cluster.local`);
    }
    expect(problems).toEqual([]);
  });
});
