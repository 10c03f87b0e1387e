/**
 * platform-base: the namespaces every component runs in (Pod Security Standard labels, a
 * ResourceQuota and a LimitRange each), the PriorityClasses, the default gp3 StorageClass, the
 * EBS VolumeSnapshotClass, and the Cilium policy denying every pod egress to IMDS (imds.ts).
 *
 * Built from what the other components render (lib/component.ts `FromRendered`): it creates the
 * namespaces their objects use, and sizes each namespace's quota from the pods that run there as
 * derived from those objects (lib/workloads.ts: replicas × requests with Istio sidecars and
 * LimitRange defaults, autoscaled workloads at their maximum, DaemonSets × the node group maximum,
 * hook Jobs) plus headroom for rolling updates and pods no object shows. A quota sized from the
 * seed's per-workflow table alone would reject the platform's own pods; those figures are targets
 * the plan reports against.
 *
 * Three charts, because the namespaces and their LimitRanges must exist before the workloads can
 * be derived (the derivation reads their injection labels and container defaults), and the quotas
 * need the workloads:
 * - `PlatformBaseChart`: the cluster-wide objects (PriorityClasses, StorageClass, VolumeSnapshotClass);
 * - `PlatformNamespacesChart`: per used namespace, the Namespace, its LimitRange, default-deny policies;
 * - `PlatformQuotasChart`: per used namespace, the ResourceQuota.
 */
