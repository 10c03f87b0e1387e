/**
 * The capacity plan of one environment (the seed's "Resource Planning and Allocation"): the
 * requests and limits of every workload summed per workflow, next to the seed's allocation table,
 * against what the environment's node groups can schedule at their minimum and maximum size.
 * Pure: it reads the workloads derived from the components' rendered objects (lib/workloads.ts:
 * the pods of the objects and of the custom resources operators act on, Istio sidecars included)
 * and the node groups eksctl renders.
 */
import { EnvironmentSettings } from '../config/defaults';
import { MAX_PODS_PER_NODE, NodeGroup, nodeGroups, NODE_GROUP_PATTERNS, NodeRole } from '../eksctl/node-groups';
import { Component, Workflow, WORKFLOW_ORDER } from './component';
import { Cpu, Memory, podTotal, ResourceAmounts, Workload, WorkloadKind } from './resources';
import { environmentWorkloads, ObjectsByComponent, WorkloadWarning } from './workloads';

/** A component as the plan counts it: its workflow and the workloads its rendered objects run. */
export interface PlannedComponent {
  readonly id: string;
  readonly workflow: Workflow;
  readonly workloads: readonly Workload[];
  /** What the derivation could not count exactly (containers without requests, unknown kinds). */
  readonly warnings?: readonly WorkloadWarning[];
}

/** An environment with every component rendered (synth.ts `HydratedModel`). */
export interface RenderedEnvironment {
  readonly env: EnvironmentSettings;
  readonly components: readonly Component[];
  readonly objects: ObjectsByComponent;
}

/** The components of a rendered environment with the workloads derived from their objects. */
export function plannedComponents(model: Pick<RenderedEnvironment, 'env' | 'components' | 'objects'>): PlannedComponent[] {
  const derived = environmentWorkloads(model.components, model.objects, model.env.labelDomain);
  return model.components.map((c) => ({ id: c.id, workflow: c.workflow, ...derived.get(c.id)! }));
}

const amounts = (cpu: string, memory: string): ResourceAmounts => ({ cpu: Cpu.parse(cpu), memory: Memory.parse(memory) });
const ZERO: ResourceAmounts = { cpu: Cpu.millis(0), memory: Memory.mebibytes(0) };

function add(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  return { cpu: a.cpu.plus(b.cpu), memory: a.memory.plus(b.memory) };
}

function times(a: ResourceAmounts, n: number): ResourceAmounts {
  return { cpu: a.cpu.times(n), memory: a.memory.times(n) };
}

/**
 * The seed's "Platform Resource Allocation" table, quoted per line. The seed writes "GB"; read as
 * GiB (its "~768MB" is 0.75 of a binary GB, and Kubernetes quantities are binary).
 */
export const SEED_ALLOCATION: Readonly<Record<Workflow, ResourceAmounts>> = {
  /** "Workflow 1 (Foundation): ~1.5 CPU, ~3GB RAM" */
  [Workflow.Foundation]: amounts('1.5', '3Gi'),
  /** "Workflow 2 (Ingress): ~0.5 CPU, ~768MB RAM" */
  [Workflow.Ingress]: amounts('500m', '768Mi'),
  /** "Workflow 3 (Observability): ~2 CPU, ~4GB RAM" */
  [Workflow.Observability]: amounts('2', '4Gi'),
  /** "Workflow 4 (GitOps): ~1 CPU, ~2GB RAM" */
  [Workflow.GitOps]: amounts('1', '2Gi'),
  /** "Workflow 5 (Security): ~0.8 CPU, ~1.5GB RAM" */
  [Workflow.Security]: amounts('800m', '1536Mi'),
  /** "Workflow 6 (Service Mesh): ~1 CPU, ~2GB RAM" */
  [Workflow.Mesh]: amounts('1', '2Gi'),
  /** "Workflow 7 (Data Services): ~1.5 CPU, ~3GB RAM" */
  [Workflow.Data]: amounts('1.5', '3Gi'),
  /** "Reserved for Microservices: ~5 CPU, ~10GB RAM" (5 services × 3 replicas × 300m/512Mi, plus headroom) */
  [Workflow.Apps]: amounts('5', '10Gi'),
};

