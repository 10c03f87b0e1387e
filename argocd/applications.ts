/**
 * The app-of-apps: one Application per component and one AppProject per workflow, with sync waves
 * taken from the component graph. Environments are data applied to these same functions.
 */
import { ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { Component, READINESS_GATES, Workflow } from '../lib/component';
import { ComponentGraph, FIRST_WAVE } from '../lib/graph';
import { groupOf } from '../lib/cluster-scope';
import { ComponentObjects } from '../lib/hydrate';
import { K8sObject } from '../lib/render';
import { LabelDomain, PART_OF } from '../lib/labels';
import {
  Application,
  ApplicationSpec,
  ApplicationSpecSource,
  ApplicationSpecSyncPolicyRetry,
  AppProject,
  AppProjectSpec,
  AppProjectSpecClusterResourceWhitelist,
} from '../imports/argoproj.io';

export const ARGOCD_NAMESPACE = 'argocd';
export const IN_CLUSTER = 'https://kubernetes.default.svc';
export const WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
/** AppProjects sync before every Application. */
export const PROJECT_WAVE = FIRST_WAVE - 1;

export interface GitOpsTarget {
  readonly repoURL: string;
  readonly targetRevision: string;
  /** Path of the environment's output inside the GitOps repository, e.g. `dist/prod`. */
  readonly envPath: string;
}

/** The retry policy of a workflow: the guide's readiness gate as a constant-interval backoff. */
export function retryPolicy(workflow: Workflow): ApplicationSpecSyncPolicyRetry {
  const gate = READINESS_GATES[workflow];
  const interval = `${gate.retryIntervalSeconds}s`;
  return {
    limit: Math.ceil(gate.timeoutSeconds / gate.retryIntervalSeconds),
    backoff: { duration: interval, factor: 1, maxDuration: interval },
    refresh: true,
  };
}

/**
 * The retry policy of the root app-of-apps: it never gives up. Argo CD does not start another
 * automated sync of a commit whose sync failed, so a root app whose retries ran out (a child
 * Degraded for longer than the retries lasted) would leave every later wave unsynced until someone
 * ran `argocd app sync root`. Unlimited retries (`limit: -1`), backing off exponentially from the
 * first workflow's retry interval and never waiting longer than the shortest readiness gate, so a
 * problem fixed by hand is picked up within one gate.
 */
export function rootRetryPolicy(): ApplicationSpecSyncPolicyRetry {
  const first = READINESS_GATES[Workflow.Foundation].retryIntervalSeconds;
  const cap = Math.min(...Object.values(READINESS_GATES).map((g) => g.timeoutSeconds));
  return { limit: -1, backoff: { duration: `${first}s`, factor: 2, maxDuration: `${cap}s` }, refresh: true };
}

/**
 * Client-side apply keeps the whole object in the `last-applied-configuration` annotation, and
 * annotations are limited to 256 KiB in total: objects larger than that (big CRDs) need
 * server-side apply. Measured on the rendered objects, so a chart bump that grows a CRD past the
 * limit switches its Application over by itself.
 */
export const ANNOTATION_LIMIT_BYTES = 256 * 1024;

export function needsServerSideApply(objects: readonly K8sObject[]): boolean {
  return objects.some((o) => Buffer.byteLength(JSON.stringify(o)) > ANNOTATION_LIMIT_BYTES);
}

export function syncOptionsFor(c: Component, objects: readonly K8sObject[]): string[] {
  const options = new Set<string>(['PruneLast=true', ...(c.syncOptions ?? [])]);
  if (needsServerSideApply(objects)) options.add('ServerSideApply=true');
  if (c.ignoreDifferences?.length) options.add('RespectIgnoreDifferences=true');
  return [...options].sort();
}

/**
 * Every Application syncs its rendered objects from the GitOps repository: Helm charts are rendered
 * at synth (the cluster never renders or pulls a chart), native and vendored objects likewise.
 */
export function sourceFor(c: Component, target: GitOpsTarget): ApplicationSpecSource {
  return { repoUrl: target.repoURL, targetRevision: target.targetRevision, path: `${target.envPath}/manifests/${c.id}`, directory: { recurse: false } };
}

/**
 * What a component's objects were rendered from, for reviewers and `npm run diff`: the value of
 * the Application's `labelDomain.source` annotation.
 */
export function sourceDescription(c: Component): string {
  const s = c.source;
  switch (s.type) {
    case 'helm':
      return `helm:${s.chart.chart}@${s.chart.version}`;
    case 'manifests':
      return 'cdk8s';
    case 'vendored':
      return `vendored:${s.origin.repoURL}@${s.origin.revision}`;
  }
}

export function applicationSpec(c: Component, target: GitOpsTarget, objects: readonly K8sObject[]): ApplicationSpec {
  return {
    project: c.workflow,
    destination: { server: IN_CLUSTER, namespace: c.namespace },
    source: sourceFor(c, target),
    syncPolicy: {
      automated: { prune: true, selfHeal: true },
      syncOptions: syncOptionsFor(c, objects),
      retry: retryPolicy(c.workflow),
    },
    ...(c.ignoreDifferences?.length
      ? { ignoreDifferences: c.ignoreDifferences.map((d) => ({ ...d, jsonPointers: d.jsonPointers && [...d.jsonPointers], jqPathExpressions: d.jqPathExpressions && [...d.jqPathExpressions] })) }
      : {}),
    revisionHistoryLimit: 10,
  };
}

/** Applications and AppProjects carry their workflow as the `labelDomain.workflow` label. */
function metadata(name: string, wave: number, workflow: string, labelDomain: LabelDomain, finalizer: boolean, annotations: Record<string, string> = {}): ApiObjectMetadata {
  return {
    name,
    namespace: ARGOCD_NAMESPACE,
    annotations: { [WAVE_ANNOTATION]: String(wave), ...annotations },
    labels: { 'app.kubernetes.io/part-of': PART_OF, [labelDomain.workflow]: workflow },
    ...(finalizer ? { finalizers: [RESOURCES_FINALIZER] } : {}),
  };
}

export function addApplication(scope: Construct, c: Component, wave: number, target: GitOpsTarget, objects: readonly K8sObject[], labelDomain: LabelDomain): Application {
  return new Application(scope, `application-${c.id}`, {
    metadata: metadata(c.id, wave, c.workflow, labelDomain, true, { [labelDomain.source]: sourceDescription(c) }),
    spec: applicationSpec(c, target, objects),
  });
}

/** What an AppProject must allow for its Applications' objects: derived, never declared by hand. */
export interface ProjectPermissions {
  /** Namespaces of the namespaced objects and the Applications' destinations. */
  readonly namespaces: readonly string[];
  /** Cluster-scoped kinds, `group/Kind` (core group as `/Kind`). */
  readonly clusterResources: readonly string[];
  /**
   * Namespaced kinds, `group/Kind`: the project's `namespaceResourceWhitelist`, so an Application
   * cannot sync a kind its component does not render (a tenant's Mapping, say). Not recorded in
   * the permissions lock (absent there): the lock guards namespaces and cluster-scoped kinds.
   */
  readonly namespaceResources?: readonly string[];
}

export function permissionsOf(components: readonly Component[], objects: ComponentObjects): ProjectPermissions {
  const namespaces = new Set<string>();
  const kinds = new Set<string>();
  const namespacedKinds = new Set<string>();
  for (const c of components) {
    namespaces.add(c.namespace);
    for (const o of objects.get(c.id) ?? []) {
      if (o.metadata.namespace) {
        namespaces.add(o.metadata.namespace);
        namespacedKinds.add(`${groupOf(o.apiVersion)}/${o.kind}`);
      } else kinds.add(`${groupOf(o.apiVersion)}/${o.kind}`);
    }
  }
  return { namespaces: [...namespaces].sort(), clusterResources: [...kinds].sort(), namespaceResources: [...namespacedKinds].sort() };
}

function parseGroupKind(key: string): AppProjectSpecClusterResourceWhitelist {
  const i = key.lastIndexOf('/');
  return { group: key.slice(0, i), kind: key.slice(i + 1) };
}

/**
 * Kinds only the root project (argocd/bootstrap.ts) may sync: a workflow project allowed them could
 * create an Application in a project of its choosing, or widen a project, and so escape its own.
 */
export const ROOT_ONLY_KINDS: readonly string[] = ['argoproj.io/AppProject', 'argoproj.io/Application', 'argoproj.io/ApplicationSet'];

/** The AppProject of one workflow: the GitOps repository, and exactly the namespaces, cluster kinds and namespaced kinds its objects use. */
export function projectSpec(workflow: Workflow, permissions: ProjectPermissions, target: GitOpsTarget): AppProjectSpec {
  const rootOnly = [...permissions.clusterResources, ...(permissions.namespaceResources ?? [])].filter((k) => ROOT_ONLY_KINDS.includes(k));
  if (rootOnly.length) {
    throw new Error(`AppProject ${workflow}: its components render ${rootOnly.join(', ')}; only the root project creates Applications and AppProjects (the app-of-apps in argocd/applications.ts), so no component may render them`);
  }
  if (!permissions.namespaceResources && permissions.namespaces.includes(ARGOCD_NAMESPACE)) {
    throw new Error(`AppProject ${workflow}: no namespaceResources for a project whose destinations include ${ARGOCD_NAMESPACE}; without a namespaceResourceWhitelist it could sync Applications there (derive them with permissionsOf)`);
  }
  return {
    description: `The ${workflow} workflow of the platform`,
    sourceRepos: [target.repoURL],
    destinations: permissions.namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
    clusterResourceWhitelist: permissions.clusterResources.map(parseGroupKind),
    ...(permissions.namespaceResources ? { namespaceResourceWhitelist: permissions.namespaceResources.map(parseGroupKind) } : {}),
  };
}

export function addProject(scope: Construct, workflow: Workflow, permissions: ProjectPermissions, target: GitOpsTarget, labelDomain: LabelDomain): AppProject {
  return new AppProject(scope, `appproject-${workflow}`, {
    metadata: metadata(workflow, PROJECT_WAVE, workflow, labelDomain, false),
    spec: projectSpec(workflow, permissions, target),
  });
}

/** Each workflow's components, in the order the workflows first appear. */
export function byWorkflow(components: readonly Component[]): Map<Workflow, Component[]> {
  const out = new Map<Workflow, Component[]>();
  for (const c of components) out.set(c.workflow, [...(out.get(c.workflow) ?? []), c]);
  return out;
}

/** Adds every AppProject and Application of one environment to `scope`, labeled under the environment's label domain. */
export function addAppOfApps(scope: Construct, components: readonly Component[], graph: ComponentGraph, target: GitOpsTarget, objects: ComponentObjects, labelDomain: LabelDomain): void {
  for (const [wf, members] of byWorkflow(components)) addProject(scope, wf, permissionsOf(members, objects), target, labelDomain);
  for (const c of components) {
    const wave = graph.waves.get(c.id);
    if (wave === undefined) throw new Error(`no wave computed for ${c.id}`);
    addApplication(scope, c, wave, target, objects.get(c.id) ?? [], labelDomain);
  }
}
