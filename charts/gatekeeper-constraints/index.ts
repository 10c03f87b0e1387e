/**
 * gatekeeper-constraints: our policies, as constraints of the ConstraintTemplates in
 * gatekeeper-templates, plus Gatekeeper's Config and its metrics PodMonitor.
 *
 * Every namespace is enforced, platform namespaces included, with the environment's action (dev
 * `warn`, "basic policies"; staging and prod `deny`, "full policy enforcement"). Where a platform
 * component cannot meet a rule, the exception is named, with its reason, in a `PolicyException`
 * (workflows/policy-exceptions.ts), and is exactly as wide as it needs to be:
 * - a whole namespace: the rule's constraint lists it in `excludedNamespaces`;
 * - the pods (or objects) of one component, by a label: the rule's constraint excludes the
 *   namespace, and a second constraint `<rule>-<namespace>` enforces the rule there on every object
 *   without that label (a `NotIn`/`DoesNotExist` label selector).
 * `<rule>-audit` then audits the excepted namespaces with `dryrun`: the exceptions stay visible in
 * the constraint's status and the violation metrics, and block nothing. An application namespace
 * can never be excepted. Per rule, which namespaces it covers is its `PolicyScope`.
 *
 * platform.yaml `policy.auditOnlyNamespaces` (a cluster's own legacy namespaces) are excluded from
 * every rule's enforcement, audited by `<rule>-audit`, and kept out of the admission webhook by the
 * Config (`processes: [webhook]`).
 *
 * Constraint CRDs only exist once Gatekeeper has processed the templates: this component comes
 * after gatekeeper-templates (and after every other platform component, so a `deny` never blocks a
 * platform chart mid-rollout), and each constraint carries SkipDryRunOnMissingResource.
 */
