/**
 * The component model: one component is exactly one Argo CD Application.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PLATFORM_COMPONENT_IDS, PlatformComponentId } from '../config/ids';
import { ChartPin } from '../config/versions';
import { IrsaRole } from './irsa';
import type { K8sObject } from './render';
import type { TrafficEdge } from './traffic';
import { Workload } from './resources';

/** The seven platform workflows of the seed, plus the microservices. Order is the seed's. */
export enum Workflow {
  Foundation = 'foundation',
  Ingress = 'ingress',
  Observability = 'observability',
  GitOps = 'gitops',
  Security = 'security',
  Mesh = 'mesh',
  Data = 'data',
  Apps = 'apps',
}

export const WORKFLOW_ORDER: readonly Workflow[] = [
  Workflow.Foundation, Workflow.Ingress, Workflow.Observability, Workflow.GitOps,
  Workflow.Security, Workflow.Mesh, Workflow.Data, Workflow.Apps,
];

/**
 * Workflow prerequisites from the seed's "Workflow Dependencies and Deployment Sequence": every
 * component of a workflow depends on every component of its prerequisite workflows. Waves are
 * computed from these edges plus each component's own `dependsOn`, never numbered by hand.
 */
export const WORKFLOW_PREREQUISITES: Readonly<Record<Workflow, readonly Workflow[]>> = {
  [Workflow.Foundation]: [],
  [Workflow.Ingress]: [Workflow.Foundation],
  [Workflow.Observability]: [Workflow.Foundation],
  [Workflow.GitOps]: [Workflow.Foundation, Workflow.Ingress, Workflow.Observability],
  [Workflow.Security]: [Workflow.Foundation, Workflow.Ingress, Workflow.Observability],
  [Workflow.Mesh]: [Workflow.Foundation, Workflow.Ingress, Workflow.Observability],
  [Workflow.Data]: [Workflow.Foundation, Workflow.Ingress, Workflow.Observability],
  [Workflow.Apps]: [
    Workflow.Foundation, Workflow.Ingress, Workflow.Observability, Workflow.GitOps,
    Workflow.Security, Workflow.Mesh, Workflow.Data,
  ],
};

/**
 * The efficiency guide's readiness gates ("Optimized Dependency Chain"): foundation and
 * observability 300 s with 30 s between tries, ingress 600 s / 60 s. The guide names no gate for
 * workflows 4-7 and the services; they take the longest gate (600 s / 60 s) because they start
 * operators and stateful sets. They set how long Argo CD keeps retrying a workflow's sync
 * (argocd/applications.ts), the timeout and interval of the gate Jobs closing workflows 1-3
 * (charts/readiness-gates), the `for:` of the alert on Applications past their gate, and the
 * bootstrap README's waits.
 */
export const READINESS_GATES: Readonly<Record<Workflow, { readonly timeoutSeconds: number; readonly retryIntervalSeconds: number }>> = {
  [Workflow.Foundation]: { timeoutSeconds: 300, retryIntervalSeconds: 30 },
  [Workflow.Ingress]: { timeoutSeconds: 600, retryIntervalSeconds: 60 },
  [Workflow.Observability]: { timeoutSeconds: 300, retryIntervalSeconds: 30 },
  [Workflow.GitOps]: { timeoutSeconds: 600, retryIntervalSeconds: 60 },
  [Workflow.Security]: { timeoutSeconds: 600, retryIntervalSeconds: 60 },
  [Workflow.Mesh]: { timeoutSeconds: 600, retryIntervalSeconds: 60 },
  [Workflow.Data]: { timeoutSeconds: 600, retryIntervalSeconds: 60 },
  [Workflow.Apps]: { timeoutSeconds: 600, retryIntervalSeconds: 60 },
};

/**
 * An upstream Helm chart at an exact version, with values computed in TypeScript. Synth renders it
 * with the pinned helm from the vendored package into `dist/<env>/manifests/<id>/`.
 */
export interface HelmSource {
  readonly type: 'helm';
  readonly chart: ChartPin;
  /** Helm release name; defaults to the component id. */
  readonly releaseName?: string;
  readonly values: object;
  /**
   * A typed change to the rendered objects, for what no chart value can express (like a Helm
   * post-renderer). Each use says in its component why the chart needs it.
   */
  readonly postRender?: (objects: readonly K8sObject[]) => K8sObject[];
}