/** The efficiency guide's "Cluster Resource Distribution", as fractions of raw node capacity. */
export const SEED_DISTRIBUTION = {
  /** "system_overhead: 15%  # Reduced from 20%" */
  systemOverhead: 0.15,
  /** "platform_services: 45%  # Optimized allocation" */
  platformServices: 0.45,
  /** "application_workloads: 35%  # Increased for microservices" */
  applicationWorkloads: 0.35,
  /** "scaling_buffer: 5%  # Emergency headroom" */
  scalingBuffer: 0.05,
} as const;

export type DistributionShare = keyof typeof SEED_DISTRIBUTION;

/**
 * EC2 instance sizes (vCPUs, memory) from the AWS instance type specifications. The kubelet sees a
 * little less memory than this (the kernel keeps some before `MemTotal`), so allocatable memory
 * here is an upper bound by roughly 2-4% on these types. Nitro types only, like the node groups
 * (eksctl/node-groups.ts NITRO_FAMILIES): the figures assume MAX_PODS_PER_NODE pods, which only
 * prefix delegation on Nitro gives (the seed's t2.large is replaced by m5.large).
 */
export const INSTANCE_TYPES: Readonly<Record<string, { readonly vcpus: number; readonly memory: Memory }>> = {
  't3.medium': { vcpus: 2, memory: Memory.gibibytes(4) },
  't3.large': { vcpus: 2, memory: Memory.gibibytes(8) },
  't3a.large': { vcpus: 2, memory: Memory.gibibytes(8) },
  't3.xlarge': { vcpus: 4, memory: Memory.gibibytes(16) },
  'm5.large': { vcpus: 2, memory: Memory.gibibytes(8) },
  'm5.xlarge': { vcpus: 4, memory: Memory.gibibytes(16) },
};

/** Hard eviction threshold of the EKS AMIs: `evictionHard: memory.available: 100Mi` (the seed's 100Mi). */
export const EVICTION_HARD_MEMORY = Memory.mebibytes(100);

/**
 * kube-reserved CPU of the EKS AMIs: 6% of the first core, 1% of the second, 0.5% of the third
 * and fourth, 0.25% of every core above four. Source: awslabs/amazon-eks-ami, AL2
 * `templates/al2/runtime/bootstrap.sh` `get_cpu_millicores_to_reserve` and AL2023 nodeadm
 * `internal/kubelet/config.go` `getCPUMillicoresToReserve` (same formula). 2 vCPUs → 70m.
 */
export function kubeReservedCpu(vcpus: number): Cpu {
  const steps: readonly (readonly [number, number])[] = [[1, 0.06], [1, 0.01], [2, 0.005], [Infinity, 0.0025]];
  let left = vcpus;
  let millis = 0;
  for (const [cores, share] of steps) {
    const n = Math.min(left, cores);
    millis += n * 1000 * share;
    left -= n;
    if (left <= 0) break;
  }
  return Cpu.millis(Math.round(millis));
}

/** The efficiency guide's `node_cpu_reservation: "100m"  # For system processes`, quoted. */
export const SEED_NODE_CPU_RESERVATION = Cpu.millis(100);

/**
 * kube-reserved CPU the node groups set (eksctl/cluster-config.ts writes it into each group's
 * NodeConfig): the AMI's own figure, raised to the guide's node_cpu_reservation where that is more
 * (every 2-vCPU node: 70m → 100m).
 */
export function nodeReservedCpu(vcpus: number): Cpu {
  return Cpu.millis(Math.max(kubeReservedCpu(vcpus).millicores, SEED_NODE_CPU_RESERVATION.millicores));
}

/**
 * kube-reserved memory of the EKS AMIs: `11 * maxPods + 255` MiB (same sources as the CPU formula,
 * `getMemoryMebibytesToReserve`). With prefix delegation and 110 pods per node
 * (eksctl/node-groups.ts MAX_PODS_PER_NODE) that is 1465Mi on every node size; nodeadm derives its
 * own pod count first, so a node may reserve less: this plan takes the larger, safe figure.
 */
