/**
 * The eksctl ClusterConfig (eksctl.io/v1alpha5) of one environment: plain data, no cdk8s.
 */
import { EnvironmentSettings } from '../config/defaults';
import { IrsaRole } from '../lib/irsa';
import { MAX_PODS_PER_NODE, nodeGroups, STARTUP_TAINTS } from './node-groups';

/** Control-plane log retention (the guide: "log_retention: 7_days"). */
export const LOG_RETENTION_DAYS = 7;

/**
 * Why the seed's kubelet settings are not in the node groups: eksctl's `kubeletExtraConfig` exists
 * only for self-managed `nodeGroups`, and managed node groups take kubelet configuration only
 * through a custom launch template. What the EKS AL2023 AMI does by default instead: eviction at
 * `memory.available<100Mi` (equal to the seed's 100Mi threshold) and kube-reserved computed per
 * instance type (CPU about 70-80m on 2 vCPUs, memory 255Mi + 11Mi per pod), which covers the seed's
 * 1Gi/100m system reservation at 110 pods. The static CPU manager policy is not set: it needs a
 * launch template with a NodeConfig, and no platform pod asks for Guaranteed whole CPUs.
 */
export const KUBELET_NOTE = [
  'Kubelet: managed node groups have no kubeletExtraConfig in eksctl. The EKS AL2023 defaults apply:',
  'eviction at memory.available<100Mi (the seed\'s threshold) and kube-reserved computed per instance',
  'type (255Mi + 11Mi per pod, ~70-80m CPU), which exceeds the seed\'s 1Gi/100m at 110 pods per node.',
  'The static CPU manager policy would need a custom launch template; no platform pod needs whole CPUs.',
];

/**
 * Where an EKS add-on's pods run, which decides when the add-on can become ACTIVE on a new
 * cluster: node groups join with Cilium's `node.cilium.io/agent-not-ready` taint, which only
 * DaemonSets that tolerate every taint ignore.
 */
export enum AddonPlacement {
  /** DaemonSets tolerating every taint: ACTIVE with no node at all, and running before Cilium. */
  EveryNode = 'every-node',
  /** Deployments: ACTIVE only once a node without the Cilium startup taint exists. */
  SchedulableNode = 'schedulable-node',
}

/** One EKS managed add-on: its eksctl `addons` entry, and where its pods run. */
export interface EksAddon {
  readonly name: string;
  readonly placement: AddonPlacement;
  /** The rest of its eksctl `addons` entry. */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * The add-ons eksctl installs, and nothing else (`addonsConfig.disableDefaultAddons`): left to
 * itself eksctl also installs its default add-ons, metrics-server among them (which would fight
 * the `metrics-server` Application over the same objects), and `eksctl create cluster` then waits
 * for add-ons whose pods cannot schedule before Cilium runs. The bootstrap README creates the
 * control plane without node groups (eksctl waits for no add-on then, and the every-node ones
 * are ACTIVE without nodes), applies Cilium, creates the node groups, and only then waits for the
 * add-ons that need a schedulable node.
 */
export const EKS_ADDONS: readonly EksAddon[] = [
  {
    name: 'vpc-cni',
    placement: AddonPlacement.EveryNode,
    // Prefix delegation: each ENI slot carries a /28, so nodes are not capped at 17 (t3.medium) or 35 pods.
    config: { configurationValues: JSON.stringify({ env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' } }), resolveConflicts: 'overwrite' },
  },
  { name: 'kube-proxy', placement: AddonPlacement.EveryNode, config: { resolveConflicts: 'overwrite' } },
  { name: 'coredns', placement: AddonPlacement.SchedulableNode, config: { resolveConflicts: 'overwrite' } },
  { name: 'aws-ebs-csi-driver', placement: AddonPlacement.SchedulableNode, config: { wellKnownPolicies: { ebsCSIController: true }, resolveConflicts: 'overwrite' } },
  // VolumeSnapshot CRDs and controller, needed by platform-base's VolumeSnapshotClass.
  { name: 'snapshot-controller', placement: AddonPlacement.SchedulableNode, config: { resolveConflicts: 'overwrite' } },
];

export interface ClusterConfigDocument {
  readonly apiVersion: 'eksctl.io/v1alpha5';
  readonly kind: 'ClusterConfig';
  readonly [key: string]: unknown;
}

function serviceAccountEntry(role: IrsaRole): Record<string, unknown> {
  const p = role.policy;
  return {
    metadata: { name: role.serviceAccount, namespace: role.namespace },
    roleName: role.roleName,
    // The ServiceAccount itself belongs to the chart (and so to Argo CD); eksctl creates the role only.
    roleOnly: true,
    ...(p.wellKnownPolicies ? { wellKnownPolicies: p.wellKnownPolicies } : {}),
    ...(p.attachPolicyARNs ? { attachPolicyARNs: p.attachPolicyARNs } : {}),
    ...(p.statements ? { attachPolicy: { Version: '2012-10-17', Statement: p.statements } } : {}),
  };
}

export function clusterConfig(env: EnvironmentSettings, roles: readonly IrsaRole[]): ClusterConfigDocument {
  return {
    apiVersion: 'eksctl.io/v1alpha5',
    kind: 'ClusterConfig',
    metadata: {
      name: env.clusterName,
      region: env.region,
      version: env.kubernetesVersion,
      // On the CloudFormation stacks, so on everything eksctl creates (node group ASGs propagate them).
      tags: { ...env.awsTags },
    },
    availabilityZones: env.availabilityZones,
    vpc: {
      nat: { gateway: env.nat },
      // eksctl cannot create a private-only cluster; prod is locked to private-only after bootstrap.
      clusterEndpoints: { privateAccess: true, publicAccess: true },
      publicAccessCIDRs: env.publicAccessCidrs,
    },
    iam: {
      withOIDC: true,
      serviceAccounts: [...roles].sort((a, b) => a.roleName.localeCompare(b.roleName)).map(serviceAccountEntry),
    },
    addonsConfig: { disableDefaultAddons: true },
    addons: EKS_ADDONS.map((a) => ({ name: a.name, ...a.config })),
    cloudWatch: {
      clusterLogging: { enableTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], logRetentionInDays: LOG_RETENTION_DAYS },
    },
    managedNodeGroups: nodeGroups(env).map((g) => ({
      name: g.name,
      instanceTypes: g.instanceTypes,
      spot: g.spot,
      minSize: g.minSize,
      maxSize: g.maxSize,
      desiredCapacity: g.minSize,
      ...(g.availabilityZones ? { availabilityZones: g.availabilityZones } : {}),
      privateNetworking: true,
      maxPodsPerNode: MAX_PODS_PER_NODE,
      volumeSize: 50,
      volumeType: 'gp3',
      volumeEncrypted: true,
      labels: { [env.labelDomain.nodeRole]: g.role },
      taints: STARTUP_TAINTS,
      // Rolling replacement one node at a time: zero-downtime patching.
      updateConfig: { maxUnavailable: 1 },
      propagateASGTags: true,
      iam: { withAddonPolicies: { cloudWatch: true } },
    })),
  };
}
