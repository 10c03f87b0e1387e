/**
 * The eksctl ClusterConfig (eksctl.io/v1alpha5) of one environment: plain data, no cdk8s.
 */
import { EnvironmentSettings } from '../config/defaults';
import { IrsaRole } from '../lib/irsa';
import * as yaml from 'js-yaml';
import { NODE_AMI_RELEASES } from '../config/versions';
import { EVICTION_HARD_MEMORY, INSTANCE_TYPES, kubeReservedCpu, kubeReservedMemory, nodeReservedCpu, SEED_NODE_CPU_RESERVATION } from '../lib/plan';
import { Cpu } from '../lib/resources';
import { MAX_PODS_PER_NODE, NodeGroup, nodeGroups, STARTUP_TAINTS } from './node-groups';

/** Control-plane log retention (the guide: "log_retention: 7_days"). */
export const LOG_RETENTION_DAYS = 7;

/** The AMI family every node group runs; eksctl takes `overrideBootstrapCommand` on a managed group without a custom AMI only for it. */
export const AMI_FAMILY = 'AmazonLinux2023';

/** A nodeadm NodeConfig (node.eks.aws/v1alpha1) with the one kubelet setting we change. */
export interface NodeConfig {
  readonly apiVersion: 'node.eks.aws/v1alpha1';
  readonly kind: 'NodeConfig';
  readonly spec: { readonly kubelet: { readonly config: { readonly kubeReserved: { readonly cpu: string } } } };
}

/**
 * The kube-reserved CPU a node group's nodes keep: the largest over its instance types of the
 * AMI's figure raised to the guide's node_cpu_reservation (lib/plan.ts nodeReservedCpu, which the
 * capacity plan counts too).
 */
export function groupReservedCpu(group: Pick<NodeGroup, 'instanceTypes'>): Cpu {
  return Cpu.millis(Math.max(...group.instanceTypes.map((t) => nodeReservedCpu(instanceVcpus(t)).millicores)));
}

function instanceVcpus(instanceType: string): number {
  const spec = INSTANCE_TYPES[instanceType];
  if (!spec) throw new Error(`node groups: no size known for instance type "${instanceType}"; add its vCPUs and memory to INSTANCE_TYPES in lib/plan.ts`);
  return spec.vcpus;
}

/**
 * The NodeConfig eksctl puts into a managed group's launch template (`overrideBootstrapCommand`;
 * for AL2023 eksctl accepts it without a custom AMI). nodeadm writes `spec.kubelet.config` as a
 * kubelet drop-in, and the kubelet merges a drop-in map key by key: only `kubeReserved.cpu`
 * changes, the AMI's kube-reserved memory and ephemeral storage stay.
 */
export function nodeConfig(group: Pick<NodeGroup, 'instanceTypes'>): NodeConfig {
  return { apiVersion: 'node.eks.aws/v1alpha1', kind: 'NodeConfig', spec: { kubelet: { config: { kubeReserved: { cpu: groupReservedCpu(group).toString() } } } } };
}

/**
 * The header of cluster.yaml on the kubelet settings of the guide ("Memory Optimization", "CPU
 * Optimization"). Every figure comes from the values rendered below it and the capacity plan's
 * (test/eksctl/cluster-config.test.ts checks them against the rendered NodeConfig).
 */
export const KUBELET_NOTE = [
  `Kubelet: the EKS ${AMI_FAMILY} defaults, with kube-reserved CPU raised to the seed's node_cpu_reservation:`,
  `each node group's overrideBootstrapCommand (a nodeadm NodeConfig) sets kubeReserved.cpu to the larger of`,
  `${SEED_NODE_CPU_RESERVATION} and the AMI's own figure (${kubeReservedCpu(2)} on 2 vCPUs, so ${nodeReservedCpu(2)} there). Memory stays the AMI's:`,
  `kube-reserved 255Mi + 11Mi per pod (${kubeReservedMemory(MAX_PODS_PER_NODE).mebibytes}Mi at ${MAX_PODS_PER_NODE} pods, above the seed's 1Gi node_memory_reservation),`,
  `eviction at memory.available<${EVICTION_HARD_MEMORY.mebibytes}Mi (the seed's eviction_threshold). The static CPU manager policy is not set:`,
  'no platform pod asks for Guaranteed whole CPUs (PLAN.md, "Deviations from the documents").',
];

