/**
 * Hydration: every component of an environment becomes the plain objects Argo CD will apply.
 * Helm components are rendered by a `ChartRenderer` (the pinned helm at synth, a stub in unit
 * tests), native components are synthesized with cdk8s, vendored files are read as they are.
 * The result is the one source for what each component creates: files in dist, AppProject
 * permissions, the capacity plan, CRD order. Components built from the others' objects
 * (platform-base's namespaces and quotas) come last, from facts derived from them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { Component, ManifestSource, manifests, NamespaceUsage, RenderedFacts } from './component';
import { groupOf, isBuiltinClusterScoped } from './cluster-scope';
import { ChartRenderer, crdApiVersionsOf, RenderRequest } from './helm/render';
import { LabelDomain } from './labels';
import { K8sObject, synthObjects } from './render';
import { environmentWorkloads } from './workloads';

/**
 * API groups the cluster serves that no Application installs: EKS itself and the add-ons eksctl
 * creates (the VPC CNI's ENIConfig and SecurityGroupPolicy, the network-policy agent's
 * PolicyEndpoint, the snapshot-controller's VolumeSnapshot API). Charts see them through
 * `--api-versions`, as they would see the live cluster's discovery.
 */
export const EKS_API_VERSIONS: readonly string[] = [
  'crd.k8s.amazonaws.com/v1alpha1',
  'crd.k8s.amazonaws.com/v1alpha1/ENIConfig',
  'vpcresources.k8s.aws/v1beta1',
  'vpcresources.k8s.aws/v1beta1/SecurityGroupPolicy',
  'networking.k8s.aws/v1alpha1',
  'networking.k8s.aws/v1alpha1/PolicyEndpoint',
  'snapshot.storage.k8s.io/v1',
  'snapshot.storage.k8s.io/v1/VolumeSnapshot',
  'snapshot.storage.k8s.io/v1/VolumeSnapshotClass',
  'snapshot.storage.k8s.io/v1/VolumeSnapshotContent',
];

/**
 * Custom resource kinds whose CRD no rendered object carries, because something outside dist
 * installs it: EKS add-ons, or an operator at run time. `installedBy` is a component id whose
 * Application must be in an earlier wave than any object of the kind (or the same Application,
 * with SkipDryRunOnMissingResource), or `eks` for the cluster's own add-ons.
 */
export const EXTERNAL_CRDS: readonly { readonly apiVersion: string; readonly kinds: readonly string[]; readonly installedBy: string; readonly scope: 'Namespaced' | 'Cluster' }[] = [
  { apiVersion: 'snapshot.storage.k8s.io/v1', kinds: ['VolumeSnapshotClass'], installedBy: 'eks', scope: 'Cluster' },
  { apiVersion: 'snapshot.storage.k8s.io/v1', kinds: ['VolumeSnapshot', 'VolumeSnapshotContent'], installedBy: 'eks', scope: 'Namespaced' },
  // The Cilium agent registers its CRDs at start (Cilium is installed at bootstrap).
  { apiVersion: 'cilium.io/v2', kinds: ['CiliumClusterwideNetworkPolicy'], installedBy: 'cilium', scope: 'Cluster' },
  { apiVersion: 'cilium.io/v2', kinds: ['CiliumNetworkPolicy'], installedBy: 'cilium', scope: 'Namespaced' },
  // TektonConfig (tekton-config) makes the Tekton operator install Tekton Pipelines and its CRDs.
  { apiVersion: 'tekton.dev/v1', kinds: ['Pipeline', 'Task', 'PipelineRun', 'TaskRun'], installedBy: 'tekton-config', scope: 'Namespaced' },
  { apiVersion: 'triggers.tekton.dev/v1beta1', kinds: ['EventListener', 'TriggerBinding', 'TriggerTemplate', 'Trigger'], installedBy: 'tekton-config', scope: 'Namespaced' },
];

/**
 * `group/version` and `group/version/Kind` served by the CRDs among `objects`, by the constraint
 * kinds of its ConstraintTemplates, and by the CRDs installed outside dist (EXTERNAL_CRDS).
 */