import { ApiObject, ApiObjectProps } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { PlatformComponentId } from '../../config/ids';
import { PlatformComponent, manifests, NamespaceUsage, RenderedFacts, Workflow } from '../../lib/component';
import { LabelDomain, standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { PRIORITY } from '../../lib/priority';
import { derivedEdges, edgePolicies } from '../../lib/traffic';
import { Cpu, Memory, podTotal, ResourceAmounts, Workload, WorkloadKind } from '../../lib/resources';
import { VolumeSnapshotClass, VolumeSnapshotClassDeletionPolicy } from '../../imports/snapshot.storage.k8s.io';
import { IMDS_DENY_POLICY, imdsDenyPolicy } from './imds';

export const ID = 'platform-base' satisfies PlatformComponentId;

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface NamespaceDeclaration {
  readonly name: string;
  readonly podSecurity: PodSecurityLevel;
  /** Why the namespace is not `restricted`. Required for any other level. */
  readonly reason?: string;
  readonly istioInjection?: boolean;
  /** Deny all ingress and egress but DNS; the workloads' own NetworkPolicies add the allows. */
  readonly defaultDeny?: boolean;
  /**
   * With `defaultDeny`: platform-base also renders the allows, from the traffic the components
   * declare and the traffic their rendered objects imply (lib/traffic.ts): API server, webhooks,
   * scrapes. Without it, the namespace's own components bring their NetworkPolicies (apps/).
   */
  readonly declaredTraffic?: boolean;
}

export interface PlatformBaseProps {
  /**
   * Every namespace a component may use, with its Pod Security level. platform-base creates those
   * the other components' rendered objects use (or are deployed to); a used namespace that is
   * neither declared here nor in `existingNamespaces` fails the synth.
   */
  readonly namespaces: readonly NamespaceDeclaration[];
  /** Namespaces the cluster has already: never created, given no quota. @default DEFAULTS.existingNamespaces */
  readonly existingNamespaces?: readonly string[];
  /** Node count at the maximum size of every node group: DaemonSets run one pod on each. */
  readonly maxNodes: number;
  /** Kubernetes minor version for the Pod Security Standard version labels. */
  readonly kubernetesVersion: string;
  /** The platform's label domain: a namespace's `reason` goes into its `podSecurityException` annotation. */
  readonly labelDomain: LabelDomain;
  /** @default DEFAULTS.headroom */
  readonly headroom?: number;
  /** The pods that scrape metrics (Prometheus): required where a namespace has `declaredTraffic`. */
  readonly scraper?: { readonly namespace: string; readonly pods: Readonly<Record<string, string>> };
}

export const DEFAULTS = {
  /** Added on top of the derived totals: rolling-update surge (25%) and a margin. */
  headroom: 0.3,
  /**
   * Added on top of that for pods no rendered object shows: the operators' own transient pods
   * (CloudNativePG's initdb and join Jobs, the Tekton operator's pruner), pods run by hand.
   */
  floor: { cpu: Cpu.millis(500), memory: Memory.mebibytes(512), pods: 10 },
  /** What a container without its own resources gets in a platform namespace. */
  containerDefaults: {
    request: { cpu: Cpu.millis(50), memory: Memory.mebibytes(64) },
    limit: { cpu: Cpu.millis(500), memory: Memory.mebibytes(512) },
  },
  /** The namespaces every Kubernetes cluster starts with. */
  existingNamespaces: ['default', 'kube-node-lease', 'kube-public', 'kube-system'] as readonly string[],
  storageClass: 'gp3',
  snapshotClass: 'ebs-snapshots',
} as const;

export interface NamespaceTotals {
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
  readonly pods: number;
}

/** Totals of one namespace at full scale: autoscaled workloads at max, DaemonSets on every node. */
export function namespaceTotals(workloads: readonly Workload[], maxNodes: number): NamespaceTotals {
  let requests: ResourceAmounts = { cpu: Cpu.millis(0), memory: Memory.mebibytes(0) };
  let limits: ResourceAmounts = { cpu: Cpu.millis(0), memory: Memory.mebibytes(0) };
  let pods = 0;
  for (const w of workloads) {
    const count = w.kind === WorkloadKind.DaemonSet ? maxNodes : Math.max(w.replicas, w.maxReplicas ?? 0);
    const r = podTotal(w, 'requests');
    const l = podTotal(w, 'limits');
    requests = { cpu: requests.cpu.plus(r.cpu.times(count)), memory: requests.memory.plus(r.memory.times(count)) };
    limits = { cpu: limits.cpu.plus(l.cpu.times(count)), memory: limits.memory.plus(l.memory.times(count)) };
    pods += count;
  }
  return { requests, limits, pods };
}

const roundCpu = (c: Cpu) => Cpu.millis(Math.ceil(c.millicores / 100) * 100);
const roundMemory = (m: Memory) => Memory.mebibytes(Math.ceil(m.mebibytes / 128) * 128);

/** The hard limits of a namespace's ResourceQuota. */
export function quotaFor(totals: NamespaceTotals, headroom: number): Record<string, string> {
  const grow = (a: ResourceAmounts) => ({
    cpu: roundCpu(a.cpu.times(1 + headroom).plus(DEFAULTS.floor.cpu)),
    memory: roundMemory(a.memory.times(1 + headroom).plus(DEFAULTS.floor.memory)),
  });
  const req = grow(totals.requests);
  const lim = grow(totals.limits);
  return {
    'limits.cpu': lim.cpu.toString(),
    'limits.memory': lim.memory.toString(),
    pods: String(Math.ceil(totals.pods * (1 + headroom)) + DEFAULTS.floor.pods),
    'requests.cpu': req.cpu.toString(),
    'requests.memory': req.memory.toString(),
  };
}

/** Throws naming the namespace and the fix when a declaration is inconsistent. */
export function validateProps(props: PlatformBaseProps): void {
  const existing = new Set(props.existingNamespaces ?? DEFAULTS.existingNamespaces);
  const seen = new Set<string>();
  for (const ns of props.namespaces) {
    if (seen.has(ns.name)) throw new Error(`platform-base: namespace ${ns.name} is declared twice in namespaces; keep one declaration`);
    seen.add(ns.name);
    if (existing.has(ns.name)) {
      throw new Error(`platform-base: namespace ${ns.name} is both declared in namespaces and listed in existingNamespaces; the cluster has it already, so remove its declaration`);
    }
    if (ns.podSecurity !== 'restricted' && !ns.reason) {
      throw new Error(`namespace ${ns.name}: Pod Security level "${ns.podSecurity}" needs a reason; explain the exception or use restricted`);
    }
  }
  if (!Number.isInteger(props.maxNodes) || props.maxNodes < 1) {
    throw new Error(`platform-base: maxNodes must be a whole number of at least 1, got ${props.maxNodes}`);
  }
}

/**
 * The declarations of the namespaces platform-base creates: every used namespace the cluster does
 * not have already, sorted. Throws for a used namespace nobody declared, naming who uses it.
 */
export function managedNamespaces(props: PlatformBaseProps, used: NamespaceUsage): NamespaceDeclaration[] {
  const existing = new Set(props.existingNamespaces ?? DEFAULTS.existingNamespaces);
  const declared = new Map(props.namespaces.map((n) => [n.name, n]));
  return [...used.keys()]
    .filter((name) => !existing.has(name))
    .sort()
    .map((name) => {
      const d = declared.get(name);
      if (!d) {
        throw new Error(
          `platform-base: namespace "${name}" (used by ${used.get(name)!.join(', ')}) has no declaration in namespaces; ` +
            'declare it with its Pod Security level (the platform declares its namespaces in workflows/namespaces.ts)',
        );
      }
      return d;
    });
}

const labelsFor = (id: string) => (name: string) => standardLabels({ name, instance: id, component: 'platform-base' });

/** The cluster-wide objects: PriorityClasses, the default StorageClass and VolumeSnapshotClass. */
export class PlatformBaseChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: PlatformBaseProps) {
    super(scope, id);
    validateProps(props);
    const labels = labelsFor(id);
    for (const [name, value, description] of [
      [PRIORITY.platformCritical, 1_000_000, 'Platform controllers and data stores: scheduled before, and evicted after, microservices.'],
      [PRIORITY.workload, 1_000, 'Microservices.'],
    ] as const) {
      new k8s.KubePriorityClass(this, `priority-${name}`, {
        metadata: { name, labels: labels(name) },
        value,
        globalDefault: false,
        preemptionPolicy: 'PreemptLowerPriority',
        description,
      });
    }
    new k8s.KubeStorageClass(this, 'storageclass-gp3', {
      metadata: {
        name: DEFAULTS.storageClass,
        labels: labels(DEFAULTS.storageClass),
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true', fsType: 'ext4' },
      reclaimPolicy: 'Delete',
      // Bind where the pod lands, so zone-spread StatefulSets get volumes in their own zone.
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    });
    new VolumeSnapshotClass(this, 'volumesnapshotclass', {
      metadata: {
        name: DEFAULTS.snapshotClass,
        labels: labels(DEFAULTS.snapshotClass),
        annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' },
      },
      driver: 'ebs.csi.aws.com',
      deletionPolicy: VolumeSnapshotClassDeletionPolicy.DELETE,
    });
    // Pods cannot borrow the node's identity: egress to IMDS is denied in every namespace (imds.ts).
    imdsDenyPolicy(this, labels(IMDS_DENY_POLICY));
  }
}