export function kubeReservedMemory(maxPods: number): Memory {
  return Memory.mebibytes(11 * maxPods + 255);
}

export interface NodeShape {
  readonly instanceType: string;
  readonly capacity: ResourceAmounts;
  readonly reserved: ResourceAmounts;
  /** capacity − kube-reserved − eviction threshold: what the scheduler can place pods on. */
  readonly allocatable: ResourceAmounts;
}

export function nodeShape(instanceType: string, maxPods = MAX_PODS_PER_NODE): NodeShape {
  const spec = INSTANCE_TYPES[instanceType];
  if (!spec) {
    throw new Error(`capacity plan: no size known for instance type "${instanceType}"; add its vCPUs and memory to INSTANCE_TYPES in lib/plan.ts`);
  }
  const capacity = { cpu: Cpu.cores(spec.vcpus), memory: spec.memory };
  const reserved = { cpu: nodeReservedCpu(spec.vcpus), memory: kubeReservedMemory(maxPods).plus(EVICTION_HARD_MEMORY) };
  const allocatable = {
    cpu: Cpu.millis(Math.max(0, capacity.cpu.millicores - reserved.cpu.millicores)),
    memory: Memory.parse(String(Math.max(0, capacity.memory.bytes - reserved.memory.bytes))),
  };
  return { instanceType, capacity, reserved, allocatable };
}

export interface NodeGroupCapacity {
  readonly group: NodeGroup;
  /** The smallest of the group's instance types (a mixed spot group may get any of them). */
  readonly node: NodeShape;
}

export function nodeGroupCapacity(group: NodeGroup): NodeGroupCapacity {
  const shapes = group.instanceTypes.map((t) => nodeShape(t));
  if (shapes.length === 0) throw new Error(`capacity plan: node group ${group.name} has no instance types`);
  const smallest = shapes.reduce((a, b) =>
    b.allocatable.cpu.millicores < a.allocatable.cpu.millicores ||
    (b.allocatable.cpu.millicores === a.allocatable.cpu.millicores && b.allocatable.memory.bytes < a.allocatable.memory.bytes)
      ? b
      : a,
  );
  return { group, node: smallest };
}

/** Requests and limits of some set of workloads. */
export interface Usage {
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
}

const NO_USAGE: Usage = { requests: ZERO, limits: ZERO };

function addUsage(a: Usage, b: Usage): Usage {
  return { requests: add(a.requests, b.requests), limits: add(a.limits, b.limits) };
}

function podUsage(w: Workload, count: number): Usage {
  return { requests: times(podTotal(w, 'requests'), count), limits: times(podTotal(w, 'limits'), count) };
}

export interface WorkflowUsage {
  readonly workflow: Workflow;
  /** Components with at least one workload. */
  readonly components: readonly string[];
  /** Deployments and StatefulSets: replicas × pod requests/limits (autoscaled: at their minimum). */
  readonly replicated: Usage;
  /** The same with autoscaled workloads at their maximum replicas. */
  readonly peak: Usage;
  /** DaemonSets: one pod per node, so this is per node. */
  readonly perNode: Usage;
  /** Run-to-completion Jobs (hooks): transient, not steady load; summed for information. */
  readonly transient: Usage;
  readonly seed: ResourceAmounts;
  /** Which of CPU and memory requests (replicated) exceed the seed's allocation. */
  readonly overSeed: { readonly cpu: boolean; readonly memory: boolean };
}

