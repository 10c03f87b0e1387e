/**
 * PriorityClasses created by platform-base. Components installed at bootstrap, before
 * platform-base exists (Cilium, Argo CD), use the built-in `system-*-critical` classes instead.
 */
export const PRIORITY = {
  /** Platform controllers and data stores: evicted last, after workloads. */
  platformCritical: 'platform-critical',
  /** Microservices. */
  workload: 'workload',
  systemNode: 'system-node-critical',
  systemCluster: 'system-cluster-critical',
} as const;
