/**
 * Every figure of the two seed documents the rendered environment differs from, both values and
 * why (PLAN.md, "Deviations from the documents"). The documents: "Workflow Management" (the
 * platform's capacity and environments) and the "Workflow Efficiency Guide" (node groups, kubelet
 * and control-plane settings). Each row is computed from what eksctl/cluster-config.ts renders and,
 * where a capacity plan is given, from the requests the rendered workloads make; a row whose
 * rendered value equals the document's is not emitted.
 */
import { EnvironmentSettings } from '../config/defaults';
import { KUBERNETES_VERSION } from '../config/versions';
import {
  CapacityPlan,
  EVICTION_HARD_MEMORY,
  formatCores,
  formatGi,
  INSTANCE_TYPES,
  kubeReservedMemory,
  nodeShape,
} from '../lib/plan';
import { Workflow } from '../lib/component';
import { AMI_FAMILY, EKS_ADDONS, LOG_RETENTION_DAYS } from './cluster-config';
import { MAX_PODS_PER_NODE, NodeGroup, nodeGroups, SeedDeviation, seedDeviations } from './node-groups';

/** The two seed documents, as PLAN.md names them. */
export enum SeedDocument {
  WorkflowManagement = 'Workflow Management',
  EfficiencyGuide = 'Workflow Efficiency Guide',
}

/** A figure the rendered platform differs from, in which document, with why. */
export interface DocumentDeviation extends SeedDeviation {
  readonly document: SeedDocument;
}

/** Workflow Management, "Total Platform Capacity Requirements", quoted. */
export const SEED_CLUSTER = {
  instanceType: 't3.large',
  minNodes: 3,
  maxNodes: 10,
  minCores: 6,
  maxCores: 20,
  minMemoryGb: 24,
  maxMemoryGb: 80,
} as const;

/** The efficiency guide's node groups and kubelet settings, quoted. */
export const SEED_GUIDE = {
  system: { instanceTypes: ['t3.medium'], minSize: 2, maxSize: 3 },
  workload: { minSize: 1, maxSize: 8, spotAllocationStrategy: 'diversified' },
  endpointAccess: 'private',
  addons: ['vpc-cni', 'kube-proxy', 'coredns', 'ebs-csi-driver'],
  nodeMemoryReservation: '1Gi',
  logRetention: '7_days',
  cpuManagerPolicy: 'static',
} as const;

/** The add-on names of the guide's `essential_only` list as EKS names them. */
const EKS_ADDON_NAME: Readonly<Record<string, string>> = { 'ebs-csi-driver': 'aws-ebs-csi-driver' };

const sum = (gs: readonly NodeGroup[], f: (g: NodeGroup) => number) => gs.reduce((n, g) => n + f(g), 0);

/** vCPUs and GiB of a group's smallest instance type (a mixed spot group may get any of them). */
function smallest(g: NodeGroup): { vcpus: number; gib: number } {
  const sizes = g.instanceTypes.map((t) => ({ vcpus: INSTANCE_TYPES[t].vcpus, gib: INSTANCE_TYPES[t].memory.bytes / 1024 ** 3 }));
  return sizes.reduce((a, b) => (a.vcpus * 1000 + a.gib <= b.vcpus * 1000 + b.gib ? a : b));
}

/** Nodes, vCPUs and GiB of the rendered node groups at their minimum and maximum. */
export function clusterRange(env: EnvironmentSettings): { nodes: [number, number]; vcpus: [number, number]; gib: [number, number]; instanceTypes: string[] } {
  const gs = nodeGroups(env);
  const at = (size: (g: NodeGroup) => number, per: (g: NodeGroup) => number) => sum(gs, (g) => size(g) * per(g));
  return {
    nodes: [at((g) => g.minSize, () => 1), at((g) => g.maxSize, () => 1)],
    vcpus: [at((g) => g.minSize, (g) => smallest(g).vcpus), at((g) => g.maxSize, (g) => smallest(g).vcpus)],
    gib: [at((g) => g.minSize, (g) => smallest(g).gib), at((g) => g.maxSize, (g) => smallest(g).gib)],
    instanceTypes: [...new Set(gs.flatMap((g) => g.instanceTypes))],
  };
}