export function workflowUsage(workflow: Workflow, components: readonly PlannedComponent[]): WorkflowUsage {
  let replicated = NO_USAGE;
  let peak = NO_USAGE;
  let perNode = NO_USAGE;
  let transient = NO_USAGE;
  const ids: string[] = [];
  for (const c of components) {
    if (c.workflow !== workflow) continue;
    if (c.workloads.length > 0) ids.push(c.id);
    for (const w of c.workloads) {
      switch (w.kind) {
        case WorkloadKind.DaemonSet:
          perNode = addUsage(perNode, podUsage(w, 1));
          break;
        case WorkloadKind.Job:
          transient = addUsage(transient, podUsage(w, Math.max(1, w.replicas)));
          break;
        case WorkloadKind.Deployment:
        case WorkloadKind.StatefulSet:
          replicated = addUsage(replicated, podUsage(w, w.replicas));
          peak = addUsage(peak, podUsage(w, Math.max(w.replicas, w.maxReplicas ?? 0)));
          break;
      }
    }
  }
  const seed = SEED_ALLOCATION[workflow];
  return {
    workflow,
    components: ids.sort(),
    replicated,
    peak,
    perNode,
    transient,
    seed,
    overSeed: {
      cpu: replicated.requests.cpu.millicores > seed.cpu.millicores,
      memory: replicated.requests.memory.bytes > seed.memory.bytes,
    },
  };
}

/** The cluster at one size: how many nodes of each group, what they offer, what the workloads ask. */
export interface ClusterAtSize {
  /** Node group name → node count. */
  readonly nodes: ReadonlyMap<string, number>;
  readonly nodeCount: number;
  readonly capacity: ResourceAmounts;
  readonly allocatable: ResourceAmounts;
  /** Replicated requests plus the DaemonSets on every node. */
  readonly demand: ResourceAmounts;
  /** allocatable − demand; negative where the cluster is short. */
  readonly freeCpuMillis: number;
  readonly freeMemoryBytes: number;
  readonly fits: boolean;
}

export enum CapacityStatus {
  FitsAtMinimum = 'fits at minimum size',
  NeedsScaleOut = 'needs scale-out',
  DoesNotFit = 'does not fit at maximum size',
}

export interface DistributionRow {
  readonly share: DistributionShare;
  readonly target: number;
  /** Fraction of raw capacity, CPU and memory. */
  readonly cpu: number;
  readonly memory: number;
}

export interface LargestPod {
  readonly component: string;
  readonly workload: string;
  readonly requests: ResourceAmounts;
  /** The most a single node offers after kube-reserved and the DaemonSets. */
  readonly roomOnLargestNode: ResourceAmounts;
  readonly fits: boolean;
}

/** Something a component's objects run that the figures may not reflect (lib/workloads.ts). */
export interface PlanWarning extends WorkloadWarning {
  readonly component: string;
}

export interface CapacityPlan {
  readonly env: string;
  readonly workflows: readonly WorkflowUsage[];
  readonly replicated: Usage;
  readonly peak: Usage;
  readonly perNode: Usage;
  readonly groups: readonly NodeGroupCapacity[];
  readonly atMinimum: ClusterAtSize;
  readonly atMaximum: ClusterAtSize;
  /** The smallest size that fits, scaling out in the autoscaler's priority order; undefined when none does. */
  readonly needed?: ClusterAtSize;
  readonly largestPod?: LargestPod;
  readonly status: CapacityStatus;
  /** The seed's distribution against this plan at the needed size (maximum when nothing fits). */
  readonly distribution: readonly DistributionRow[];
  /** Human-readable reasons for DoesNotFit, naming the shortfall. */
  readonly shortfalls: readonly string[];
  /** What the figures may not reflect, by component in plan order. */
  readonly warnings: readonly PlanWarning[];
}

function clusterAt(groups: readonly NodeGroupCapacity[], counts: ReadonlyMap<string, number>, replicated: ResourceAmounts, perNode: ResourceAmounts): ClusterAtSize {
  let capacity = ZERO;
  let allocatable = ZERO;
  let nodeCount = 0;
  for (const g of groups) {
    const n = counts.get(g.group.name) ?? 0;
    nodeCount += n;
    capacity = add(capacity, times(g.node.capacity, n));
    allocatable = add(allocatable, times(g.node.allocatable, n));
  }
  const demand = add(replicated, times(perNode, nodeCount));
  const freeCpuMillis = allocatable.cpu.millicores - demand.cpu.millicores;
  const freeMemoryBytes = allocatable.memory.bytes - demand.memory.bytes;
  return { nodes: counts, nodeCount, capacity, allocatable, demand, freeCpuMillis, freeMemoryBytes, fits: nodeCount > 0 && freeCpuMillis >= 0 && freeMemoryBytes >= 0 };
}

