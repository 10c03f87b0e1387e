/**
 * The managed node groups of an environment (the efficiency guide's node groups): shared by the
 * ClusterConfig, the autoscaler's expander priorities and the capacity plan.
 */
import { EnvironmentSettings, NodeGroupSettings } from '../config/defaults';

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule';
}

/** No pod starts on a node before Cilium's agent is ready; the agent removes the taint. */
export const STARTUP_TAINTS: readonly Taint[] = [{ key: 'node.cilium.io/agent-not-ready', value: 'true', effect: 'NoExecute' }];

export type NodeRole = 'system' | 'workload-spot' | 'workload-on-demand';

export interface NodeGroup {
  readonly name: string;
  readonly role: NodeRole;
  readonly instanceTypes: readonly string[];
  readonly spot: boolean;
  readonly minSize: number;
  readonly maxSize: number;
  /** Pinned to these zones; otherwise spread over all of the cluster's. */
  readonly availabilityZones?: readonly string[];
}

/**
 * ASG name patterns for the autoscaler's priority expander, most preferred first. EKS names a managed
 * node group's ASG `eks-<node group>-<uuid>`, so each pattern also matches the per-zone groups
 * (`workload-spot-a`, `workload-on-demand-b`, ...).
 */
export const NODE_GROUP_PATTERNS: readonly string[] = ['.*workload-spot.*', '.*workload-on-demand.*'];

/**
 * With VPC CNI prefix delegation every t3.medium/t3.large can address far more than 110 pods;
 * 110 is the EKS recommendation for instances under 30 vCPUs. Without prefix delegation a
 * t3.medium caps at 17 pods and the per-node DaemonSets would take most of them.
 */
export const MAX_PODS_PER_NODE = 110;

/**
 * Instance families built on the AWS Nitro System (x86-64 general purpose, compute and memory
 * families only: the ones a node group here may use). Prefix delegation works on Nitro instances
 * only; any other instance keeps one secondary IP per pod while its kubelet still admits
 * MAX_PODS_PER_NODE, so pods beyond its IPs never start (a t2.large has 35: 3 ENIs × (12 − 1) + 2).
 * Sources: AWS EC2 "Instances built on the AWS Nitro System"
 * (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-nitro-instances.html), and the EKS user
 * guide "Assign more IP addresses to Amazon EKS nodes with prefixes" ("your nodes must be AWS
 * Nitro-based. Instances that aren't Nitro-based continue to allocate individual secondary IP
 * addresses"); the 35 is awslabs/amazon-eks-ami `eni-max-pods.txt`. Xen-based families (t2, m4, c4,
 * r4, ...) are deliberately absent: check the AWS page before adding a family.
 */
export const NITRO_FAMILIES: readonly string[] = [
  't3', 't3a',
  'm5', 'm5a', 'm5n', 'm5zn', 'm6i', 'm6a', 'm7i', 'm7i-flex', 'm7a',
  'c5', 'c5a', 'c5n', 'c6i', 'c6a', 'c7i', 'c7a',
  'r5', 'r5a', 'r5n', 'r6i', 'r6a', 'r7i', 'r7a',
];

export function instanceFamily(instanceType: string): string {
  return instanceType.split('.')[0];
}

export function isNitro(instanceType: string): boolean {
  return NITRO_FAMILIES.includes(instanceFamily(instanceType));
}

/**
 * The efficiency guide's `workload_nodegroup.instance_types`, quoted: `["t3.large", "t3a.large",
 * "t2.large"]` (2 vCPU / 8 GiB each, spot, "diversified").
 */
export const SEED_WORKLOAD_INSTANCE_TYPES: readonly string[] = ['t3.large', 't3a.large', 't2.large'];

/** The efficiency guide's `workload_nodegroup.min_size`, quoted: `1`. */
export const SEED_WORKLOAD_MIN_SIZE = 1;