function clusterSize(env: EnvironmentSettings, plan?: CapacityPlan): DocumentDeviation {
  const r = clusterRange(env);
  const s = SEED_CLUSTER;
  let requests = '';
  if (plan) {
    // The requests at rest on the document's smallest cluster: replicas × requests plus one DaemonSet pod per node.
    const node = nodeShape(s.instanceType).allocatable;
    const cpu = plan.replicated.requests.cpu.millicores + s.minNodes * plan.perNode.requests.cpu.millicores;
    const memory = plan.replicated.requests.memory.bytes + s.minNodes * plan.perNode.requests.memory.bytes;
    const fits = cpu <= s.minNodes * node.cpu.millicores && memory <= s.minNodes * node.memory.bytes;
    requests =
      ` At rest the rendered workloads of ${env.name} request ${formatCores(cpu)} / ${formatGi(memory)} on ${s.minNodes} nodes (DaemonSets included), against ` +
      `${formatCores(s.minNodes * node.cpu.millicores)} / ${formatGi(s.minNodes * node.memory.bytes)} allocatable on ${s.minNodes} ${s.instanceType}: ` +
      (fits
        ? 'the document\'s minimum would hold them; the split keeps the system pods on on-demand nodes, out of reach of spot interruptions.'
        : 'more than the document\'s minimum holds, so the node groups start larger (PLAN.md "Cluster size").');
  }
  return {
    document: SeedDocument.WorkflowManagement,
    topic: 'cluster size',
    seed: `${s.instanceType} (2 vCPU, 8GB), ${s.minNodes}-${s.maxNodes} nodes, ${s.minCores}-${s.maxCores} cores, ${s.minMemoryGb}-${s.maxMemoryGb}GB`,
    rendered: `${r.instanceTypes.join(', ')}: ${r.nodes[0]}-${r.nodes[1]} nodes, ${r.vcpus[0]}-${r.vcpus[1]} vCPUs, ${r.gib[0]}-${r.gib[1]} GiB`,
    reason:
      'the two documents disagree: Workflow Management sizes one t3.large pool, while the Workflow Efficiency Guide splits it into an on-demand ' +
      `system group of t3.medium (${SEED_GUIDE.system.minSize}-${SEED_GUIDE.system.maxSize}) and a spot workload group (${SEED_GUIDE.workload.minSize}-${SEED_GUIDE.workload.maxSize}), ` +
      'already 3-11 nodes of two sizes; the rendered node groups follow the Workflow Efficiency Guide (with the changes in the rows below).' +
      requests,
  };
}

function groupSizes(env: EnvironmentSettings): DocumentDeviation[] {
  const out: DocumentDeviation[] = [];
  const gs = nodeGroups(env);
  const system = gs.filter((g) => g.role === 'system');
  const sys = { min: sum(system, (g) => g.minSize), max: sum(system, (g) => g.maxSize) };
  if (sys.min !== SEED_GUIDE.system.minSize || sys.max !== SEED_GUIDE.system.maxSize) {
    out.push({
      document: SeedDocument.EfficiencyGuide,
      topic: 'system node group size',
      seed: `system_nodegroup min_size ${SEED_GUIDE.system.minSize}, max_size ${SEED_GUIDE.system.maxSize}`,
      rendered: `${sys.min}-${sys.max}`,
      reason:
        env.tier === 'dev'
          ? 'the dev tier runs single replicas (Workflow Management, "Development Environment": reduced replicas, lower requests), ' +
            'so one t3.medium holds its system pods; the second is there for a node replacement'
          : `set in platform.yaml environments.${env.name}.nodeGroups.system`,
    });
  }
  const spot = gs.filter((g) => g.role === 'workload-spot');
  const spotMax = sum(spot, (g) => g.maxSize);
  if (spotMax !== SEED_GUIDE.workload.maxSize) {
    out.push({
      document: SeedDocument.EfficiencyGuide,
      topic: 'spot nodes at maximum',
      seed: `workload_nodegroup max_size: ${SEED_GUIDE.workload.maxSize}`,
      rendered: `${spotMax} in total`,
      reason:
        env.tier === 'dev'
          ? "dev's lower requests and single replicas fit in fewer nodes at their peak (PLAN.md, \"Cluster size\", maximum), which caps what a runaway scale-out costs"
          : env.spotGroupPerZone
            ? `one minSize/maxSize applies to each of the ${spot.length} per-zone groups, so the total moves in steps of ${spot.length}: ${spot[0].maxSize} per zone is the nearest to the document's ${SEED_GUIDE.workload.maxSize} above the zone minimum`
            : `set in platform.yaml environments.${env.name}.nodeGroups.spot`,
    });
  }
  return out;
}