/** Priority of a group in the autoscaler's expander (lower grows first); the system group last. */
function expanderRank(g: NodeGroupCapacity): number {
  const i = NODE_GROUP_PATTERNS.findIndex((p) => new RegExp(`^${p}$`).test(g.group.name));
  return i < 0 ? NODE_GROUP_PATTERNS.length : i;
}

/**
 * Adds one node at a time until the demand fits: to the most preferred group still below its
 * maximum, and among equally preferred groups (the per-zone spot or on-demand groups) to the one
 * with the fewest nodes, as the autoscaler's balancing would.
 */
function smallestFit(groups: readonly NodeGroupCapacity[], replicated: ResourceAmounts, perNode: ResourceAmounts): ClusterAtSize | undefined {
  const rank = new Map(groups.map((g) => [g.group.name, expanderRank(g)]));
  const counts = new Map(groups.map((g) => [g.group.name, g.group.minSize]));
  let at = clusterAt(groups, counts, replicated, perNode);
  while (!at.fits) {
    const open = groups.filter((g) => (counts.get(g.group.name) ?? 0) < g.group.maxSize);
    if (open.length === 0) return undefined;
    const best = Math.min(...open.map((g) => rank.get(g.group.name)!));
    const next = open
      .filter((g) => rank.get(g.group.name) === best)
      .reduce((a, b) => ((counts.get(b.group.name) ?? 0) < (counts.get(a.group.name) ?? 0) ? b : a));
    counts.set(next.group.name, (counts.get(next.group.name) ?? 0) + 1);
    at = clusterAt(groups, counts, replicated, perNode);
  }
  return at;
}

function largestPod(components: readonly PlannedComponent[], groups: readonly NodeGroupCapacity[], perNode: ResourceAmounts): LargestPod | undefined {
  let best: { component: string; workload: string; requests: ResourceAmounts } | undefined;
  for (const c of components) {
    for (const w of c.workloads) {
      if (w.kind === WorkloadKind.DaemonSet) continue;
      const r = podTotal(w, 'requests');
      if (!best || r.memory.bytes > best.requests.memory.bytes || (r.memory.bytes === best.requests.memory.bytes && r.cpu.millicores > best.requests.cpu.millicores)) {
        best = { component: c.id, workload: w.name, requests: r };
      }
    }
  }
  if (!best || groups.length === 0) return undefined;
  const roomCpu = Math.max(...groups.map((g) => g.node.allocatable.cpu.millicores)) - perNode.cpu.millicores;
  const roomMem = Math.max(...groups.map((g) => g.node.allocatable.memory.bytes)) - perNode.memory.bytes;
  const roomOnLargestNode = { cpu: Cpu.millis(Math.max(0, roomCpu)), memory: Memory.parse(String(Math.max(0, roomMem))) };
  return { ...best, roomOnLargestNode, fits: best.requests.cpu.millicores <= roomCpu && best.requests.memory.bytes <= roomMem };
}

function distribution(at: ClusterAtSize, groups: readonly NodeGroupCapacity[], workflows: readonly WorkflowUsage[], perNode: ResourceAmounts): DistributionRow[] {
  let reserved = ZERO;
  for (const g of groups) reserved = add(reserved, times(g.node.reserved, at.nodes.get(g.group.name) ?? 0));
  const system = add(reserved, times(perNode, at.nodeCount));
  const platform = workflows.filter((w) => w.workflow !== Workflow.Apps).reduce((s, w) => add(s, w.replicated.requests), ZERO);
  const apps = workflows.filter((w) => w.workflow === Workflow.Apps).reduce((s, w) => add(s, w.replicated.requests), ZERO);
  const cap = at.capacity;
  const frac = (a: ResourceAmounts) => ({
    cpu: cap.cpu.millicores ? a.cpu.millicores / cap.cpu.millicores : 0,
    memory: cap.memory.bytes ? a.memory.bytes / cap.memory.bytes : 0,
  });
  const used = [frac(system), frac(platform), frac(apps)];
  const buffer = { cpu: 1 - used.reduce((s, u) => s + u.cpu, 0), memory: 1 - used.reduce((s, u) => s + u.memory, 0) };
  const values: Record<DistributionShare, { cpu: number; memory: number }> = {
    systemOverhead: used[0],
    platformServices: used[1],
    applicationWorkloads: used[2],
    scalingBuffer: buffer,
  };
  return (Object.keys(SEED_DISTRIBUTION) as DistributionShare[]).map((share) => ({ share, target: SEED_DISTRIBUTION[share], ...values[share] }));
}