/**
 * Seed instance types that cannot run with prefix delegation, the Nitro type used in their place
 * and why (config/defaults.ts SPOT_TYPES lists the result). A deliberate deviation from the seed,
 * listed in PLAN.md ("Deviations from the seed").
 *
 * t2.large → m5.large:
 * - capacity: the same 2 vCPU / 8 GiB as t2.large and t3.large (the seed's "t3.large (2 vCPU, 8GB
 *   RAM per node)"), so the capacity plan's per-node figures do not move; on Nitro, so a node gets
 *   the 110 pod IPs its kubelet admits instead of 35; fixed-performance, so no CPU credits to run
 *   out of under sustained load.
 * - spot diversification: t3.large and t3a.large are both burstable T types; m5.large is a pool of
 *   another family (general purpose M, eksctl's default managed node group type, one of the most
 *   widely deployed), so one family running short does not empty the group.
 * - price: its on-demand list price is within a few percent of t2.large's (us-east-1 Linux: $0.096
 *   against $0.0928 an hour; t3.large $0.0832, t3a.large $0.0752), so a node costs about what the
 *   seed planned for a t2.large. m6i.large (same shape and list price) would do as well; m5.large is
 *   the longer-established pool.
 */
export const NON_NITRO_REPLACEMENTS: Readonly<Record<string, { readonly replacement: string; readonly reason: string }>> = {
  't2.large': {
    replacement: 'm5.large',
    reason:
      't2 is not built on the AWS Nitro System, so prefix delegation cannot give a t2.large more than 35 pod IPs while its kubelet admits 110; ' +
      'm5.large has the same 2 vCPU / 8 GiB, is Nitro, fixed-performance (no CPU credits), adds a non-burstable spot pool beside t3/t3a, ' +
      'and lists within a few percent of t2.large on demand',
  },
};

/** Something the rendered platform does differently from the seed on purpose, with why. */
export interface SeedDeviation {
  readonly topic: string;
  /** What the seed says, quoted or summarized. */
  readonly seed: string;
  /** What this environment renders. */
  readonly rendered: string;
  readonly reason: string;
}

/** Where an environment's node groups deliberately differ from the efficiency guide's (PLAN.md). */
export function seedDeviations(env: EnvironmentSettings): SeedDeviation[] {
  const groups = nodeGroups(env);
  const out: SeedDeviation[] = [];
  const spot = groups.filter((g) => g.role === 'workload-spot');
  const spotTypes = [...new Set(spot.flatMap((g) => g.instanceTypes))];
  for (const seedType of SEED_WORKLOAD_INSTANCE_TYPES.filter((t) => !spotTypes.includes(t))) {
    const r = NON_NITRO_REPLACEMENTS[seedType];
    out.push({
      topic: 'spot instance types',
      seed: SEED_WORKLOAD_INSTANCE_TYPES.join(', '),
      rendered: spotTypes.join(', '),
      reason: r && spotTypes.includes(r.replacement) ? `${seedType} → ${r.replacement}: ${r.reason}` : `${seedType} is not used`,
    });
  }
  const zones = (gs: readonly NodeGroup[]) => gs.flatMap((g) => g.availabilityZones ?? []).length;
  const range = (gs: readonly NodeGroup[]) => `${gs.reduce((n, g) => n + g.minSize, 0)}-${gs.reduce((n, g) => n + g.maxSize, 0)}`;
  if (spot.length > 1 && zones(spot) === spot.length) {
    out.push({
      topic: 'spot node group',
      seed: 'one workload_nodegroup, 1-8 nodes',
      rendered: `${spot.length} groups, one per zone, ${spot[0].minSize}-${spot[0].maxSize} each (${range(spot)} in total)`,
      reason: 'zone-spread StatefulSets on zonal EBS volumes need the autoscaler to grow the zone a pod is pinned to; a group spanning zones cannot choose its zone',
    });
  }
  const spotMin = spot.reduce((n, g) => n + g.minSize, 0);
  if (spotMin !== SEED_WORKLOAD_MIN_SIZE) {
    out.push({
      topic: 'spot nodes at minimum',
      seed: `workload_nodegroup min_size: ${SEED_WORKLOAD_MIN_SIZE}`,
      rendered: `${spotMin} in total`,
      reason:
        'the minimum is meant to hold the requests at rest (Cluster size: "minimum" against "needed"), so no pod waits for a scale-out ' +
        'after install or a scale-down; spot is the cheapest capacity to hold them (config/defaults.ts)',
    });
  }
  const onDemand = groups.filter((g) => g.role === 'workload-on-demand');
  if (onDemand.length > 1) {
    out.push({
      topic: 'on-demand fallback',
      seed: '"Mixed instance types with on-demand fallback" (no group given)',
      rendered: `${onDemand.length} groups, one per zone, ${onDemand[0].minSize}-${onDemand[0].maxSize} each (${range(onDemand)} in total)`,
      reason: 'when spot capacity is gone, the node a Pending stateful pod needs must come up in the zone of its volume',
    });
  }
  return out;
}

