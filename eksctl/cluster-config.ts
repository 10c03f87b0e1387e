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
      tags: { 'platform.acme.io/environment': env.name, 'platform.acme.io/platform': env.platformName },
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
    addons: [
      {
        name: 'vpc-cni',
        // Prefix delegation: each ENI slot carries a /28, so nodes are not capped at 17 (t3.medium) or 35 pods.
        configurationValues: JSON.stringify({ env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' } }),
        resolveConflicts: 'overwrite',
      },
      { name: 'kube-proxy', resolveConflicts: 'overwrite' },
      { name: 'coredns', resolveConflicts: 'overwrite' },
      { name: 'aws-ebs-csi-driver', wellKnownPolicies: { ebsCSIController: true }, resolveConflicts: 'overwrite' },
      // VolumeSnapshot CRDs and controller, needed by platform-base's VolumeSnapshotClass.
      { name: 'snapshot-controller', resolveConflicts: 'overwrite' },
    ],
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
      labels: { 'platform.acme.io/node-role': g.role },
      taints: STARTUP_TAINTS,
      // Rolling replacement one node at a time: zero-downtime patching.
      updateConfig: { maxUnavailable: 1 },
      propagateASGTags: true,
      iam: { withAddonPolicies: { cloudWatch: true } },
    })),
  };
}