const nodes = (n: number) => `${n} node${n === 1 ? '' : 's'}`;

export function formatCores(millis: number): string {
  return `${(millis / 1000).toFixed(2)} CPU`;
}

export function formatGi(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(2)} Gi`;
}

/** The capacity plan of a rendered environment: its workloads derived from its objects (`plannedComponents`). */
export function capacityPlanOf(model: RenderedEnvironment): CapacityPlan {
  return capacityPlan(model.env, plannedComponents(model));
}

/** The capacity plan of one environment from its components' workloads and its node groups. */
export function capacityPlan(env: EnvironmentSettings, components: readonly PlannedComponent[]): CapacityPlan {
  const workflows = WORKFLOW_ORDER.map((wf) => workflowUsage(wf, components));
  const replicated = workflows.reduce((s, w) => addUsage(s, w.replicated), NO_USAGE);
  const peak = workflows.reduce((s, w) => addUsage(s, w.peak), NO_USAGE);
  const perNode = workflows.reduce((s, w) => addUsage(s, w.perNode), NO_USAGE);
  const groups = nodeGroups(env).map(nodeGroupCapacity);
  const req = replicated.requests;
  const ds = perNode.requests;
  const atMinimum = clusterAt(groups, new Map(groups.map((g) => [g.group.name, g.group.minSize])), req, ds);
  const atMaximum = clusterAt(groups, new Map(groups.map((g) => [g.group.name, g.group.maxSize])), req, ds);
  const needed = atMinimum.fits ? atMinimum : smallestFit(groups, req, ds);
  const big = largestPod(components, groups, ds);

  const shortfalls: string[] = [];
  if (!atMaximum.fits) {
    const short: string[] = [];
    if (atMaximum.freeCpuMillis < 0) short.push(formatCores(-atMaximum.freeCpuMillis));
    if (atMaximum.freeMemoryBytes < 0) short.push(`${formatGi(-atMaximum.freeMemoryBytes)} memory`);
    shortfalls.push(
      `requests need ${formatCores(atMaximum.demand.cpu.millicores)} / ${formatGi(atMaximum.demand.memory.bytes)} ` +
        `(DaemonSets on all ${nodes(atMaximum.nodeCount)} included) but ${nodes(atMaximum.nodeCount)} allocate ` +
        `${formatCores(atMaximum.allocatable.cpu.millicores)} / ${formatGi(atMaximum.allocatable.memory.bytes)}: short by ${short.join(' and ')}`,
    );
  }
  if (big && !big.fits) {
    shortfalls.push(
      `pod ${big.component}/${big.workload} requests ${formatCores(big.requests.cpu.millicores)} / ${formatGi(big.requests.memory.bytes)} ` +
        `but the largest node has ${formatCores(big.roomOnLargestNode.cpu.millicores)} / ${formatGi(big.roomOnLargestNode.memory.bytes)} left after the DaemonSets`,
    );
  }
  const status = shortfalls.length > 0 ? CapacityStatus.DoesNotFit : atMinimum.fits ? CapacityStatus.FitsAtMinimum : CapacityStatus.NeedsScaleOut;
  return {
    env: env.name,
    workflows,
    replicated,
    peak,
    perNode,
    groups,
    atMinimum,
    atMaximum,
    needed,
    largestPod: big,
    status,
    distribution: distribution(needed ?? atMaximum, groups, workflows, ds),
    shortfalls,
    warnings: components.flatMap((c) => (c.warnings ?? []).map((w) => ({ component: c.id, ...w }))),
  };
}

/** The `environments.<env>.nodeGroups` setting each role's groups take their sizes from (eksctl/node-groups.ts). */
const NODE_GROUP_SETTING: Readonly<Record<NodeRole, keyof EnvironmentSettings['nodeGroups']>> = {
  system: 'system',
  'workload-spot': 'spot',
  'workload-on-demand': 'onDemand',
};

/** A node-group minSize that, raised to `to`, starts the cluster at the needed size. */
export interface MinimumRaise {
  readonly setting: keyof EnvironmentSettings['nodeGroups'];
  readonly from: number;
  readonly to: number;
}

/**
 * The minSize per node-group setting that makes the minimum the needed size: for each setting, the
 * most nodes the needed size has in any one of its groups (per-zone groups share one setting).
 * Empty when the minimum already fits, or when nothing fits.
 */
export function minimumRaises(plan: CapacityPlan): MinimumRaise[] {
  if (plan.status !== CapacityStatus.NeedsScaleOut || !plan.needed) return [];
  const raises = new Map<keyof EnvironmentSettings['nodeGroups'], MinimumRaise>();
  for (const g of plan.groups) {
    const setting = NODE_GROUP_SETTING[g.group.role];
    const to = plan.needed.nodes.get(g.group.name) ?? 0;
    const prev = raises.get(setting);
    if (to > g.group.minSize && (!prev || to > prev.to)) raises.set(setting, { setting, from: g.group.minSize, to });
  }
  return (Object.values(NODE_GROUP_SETTING) as (keyof EnvironmentSettings['nodeGroups'])[]).flatMap((k) => {
    const r = raises.get(k);
    return r ? [r] : [];
  });
}

/**
 * What a plan reports beyond the synth's capacity check: `npm run synth` prints them as one note
 * line, and `--strict` refuses to write while there is any. Each message names the environment.
 */
export type PlanFinding =
  /** A workflow's requests at rest exceed the seed allocation in CPU or memory. */
  | { readonly kind: 'over-seed'; readonly env: string; readonly workflow: Workflow; readonly message: string }
  /** The node groups start smaller than the requests at rest need (status "needs scale-out"). */
  | { readonly kind: 'minimum-below-need'; readonly env: string; readonly minimum: number; readonly needed: number; readonly raises: readonly MinimumRaise[]; readonly message: string }
  /** Not even the maximum holds the requests (rendered only with --skip-capacity-check). */
  | { readonly kind: 'does-not-fit'; readonly env: string; readonly maximum: number; readonly message: string };

/** One line per workflow whose replicated requests exceed the seed's allocation. */
export function seedWarnings(plan: CapacityPlan): string[] {
  return plan.workflows
    .filter((w) => w.overSeed.cpu || w.overSeed.memory)
    .map((w) => {
      const r = w.replicated.requests;
      const over: string[] = [];
      if (w.overSeed.cpu) over.push(`+${formatCores(r.cpu.millicores - w.seed.cpu.millicores)}`);
      if (w.overSeed.memory) over.push(`+${formatGi(r.memory.bytes - w.seed.memory.bytes)}`);
      return (
        `${plan.env}: workflow ${w.workflow} requests ${formatCores(r.cpu.millicores)} / ${formatGi(r.memory.bytes)}, ` +
        `over the seed's allocation of ~${formatCores(w.seed.cpu.millicores)} / ~${formatGi(w.seed.memory.bytes)} (${over.join(', ')})`
      );
    });
}