/**
 * The AMI release of the environment's Kubernetes minor (config/versions.ts NODE_AMI_RELEASES).
 * Synth fails without one, naming the command that finds it.
 */
export function nodeAmiRelease(kubernetesVersion: string): string {
  const release = NODE_AMI_RELEASES[kubernetesVersion];
  if (!release) {
    throw new Error(
      `no node AMI release is pinned for Kubernetes ${kubernetesVersion}: add '${kubernetesVersion}' to NODE_AMI_RELEASES in config/versions.ts, ` +
        `from: aws ssm get-parameter --name ${amiReleaseParameter(kubernetesVersion)} --query Parameter.Value --output text`,
    );
  }
  if (!release.startsWith(`${kubernetesVersion}.`) || !/^\d+\.\d+\.\d+-\d{8}$/.test(release)) {
    throw new Error(`NODE_AMI_RELEASES['${kubernetesVersion}'] in config/versions.ts is "${release}"; expected ${kubernetesVersion}.<patch>-<YYYYMMDD>, as ${amiReleaseParameter(kubernetesVersion)} returns it`);
  }
  return release;
}

/** The public SSM parameter holding the recommended EKS AL2023 AMI release of a Kubernetes minor. */
export function amiReleaseParameter(kubernetesVersion: string): string {
  return `/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/x86_64/standard/recommended/release_version`;
}

/** An AWS managed IAM policy's ARN. */
export function awsManagedPolicy(name: string): string {
  return `arn:aws:iam::aws:policy/${name}`;
}

/**
 * The node role's policies, and nothing else (eksctl `iam.attachPolicyARNs` replaces its defaults).
 * Pods cannot borrow them: every node group sets `disablePodIMDS` (IMDSv2 only, hop limit 1), which
 * eksctl refuses together with `iam.withAddonPolicies`, and Cilium denies pods egress to the IMDS
 * address (platform-base, `IMDS_DENY_POLICY`).
 * - AmazonEKSWorkerNodePolicy: the kubelet joins the cluster and describes its instance.
 * - AmazonEC2ContainerRegistryPullOnly: the kubelet pulls the EKS add-on images from ECR (the
 *   narrower successor of AmazonEC2ContainerRegistryReadOnly: pull, no listing; what eksctl itself
 *   attaches to managed groups now).
 * Left out on purpose: AmazonEKS_CNI_Policy (on the aws-node ServiceAccount's IRSA role instead:
 *   the vpc-cni add-on below), AmazonSSMManagedInstanceCore (no one opens sessions on nodes here:
 *   `kubectl debug node/...` instead, and no SSH), and the former `withAddonPolicies.cloudWatch`
 *   (CloudWatchAgentServerPolicy: no CloudWatch agent or Fluent Bit runs; logs go to Loki,
 *   metrics to Prometheus, and the control-plane logs are written by EKS itself).
 * Every component calling AWS has its own IRSA role (`iam.serviceAccounts` below, and the EBS CSI
 * and VPC CNI add-ons' roles); external-dns and cert-manager call Cloudflare, not AWS.
 */
export const NODE_POLICY_ARNS: readonly string[] = [awsManagedPolicy('AmazonEKSWorkerNodePolicy'), awsManagedPolicy('AmazonEC2ContainerRegistryPullOnly')];

/** The VPC CNI's policy, on the role eksctl creates for the `aws-node` ServiceAccount (IRSA), not on the nodes. */
export const CNI_POLICY_ARN = awsManagedPolicy('AmazonEKS_CNI_Policy');