import { PlatformComponentId } from '../../config/ids';
import { Construct } from 'constructs';
import { PlatformComponent, manifests, Workflow } from '../../lib/component';
import { LabelDomain, standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { ApiObjectMetadata } from 'cdk8s';
import { Config } from '../../imports/config.gatekeeper.sh';
import {
  K8sAllowedRepos,
  K8sBlockedKinds,
  K8sBlockLoadBalancer,
  K8sBlockNodePort,
  K8sDisallowedTags,
  K8sExternalIPs,
  K8sImageDigests,
  K8sPspAutomountServiceAccountTokenPod,
  K8sPspHostFilesystem,
  K8sPspHostNamespace,
  K8sPspHostNetworkingPorts,
  K8sPspPrivilegedContainer,
  K8sRequiredLabels,
  K8sRequiredResources,
  K8SRequiredResourcesSpecParametersLimits as Limits,
  K8SRequiredResourcesSpecParametersRequests as Requests,
  K8sRestrictedRbac,
  K8sStrictMeshTls,
} from '../../imports/constraints.gatekeeper.sh';
import { PodMonitor } from '../../imports/monitoring.coreos.com';

/** This component's id: its Argo CD Application name. */
export const ID = 'gatekeeper-constraints' satisfies PlatformComponentId;

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

/** A label selector expression as constraints take it (`match.labelSelector.matchExpressions`). */
export interface SelectorExpression {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** What a constraint matches, as Gatekeeper's `spec.match` takes it. */
export interface ConstraintMatch {
  readonly kinds: { apiGroups: string[]; kinds: string[] }[];
  readonly scope: 'Namespaced' | '*';
  readonly namespaces?: string[];
  readonly excludedNamespaces?: string[];
  readonly labelSelector?: { matchExpressions: { key: string; operator: string; values?: string[] }[] };
}

/**
 * What every constraint shares: the generated kinds (imports/constraints.gatekeeper.sh.ts, one
 * class per ConstraintTemplate) differ only in their parameters, so this is typed once here and
 * each Policy adds its kind's parameters.
 */
interface ConstraintBase {
  readonly enforcementAction: EnforcementAction;
  readonly match: ConstraintMatch;
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
const SERVICES: readonly ConstraintKinds[] = [{ apiGroups: [''], kinds: ['Service'] }];
const RBAC: readonly ConstraintKinds[] = [{ apiGroups: ['rbac.authorization.k8s.io'], kinds: ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'] }];
/**
 * What obtains a certificate from cert-manager: a Certificate, a CertificateRequest (a CSR for any
 * name, which cert-manager's default approver approves), an Issuer, or an ACME Order or Challenge
 * created directly.
 */
export const CERTIFICATE_ISSUANCE: readonly ConstraintKinds[] = [
  { apiGroups: ['cert-manager.io'], kinds: ['Certificate', 'CertificateRequest', 'Issuer'] },
  { apiGroups: ['acme.cert-manager.io'], kinds: ['Challenge', 'Order'] },
];
/** Istio's objects that decide whether a workload's traffic is mutual TLS and who may call it. */
export const MESH_SECURITY: readonly ConstraintKinds[] = [
  { apiGroups: ['networking.istio.io'], kinds: ['DestinationRule'] },
  { apiGroups: ['security.istio.io'], kinds: ['AuthorizationPolicy', 'PeerAuthentication'] },
];
/** PeerAuthentication modes that accept plain text (PERMISSIVE) or turn mTLS off (DISABLE). */
export const WEAK_PEER_AUTHENTICATION_MODES: readonly string[] = ['DISABLE', 'PERMISSIVE'];
/** DestinationRule TLS modes that send plain text to the host. */
export const WEAK_DESTINATION_RULE_TLS_MODES: readonly string[] = ['DISABLE'];
/**
 * Why the application namespaces hold no certificate-issuing object, in the denial message. Deny
 * outright rather than check `dnsNames` against each service's names: the generator renders no
 * Certificate for a service (public TLS ends at emissary, whose Certificate the ingress project
 * owns; service-to-service TLS is the mesh's), a CertificateRequest carries its names inside a CSR,
 * and an allow-list of names would be a second copy of the routes that still put a publicly trusted
 * key into a tenant's Secret.
 */
export const TENANT_CERTIFICATES_REASON =
  "certificates are not issued in application namespaces: a service's public TLS ends at the ingress (its Certificate lives in the ingress's namespace) and service-to-service traffic is the mesh's mutual TLS; declare a public route in the service's config instead";

/** Which namespaces a rule covers. */
export enum PolicyScope {
  /** Every namespace, platform and application, less the rule's named exceptions. */
  AllNamespaces = 'all-namespaces',
  /**
   * Only the application namespaces, where tenants write: the digest rule (the services' images are
   * pinned by digest at config time; platform charts pin tags, and images that Istio injects or
   * operators create are not in dist), no certificates, no mesh policy weakening mTLS.
   */
  ApplicationNamespaces = 'application-namespaces',
  /** Namespaced and cluster-scoped objects alike; exceptions are the template's allow-lists (RbacAllowance). */
  Cluster = 'cluster',
}

/** RBAC object kinds the restricted-rbac rule judges. */
export type RbacKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

/**
 * A Role or ClusterRole allowed wildcard rules, or a binding allowed to grant cluster-admin, with
 * its reason. `name` may end in `*` (a prefix).
 */
export interface RbacAllowance {
  readonly kind: RbacKind;
  readonly name: string;
  /** For Role and RoleBinding. */
  readonly namespace?: string;
  /** The component whose chart renders it, or `cluster` for what Kubernetes and EKS create (not in dist). */
  readonly component: string;
  readonly reason: string;
}

/** `ClusterRole/<name>` or `Role/<namespace>/<name>`, as the K8sRestrictedRbac template spells an object. */
export function rbacRef(a: { kind: RbacKind; name: string; namespace?: string }): string {
  return a.kind.startsWith('Cluster') ? `${a.kind}/${a.name}` : `${a.kind}/${a.namespace}/${a.name}`;
}

/** One label identifying the excepted objects: with `values`, the label has one of them; without, it is present. */
export interface LabelMatch {
  readonly key: string;
  readonly values?: readonly string[];
}

/**
 * Objects a rule does not hold for, named, with the reason. The objects are a whole namespace, or
 * those in it carrying one label (`selector`: the pods' labels for the pod rules, the Services'
 * for the Service rules, the workload's and its pods' for the label rule).
 */
export interface PolicyException {
  readonly policy: Policy;
  /** The component whose objects are excepted (`platform` for a rule waived in a whole platform namespace). */
  readonly component: string;
  readonly namespace: string;
  /** Omitted: the whole namespace. */
  readonly selector?: LabelMatch;
  readonly reason: string;
  /**
   * The excepted pods are created at run time by this component's operator and are not in dist, so
   * no rendered object shows the violation (test/workflows/gatekeeper-exceptions.test.ts cannot check it).
   */
  readonly createdAtRuntimeBy?: string;
  /** Where the component does not need the exception: the change (a chart value) that would remove it. */
  readonly fix?: string;
}

/** What a rule's parameters are computed from. */
export interface PolicyInputs {
  /** Image prefixes workloads may pull from (configured registries plus webhook-injected images). */
  readonly allowedRegistries: readonly string[];
  /** Images an admission webhook adds to pods (the Istio sidecar), as `exemptImages` prefixes. */
  readonly injectedImages: readonly string[];
  readonly rbacAllowances: readonly RbacAllowance[];
}

const prefixes = (images: readonly string[]) => [...new Set(images.map((i) => (i.endsWith('*') ? i : `${i}*`)))].sort();

/** One rule: a constraint kind, what it matches, where it applies, and its parameters. */
export class Policy {
  static readonly REQUIRED_RESOURCES = new Policy('require-requests-limits', K8sRequiredResources.GVK.kind, PODS, PolicyScope.AllNamespaces, 'every container sets CPU and memory requests and limits', (scope, id, metadata, base) => {
    new K8sRequiredResources(scope, id, { metadata, spec: { ...base, parameters: { limits: [Limits.CPU, Limits.MEMORY], requests: [Requests.CPU, Requests.MEMORY] } } });
  });
  /** Also flags images without a tag (the template's second rule), so `:latest` and untagged are both covered. */
  static readonly DISALLOWED_TAGS = new Policy('disallow-latest-tag', K8sDisallowedTags.GVK.kind, PODS, PolicyScope.AllNamespaces, 'no image at `:latest` or without a tag', (scope, id, metadata, base) => {
    new K8sDisallowedTags(scope, id, { metadata, spec: { ...base, parameters: { tags: ['latest'] } } });
  });
  static readonly ALLOWED_REPOS = new Policy('allowed-registries', K8sAllowedRepos.GVK.kind, PODS, PolicyScope.AllNamespaces, 'images come from the allowed registries only', (scope, id, metadata, base, i) => {
    new K8sAllowedRepos(scope, id, { metadata, spec: { ...base, parameters: { repos: [...i.allowedRegistries] } } });
  });
  static readonly REQUIRED_LABELS = new Policy('require-name-label', K8sRequiredLabels.GVK.kind, WORKLOADS, PolicyScope.AllNamespaces, `workloads carry ${NAME_LABEL}`, (scope, id, metadata, base) => {
    new K8sRequiredLabels(scope, id, { metadata, spec: { ...base, parameters: { labels: [{ key: NAME_LABEL }], message: `workloads must carry the ${NAME_LABEL} label` } } });
  });
  static readonly PRIVILEGED = new Policy('no-privileged-containers', K8sPspPrivilegedContainer.GVK.kind, PODS, PolicyScope.AllNamespaces, 'no privileged containers', (scope, id, metadata, base) => {
    new K8sPspPrivilegedContainer(scope, id, { metadata, spec: { ...base, parameters: {} } });
  });
  /** hostPID and hostIPC; the template has no parameters. */
  static readonly HOST_NAMESPACES = new Policy('no-host-namespaces', K8sPspHostNamespace.GVK.kind, PODS, PolicyScope.AllNamespaces, 'no host PID or IPC namespace', (scope, id, metadata, base) => {
    new K8sPspHostNamespace(scope, id, { metadata, spec: base });
  });
  /** hostNetwork, and no host port (min 0 / max 0: any host port is out of range). */
  static readonly HOST_NETWORK = new Policy('no-host-network', K8sPspHostNetworkingPorts.GVK.kind, PODS, PolicyScope.AllNamespaces, 'no host network and no host ports', (scope, id, metadata, base) => {
    new K8sPspHostNetworkingPorts(scope, id, { metadata, spec: { ...base, parameters: { hostNetwork: false, min: 0, max: 0 } } });
  });
  /** An empty allow-list blocks every hostPath. */
  static readonly HOST_PATH = new Policy('no-host-path', K8sPspHostFilesystem.GVK.kind, PODS, PolicyScope.AllNamespaces, 'no hostPath volumes', (scope, id, metadata, base) => {
    new K8sPspHostFilesystem(scope, id, { metadata, spec: { ...base, parameters: { allowedHostPaths: [] } } });
  });
  /** Tenants reach the cluster only through the ingress: no node ports. */
  static readonly BLOCK_NODEPORT = new Policy('block-nodeport-services', K8sBlockNodePort.GVK.kind, SERVICES, PolicyScope.AllNamespaces, 'no Service of type NodePort', (scope, id, metadata, base) => {
    new K8sBlockNodePort(scope, id, { metadata, spec: base });
  });
  /** One load balancer, the ingress's (its exception is named). */
  static readonly BLOCK_LOADBALANCER = new Policy('block-loadbalancer-services', K8sBlockLoadBalancer.GVK.kind, SERVICES, PolicyScope.AllNamespaces, 'no Service of type LoadBalancer', (scope, id, metadata, base) => {
    new K8sBlockLoadBalancer(scope, id, { metadata, spec: base });
  });
  /** An empty allow-list: no Service claims an external IP (CVE-2020-8554). */
  static readonly EXTERNAL_IPS = new Policy('no-external-ips', K8sExternalIPs.GVK.kind, SERVICES, PolicyScope.AllNamespaces, 'no Service with externalIPs', (scope, id, metadata, base) => {
    new K8sExternalIPs(scope, id, { metadata, spec: { ...base, parameters: { allowedIPs: [] } } });
  });
  /** The injected sidecar's image is the mesh's, pinned by istiod's chart, and exempt. */
  static readonly IMAGE_DIGESTS = new Policy('require-image-digests', K8sImageDigests.GVK.kind, PODS, PolicyScope.ApplicationNamespaces, 'images are pinned by digest', (scope, id, metadata, base, i) => {
    new K8sImageDigests(scope, id, { metadata, spec: { ...base, parameters: i.injectedImages.length ? { exemptImages: prefixes(i.injectedImages) } : {} } });
  });
  /** A pod mounts a ServiceAccount token only when it calls the API. */
  static readonly AUTOMOUNT_TOKEN = new Policy('no-automount-token', K8sPspAutomountServiceAccountTokenPod.GVK.kind, PODS, PolicyScope.AllNamespaces, 'pods do not mount a ServiceAccount token unless they call the API', (scope, id, metadata, base) => {
    new K8sPspAutomountServiceAccountTokenPod(scope, id, { metadata, spec: base });
  });
  /** AppProjects cannot restrict roleRef: this does, with the allow-lists in RbacAllowance. */
  static readonly RESTRICTED_RBAC = new Policy('restricted-rbac', K8sRestrictedRbac.GVK.kind, RBAC, PolicyScope.Cluster, 'no binding to cluster-admin and no wildcard RBAC rule outside the allow-lists', (scope, id, metadata, base, i) => {
    const refs = (kinds: readonly RbacKind[]) => [...new Set(i.rbacAllowances.filter((a) => kinds.includes(a.kind)).map(rbacRef))].sort();
    new K8sRestrictedRbac(scope, id, { metadata, spec: { ...base, parameters: { allowedWildcardRoles: refs(['Role', 'ClusterRole']), allowedClusterAdminBindings: refs(['RoleBinding', 'ClusterRoleBinding']) } } });
  });
  /** A tenant cannot mint a certificate for an arbitrary name through the platform's ClusterIssuers (see TENANT_CERTIFICATES_REASON). */
  static readonly NO_TENANT_CERTIFICATES = new Policy('no-tenant-certificates', K8sBlockedKinds.GVK.kind, CERTIFICATE_ISSUANCE, PolicyScope.ApplicationNamespaces, 'no Certificate, CertificateRequest, Issuer or ACME Order/Challenge in an application namespace', (scope, id, metadata, base) => {
    new K8sBlockedKinds(scope, id, { metadata, spec: { ...base, parameters: { reason: TENANT_CERTIFICATES_REASON } } });
  });
  /**
   * A tenant cannot weaken the mesh: no PERMISSIVE/DISABLE PeerAuthentication, no DestinationRule
   * that disables TLS, no ALLOW AuthorizationPolicy admitting any source. The platform's own mesh
   * objects in istio-system are not matched; those istio-config renders into the application
   * namespaces (default-deny, per-service allows) are, and pass.
   */
  static readonly STRICT_MESH_TLS = new Policy('strict-mesh-tls', K8sStrictMeshTls.GVK.kind, MESH_SECURITY, PolicyScope.ApplicationNamespaces, 'no mesh policy in an application namespace that weakens mutual TLS or allows any source', (scope, id, metadata, base) => {
    new K8sStrictMeshTls(scope, id, {
      metadata,
      spec: { ...base, parameters: { disallowedPeerAuthenticationModes: [...WEAK_PEER_AUTHENTICATION_MODES], disallowedDestinationRuleTlsModes: [...WEAK_DESTINATION_RULE_TLS_MODES] } },
    });
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
    Policy.BLOCK_NODEPORT,
    Policy.BLOCK_LOADBALANCER,
    Policy.EXTERNAL_IPS,
    Policy.IMAGE_DIGESTS,
    Policy.AUTOMOUNT_TOKEN,
    Policy.RESTRICTED_RBAC,
    Policy.NO_TENANT_CERTIFICATES,
    Policy.STRICT_MESH_TLS,
  ];

  private constructor(
    readonly name: string,
    /** Constraint kind = the template's `spec.crd.spec.names.kind`. */
    readonly kind: string,
    readonly kinds: readonly ConstraintKinds[],
    readonly scope: PolicyScope,
    readonly description: string,
    /** Creates the constraint of this kind, with its parameters computed from the inputs. */
    readonly emit: EmitConstraint,
  ) {}
}

export interface GatekeeperConstraintsProps {
  /** Gatekeeper's namespace: the Config must live there. */
  readonly namespace: string;
  /** The environment's action wherever a rule applies and no exception is named. */
  readonly enforcement: 'warn' | 'deny';
  /** The platform's label domain: each constraint says its rule in words in the `policy` annotation. */
  readonly labelDomain: LabelDomain;
  /** Namespaces the services run in: never excepted, and the only ones the application rules cover. */
  readonly applicationNamespaces: readonly string[];
  /** platform.yaml `policy.auditOnlyNamespaces`: every rule only audits there, and the webhook skips them. */
  readonly auditOnlyNamespaces: readonly string[];
  /** Image prefixes workloads may pull from (platform.yaml `policy.allowedRegistries`). */
  readonly allowedRegistries: readonly string[];
  /**
   * Images an admission webhook adds to pods (the Istio sidecar): allowed besides the registries,
   * and exempt from the digest rule, or every meshed pod would be denied.
   */
  readonly injectedImages: readonly string[];
  /** The named exceptions of the namespaced rules (only those of components this environment runs). */
  readonly exceptions: readonly PolicyException[];
  /** The restricted-rbac rule's allow-lists. */
  readonly rbacAllowances: readonly RbacAllowance[];
  /** Every other platform component: constraints come last. */
  readonly after: readonly PlatformComponentId[];
  /** @default Policy.ALL */
  readonly policies?: readonly Policy[];
  /** Labels of the Gatekeeper pods serving metrics, and the port name. */
  readonly metrics: { readonly podLabels: Readonly<Record<string, string>>; readonly portName: string };
}

const NAMESPACE_PATTERN = /^\*?[-:a-z0-9]*\*?$/;

function validate(props: GatekeeperConstraintsProps): void {
  for (const ns of props.auditOnlyNamespaces) {
    if (!NAMESPACE_PATTERN.test(ns)) throw new Error(`gatekeeper-constraints: audit-only namespace "${ns}" is not a namespace name or glob such as kube-*`);
  }
  if (props.allowedRegistries.length === 0) throw new Error('gatekeeper-constraints: allowedRegistries is empty; list at least one registry prefix, e.g. ghcr.io/example/');
  const policies = props.policies ?? Policy.ALL;
  for (const e of props.exceptions) {
    const what = `exception of ${e.component} to ${e.policy.name} in namespace "${e.namespace}"`;
    if (props.applicationNamespaces.includes(e.namespace)) {
      throw new Error(`gatekeeper-constraints: ${what}: "${e.namespace}" is an application namespace, which is never excepted; run the component in a platform namespace`);
    }
    if (e.policy.scope !== PolicyScope.AllNamespaces) {
      throw new Error(`gatekeeper-constraints: ${what}: ${e.policy.name} covers ${e.policy.scope}, which takes no namespace exceptions${e.policy.scope === PolicyScope.Cluster ? '; add an RbacAllowance' : ''}`);
    }
    if (!policies.includes(e.policy)) throw new Error(`gatekeeper-constraints: ${what}: the rule is not rendered; remove the exception`);
    if (!e.reason.trim()) throw new Error(`gatekeeper-constraints: ${what} has no reason; say why the component needs it`);
    if (e.selector && (!e.selector.key || (e.selector.values && e.selector.values.length === 0))) {
      throw new Error(`gatekeeper-constraints: ${what}: selector needs a label key and, if given, at least one value`);
    }
  }
  for (const a of props.rbacAllowances) {
    if (!a.kind.startsWith('Cluster') && !a.namespace) throw new Error(`gatekeeper-constraints: RBAC allowance ${a.kind}/${a.name} names no namespace; a ${a.kind} is namespaced`);
    if (!a.reason.trim()) throw new Error(`gatekeeper-constraints: RBAC allowance ${rbacRef(a)} has no reason`);
  }
  const names = policies.map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`gatekeeper-constraints: policy ${dup} is listed twice`);
}

/** One constraint of a rule: its name, action and what it matches. */
export interface ConstraintVariant {
  readonly name: string;
  readonly action: EnforcementAction;
  readonly match: {
    readonly namespaces?: readonly string[];
    readonly excludedNamespaces?: readonly string[];
    readonly labelSelector?: { readonly matchExpressions: readonly SelectorExpression[] };
  };
}

/** The expressions that leave out every object one of the exceptions names (`NotIn`, or `DoesNotExist` for a bare label). */
export function exclusionExpressions(selectors: readonly LabelMatch[]): SelectorExpression[] {
  const byKey = new Map<string, Set<string> | 'any'>();
  for (const s of selectors) {
    const seen = byKey.get(s.key);
    if (seen === 'any' || !s.values) byKey.set(s.key, 'any');
    else byKey.set(s.key, new Set([...(seen ?? []), ...s.values]));
  }
  return [...byKey]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, v]) => (v === 'any' ? { key, operator: 'DoesNotExist' as const } : { key, operator: 'NotIn' as const, values: [...v].sort() }));
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** The constraints one rule renders, from its exceptions (see the file comment). */
export function constraintVariants(p: Policy, props: Pick<GatekeeperConstraintsProps, 'enforcement' | 'applicationNamespaces' | 'auditOnlyNamespaces' | 'exceptions'>): ConstraintVariant[] {
  const auditOnly = sorted(props.auditOnlyNamespaces);
  const audit = (namespaces: string[]): ConstraintVariant[] => (namespaces.length ? [{ name: `${p.name}${AUDIT_SUFFIX}`, action: 'dryrun', match: { namespaces } }] : []);
  switch (p.scope) {
    case PolicyScope.Cluster:
      return [{ name: p.name, action: props.enforcement, match: auditOnly.length ? { excludedNamespaces: auditOnly } : {} }];
    case PolicyScope.ApplicationNamespaces: {
      const apps = sorted(props.applicationNamespaces);
      const enforced = apps.filter((ns) => !auditOnly.includes(ns));
      // An empty `namespaces` would match every namespace: no application namespace, no constraint.
      return [...(enforced.length ? [{ name: p.name, action: props.enforcement, match: { namespaces: enforced } }] : []), ...audit(apps.filter((ns) => auditOnly.includes(ns)))];
    }
    case PolicyScope.AllNamespaces: {
      const own = props.exceptions.filter((e) => e.policy === p);
      const whole = sorted(own.filter((e) => !e.selector).map((e) => e.namespace));
      const partial = sorted(own.filter((e) => e.selector && !whole.includes(e.namespace)).map((e) => e.namespace)).filter((ns) => !auditOnly.includes(ns));
      const excluded = sorted([...whole, ...partial, ...auditOnly]);
      return [
        { name: p.name, action: props.enforcement, match: excluded.length ? { excludedNamespaces: excluded } : {} },
        ...partial.map((ns) => ({
          name: `${p.name}-${ns}`,
          action: props.enforcement,
          match: { namespaces: [ns], labelSelector: { matchExpressions: exclusionExpressions(own.filter((e) => e.namespace === ns).map((e) => e.selector!)) } },
        })),
        ...audit(excluded),
      ];
    }
  }
}

export class GatekeeperConstraintsChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: GatekeeperConstraintsProps) {
    super(scope, id);
    validate(props);
    const labels = (name: string, component: string) => standardLabels({ name, instance: id, component });
    const annotations = { [SYNC_OPTIONS_ANNOTATION]: SKIP_DRY_RUN };
    const inputs: PolicyInputs = {
      allowedRegistries: [...new Set([...props.allowedRegistries, ...props.injectedImages])],
      injectedImages: props.injectedImages,
      rbacAllowances: props.rbacAllowances,
    };

    for (const p of props.policies ?? Policy.ALL) {
      for (const v of constraintVariants(p, props)) {
        const metadata = { name: v.name, labels: labels(v.name, 'constraint'), annotations: { ...annotations, [props.labelDomain.policy]: p.description } };
        const kinds = p.kinds.map((k) => ({ apiGroups: [...k.apiGroups], kinds: [...k.kinds] }));
        const m = v.match;
        const match: ConstraintMatch = {
          kinds,
          scope: p.scope === PolicyScope.Cluster ? '*' : 'Namespaced',
          ...(m.namespaces ? { namespaces: [...m.namespaces] } : {}),
          ...(m.excludedNamespaces ? { excludedNamespaces: [...m.excludedNamespaces] } : {}),
          ...(m.labelSelector ? { labelSelector: { matchExpressions: m.labelSelector.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, ...(e.values ? { values: [...e.values] } : {}) })) } } : {}),
        };
        p.emit(this, `constraint-${v.name}`, metadata, { enforcementAction: v.action, match }, inputs);
      }
    }

    const auditOnly = sorted(props.auditOnlyNamespaces);
    new Config(this, 'config', {
      metadata: { name: GATEKEEPER_CONFIG_NAME, namespace: props.namespace, labels: labels(GATEKEEPER_CONFIG_NAME, 'config') },
      spec: auditOnly.length ? { match: [{ excludedNamespaces: auditOnly, processes: ['webhook'] }] } : {},
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

export function gatekeeperConstraintsComponent(props: GatekeeperConstraintsProps): PlatformComponent {
  validate(props);
  return {
    id: ID,
    workflow: Workflow.Security,
    namespace: props.namespace,
    dependsOn: [...new Set<PlatformComponentId>(['gatekeeper-templates', ...props.after])].filter((d) => d !== 'gatekeeper-constraints').sort(),
    source: manifests((scope) => new GatekeeperConstraintsChart(scope, 'gatekeeper-constraints', props)),
    syncOptions: [SKIP_DRY_RUN],
  };
}