/** How to start an environment at its needed size: the platform.yaml keys to set. */
export function describeRaises(env: string, raises: readonly MinimumRaise[]): string {
  return raises.map((r) => `environments.${env}.nodeGroups.${r.setting}.minSize: ${r.to} (now ${r.from})`).join(' and ');
}

/** The plan's findings: seed overruns per workflow, then a minimum below the need (or no fit at all). */
export function planFindings(plan: CapacityPlan): PlanFinding[] {
  const over = plan.workflows.filter((w) => w.overSeed.cpu || w.overSeed.memory);
  const messages = seedWarnings(plan);
  const out: PlanFinding[] = over.map((w, i) => ({ kind: 'over-seed', env: plan.env, workflow: w.workflow, message: messages[i] }));
  if (plan.status === CapacityStatus.NeedsScaleOut && plan.needed) {
    const raises = minimumRaises(plan);
    out.push({
      kind: 'minimum-below-need',
      env: plan.env,
      minimum: plan.atMinimum.nodeCount,
      needed: plan.needed.nodeCount,
      raises,
      message:
        `${plan.env}: the node groups start at ${nodes(plan.atMinimum.nodeCount)}, below the ${plan.needed.nodeCount} the requests need at rest, ` +
        `so pods stay Pending until the autoscaler adds ${plan.needed.nodeCount - plan.atMinimum.nodeCount}; set ${describeRaises(plan.env, raises)} in platform.yaml`,
    });
  }
  if (plan.status === CapacityStatus.DoesNotFit) {
    out.push({
      kind: 'does-not-fit',
      env: plan.env,
      maximum: plan.atMaximum.nodeCount,
      message: `${plan.env}: does not fit at its maximum of ${nodes(plan.atMaximum.nodeCount)}: ${plan.shortfalls.join('; ')}`,
    });
  }
  return out;
}

