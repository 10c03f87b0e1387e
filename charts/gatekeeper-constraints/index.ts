/**
 * gatekeeper-constraints: our policies, as constraints of the library's ConstraintTemplates, plus
 * Gatekeeper's exemption Config and its metrics PodMonitor.
 *
 * Every rule is rendered twice, with the same parameters (a rule is never weakened):
 * - `<rule>`: every namespace except the audit-only list, with the environment's action (dev
 *   `warn`, "basic policies"; staging and prod `deny`, "full policy enforcement"). Application
 *   namespaces, and any namespace created later, are enforced by default.
 * - `<rule>-audit`: only the audit-only namespaces, `dryrun`: the seed's "across all namespaces",
 *   reported by Gatekeeper's audit (constraint status and metrics) without blocking anything.
 *   Upstream charts there cannot meet every rule (operators without limits, node agents with
 *   host paths, vendor registries). The named system components that need host access are
 *   exempted by image only here, where the template has `exemptImages`.
 *
 * The audit-only list is one list: the same names go into each constraint's `match` and into the
 * Gatekeeper `Config`, which keeps those namespaces out of the admission webhook entirely
 * (`processes: [webhook]`) while audit keeps evaluating them.
 *
 * Constraint CRDs only exist once Gatekeeper has processed the templates: this component comes
 * after gatekeeper-templates (and after every other platform component, so a `deny` never blocks a
 * platform chart mid-rollout), and each constraint carries SkipDryRunOnMissingResource.
 */
