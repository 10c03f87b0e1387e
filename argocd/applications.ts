/**
 * The app-of-apps: one Application per component and one AppProject per workflow, with sync waves
 * taken from the component graph. Environments are data applied to these same functions.
 */
import { ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { Component, READINESS_GATES, Workflow } from '../lib/component';
import { ComponentGraph, FIRST_WAVE } from '../lib/graph';
import { PART_OF } from '../lib/labels';
import { Application, ApplicationSource, ApplicationSpec, AppProject, AppProjectSpec, GroupKind, SyncPolicy } from '../imports/argoproj';

export const ARGOCD_NAMESPACE = 'argocd';
export const IN_CLUSTER = 'https://kubernetes.default.svc';
export const WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
export const WORKFLOW_LABEL = 'platform.acme.io/workflow';
/** AppProjects sync before every Application. */
export const PROJECT_WAVE = FIRST_WAVE - 1;

export interface GitOpsTarget {
  readonly repoURL: string;
  readonly targetRevision: string;
  /** Path of the environment's output inside the GitOps repository, e.g. `dist/prod`. */
  readonly envPath: string;
}

/** The retry policy of a workflow: the guide's readiness gate as a constant-interval backoff. */
export function retryPolicy(workflow: Workflow): NonNullable<SyncPolicy['retry']> {
  const gate = READINESS_GATES[workflow];
  const interval = `${gate.retryIntervalSeconds}s`;
  return {
    limit: Math.ceil(gate.timeoutSeconds / gate.retryIntervalSeconds),
    backoff: { duration: interval, factor: 1, maxDuration: interval },
    refresh: true,
  };
}

export function syncOptionsFor(c: Component): string[] {
  const options = new Set<string>(['PruneLast=true', ...(c.syncOptions ?? [])]);
  if (c.serverSideApply) options.add('ServerSideApply=true');
  if (c.ignoreDifferences?.length) options.add('RespectIgnoreDifferences=true');
  return [...options].sort();
}

export function sourceFor(c: Component, target: GitOpsTarget): ApplicationSource {
  const s = c.source;
  switch (s.type) {
    case 'helm':
      return {
        repoURL: s.chart.repoURL,
        chart: s.chart.chart,
        targetRevision: s.chart.version,
        helm: { releaseName: s.releaseName ?? c.id, valuesObject: s.values },
      };
    case 'manifests':
      return { repoURL: target.repoURL, targetRevision: target.targetRevision, path: `${target.envPath}/manifests/${c.id}`, directory: { recurse: false } };
    case 'git':
      return {
        repoURL: s.repoURL,
        targetRevision: s.revision,
        path: s.path,
        directory: { recurse: s.recurse ?? false, ...(s.include ? { include: s.include } : {}) },
      };
  }
}

export function applicationSpec(c: Component, target: GitOpsTarget): ApplicationSpec {
  return {
    project: c.workflow,
    destination: { server: IN_CLUSTER, namespace: c.namespace },
    source: sourceFor(c, target),
    syncPolicy: {
      automated: { prune: true, selfHeal: true },
      syncOptions: syncOptionsFor(c),
      retry: retryPolicy(c.workflow),
    },
    ...(c.ignoreDifferences?.length ? { ignoreDifferences: c.ignoreDifferences } : {}),
    revisionHistoryLimit: 10,
  };
}

function metadata(name: string, wave: number, workflow: string, finalizer: boolean): ApiObjectMetadata {
  return {
    name,
    namespace: ARGOCD_NAMESPACE,
    annotations: { [WAVE_ANNOTATION]: String(wave) },
    labels: { 'app.kubernetes.io/part-of': PART_OF, [WORKFLOW_LABEL]: workflow },
    ...(finalizer ? { finalizers: [RESOURCES_FINALIZER] } : {}),
  };
}

export function addApplication(scope: Construct, c: Component, wave: number, target: GitOpsTarget): Application {
  return new Application(scope, `application-${c.id}`, { metadata: metadata(c.id, wave, c.workflow, true), spec: applicationSpec(c, target) });
}

function parseGroupKind(key: string): GroupKind {
  const i = key.lastIndexOf('/');
  return { group: key.slice(0, i), kind: key.slice(i + 1) };
}

/** The AppProject of one workflow: only its components' sources, namespaces and cluster kinds. */
export function projectSpec(workflow: Workflow, components: readonly Component[], target: GitOpsTarget): AppProjectSpec {
  const repos = new Set<string>();
  const namespaces = new Set<string>();
  const kinds = new Set<string>();
  for (const c of components) {
    repos.add(sourceFor(c, target).repoURL);
    namespaces.add(c.namespace);
    for (const ns of c.extraNamespaces ?? []) namespaces.add(ns);
    // Microservices never get cluster-scoped objects.
    if (workflow !== Workflow.Apps) for (const k of c.clusterResources ?? []) kinds.add(k);
  }
  return {
    description: `The ${workflow} workflow of the platform`,
    sourceRepos: [...repos].sort(),
    destinations: [...namespaces].sort().map((namespace) => ({ server: IN_CLUSTER, namespace })),
    clusterResourceWhitelist: [...kinds].sort().map(parseGroupKind),
  };
}

export function addProject(scope: Construct, workflow: Workflow, components: readonly Component[], target: GitOpsTarget): AppProject {
  return new AppProject(scope, `appproject-${workflow}`, {
    metadata: metadata(workflow, PROJECT_WAVE, workflow, false),
    spec: projectSpec(workflow, components, target),
  });
}

/** Adds every AppProject and Application of one environment to `scope`. */
export function addAppOfApps(scope: Construct, components: readonly Component[], graph: ComponentGraph, target: GitOpsTarget): void {
  const workflows = [...new Set(components.map((c) => c.workflow))];
  for (const wf of workflows) addProject(scope, wf, components.filter((c) => c.workflow === wf), target);
  for (const c of components) {
    const wave = graph.waves.get(c.id);
    if (wave === undefined) throw new Error(`no wave computed for ${c.id}`);
    addApplication(scope, c, wave, target);
  }
}
