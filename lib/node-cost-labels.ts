/**
 * The node labels the cost rules price a node by, and how kube-state-metrics exports them. One
 * place for both sides of the join: kube-prometheus-stack allowlists the labels
 * (`metricLabelsAllowlist`), observability-config joins its price table on the label names
 * kube-state-metrics gives them on `kube_node_labels`.
 */

/** Kubernetes node labels that identify what a node costs: its EC2 instance type and its EKS capacity type. */
export const NODE_COST_LABELS = {
  /** Set by the kubelet from the cloud provider (well-known label). */
  instanceType: 'node.kubernetes.io/instance-type',
  /** Set by EKS on managed node group nodes: `ON_DEMAND` or `SPOT`. */
  capacityType: 'eks.amazonaws.com/capacityType',
} as const;

/** The values EKS gives `eks.amazonaws.com/capacityType` on managed node group nodes. */
export type CapacityType = 'ON_DEMAND' | 'SPOT';

/**
 * The Prometheus label kube-state-metrics exports a Kubernetes label as on `kube_<resource>_labels`:
 * `label_` + the key with every character outside `[a-zA-Z0-9_]` replaced by `_`, then camelCase
 * turned into snake_case (kube-state-metrics internal/store/utils.go: SanitizeLabelName, then
 * toSnakeCase). `eks.amazonaws.com/capacityType` becomes `label_eks_amazonaws_com_capacity_type`.
 */
export function ksmLabelName(key: string): string {
  const sanitized = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return `label_${sanitized.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}`;
}

/** One `--metric-labels-allowlist` entry of kube-state-metrics: `<resource plural>=[key,key]`. */
export function metricLabelsAllowlistEntry(resource: string, keys: readonly string[]): string {
  return `${resource}=[${keys.join(',')}]`;
}

/** The allowlist entry the cost rules need: the node labels above. */
export const NODE_COST_ALLOWLIST = metricLabelsAllowlistEntry('nodes', Object.values(NODE_COST_LABELS));