/** The EKS access policies a configured role gets, cluster-wide (`clusterAccess` in platform.yaml). */
export const ACCESS_POLICIES = {
  admin: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
  /** Reads every object but Secrets (AmazonEKSAdminViewPolicy would read Secrets too). */
  readOnly: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
} as const;

/**
 * Who may use the Kubernetes API: EKS access entries only (`authenticationMode: API`: the aws-auth
 * ConfigMap is not read, so no one with ConfigMap write access in kube-system can grant themselves
 * a role), and no standing admin for the identity that ran eksctl
 * (`bootstrapClusterCreatorAdminPermissions: false`): operators assume an admin role from
 * `clusterAccess`. EKS adds the node groups' own entries (type EC2_LINUX) itself. A cluster still in
 * CONFIG_MAP mode moves over through API_AND_CONFIG_MAP (README, "Cluster access and isolation").
 */
export function accessConfig(env: Pick<EnvironmentSettings, 'clusterAccess'>): Record<string, unknown> {
  const entry = (principalARN: string, policyARN: string) => ({ principalARN, accessPolicies: [{ policyARN, accessScope: { type: 'cluster' } }] });
  return {
    authenticationMode: 'API',
    bootstrapClusterCreatorAdminPermissions: false,
    accessEntries: [
      ...env.clusterAccess.admins.map((arn) => entry(arn, ACCESS_POLICIES.admin)),
      ...env.clusterAccess.readOnly.map((arn) => entry(arn, ACCESS_POLICIES.readOnly)),
    ],
  };
}

/** How many nodes of a group a rolling update replaces at once (`updateConfig.maxUnavailable`): one, for zero-downtime patching. */
export const UPDATE_MAX_UNAVAILABLE = 1;

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
    // The CNI policy goes on the aws-node ServiceAccount's IRSA role (eksctl creates it), not on the nodes.
    config: {
      attachPolicyARNs: [CNI_POLICY_ARN],
      configurationValues: JSON.stringify({ env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' } }),
      resolveConflicts: 'overwrite',
    },
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
      // eksctl cannot create a private-only cluster; staging and prod are locked to private-only after bootstrap.
      clusterEndpoints: { privateAccess: true, publicAccess: true },
      publicAccessCIDRs: env.publicAccessCidrs,
    },
    iam: {
      withOIDC: true,
      serviceAccounts: [...roles].sort((a, b) => a.roleName.localeCompare(b.roleName)).map(serviceAccountEntry),
    },
    accessConfig: accessConfig(env),
    // Envelope encryption of Secrets with the environment's customer-managed key (required for prod).
    ...(env.secretsKmsKeyArn ? { secretsEncryption: { keyARN: env.secretsKmsKeyArn } } : {}),
    addonsConfig: { disableDefaultAddons: true },
    addons: EKS_ADDONS.map((a) => ({ name: a.name, ...a.config })),
    cloudWatch: {
      clusterLogging: { enableTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], logRetentionInDays: LOG_RETENTION_DAYS },
    },
    managedNodeGroups: nodeGroups(env).map((g) => ({
      name: g.name,
      amiFamily: AMI_FAMILY,
      releaseVersion: nodeAmiRelease(env.kubernetesVersion),
      overrideBootstrapCommand: yaml.dump(nodeConfig(g), { sortKeys: true, lineWidth: -1 }),
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
      // Rolling replacement one node at a time: zero-downtime patching (the upgrade runbook waits for it).
      updateConfig: { maxUnavailable: UPDATE_MAX_UNAVAILABLE },
      propagateASGTags: true,
      // Pods get no instance credentials: IMDSv2 only, with a hop limit of 1 (NODE_POLICY_ARNS).
      disablePodIMDS: true,
      iam: { attachPolicyARNs: NODE_POLICY_ARNS },
    })),
  };
}