import { Construct } from 'constructs';
import { Component, manifests, Workflow } from '../../lib/component';
import { LabelDomain, standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { ApiObjectMetadata } from 'cdk8s';
import { Config } from '../../imports/config.gatekeeper.sh';
import {
  K8sAllowedRepos,
  K8sDisallowedTags,
  K8sPspHostFilesystem,
  K8sPspHostNamespace,
  K8sPspHostNetworkingPorts,
  K8sPspPrivilegedContainer,
  K8sRequiredLabels,
  K8sRequiredResources,
  K8SRequiredResourcesSpecParametersLimits as Limits,
  K8SRequiredResourcesSpecParametersRequests as Requests,
} from '../../imports/constraints.gatekeeper.sh';
import { PodMonitor } from '../../imports/monitoring.coreos.com';

export const SKIP_DRY_RUN = 'SkipDryRunOnMissingResource=true';
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
export const AUDIT_SUFFIX = '-audit';
/** The label every workload must carry. */
export const NAME_LABEL = 'app.kubernetes.io/name';

/**
 * `deny` rejects at admission; `warn` admits with a warning; `dryrun` only records the violation
 * in the constraint's audit status. Audit reports violations for all three.
 */
export type EnforcementAction = 'deny' | 'warn' | 'dryrun';

export interface ConstraintKinds {
  readonly apiGroups: readonly string[];
  readonly kinds: readonly string[];
}

/**
 * What every constraint shares: the generated kinds (imports/constraints.gatekeeper.sh.ts, one
 * class per ConstraintTemplate) differ only in their parameters, so this is typed once here and
 * each Policy adds its kind's parameters.
 */
interface ConstraintBase {
  readonly enforcementAction: EnforcementAction;
  readonly match: { kinds: { apiGroups: string[]; kinds: string[] }[]; scope: 'Namespaced'; namespaces?: string[]; excludedNamespaces?: string[] };
}

/** Creates one constraint of the policy's kind. */
type EmitConstraint = (scope: Construct, id: string, metadata: ApiObjectMetadata, base: ConstraintBase, inputs: PolicyInputs) => void;

/** Gatekeeper reads exactly one Config, named `config`, in its own namespace. */
export const GATEKEEPER_CONFIG_NAME = 'config';

const PODS: readonly ConstraintKinds[] = [{ apiGroups: [''], kinds: ['Pod'] }];
const WORKLOADS: readonly ConstraintKinds[] = [
  { apiGroups: [''], kinds: ['Pod'] },
  { apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet', 'DaemonSet'] },
  { apiGroups: ['batch'], kinds: ['Job', 'CronJob'] },
  { apiGroups: ['argoproj.io'], kinds: ['Rollout'] },
];

/** A component allowed host access, named, with the images that identify it. */
export interface SystemExemption {
  readonly name: string;
  /** Id of the component that deploys it. */
  readonly component: string;
  readonly namespace: string;
  /** Image prefixes (`*` suffix) as the library's `exemptImages` takes them. */
  readonly images: readonly string[];
  readonly reason: string;
}

/** What a rule's parameters are computed from. */
export interface PolicyInputs {
  /** Image prefixes workloads may pull from (configured registries plus webhook-injected images). */
  readonly allowedRegistries: readonly string[];
  /** Exemptions that apply: none for the enforced constraint, the system components for the audit one. */
  readonly exemptImages: readonly string[];
}

/** One rule: a library constraint kind, what it matches, and its parameters. */
export class Policy {
  static readonly REQUIRED_RESOURCES = new Policy('require-requests-limits', K8sRequiredResources.GVK.kind, PODS, 'every container sets CPU and memory requests and limits', (scope, id, metadata, base) => {
    new K8sRequiredResources(scope, id, { metadata, spec: { ...base, parameters: { limits: [Limits.CPU, Limits.MEMORY], requests: [Requests.CPU, Requests.MEMORY] } } });
  });
  /** Also flags images without a tag (the template's second rule), so `:latest` and untagged are both covered. */
  static readonly DISALLOWED_TAGS = new Policy('disallow-latest-tag', K8sDisallowedTags.GVK.kind, PODS, 'no image at `:latest` or without a tag', (scope, id, metadata, base) => {
    new K8sDisallowedTags(scope, id, { metadata, spec: { ...base, parameters: { tags: ['latest'] } } });
  });
  static readonly ALLOWED_REPOS = new Policy('allowed-registries', K8sAllowedRepos.GVK.kind, PODS, 'images come from the allowed registries only', (scope, id, metadata, base, i) => {
    new K8sAllowedRepos(scope, id, { metadata, spec: { ...base, parameters: { repos: [...i.allowedRegistries] } } });
  });
  static readonly REQUIRED_LABELS = new Policy('require-name-label', K8sRequiredLabels.GVK.kind, WORKLOADS, `workloads carry ${NAME_LABEL}`, (scope, id, metadata, base) => {
    new K8sRequiredLabels(scope, id, { metadata, spec: { ...base, parameters: { labels: [{ key: NAME_LABEL }], message: `workloads must carry the ${NAME_LABEL} label` } } });
  });
  static readonly PRIVILEGED = new Policy('no-privileged-containers', K8sPspPrivilegedContainer.GVK.kind, PODS, 'no privileged containers', (scope, id, metadata, base, i) => {
    new K8sPspPrivilegedContainer(scope, id, { metadata, spec: { ...base, parameters: i.exemptImages.length ? { exemptImages: [...i.exemptImages] } : {} } });
  });
  /** hostPID and hostIPC; the template has no parameters. */
  static readonly HOST_NAMESPACES = new Policy('no-host-namespaces', K8sPspHostNamespace.GVK.kind, PODS, 'no host PID or IPC namespace', (scope, id, metadata, base) => {
    new K8sPspHostNamespace(scope, id, { metadata, spec: base });
  });
  /** hostNetwork, and no host port (min 0 / max 0: any host port is out of range). */
  static readonly HOST_NETWORK = new Policy('no-host-network', K8sPspHostNetworkingPorts.GVK.kind, PODS, 'no host network and no host ports', (scope, id, metadata, base) => {
    new K8sPspHostNetworkingPorts(scope, id, { metadata, spec: { ...base, parameters: { hostNetwork: false, min: 0, max: 0 } } });
  });
  /** An empty allow-list blocks every hostPath. */
  static readonly HOST_PATH = new Policy('no-host-path', K8sPspHostFilesystem.GVK.kind, PODS, 'no hostPath volumes', (scope, id, metadata, base) => {
    new K8sPspHostFilesystem(scope, id, { metadata, spec: { ...base, parameters: { allowedHostPaths: [] } } });
  });

  static readonly ALL: readonly Policy[] = [
    Policy.REQUIRED_RESOURCES,
    Policy.DISALLOWED_TAGS,
    Policy.ALLOWED_REPOS,
    Policy.REQUIRED_LABELS,
    Policy.PRIVILEGED,
    Policy.HOST_NAMESPACES,
    Policy.HOST_NETWORK,
    Policy.HOST_PATH,
  ];

  private constructor(
    readonly name: string,
    /** Constraint kind = the template's `spec.crd.spec.names.kind`. */
    readonly kind: string,
    readonly kinds: readonly ConstraintKinds[],
    readonly description: string,
    /** Creates the constraint of this kind, with its parameters computed from the inputs. */
    readonly emit: EmitConstraint,
  ) {}
}

export interface GatekeeperConstraintsProps {
  /** Gatekeeper's namespace: the Config must live there. */
  readonly namespace: string;
  /** The environment's action outside the audit-only namespaces. */
  readonly enforcement: 'warn' | 'deny';
  /** The platform's label domain: each constraint says its rule in words in the `policy` annotation. */
  readonly labelDomain: LabelDomain;
  /** The one exemption list: platform namespaces plus the configured audit-only ones. */
  readonly auditOnlyNamespaces: readonly string[];
  /** Image prefixes workloads may pull from (platform.yaml `policy.allowedRegistries`). */
  readonly allowedRegistries: readonly string[];
  /**
   * Images an admission webhook adds to pods (the Istio sidecar): allowed besides the registries,
   * or every meshed pod would be denied.
   */
  readonly injectedImages: readonly string[];
  /** Components allowed host access; each must live in an audit-only namespace. */
  readonly systemExemptions: readonly SystemExemption[];
  /** Every other platform component: constraints come last. */
  readonly after: readonly string[];
  /** @default Policy.ALL */
  readonly policies?: readonly Policy[];
  /** Labels of the Gatekeeper pods serving metrics, and the port name. */
  readonly metrics: { readonly podLabels: Readonly<Record<string, string>>; readonly portName: string };
}

const NAMESPACE_PATTERN = /^\*?[-:a-z0-9]*\*?$/;

function validate(props: GatekeeperConstraintsProps): void {
  if (props.auditOnlyNamespaces.length === 0) {
    throw new Error('gatekeeper-constraints: auditOnlyNamespaces is empty; the platform namespaces (at least kube-system) must be audit-only or deny would block the platform itself');
  }
  for (const ns of props.auditOnlyNamespaces) {
    if (!NAMESPACE_PATTERN.test(ns)) throw new Error(`gatekeeper-constraints: audit-only namespace "${ns}" is not a namespace name or glob such as kube-*`);
  }
  if (props.allowedRegistries.length === 0) throw new Error('gatekeeper-constraints: allowedRegistries is empty; list at least one registry prefix, e.g. ghcr.io/example/');
  for (const e of props.systemExemptions) {
    if (!props.auditOnlyNamespaces.includes(e.namespace)) {
      throw new Error(`gatekeeper-constraints: system exemption ${e.name} is in namespace "${e.namespace}", which is enforced; exempt components must run in an audit-only namespace`);
    }
    if (e.images.length === 0) throw new Error(`gatekeeper-constraints: system exemption ${e.name} names no image`);
  }
  const names = (props.policies ?? Policy.ALL).map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`gatekeeper-constraints: policy ${dup} is listed twice`);
}

export class GatekeeperConstraintsChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: GatekeeperConstraintsProps) {
    super(scope, id);
    validate(props);
    const labels = (name: string, component: string) => standardLabels({ name, instance: id, component });
    const auditOnly = [...new Set(props.auditOnlyNamespaces)].sort();
    const exemptImages = [...new Set(props.systemExemptions.flatMap((e) => e.images))].sort();
    const annotations = { [SYNC_OPTIONS_ANNOTATION]: SKIP_DRY_RUN };
    const allowed = [...new Set([...props.allowedRegistries, ...props.injectedImages])];

