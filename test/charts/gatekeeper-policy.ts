/**
 * A static evaluator of our Gatekeeper constraints against rendered objects, for the tests: what
 * each constraint kind's Rego decides (the vendored library's templates and ours: K8sRestrictedRbac,
 * K8sBlockedKinds, K8sStrictMeshTls),
 * written again in TypeScript, and Gatekeeper's `match` semantics. No Rego evaluator (OPA) is
 * available offline, so this is the closest check of the exceptions against what dist renders.
 *
 * What the cluster adds at admission, before Gatekeeper sees a pod, is modelled where a rule
 * depends on it: LimitRange defaults (requests and limits) and the ServiceAccount admission
 * plugin's token mount. Pods that operators create at run time are not in dist and not judged.
 */
import { K8sObject } from '../../lib/render';

export interface Subject {
  /** `<component> <Kind>/<namespace>/<name>` of the rendered object (and ` pod` for its pod template). */
  readonly source: string;
  readonly component: string;
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The object as admitted: a Pod built from a pod template, or the rendered object itself. */
  readonly object: any;
}

const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Rollout']);
const SA_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

function podTemplate(o: K8sObject): any | undefined {
  const spec = o.spec as any;
  if (POD_TEMPLATE_KINDS.has(o.kind)) return spec?.template;
  if (o.kind === 'CronJob') return spec?.jobTemplate?.spec?.template;
  return undefined;
}

/** Container defaults of each namespace's LimitRanges (type Container). */
function limitRangeDefaults(objects: readonly K8sObject[]): Map<string, { limits: Record<string, string>; requests: Record<string, string> }> {
  const out = new Map<string, { limits: Record<string, string>; requests: Record<string, string> }>();
  for (const o of objects.filter((x) => x.kind === 'LimitRange')) {
    for (const l of ((o.spec as any)?.limits ?? []).filter((x: any) => x.type === 'Container')) {
      const seen = out.get(o.metadata.namespace!) ?? { limits: {}, requests: {} };
      out.set(o.metadata.namespace!, { limits: { ...seen.limits, ...(l.default ?? {}) }, requests: { ...seen.requests, ...(l.defaultRequest ?? {}) } });
    }
  }
  return out;
}

/** What LimitRanger does to a container: missing limits from `default`, missing requests from the limits, then `defaultRequest`. */
function withDefaults(c: any, d?: { limits: Record<string, string>; requests: Record<string, string> }): any {
  if (!d) return c;
  const limits = { ...d.limits, ...(c.resources?.limits ?? {}) };
  const requests = { ...d.requests, ...Object.fromEntries(Object.entries(c.resources?.limits ?? {})), ...(c.resources?.requests ?? {}) };
  return { ...c, resources: { ...(c.resources ?? {}), limits, requests } };
}

/**
 * The subjects Gatekeeper would review for the rendered objects of every component: each object
 * itself, and a Pod for each pod template (labels and spec of the template, namespace of its owner).
 */
export function subjectsOf(objects: ReadonlyMap<string, readonly K8sObject[]>): Subject[] {
  const all = [...objects.values()].flat();
  const defaults = limitRangeDefaults(all);
  const serviceAccounts = new Map(all.filter((o) => o.kind === 'ServiceAccount').map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o as any]));
  const out: Subject[] = [];
  for (const [component, list] of [...objects].sort(([a], [b]) => a.localeCompare(b))) {
    for (const o of list) {
      const ns = o.metadata.namespace;
      const ref = `${o.kind}/${ns ? `${ns}/` : ''}${o.metadata.name}`;
      out.push({ source: `${component} ${ref}`, component, group: groupOf(o.apiVersion), kind: o.kind, namespace: ns, name: o.metadata.name, labels: (o.metadata.labels ?? {}) as Record<string, string>, object: o });
      const t = podTemplate(o);
      if (!t) continue;
      const d = ns ? defaults.get(ns) : undefined;
      const spec = { ...t.spec, containers: (t.spec.containers ?? []).map((c: any) => withDefaults(c, d)), initContainers: t.spec.initContainers?.map((c: any) => withDefaults(c, d)) };
      if (!spec.initContainers) delete spec.initContainers;
      // The ServiceAccount admission plugin mounts the token unless the pod or its ServiceAccount opts out.
      const sa = serviceAccounts.get(`${ns}/${spec.serviceAccountName ?? spec.serviceAccount ?? 'default'}`);
      const mounted = spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
      if (mounted && spec.automountServiceAccountToken === undefined) {
        const mount = (c: any) => ({ ...c, volumeMounts: [...(c.volumeMounts ?? []), { name: 'kube-api-access', mountPath: SA_TOKEN_PATH, readOnly: true }] });
        spec.containers = spec.containers.map(mount);
        if (spec.initContainers) spec.initContainers = spec.initContainers.map(mount);
      }
      const labels = t.metadata?.labels ?? {};
      out.push({ source: `${component} ${ref} pod`, component, group: '', kind: 'Pod', namespace: ns, name: o.metadata.name, labels, object: { apiVersion: 'v1', kind: 'Pod', metadata: { ...(t.metadata ?? {}), name: o.metadata.name, namespace: ns }, spec } });
    }
  }
  return out;
}

