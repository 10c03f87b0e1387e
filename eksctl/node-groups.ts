/**
 * The managed node groups of an environment (the efficiency guide's node groups): shared by the
 * ClusterConfig, the autoscaler's expander priorities and the capacity plan.
 */
import { EnvironmentSettings } from '../config/defaults';

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

/** ASG name patterns for the autoscaler's priority expander, most preferred first. */
export const NODE_GROUP_PATTERNS: readonly string[] = ['.*workload-spot.*', '.*workload-on-demand.*'];

/**
 * With VPC CNI prefix delegation every t3.medium/t3.large can address far more than 110 pods;
 * 110 is the EKS recommendation for instances under 30 vCPUs. Without prefix delegation a
 * t3.medium caps at 17 pods and the per-node DaemonSets would take most of them.
 */
export const MAX_PODS_PER_NODE = 110;

export function nodeGroups(env: EnvironmentSettings): NodeGroup[] {
  const g = env.nodeGroups;
  const spot: NodeGroup[] = env.spotGroupPerZone
    ? env.availabilityZones.map((zone) => ({
        name: `workload-spot-${zone.slice(-1)}`,
        role: 'workload-spot' as const,
        instanceTypes: g.spot.instanceTypes,
        spot: true,
        minSize: g.spot.minSize,
        maxSize: g.spot.maxSize,
        availabilityZones: [zone],
      }))
    : [{ name: 'workload-spot', role: 'workload-spot', instanceTypes: g.spot.instanceTypes, spot: true, minSize: g.spot.minSize, maxSize: g.spot.maxSize }];
  return [
    { name: 'system', role: 'system', instanceTypes: g.system.instanceTypes, spot: false, minSize: g.system.minSize, maxSize: g.system.maxSize },
    ...spot,
    {
      name: 'workload-on-demand',
      role: 'workload-on-demand',
      instanceTypes: g.onDemand.instanceTypes,
      spot: false,
      minSize: g.onDemand.minSize,
      maxSize: g.onDemand.maxSize,
    },
  ];
}

/** Nodes at the maximum size of every group: the DaemonSet count for quotas and the plan. */
export function maxNodeCount(env: EnvironmentSettings): number {
  return nodeGroups(env).reduce((n, g) => n + g.maxSize, 0);
}