function nodeSettings(env: EnvironmentSettings): DocumentDeviation[] {
  const gs = nodeGroups(env);
  const reservedMemory = kubeReservedMemory(MAX_PODS_PER_NODE);
  return [
    {
      document: SeedDocument.EfficiencyGuide,
      topic: 'spot allocation strategy',
      seed: `spot_allocation_strategy: "${SEED_GUIDE.workload.spotAllocationStrategy}"`,
      rendered: 'not set: EKS managed node groups choose it themselves (capacity-optimized)',
      reason:
        'an EKS managed node group has no allocation-strategy setting (eksctl managedNodeGroups has no instancesDistribution), and ' +
        '"diversified" is not an Auto Scaling group strategy at all (it is EC2 Fleet\'s; an ASG takes lowest-price, capacity-optimized, ' +
        'capacity-optimized-prioritized or price-capacity-optimized), so self-managed nodeGroups could not set it either, and would lose the ' +
        "managed groups' Spot rebalancing drain, managed AMI upgrades and updateConfig. The diversification it asks for is in the groups: " +
        `${[...new Set(gs.filter((g) => g.spot).flatMap((g) => g.instanceTypes))].join(', ')} (two instance families) in every zone, from the pools with the most spare capacity`,
    },
    {
      document: SeedDocument.EfficiencyGuide,
      topic: 'node memory reservation',
      seed: `node_memory_reservation: "${SEED_GUIDE.nodeMemoryReservation}"`,
      rendered: `kube-reserved ${reservedMemory.mebibytes}Mi + eviction ${EVICTION_HARD_MEMORY.mebibytes}Mi per node`,
      reason:
        `the ${AMI_FAMILY} AMI reserves 255Mi + 11Mi per pod for the kubelet and containerd; at the ${MAX_PODS_PER_NODE} pods prefix delegation admits ` +
        `that is ${reservedMemory.mebibytes}Mi, and lowering it to 1Gi would let pods take memory the node needs at full density (the capacity plan counts it)`,
    },
    {
      document: SeedDocument.EfficiencyGuide,
      topic: 'CPU manager policy',
      seed: `cpu_manager_policy: "${SEED_GUIDE.cpuManagerPolicy}"`,
      rendered: 'none (the kubelet default)',
      reason:
        'static pins whole cores only to Guaranteed pods with integer CPU requests, and no platform or service pod asks for one; on 2-vCPU nodes ' +
        'an exclusive core would halve what every other pod can use',
    },
  ];
}