/** Objects we author, rendered with cdk8s into `dist/<env>/manifests/<id>/`. */
export interface ManifestSource {
  readonly type: 'manifests';
  /** Adds the component's cdk8s chart(s) to `scope`. */
  readonly build: (scope: Construct) => Chart | readonly Chart[];
  /** Objects built from what the other components render (platform-base's namespaces and quotas). */
  readonly fromRendered?: FromRendered;
}

/**
 * Namespace → ids of the components whose objects are in it or deployed to it (sorted), for the
 * namespaces no component's own objects create.
 */
export type NamespaceUsage = ReadonlyMap<string, readonly string[]>;

/** What hydration learns from the rendered objects of every component without `fromRendered`. */
export interface RenderedFacts {
  readonly namespaces: NamespaceUsage;
  /**
   * Component id → the pods it runs (lib/workloads.ts): those of its workload objects and those
   * operators create from its custom resources, with the Istio sidecars and LimitRange defaults
   * they are admitted with.
   */
  readonly workloads: ReadonlyMap<string, readonly Workload[]>;
  /** Every object the other components render, namespaces written out (for derived traffic). */
  readonly objects: readonly K8sObject[];
  /** The traffic every component declares (`Component.traffic`). */
  readonly traffic: readonly TrafficEdge[];
}

/**
 * The objects of a component that depend on the other components' rendered objects. hydrate()
 * renders every other component first, then builds these in two steps, because the workloads are
 * derived with the first step's objects in view (the Namespaces' Istio injection labels, the
 * LimitRange defaults) and the second step is sized from them. Their objects join `build`'s.
 */
export interface FromRendered {
  /** Objects that depend on which namespaces are used, never on workloads (Namespaces, LimitRanges). */
  readonly namespaces: (scope: Construct, namespaces: NamespaceUsage) => Chart | readonly Chart[];
  /** Objects sized from the workloads (ResourceQuotas). */
  readonly workloads: (scope: Construct, facts: RenderedFacts) => Chart | readonly Chart[];
}

/**
 * Upstream YAML kept in the repository (under vendor/), applied as it is: e.g. the policy
 * library's ConstraintTemplates at a pinned commit.
 */
export interface VendoredSource {
  readonly type: 'vendored';
  /** Where it came from, for the reader: repository URL and commit. */
  readonly origin: { readonly repoURL: string; readonly revision: string };
  /** Paths relative to the repository root. */
  readonly files: readonly string[];
}

export type ComponentSource = HelmSource | ManifestSource | VendoredSource;

/** A field a controller rewrites after apply, which Argo CD must not treat as drift. */
export interface IgnoredDifference {
  readonly group: string;
  readonly kind: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly jsonPointers?: readonly string[];
  readonly jqPathExpressions?: readonly string[];
}

/** Where one Secret key comes from in OpenBao (KV v2 mount `secret`). */
export interface OpenBaoRef {
  /** Path under the mount, e.g. `platform/cloudflare`. */
  readonly path: string;
  readonly property: string;
}

/**
 * A Secret a component consumes. `external-secrets-config` renders one ExternalSecret for each,
 * so the value lives only in OpenBao, never in git. Where the Secret is needed before OpenBao and
 * External Secrets run (workflows 1-3, Argo CD), `bootstrap` says how the operator creates it
 * once from their environment; the ExternalSecret adopts it later without a gap. A component with
 * any requirement that has no `bootstrap` waits for `external-secrets-config` (added to its
 * dependencies automatically).
 */
export interface SecretRequirement {
  readonly namespace: string;
  readonly name: string;
  /** Secret data key → where its value lives in OpenBao. */
  readonly data: Readonly<Record<string, OpenBaoRef>>;
  /** Labels the consumer needs on the Secret (e.g. Argo CD's `argocd.argoproj.io/secret-type`). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Secret type, e.g. `kubernetes.io/basic-auth`. @default Opaque */
  readonly type?: string;
  readonly purpose: string;
  /** Created at bootstrap: Secret data key → the operator's environment variable holding it. */
  readonly bootstrap?: Readonly<Record<string, string>>;
}

