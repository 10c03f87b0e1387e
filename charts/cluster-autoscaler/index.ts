/**
 * cluster-autoscaler with IRSA and node group auto-discovery.
 *
 * The autoscaler adds nodes when pods are pending, not at a utilization threshold. The seed's
 * "scale at 70% CPU/memory" therefore acts in two places: the HPAs scale pods at 70% CPU (their
 * pending replicas trigger scale-up here), and nodes below 70% requested utilization become
 * scale-down candidates (`scale-down-utilization-threshold: 0.7`), which keeps nodes near the
 * guide's 70-80% utilization target.
 */
import type { PlatformComponentId } from '../../config/ids';
import { IMAGES, CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { ImageRef } from '../../lib/image-ref';
import { irsaAnnotations, IrsaPolicy, irsaRole, IrsaTarget } from '../../lib/irsa';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { ClusterAutoscalerValues } from './values';

export type { ClusterAutoscalerValues } from './values';

export const ID = 'cluster-autoscaler' satisfies PlatformComponentId;

export interface ClusterAutoscalerProps {
  readonly namespace: string;
  readonly target: IrsaTarget & { readonly region: string };
  /** Name patterns of the node groups, most preferred first (spot before the on-demand fallback). */
  readonly preferredNodeGroups: readonly string[];
  /** Taints a node carries only until an agent is ready (Cilium's), ignored when simulating scale-up. */
  readonly startupTaints: readonly string[];
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
  /** @default DEFAULTS.scaleDownUtilizationThreshold */
  readonly scaleDownUtilizationThreshold?: number;
}

export const DEFAULTS = {
  resources: Resources.of({ cpu: '100m', memory: '300Mi' }, { cpu: '500m', memory: '600Mi' }),
  scaleDownUtilizationThreshold: 0.7,
  serviceAccount: 'cluster-autoscaler',
} as const;

/** The tag EKS puts on every managed node group's Auto Scaling group of the cluster (and auto-discovery finds them by). */
export function ownershipTag(clusterName: string): { readonly key: string; readonly value: 'owned' } {
  return { key: `k8s.io/cluster-autoscaler/${clusterName}`, value: 'owned' };
}

/** The actions that change capacity: only on the cluster's own groups. */
export const WRITE_ACTIONS: readonly string[] = ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'];

/** Read-only discovery (IAM grants Describe* on `*` only). */
export const READ_ACTIONS: readonly string[] = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeAutoScalingInstances',
  'autoscaling:DescribeLaunchConfigurations',
  'autoscaling:DescribeScalingActivities',
  'autoscaling:DescribeTags',
  'ec2:DescribeImages',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:GetInstanceTypesFromInstanceRequirements',
  'eks:DescribeNodegroup',
];

/**
 * The autoscaler's IAM policy, attached inline (eksctl `attachPolicy`). eksctl's
 * `wellKnownPolicies.autoScaler` grants SetDesiredCapacity and TerminateInstanceInAutoScalingGroup
 * on every Auto Scaling group in the account; here they need the cluster's ownership tag
 * (`aws:ResourceTag/k8s.io/cluster-autoscaler/<cluster>: owned`, which EKS sets on its managed node
 * groups), so a stolen token cannot resize or terminate another cluster's nodes, nor any other
 * group in the account. The Describe calls stay on `*`: IAM offers no resource scoping for them.
 * The policy the cluster-autoscaler's AWS README recommends, with the condition it suggests.
 */
export function autoscalerPolicy(clusterName: string): IrsaPolicy {
  const tag = ownershipTag(clusterName);
  return {
    statements: [
      { Effect: 'Allow', Action: WRITE_ACTIONS, Resource: ['*'], Condition: { StringEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value } } },
      { Effect: 'Allow', Action: READ_ACTIONS, Resource: ['*'] },
    ],
  };
}

export function clusterAutoscalerComponent(props: ClusterAutoscalerProps): PlatformComponent {
  const resources = props.resources ?? DEFAULTS.resources;
  const role = irsaRole(props.target, props.namespace, DEFAULTS.serviceAccount, autoscalerPolicy(props.target.clusterName));
  const patterns = props.preferredNodeGroups;
  // The priority expander tries the highest number first: spot, then the on-demand fallback when
  // spot capacity is gone; every other group (system) last.
  const expanderPriorities: Record<string, string[]> = { '1': ['.*'] };
  patterns.forEach((p, i) => {
    expanderPriorities[String((patterns.length - i) * 10)] = [p];
  });
  const values: ClusterAutoscalerValues = {
    cloudProvider: 'aws',
    awsRegion: props.target.region,
    autoDiscovery: { clusterName: props.target.clusterName },
    // The autoscaler's minor version must match the cluster's.
    image: { tag: imageTag(IMAGES.clusterAutoscaler) },
    // One active instance by design (leader election); a second replica only waits.
    replicaCount: 1,
    resources: resources.toK8s(),
    priorityClassName: PRIORITY.systemCluster,
    rbac: { serviceAccount: { name: DEFAULTS.serviceAccount, annotations: irsaAnnotations(role) } },
    extraArgs: {
      expander: 'priority',
      'balance-similar-node-groups': true,
      'skip-nodes-with-system-pods': false,
      'scale-down-utilization-threshold': props.scaleDownUtilizationThreshold ?? DEFAULTS.scaleDownUtilizationThreshold,
      ...startupTaintArgs(props.startupTaints),
      logtostderr: true,
      stderrthreshold: 'info',
      v: 2,
    },
    expanderPriorities,
    serviceMonitor: { enabled: true, namespace: props.namespace },
    podDisruptionBudget: { maxUnavailable: 1 },
  };
  return helmComponent({
    id: ID,
    workflow: Workflow.Foundation,
    namespace: props.namespace,
    dependsOn: ['cilium'],
    chart: CHARTS.clusterAutoscaler,
    values,
    irsa: [role],
  });
}

/** The tag of the pinned image: the chart takes the repository from its own defaults. */
function imageTag(image: string): string {
  const tag = ImageRef.parse(image).tag;
  if (!tag) throw new Error(`cluster-autoscaler: image "${image}" has no tag; pin it as <repository>:<version> matching the cluster's minor version`);
  return tag;
}

/** `--startup-taint` repeats per taint; the chart drops everything after `_` in an extraArgs key. */
function startupTaintArgs(taints: readonly string[]): Record<string, string> {
  return Object.fromEntries(taints.map((t, i) => [i === 0 ? 'startup-taint' : `startup-taint_${i + 1}`, t]));
}