    for (const p of props.policies ?? Policy.ALL) {
      const variants: { name: string; action: EnforcementAction; match: { namespaces?: string[]; excludedNamespaces?: string[] }; inputs: PolicyInputs }[] = [
        { name: p.name, action: props.enforcement, match: { excludedNamespaces: auditOnly }, inputs: { allowedRegistries: allowed, exemptImages: [] } },
        { name: `${p.name}${AUDIT_SUFFIX}`, action: 'dryrun', match: { namespaces: auditOnly }, inputs: { allowedRegistries: allowed, exemptImages } },
      ];
      for (const v of variants) {
        const metadata = { name: v.name, labels: labels(v.name, 'constraint'), annotations: { ...annotations, [props.labelDomain.policy]: p.description } };
        const kinds = p.kinds.map((k) => ({ apiGroups: [...k.apiGroups], kinds: [...k.kinds] }));
        p.emit(this, `constraint-${v.name}`, metadata, { enforcementAction: v.action, match: { kinds, scope: 'Namespaced', ...v.match } }, v.inputs);
      }
    }

    new Config(this, 'config', {
      metadata: { name: GATEKEEPER_CONFIG_NAME, namespace: props.namespace, labels: labels(GATEKEEPER_CONFIG_NAME, 'config') },
      spec: { match: [{ excludedNamespaces: auditOnly, processes: ['webhook'] }] },
    });

    new PodMonitor(this, 'podmonitor', {
      metadata: { name: 'gatekeeper', namespace: props.namespace, labels: labels('gatekeeper', 'metrics') },
      spec: {
        selector: { matchLabels: { ...props.metrics.podLabels } },
        podMetricsEndpoints: [{ port: props.metrics.portName, path: '/metrics', interval: '30s' }],
      },
    });
  }
}

export function gatekeeperConstraintsComponent(props: GatekeeperConstraintsProps): Component {
  validate(props);
  return {
    id: 'gatekeeper-constraints',
    workflow: Workflow.Security,
    namespace: props.namespace,
    dependsOn: [...new Set(['gatekeeper-templates', ...props.after])].filter((d) => d !== 'gatekeeper-constraints').sort(),
    source: manifests((scope) => new GatekeeperConstraintsChart(scope, 'gatekeeper-constraints', props)),
    syncOptions: [SKIP_DRY_RUN],
  };
}