/**
 * Per namespace the other components use: the Namespace with its Pod Security and Istio injection
 * labels, its LimitRange, and the default-deny policies where declared. Depends on which
 * namespaces are used, never on what runs in them.
 */
export class PlatformNamespacesChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: PlatformBaseProps, used: NamespaceUsage) {
    super(scope, id);
    validateProps(props);
    const labels = labelsFor(id);
    for (const ns of managedNamespaces(props, used)) {
      new k8s.KubeNamespace(this, `namespace-${ns.name}`, {
        metadata: {
          name: ns.name,
          labels: {
            ...labels(ns.name),
            'pod-security.kubernetes.io/enforce': ns.podSecurity,
            'pod-security.kubernetes.io/enforce-version': `v${props.kubernetesVersion}`,
            // Always audit and warn at restricted, so exceptions stay visible.
            'pod-security.kubernetes.io/audit': 'restricted',
            'pod-security.kubernetes.io/warn': 'restricted',
            ...(ns.istioInjection ? { 'istio-injection': 'enabled' } : {}),
          },
          annotations: {
            // Pruning a Namespace deletes everything in it: Argo CD never deletes these.
            'argocd.argoproj.io/sync-options': 'Delete=false',
            ...(ns.reason ? { [props.labelDomain.podSecurityException]: ns.reason } : {}),
          },
        },
      });
      if (ns.defaultDeny) this.defaultDeny(ns.name, labels);
      const d = DEFAULTS.containerDefaults;
      new k8s.KubeLimitRange(this, `limits-${ns.name}`, {
        metadata: { name: 'container-defaults', namespace: ns.name, labels: labels('container-defaults') },
        spec: {
          limits: [
            {
              type: 'Container',
              defaultRequest: mapQuantities({ cpu: d.request.cpu.toString(), memory: d.request.memory.toString() }),
              default: mapQuantities({ cpu: d.limit.cpu.toString(), memory: d.limit.memory.toString() }),
            },
          ],
        },
      });
    }
  }

  private defaultDeny(namespace: string, labels: (name: string) => Record<string, string>): void {
    new k8s.KubeNetworkPolicy(this, `netpol-${namespace}-default-deny`, {
      metadata: { name: 'default-deny', namespace, labels: labels('default-deny') },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this, `netpol-${namespace}-allow-dns`, {
      metadata: { name: 'allow-dns', namespace, labels: labels('allow-dns') },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
              { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
            ],
          },
        ],
      },
    });
  }
}