export function servedApiVersions(objects: readonly K8sObject[]): Set<string> {
  const out = new Set<string>(crdApiVersionsOf(objects));
  for (const o of objects) {
    if (o.kind === 'ConstraintTemplate' && o.apiVersion.startsWith('templates.gatekeeper.sh/')) {
      // Gatekeeper turns each ConstraintTemplate into a constraint CRD at run time.
      const kind = (o.spec as { crd: { spec: { names: { kind: string } } } }).crd.spec.names.kind;
      for (const v of ['v1beta1', 'v1alpha1']) {
        out.add(`constraints.gatekeeper.sh/${v}`);
        out.add(`constraints.gatekeeper.sh/${v}/${kind}`);
      }
    }
  }
  for (const e of EXTERNAL_CRDS) {
    out.add(e.apiVersion);
    for (const k of e.kinds) out.add(`${e.apiVersion}/${k}`);
  }
  return out;
}

/** Whether each custom kind is namespaced, from the CRDs in the environment and the external table. */
export class ScopeTable {
  private readonly scopes = new Map<string, 'Namespaced' | 'Cluster'>();

  constructor(objects: Iterable<K8sObject>) {
    for (const e of EXTERNAL_CRDS) for (const k of e.kinds) this.scopes.set(`${groupOf(e.apiVersion)}/${k}`, e.scope);
    for (const o of objects) {
      if (o.kind === 'CustomResourceDefinition' && o.apiVersion.startsWith('apiextensions.k8s.io/')) {
        const spec = o.spec as { group: string; names: { kind: string }; scope: 'Namespaced' | 'Cluster' };
        this.scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope);
      }
    }
  }

  /** True, false, or undefined for a custom kind nothing in the environment defines. */
  isClusterScoped(apiVersion: string, kind: string): boolean | undefined {
    const group = groupOf(apiVersion);
    if (group === 'constraints.gatekeeper.sh') return true;
    const custom = this.scopes.get(`${group}/${kind}`);
    if (custom) return custom === 'Cluster';
    return isBuiltinClusterScoped(apiVersion, kind);
  }
}


/**
 * Writes out the namespace of namespaced objects that a chart leaves to the destination (as Argo
 * CD would apply them) and drops it from cluster-scoped ones.
 */
export function placeObjects(objects: readonly K8sObject[], namespace: string, scopes: ScopeTable, origin: string): K8sObject[] {
  return objects.map((o) => {
    const cluster = scopes.isClusterScoped(o.apiVersion, o.kind);
    if (cluster === undefined) {
      throw new Error(`${origin}: ${o.kind} ${o.metadata.name} (${o.apiVersion}) is a kind no CRD in the environment defines and no entry in EXTERNAL_CRDS (lib/hydrate.ts) names; add where its CRD comes from`);
    }
    if (cluster) {
      if (o.metadata.namespace === undefined) return o;
      const { namespace: _dropped, ...metadata } = o.metadata;
      return { ...o, metadata: metadata as K8sObject['metadata'] };
    }
    if (o.metadata.namespace) return o;
    return { ...o, metadata: { ...o.metadata, namespace } };
  });
}

/** Reads vendored YAML files (each one or more documents). */
export function readVendoredObjects(root: string, files: readonly string[]): K8sObject[] {
  return files.flatMap((f) => {
    const file = path.join(root, f);
    if (!fs.existsSync(file)) throw new Error(`vendored file ${path.relative(process.cwd(), file)} is missing; restore it from git`);
    return (yaml.loadAll(fs.readFileSync(file, 'utf8'), undefined, { filename: file }) as (K8sObject | null)[]).filter((d): d is K8sObject => !!d);
  });
}

export interface HydrateContext {
  readonly renderer: ChartRenderer;
  /** `major.minor` of the cluster. */
  readonly kubernetesVersion: string;
  /** Root the `vendored` sources' paths are relative to. */
  readonly vendorRoot: string;
  /** The environment's label domain: the workload derivation reads the platform's annotations under it. */
  readonly labelDomain: LabelDomain;
}

/** Every component's objects, by component id, namespaces written out. */
export type ComponentObjects = ReadonlyMap<string, readonly K8sObject[]>;

function helmRequest(c: Component, ctx: HydrateContext, apiVersions: readonly string[]): RenderRequest {
  if (c.source.type !== 'helm') throw new Error(`${c.id} is not a Helm component`);
  return {
    chart: c.source.chart,
    releaseName: c.source.releaseName ?? c.id,
    namespace: c.namespace,
    values: c.source.values,
    kubeVersion: `${ctx.kubernetesVersion}.0`,
    apiVersions,
  };
}

