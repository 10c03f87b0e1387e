/**
 * Renders environments to a file tree (path → YAML/Markdown). Pure: no disk, no clock, no env vars.
 */
import { App, Chart } from 'cdk8s';
import { addAppOfApps, GitOpsTarget } from './argocd/applications';
import { renderBootstrap } from './argocd/bootstrap';
import { PlatformConfig } from './config/schema';
import { clusterConfig, KUBELET_NOTE } from './eksctl/cluster-config';
import { addFile, FileTree, toYaml } from './lib/output';
import { fileNames, K8sObject, synthObjects } from './lib/render';
import { renderPlanMarkdown } from './lib/plan-report';
import { buildEnvironment, EnvironmentModel } from './platform';

/** Where dist/ sits inside the users' GitOps repository; Argo CD paths are relative to its root. */
export const DIST_PATH = 'dist';

export function gitOpsTarget(model: EnvironmentModel): GitOpsTarget {
  return { repoURL: model.config.gitops.repoURL, targetRevision: model.config.gitops.targetRevision, envPath: `${DIST_PATH}/${model.env.name}` };
}

export function renderEnvironment(model: EnvironmentModel, tree: FileTree = new Map()): FileTree {
  const env = model.env.name;
  const target = gitOpsTarget(model);

  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'apps', { disableResourceNameHashes: true });
  addAppOfApps(chart, model.components, model.graph, target);
  for (const o of chart.toJson() as K8sObject[]) addFile(tree, `${env}/apps/${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, toYaml(o));

  for (const c of model.components) {
    if (c.source.type !== 'manifests') continue;
    const objects = synthObjects(c.source);
    if (objects.length === 0) throw new Error(`component ${c.id} renders no objects`);
    fileNames(objects).forEach((name, i) => addFile(tree, `${env}/manifests/${c.id}/${name}`, toYaml(objects[i])));
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

/** Every environment (or the named ones) of a config. */
export function renderAll(config: PlatformConfig, envs: readonly string[] = Object.keys(config.environments)): FileTree {
  return renderModels([...envs].sort().map((name) => buildEnvironment(config, name)));
}

/** Environments already built (synth builds them once for the capacity check and the render). */
export function renderModels(models: readonly EnvironmentModel[]): FileTree {
  const tree: FileTree = new Map();
  for (const model of models) renderEnvironment(model, tree);
  return tree;
}