/** `a`, `a and b`, `a, b and c`. */
function listOf(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The findings of several plans in one sentence (the synth's one note line), e.g. "4 workflows
 * (ingress, observability, gitops, data) request more than the seed allocates, in prod and
 * staging; prod starts at 5 nodes but needs 7 at rest". Undefined when there is none.
 */
export function summarizeFindings(findings: readonly PlanFinding[]): string | undefined {
  const parts: string[] = [];
  const over = findings.filter((f) => f.kind === 'over-seed');
  if (over.length > 0) {
    const workflows = WORKFLOW_ORDER.filter((wf) => over.some((f) => f.workflow === wf));
    const envs = [...new Set(over.map((f) => f.env))];
    const n = workflows.length;
    parts.push(`${n} workflow${n === 1 ? '' : 's'} (${workflows.join(', ')}) request${n === 1 ? 's' : ''} more than the seed allocates, in ${listOf(envs)}`);
  }
  for (const f of findings) {
    if (f.kind === 'minimum-below-need') parts.push(`${f.env} starts at ${nodes(f.minimum)} but needs ${f.needed} at rest`);
    if (f.kind === 'does-not-fit') parts.push(`${f.env} does not fit even at its maximum of ${nodes(f.maximum)}`);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** Thrown by `npm run synth -- --strict` when a plan has findings; the message lists every one. */
export class StrictPlanError extends Error {
  constructor(readonly findings: readonly PlanFinding[]) {
    super(
      `--strict: ${findings.length} finding${findings.length === 1 ? '' : 's'} in the capacity plan, nothing written:\n` +
        findings.map((f) => `  ${f.message}`).join('\n') +
        '\nLower a workflow\'s requests to its seed allocation, set the minSize a line names (PLAN.md "Capacity" has the figures), ' +
        'or run without --strict: synth then writes and reports these as one note.',
    );
    this.name = 'StrictPlanError';
  }
}

/** `--strict`: throws a StrictPlanError listing every finding of every plan. */
export function checkStrict(findings: readonly PlanFinding[]): void {
  if (findings.length > 0) throw new StrictPlanError(findings);
}

/** Thrown by the synth's capacity check; the message names the environment and the shortfall. */
export class CapacityError extends Error {
  constructor(readonly plans: readonly CapacityPlan[]) {
    super(
      plans
        .map((p) => `environment ${p.env} does not fit at its maximum of ${nodes(p.atMaximum.nodeCount)}:\n${p.shortfalls.map((s) => `  ${s}`).join('\n')}`)
        .join('\n') +
        '\nRaise the node groups\' maxSize in platform.yaml (environments.<env>.nodeGroups), lower replicas or requests, ' +
        'or pass --skip-capacity-check to render anyway.',
    );
    this.name = 'CapacityError';
  }
}

/** The synth's check: throws a CapacityError naming every environment that does not fit. */
export function checkCapacity(plans: readonly CapacityPlan[]): void {
  const failing = plans.filter((p) => p.status === CapacityStatus.DoesNotFit);
  if (failing.length > 0) throw new CapacityError(failing);
}