/**
 * Throws when a node group would run an instance type prefix delegation does not work on
 * (eksctl/cluster-config.ts enables it for every node group).
 */
function checkNitro(groups: readonly NodeGroup[]): void {
  for (const g of groups) {
    for (const t of g.instanceTypes) {
      if (!isNitro(t)) {
        const r = NON_NITRO_REPLACEMENTS[t];
        throw new Error(
          `node group ${g.name}: instance type "${t}" is not built on the AWS Nitro System, so VPC CNI prefix delegation cannot give it ` +
            `the ${MAX_PODS_PER_NODE} pod IPs its kubelet admits; use a Nitro type of the same size${r ? ` (${r.replacement})` : ''} ` +
            `in config/defaults.ts, or add its family to NITRO_FAMILIES in eksctl/node-groups.ts if AWS lists it as Nitro`,
        );
      }
    }
  }
}

/** One group per availability zone, named `<base>-<zone letter>`, each with the configured sizes. */
function perZone(env: EnvironmentSettings, base: string, role: NodeRole, spot: boolean, s: NodeGroupSettings): NodeGroup[] {
  return env.availabilityZones.map((zone) => ({
    name: `${base}-${zone.slice(-1)}`,
    role,
    instanceTypes: s.instanceTypes,
    spot,
    minSize: s.minSize,
    maxSize: s.maxSize,
    availabilityZones: [zone],
  }));
}


/**
 * The node groups of an environment. Spot is one group per zone where the tier says so
 * (`spotGroupPerZone`, prod); the on-demand fallback is one group per zone wherever the environment
 * has several zones, so when spot is gone the autoscaler can still add a node in the zone whose
 * EBS volume a Pending pod is bound to. Per-zone groups take the configured sizes each.
 */
export function nodeGroups(env: EnvironmentSettings): NodeGroup[] {
  const g = env.nodeGroups;
  const single = (name: string, role: NodeRole, spot: boolean, s: NodeGroupSettings): NodeGroup[] => [
    { name, role, instanceTypes: s.instanceTypes, spot, minSize: s.minSize, maxSize: s.maxSize },
  ];
  const groups: NodeGroup[] = [
    ...single('system', 'system', false, g.system),
    ...(env.spotGroupPerZone ? perZone(env, 'workload-spot', 'workload-spot', true, g.spot) : single('workload-spot', 'workload-spot', true, g.spot)),
    ...(env.availabilityZones.length > 1
      ? perZone(env, 'workload-on-demand', 'workload-on-demand', false, g.onDemand)
      : single('workload-on-demand', 'workload-on-demand', false, g.onDemand)),
  ];
  checkNitro(groups);
  return groups;
}

/** Nodes at the maximum size of every group: the DaemonSet count for quotas and the plan. */
export function maxNodeCount(env: EnvironmentSettings): number {
  return nodeGroups(env).reduce((n, g) => n + g.maxSize, 0);
}