/** A section of the bootstrap README: AWS prerequisites or an operations procedure. */
export interface RunbookSection {
  /**
   * `aws`: before the cluster (buckets, keys); `openbao`: while Argo CD syncs, as soon as OpenBao is
   * healthy (seeding the values External Secrets delivers); `operations`: after the platform is up.
   */
  readonly phase: 'aws' | 'openbao' | 'operations';
  readonly title: string;
  /** Markdown, usually with a shell block. */
  readonly body: string;
}

/**
 * A Secret with data that a component commits on purpose, because its consumer reads nothing but a
 * Secret and its content holds no credential (Alertmanager's configuration is the one case).
 */
export interface CommittedSecret {
  /** The Secret's name, in the component's namespace. */
  readonly name: string;
  /** What it is, for messages. */
  readonly what: string;
  /** Why its content is no credential, and what a problem found would mean. Empty: accepted. */
  readonly problems: (secret: { readonly [key: string]: unknown }) => string[];
}

/**
 * A microservice's component id: its configured name, which config validation keeps apart from
 * every PlatformComponentId. Branded so that a free string is neither a platform id nor a service's.
 */
export type ServiceComponentId = string & { readonly __serviceComponentId: true };

/** The id of a microservice's component (apps/): `services[].name`, checked by config validation. */
export function serviceComponentId(name: string): ServiceComponentId {
  return name as ServiceComponentId;
}

export type ComponentId = PlatformComponentId | ServiceComponentId;

export interface Component<Id extends ComponentId = ComponentId> {
  /** Fixed id: the Argo CD Application name. Renaming a platform component is a compile error wherever it is used. */
  readonly id: Id;
  readonly workflow: Workflow;
  /** Destination namespace of the Application. */
  readonly namespace: string;
  /** Components this one needs healthy first. Workflow prerequisites are added implicitly. */
  readonly dependsOn: readonly PlatformComponentId[];
  /**
   * What it creates: the workloads (lib/workloads.ts), AppProject permissions and server-side
   * apply are all derived from the objects this renders (lib/hydrate.ts), never declared here.
   */
  readonly source: ComponentSource;
  /**
   * The network traffic it needs beyond what its rendered objects imply (lib/traffic.ts): calls to
   * other pods and to the world. Rendered as policies in the namespaces with default-deny.
   */
  readonly traffic?: readonly TrafficEdge[];
  /** IAM roles for service accounts: eksctl creates the role, the chart annotates the ServiceAccount. */
  readonly irsa?: readonly IrsaRole[];
  /** Extra Argo CD sync options, e.g. `SkipDryRunOnMissingResource=true`. */
  readonly syncOptions?: readonly string[];
  readonly ignoreDifferences?: readonly IgnoredDifference[];
  /** Secrets it consumes: delivered by External Secrets from OpenBao, some created at bootstrap first. */
  readonly secrets?: readonly SecretRequirement[];
  /**
   * Secrets of the rendering that may carry data in dist because they hold no credential, each
   * verified on every synth (lib/checks.ts): the only way a Secret with data passes the check.
   */
  readonly committedSecrets?: readonly CommittedSecret[];
  /** What the operator does outside Argo CD for this component (bootstrap README). */
  readonly runbook?: readonly RunbookSection[];
  /**
   * Objects rendered to `dist/<env>/<folder>/`, outside every path an Application syncs: a person
   * applies them by hand (e.g. load tests). Never synced by Argo CD.
   */
  readonly unsynced?: { readonly folder: string; readonly source: ManifestSource };
}

/** One of the platform's own components (charts/), as opposed to a microservice's. */
export type PlatformComponent = Component<PlatformComponentId>;

export function isPlatformComponent(c: Component): c is PlatformComponent {
  return (PLATFORM_COMPONENT_IDS as readonly string[]).includes(c.id);
}

/**
 * A component definition: builds the component for one environment, or returns undefined where the
 * component does not run in that environment (e.g. a staging-only load-test operator).
 */
export type ComponentFactory<C> = (ctx: C) => Component | undefined;

export function helm(chart: ChartPin, values: object, releaseName?: string, postRender?: HelmSource['postRender']): HelmSource {
  return { type: 'helm', chart, values, releaseName, ...(postRender ? { postRender } : {}) };
}

export function manifests(build: ManifestSource['build'], fromRendered?: FromRendered): ManifestSource {
  return { type: 'manifests', build, ...(fromRendered ? { fromRendered } : {}) };
}