function globMatch(value: string, pattern: string): boolean {
  if (pattern.startsWith('*') && pattern.endsWith('*') && pattern.length > 1) return value.includes(pattern.slice(1, -1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return value === pattern;
}

function selectorMatches(selector: any, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        if (!has || !e.values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && e.values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

/** Gatekeeper's `spec.match`: kinds, scope, namespaces, excludedNamespaces, labelSelector. */
export function matches(constraint: any, s: Subject): boolean {
  const m = constraint.spec.match ?? {};
  const kindOk = (m.kinds ?? []).some((k: any) => (k.apiGroups.includes('*') || k.apiGroups.includes(s.group)) && (k.kinds.includes('*') || k.kinds.includes(s.kind)));
  if (!kindOk) return false;
  if (m.scope === 'Namespaced' && !s.namespace) return false;
  if (m.scope === 'Cluster' && s.namespace) return false;
  if (s.namespace) {
    if (m.namespaces && !m.namespaces.some((p: string) => globMatch(s.namespace!, p))) return false;
    if (m.excludedNamespaces && m.excludedNamespaces.some((p: string) => globMatch(s.namespace!, p))) return false;
  }
  return selectorMatches(m.labelSelector, s.labels);
}

function containers(pod: any): any[] {
  return [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? []), ...(pod.spec.ephemeralContainers ?? [])];
}

function exempt(image: string, exemptImages: readonly string[] | undefined): boolean {
  return (exemptImages ?? []).some((e) => (e.endsWith('*') ? image.startsWith(e.slice(0, -1)) : image === e));
}

const DIGEST = /@[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+/;

function rbacRefOf(s: Subject): string {
  return s.kind.startsWith('Cluster') ? `${s.kind}/${s.name}` : `${s.kind}/${s.namespace}/${s.name}`;
}

function allowed(ref: string, entries: readonly string[] | undefined): boolean {
  return (entries ?? []).some((e) => (e.endsWith('*') ? ref.startsWith(e.slice(0, -1)) : ref === e));
}

/** What the constraint kind's Rego reports for one object (empty: no violation). */
export function violations(kind: string, parameters: any, s: Subject): string[] {
  const p = parameters ?? {};
  const o = s.object;
  const out: string[] = [];
  switch (kind) {
    case 'K8sRequiredResources':
      for (const c of [...(o.spec.containers ?? []), ...(o.spec.initContainers ?? [])]) {
        if (exempt(c.image, p.exemptImages)) continue;
        const missingLimits = (p.limits ?? []).filter((r: string) => !c.resources?.limits?.[r]);
        const missingRequests = (p.requests ?? []).filter((r: string) => !c.resources?.requests?.[r]);
        if (missingLimits.length) out.push(`container ${c.name} has no ${missingLimits.join('/')} limits`);
        if (missingRequests.length) out.push(`container ${c.name} has no ${missingRequests.join('/')} requests`);
      }
      return out;
    case 'K8sDisallowedTags':
      for (const c of containers(o)) {
        if (exempt(c.image, p.exemptImages)) continue;
        if ((p.tags ?? []).some((t: string) => c.image.endsWith(`:${t}`))) out.push(`container ${c.name} image ${c.image} uses a disallowed tag`);
        if (!(c.image.split('/').pop() ?? '').includes(':')) out.push(`container ${c.name} image ${c.image} has no tag`);
      }
      return out;
    case 'K8sAllowedRepos':
      for (const c of containers(o)) if (!(p.repos ?? []).some((r: string) => c.image.startsWith(r))) out.push(`container ${c.name} image ${c.image} is not from an allowed registry`);
      return out;
    case 'K8sRequiredLabels':
      for (const l of p.labels ?? []) if (!(l.key in s.labels)) out.push(`missing label ${l.key}`);
      return out;
    case 'K8sPSPPrivilegedContainer':
      for (const c of containers(o)) if (!exempt(c.image, p.exemptImages) && c.securityContext?.privileged === true) out.push(`container ${c.name} is privileged`);
      return out;
    case 'K8sPSPHostNamespace':
      if (o.spec.hostPID || o.spec.hostIPC) out.push('shares the host PID or IPC namespace');
      return out;
    case 'K8sPSPHostNetworkingPorts':
      if (o.spec.hostNetwork && !p.hostNetwork) out.push('uses the host network');
      for (const c of containers(o)) {
        if (exempt(c.image, p.exemptImages)) continue;
        // The API server defaults hostPort to containerPort on the host network.
        for (const port of c.ports ?? []) {
          const hostPort = port.hostPort ?? (o.spec.hostNetwork ? port.containerPort : undefined);
          if (hostPort !== undefined && (hostPort < (p.min ?? 0) || hostPort > (p.max ?? 0))) out.push(`container ${c.name} host port ${hostPort} is outside ${p.min}-${p.max}`);
        }
      }
      return out;
    case 'K8sPSPHostFilesystem':
      for (const v of o.spec.volumes ?? []) if (v.hostPath && !(p.allowedHostPaths ?? []).some((a: any) => v.hostPath.path.startsWith(a.pathPrefix))) out.push(`hostPath volume ${v.name} (${v.hostPath.path})`);
      return out;
    case 'K8sBlockNodePort':
      if (s.kind === 'Service' && o.spec?.type === 'NodePort') out.push('Service of type NodePort');
      return out;
    case 'K8sBlockLoadBalancer':
      if (s.kind === 'Service' && o.spec?.type === 'LoadBalancer') out.push('Service of type LoadBalancer');
      return out;
    case 'K8sExternalIPs': {
      if (s.kind !== 'Service' || s.group !== '') return out;
      const forbidden = (o.spec?.externalIPs ?? []).filter((ip: string) => !(p.allowedIPs ?? []).includes(ip));
      if (forbidden.length) out.push(`external IPs ${forbidden.join(', ')}`);
      return out;
    }
    case 'K8sImageDigests':
      for (const c of containers(o)) if (!exempt(c.image, p.exemptImages) && !DIGEST.test(c.image)) out.push(`container ${c.name} image ${c.image} has no digest`);
      return out;
    case 'K8sPSPAutomountServiceAccountTokenPod': {
      const spec = o.spec;
      const mounts = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].some((c: any) => (c.volumeMounts ?? []).some((m: any) => m.mountPath === SA_TOKEN_PATH));
      if (spec.automountServiceAccountToken === true || (spec.automountServiceAccountToken === undefined && mounts)) out.push('mounts a ServiceAccount token');
      return out;
    }
    case 'K8sRestrictedRbac': {
      const ref = rbacRefOf(s);
      if (s.kind === 'Role' || s.kind === 'ClusterRole') {
        const wild = (o.rules ?? []).some((r: any) => ['apiGroups', 'resources', 'verbs'].some((f) => (r[f] ?? []).includes('*')));
        if (wild && !allowed(ref, p.allowedWildcardRoles)) out.push(`${ref} has a wildcard rule`);
      }
      if ((s.kind === 'RoleBinding' || s.kind === 'ClusterRoleBinding') && o.roleRef?.kind === 'ClusterRole' && o.roleRef?.name === 'cluster-admin' && !allowed(ref, p.allowedClusterAdminBindings)) {
        out.push(`${ref} binds cluster-admin`);
      }
      return out;
    }
    case 'K8sBlockedKinds':
      // Whatever the constraint matches is denied.
      out.push(`${s.kind}/${s.namespace ? `${s.namespace}/` : ''}${s.name} is not allowed: ${p.reason ?? 'the constraint blocks this kind here'}`);
      return out;
    case 'K8sStrictMeshTls':
      return meshTlsViolations(p, s);
    default:
      throw new Error(`no evaluator for constraint kind ${kind}; add it to test/charts/gatekeeper-policy.ts`);
  }
}

/** [path, mode] of each mode a PeerAuthentication sets (k8sstrictmeshtls `peer_modes`). */
function peerModes(spec: any): [string, string][] {
  const out: [string, string][] = [];
  if (spec?.mtls?.mode !== undefined) out.push(['spec.mtls.mode', spec.mtls.mode]);
  for (const [port, m] of Object.entries(spec?.portLevelMtls ?? {})) if ((m as any)?.mode !== undefined) out.push([`spec.portLevelMtls.${port}.mode`, (m as any).mode]);
  return out;
}

/** [path, mode] of each TLS mode of a DestinationRule's traffic policies, its subsets' and per-port ones included (`tls_modes`). */
function tlsModes(spec: any): [string, string][] {
  const policies: [string, any][] = [];
  if (spec?.trafficPolicy !== undefined) policies.push(['spec.trafficPolicy', spec.trafficPolicy]);
  (spec?.subsets ?? []).forEach((sub: any, i: number) => {
    if (sub?.trafficPolicy !== undefined) policies.push([`spec.subsets[${i}].trafficPolicy`, sub.trafficPolicy]);
  });
  const out: [string, string][] = [];
  for (const [path, tp] of policies) {
    if (tp?.tls?.mode !== undefined) out.push([`${path}.tls.mode`, tp.tls.mode]);
    (tp?.portLevelSettings ?? []).forEach((ps: any, i: number) => {
      if (ps?.tls?.mode !== undefined) out.push([`${path}.portLevelSettings[${i}].tls.mode`, ps.tls.mode]);
    });
  }
  return out;
}

/** Why each rule of an ALLOW AuthorizationPolicy admits any source (`any_source`). */
function anySource(spec: any): string[] {
  const out: string[] = [];
  (spec?.rules ?? []).forEach((rule: any, i: number) => {
    const from: any[] = rule?.from ?? [];
    if (from.length === 0) out.push(`spec.rules[${i}] has no \`from\`, so it admits any source`);
    from.forEach((f: any, j: number) => {
      const source = f?.source ?? {};
      if (Object.keys(source).length === 0) out.push(`spec.rules[${i}] from[${j}] has an empty source`);
      for (const field of ['principals', 'namespaces']) if ((source[field] ?? []).includes('*')) out.push(`spec.rules[${i}] from[${j}].source.${field} has "*"`);
    });
  });
  return out;
}

/** What k8sstrictmeshtls reports for one object. */
function meshTlsViolations(p: any, s: Subject): string[] {
  const spec = s.object.spec;
  const ref = `${s.kind}/${s.namespace}/${s.name}`;
  switch (s.kind) {
    case 'PeerAuthentication':
      return peerModes(spec)
        .filter(([, mode]) => (p.disallowedPeerAuthenticationModes ?? []).includes(mode))
        .map(([path, mode]) => `${ref} sets ${path} to ${mode}`);
    case 'DestinationRule':
      return tlsModes(spec)
        .filter(([, mode]) => (p.disallowedDestinationRuleTlsModes ?? []).includes(mode))
        .map(([path, mode]) => `${ref} sets ${path} to ${mode}`);
    case 'AuthorizationPolicy':
      return (spec?.action ?? 'ALLOW') === 'ALLOW' ? anySource(spec).map((why) => `${ref}: ${why}`) : [];
    default:
      return [];
  }
}

/** Every (constraint, subject) pair where the constraint matches the subject and reports a violation. */
export function evaluate(constraints: readonly any[], subjects: readonly Subject[]): { constraint: any; subject: Subject; messages: string[] }[] {
  const out: { constraint: any; subject: Subject; messages: string[] }[] = [];
  for (const c of constraints) {
    for (const s of subjects) {
      if (!matches(c, s)) continue;
      const messages = violations(c.kind, c.spec.parameters, s);
      if (messages.length) out.push({ constraint: c, subject: s, messages });
    }
  }
  return out;
}