/**
 * Renders every component. Charts are rendered twice where needed: first with the EKS API only, to
 * learn which CRDs the platform installs, then with every served API version, so a chart that
 * checks `.Capabilities.APIVersions` (ServiceMonitors, PodMonitors, Certificates) renders as it
 * will in the cluster once the platform runs. Both passes are cached.
 */
export async function hydrate(components: readonly Component[], ctx: HydrateContext): Promise<ComponentObjects> {
  const raw = new Map<string, K8sObject[]>();
  for (const c of components) {
    if (c.source.type === 'manifests') raw.set(c.id, synthObjects(c.source));
    else if (c.source.type === 'vendored') raw.set(c.id, readVendoredObjects(ctx.vendorRoot, c.source.files));
  }
  const charts = components.filter((c) => c.source.type === 'helm');
  const base = servedApiVersions([...raw.values()].flat());
  for (const v of EKS_API_VERSIONS) base.add(v);
  const first = await ctx.renderer.crdApiVersions(charts.map((c) => helmRequest(c, ctx, [...base].sort())));
  const all = new Set([...base, ...first.flat()]);
  const second = await ctx.renderer.render(charts.map((c) => helmRequest(c, ctx, [...all].sort())));
  charts.forEach((c, i) => raw.set(c.id, c.source.type === 'helm' && c.source.postRender ? c.source.postRender(second[i]) : second[i]));

  const scopes = new ScopeTable([...raw.values()].flat());
  const out = new Map<string, K8sObject[]>();
  for (const c of components) {
    const objects = raw.get(c.id);
    if (!objects) continue;
    out.set(c.id, placeObjects(objects, c.namespace, scopes, c.id));
  }
  return addFromRendered(components, out, scopes, ctx.labelDomain);
}

/**
 * Adds the objects components build from the others' rendered objects (`ManifestSource.fromRendered`:
 * platform-base's namespaces and quotas), in the two steps `FromRendered` describes: first from
 * the namespaces the other components use, then from their workloads, which are derived with the
 * first step's objects in view (Istio injection labels, LimitRange defaults).
 */
function addFromRendered(components: readonly Component[], placed: Map<string, K8sObject[]>, scopes: ScopeTable, labelDomain: LabelDomain): Map<string, K8sObject[]> {
  const builders = components.flatMap((c) => (c.source.type === 'manifests' && c.source.fromRendered ? [{ c, from: c.source.fromRendered }] : []));
  if (builders.length === 0) return placed;
  const others = components.filter((c) => !builders.some((b) => b.c === c));
  const add = (c: Component, build: ManifestSource['build']) => {
    placed.set(c.id, [...(placed.get(c.id) ?? []), ...placeObjects(synthObjects(manifests(build)), c.namespace, scopes, c.id)]);
  };
  const namespaces = namespaceUsage(others, placed);
  for (const { c, from } of builders) add(c, (scope) => from.namespaces(scope, namespaces));
  const derived = environmentWorkloads(others, placed, labelDomain);
  const facts: RenderedFacts = {
    namespaces,
    workloads: new Map([...derived].map(([id, d]) => [id, d.workloads])),
    objects: others.flatMap((c) => placed.get(c.id) ?? []),
    traffic: others.flatMap((c) => c.traffic ?? []),
  };
  for (const { c, from } of builders) add(c, (scope) => from.workloads(scope, facts));
  return placed;
}

/**
 * Namespace → the components whose namespaced objects are in it or whose Application deploys to
 * it, for every namespace none of their objects creates (a chart that renders its own Namespace,
 * like Cilium's `cilium-secrets`, keeps it).
 */
export function namespaceUsage(components: readonly Component[], objects: ComponentObjects): NamespaceUsage {
  const used = new Map<string, Set<string>>();
  const created = new Set<string>();
  const use = (namespace: string, id: string) => used.set(namespace, (used.get(namespace) ?? new Set<string>()).add(id));
  for (const c of components) {
    use(c.namespace, c.id);
    for (const o of objects.get(c.id) ?? []) {
      if (o.metadata.namespace) use(o.metadata.namespace, c.id);
      if (o.kind === 'Namespace' && o.apiVersion === 'v1') created.add(o.metadata.name);
    }
  }
  return new Map(
    [...used]
      .filter(([namespace]) => !created.has(namespace))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([namespace, ids]) => [namespace, [...ids].sort()]),
  );
}
