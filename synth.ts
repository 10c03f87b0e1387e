/**
 * Renders environments to a file tree (path → YAML/Markdown). Hydration (rendering every
 * component to objects) is the one asynchronous step; everything after it is pure: no disk, no
 * clock, no env vars.
 */
import { App, Chart } from 'cdk8s';
import { addAppOfApps, GitOpsTarget } from './argocd/applications';
import { renderBootstrap } from './argocd/bootstrap';
import { PlatformConfig } from './config/schema';
import { clusterConfig, KUBELET_NOTE } from './eksctl/cluster-config';
import * as path from 'node:path';
import { ChartRenderer, HelmRenderer } from './lib/helm/render';
import { projectRoot } from './lib/project-root';
import { ComponentObjects, hydrate } from './lib/hydrate';
import { addFile, FileTree, toYaml } from './lib/output';
import { fileNames, K8sObject, synthObjects } from './lib/render';
import { renderPlanMarkdown } from './lib/plan-report';
import { buildEnvironment, EnvironmentModel } from './platform';

/** Where dist/ sits inside the users' GitOps repository; Argo CD paths are relative to its root. */
export const DIST_PATH = 'dist';

/** The repository and the environment's own git ref (`environments.<env>.targetRevision`, else `gitops.targetRevision`). */
export function gitOpsTarget(model: EnvironmentModel): GitOpsTarget {
  return { repoURL: model.config.gitops.repoURL, targetRevision: model.env.argocd.targetRevision, envPath: `${DIST_PATH}/${model.env.name}` };
}

/** An environment with every component rendered to the objects Argo CD applies. */
export interface HydratedModel extends EnvironmentModel {
  readonly objects: ComponentObjects;
}

export interface HydrateOptions {
  readonly renderer: ChartRenderer;
  /** Root of the repository (vendored files are read relative to it). */
  readonly root: string;
  /** Keep renderings and their YAML in node_modules/.cache between runs. */
  readonly cache?: boolean;
}

/** Where renderings are cached between runs (key: chart sha256, values, flags, helm version). */
export function renderCacheDir(root: string): string {
  return path.join(root, 'node_modules', '.cache', 'eks-platform', 'renders');
}

/** Where the YAML of rendered objects is remembered between runs (lib/output.ts YamlMemo). */
export function yamlMemoFile(root: string): string {
  return path.join(root, 'node_modules', '.cache', 'eks-platform', 'yaml-memo.json');
}

/** The pinned helm with the on-disk cache, from the project root. */
export function defaultHydrateOptions(): HydrateOptions {
  const root = projectRoot();
  return { renderer: new HelmRenderer({ cacheDir: renderCacheDir(root) }), root, cache: true };
}

export async function hydrateModel(model: EnvironmentModel, opts: HydrateOptions): Promise<HydratedModel> {
  const objects = await hydrate(model.components, { renderer: opts.renderer, kubernetesVersion: model.env.kubernetesVersion, vendorRoot: opts.root, labelDomain: model.env.labelDomain });
  return { ...model, objects };
}

/** The objects of one component (throws when the model has none for it). */
export function objectsOf(model: HydratedModel, id: string): readonly K8sObject[] {
  const objects = model.objects.get(id);
  if (!objects) throw new Error(`no rendered objects for component ${id} in ${model.env.name}`);
  return objects;
}

export function renderEnvironment(model: HydratedModel, tree: FileTree = new Map(), dump: (o: K8sObject) => string = toYaml): FileTree {
  const env = model.env.name;
  const target = gitOpsTarget(model);

  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'apps', { disableResourceNameHashes: true });
  addAppOfApps(chart, model.components, model.graph, target, model.objects, model.env.labelDomain);
  for (const o of chart.toJson() as K8sObject[]) addFile(tree, `${env}/apps/${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, toYaml(o));

  for (const c of model.components) {
    const objects = objectsOf(model, c.id);
    if (objects.length === 0) throw new Error(`component ${c.id} renders no objects`);
    fileNames(objects).forEach((name, i) => addFile(tree, `${env}/manifests/${c.id}/${name}`, dump(objects[i])));
  }

  for (const c of model.components) {
    if (!c.unsynced) continue;
    const { folder, source } = c.unsynced;
    if (['apps', 'manifests', 'bootstrap', 'eksctl'].includes(folder)) throw new Error(`component ${c.id}: unsynced folder "${folder}" is a synced path`);
    const objects = synthObjects(source);
    fileNames(objects).forEach((name, i) => addFile(tree, `${env}/${folder}/${name}`, toYaml(objects[i])));
  }

  renderBootstrap(tree, `${env}/bootstrap`, { env: model.env, components: model.components, target });

  const roles = model.components.flatMap((c) => c.irsa ?? []);
  const header = ['# Rendered by `npm run synth` from platform.yaml: edit that, not this file.', ...KUBELET_NOTE.map((l) => `# ${l}`)].join('\n');
  addFile(tree, `${env}/eksctl/cluster.yaml`, `${header}\n${toYaml(clusterConfig(model.env, roles))}`);
  addFile(tree, `${env}/PLAN.md`, renderPlanMarkdown(model));
  return tree;
}

/** Every environment (or the named ones) of a config, built, hydrated and rendered. */
export async function renderAll(config: PlatformConfig, opts: HydrateOptions = defaultHydrateOptions(), envs: readonly string[] = Object.keys(config.environments)): Promise<FileTree> {
  const models = [...envs].sort().map((name) => buildEnvironment(config, name));
  return renderModels(await Promise.all(models.map((m) => hydrateModel(m, opts))));
}

/** Environments already hydrated (synth hydrates them once for the checks and the render). */
export function renderModels(models: readonly HydratedModel[], dump: (o: K8sObject) => string = toYaml): FileTree {
  const tree: FileTree = new Map();
  for (const model of models) renderEnvironment(model, tree, dump);
  return tree;
}