/**
 * The ResourceQuota of every namespace platform-base creates, sized from the workloads the other
 * components' rendered objects run there.
 */
export class PlatformQuotasChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: PlatformBaseProps, facts: RenderedFacts) {
    super(scope, id);
    validateProps(props);
    const labels = labelsFor(id);
    const headroom = props.headroom ?? DEFAULTS.headroom;
    const workloads = [...facts.workloads.values()].flat();
    for (const ns of managedNamespaces(props, facts.namespaces)) {
      const totals = namespaceTotals(workloads.filter((w) => w.namespace === ns.name), props.maxNodes);
      new k8s.KubeResourceQuota(this, `quota-${ns.name}`, {
        metadata: { name: 'platform-quota', namespace: ns.name, labels: labels('platform-quota') },
        spec: { hard: mapQuantities(quotaFor(totals, headroom)) },
      });
    }
  }
}

/**
 * The allows of every namespace with `declaredTraffic` (default-deny there): one policy per end of
 * each edge that has an end in it, declared by the components or derived from their rendered objects.
 */
export class PlatformTrafficChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: PlatformBaseProps, facts: RenderedFacts) {
    super(scope, id);
    const labels = labelsFor(id);
    for (const ns of managedNamespaces(props, facts.namespaces).filter((n) => n.declaredTraffic)) {
      if (!ns.defaultDeny) throw new Error(`platform-base: namespace ${ns.name} has declaredTraffic without defaultDeny; its allows would open nothing`);
      if (!props.scraper) throw new Error(`platform-base: namespace ${ns.name} has declaredTraffic but no scraper is given; pass the Prometheus pods`);
      const edges = [...derivedEdges(ns.name, facts.objects, props.scraper), ...facts.traffic];
      for (const o of edgePolicies(ns.name, edges, labels, props.labelDomain.trafficReason)) {
        new ApiObject(this, `traffic-${ns.name}-${o.kind}-${o.metadata.name}`, o as ApiObjectProps);
      }
    }
  }
}

function mapQuantities(q: Record<string, string>): Record<string, k8s.Quantity> {
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
}

export function platformBaseComponent(namespace: string, props: PlatformBaseProps): PlatformComponent {
  validateProps(props);
  return {
    id: ID,
    workflow: Workflow.Foundation,
    namespace,
    dependsOn: ['cilium'],
    // The IMDS policy's CRD is registered by the Cilium agent when it starts, not by any rendered object.
    syncOptions: ['SkipDryRunOnMissingResource=true'],
    source: manifests((scope) => new PlatformBaseChart(scope, ID, props), {
      namespaces: (scope, used) => new PlatformNamespacesChart(scope, ID, props, used),
      workloads: (scope, facts) => [new PlatformQuotasChart(scope, ID, props, facts), new PlatformTrafficChart(scope, `${ID}-traffic`, props, facts)],
    }),
  };
}