function controlPlane(env: EnvironmentSettings): DocumentDeviation[] {
  const out: DocumentDeviation[] = [];
  out.push({
    document: SeedDocument.EfficiencyGuide,
    topic: 'API endpoint access',
    seed: `endpoint_access: "${SEED_GUIDE.endpointAccess}"`,
    rendered: env.privateEndpointOnly
      ? `public (only ${env.publicAccessCidrs.join(', ')}) and private while bootstrapping, private-only after the bootstrap README's last step`
      : `public (only ${env.publicAccessCidrs.join(', ')}) and private`,
    reason: env.privateEndpointOnly
      ? 'eksctl cannot create a private-only cluster, and the bootstrap runs from the operators\' networks; the README locks the endpoint as its last step'
      : 'the dev tier keeps the public endpoint, limited to the operator CIDRs, so developers reach it without a host in the VPC ' +
        '(Workflow Management, "Development Environment": simplified security); staging mirrors prod and is locked',
  });
  if (env.auditLogExportRetentionDays > LOG_RETENTION_DAYS) {
    out.push({
      document: SeedDocument.EfficiencyGuide,
      topic: 'audit log retention',
      seed: `log_retention: "${SEED_GUIDE.logRetention}" ("Reduced for cost savings")`,
      rendered:
        `control-plane log group ${LOG_RETENTION_DAYS} days; the Kubernetes audit stream also exported to S3 and kept ` +
        `${env.auditLogExportRetentionDays} days (auditLogs.exportRetentionDays)`,
      reason:
        `the log group keeps the document's ${LOG_RETENTION_DAYS} days, but an intrusion is often found weeks later and the audit log is the record of ` +
        'who did what through the API. Only the audit events are exported (bootstrap README, "Detection"), to S3 through Firehose: the ' +
        "added cost is that stream's delivery and S3 storage, while the other log types keep the document's shorter, cheaper retention",
    });
  }
  const rendered = EKS_ADDONS.map((a) => a.name);
  const seed = SEED_GUIDE.addons.map((a) => EKS_ADDON_NAME[a] ?? a);
  const extra = rendered.filter((a) => !seed.includes(a));
  if (extra.length > 0) {
    out.push({
      document: SeedDocument.EfficiencyGuide,
      topic: 'EKS add-ons',
      seed: `essential_only: ${SEED_GUIDE.addons.join(', ')}`,
      rendered: rendered.join(', '),
      reason: `${extra.join(', ')}: the VolumeSnapshot CRDs and controller the platform's VolumeSnapshotClass and volume snapshots need; EKS ships them only as this add-on`,
    });
  }
  if (env.kubernetesVersion !== KUBERNETES_VERSION) {
    out.push({
      document: SeedDocument.EfficiencyGuide,
      topic: 'Kubernetes version',
      seed: `version_strategy: "n-1" (${KUBERNETES_VERSION})`,
      rendered: env.kubernetesVersion,
      reason: 'held in platform.yaml (kubernetesVersion); remove the key to follow n-1',
    });
  }
  return out;
}

/** Workflows whose requests at rest exceed Workflow Management's allocation, with what takes it. */
function allocations(plan: CapacityPlan): DocumentDeviation[] {
  return plan.workflows
    .filter((w) => w.workflow !== Workflow.Apps && (w.overSeed.cpu || w.overSeed.memory))
    .map((w) => ({
      document: SeedDocument.WorkflowManagement,
      topic: `allocation of workflow ${w.workflow}`,
      seed: `~${formatCores(w.seed.cpu.millicores)} / ~${formatGi(w.seed.memory.bytes)}`,
      rendered: `${formatCores(w.replicated.requests.cpu.millicores)} / ${formatGi(w.replicated.requests.memory.bytes)} requested at rest`,
      reason:
        `the document estimates; these are the requests of the rendered pods (${w.components.join(', ')}), with the replicas the ` +
        `${plan.env} tier runs and every chart's own minimums; the nodes are sized to them (PLAN.md "Requests per workflow")`,
    }));
}

/**
 * Every deviation of the environment from the two documents: the node group rows of
 * `seedDeviations`, and the cluster, kubelet, control-plane and allocation rows.
 * @param plan the environment's capacity plan; without it the rows that need the requests are left out
 */
export function documentDeviations(env: EnvironmentSettings, plan?: CapacityPlan): DocumentDeviation[] {
  return [
    clusterSize(env, plan),
    ...seedDeviations(env).map((d) => ({ ...d, document: SeedDocument.EfficiencyGuide })),
    ...groupSizes(env),
    ...nodeSettings(env),
    ...controlPlane(env),
    ...(plan ? allocations(plan) : []),
  ];
}
