/** Workflow 1, Foundation: Cilium, metrics-server, cluster-autoscaler, the monitoring CRDs, platform-base. */
import { ciliumComponent } from '../charts/cilium';
import { clusterAutoscalerComponent } from '../charts/cluster-autoscaler';
import { metricsServerComponent } from '../charts/metrics-server';
import { platformBaseComponent } from '../charts/platform-base';
import { prometheusOperatorCrdsComponent } from '../charts/prometheus-operator-crds';
import { Component } from '../lib/component';
import { PlatformContext } from './context';
import { NAMESPACES, NS } from './namespaces';
import { maxNodeCount, NODE_GROUP_PATTERNS, STARTUP_TAINTS } from '../eksctl/node-groups';

/** Foundation components other than platform-base, which needs everyone's namespaces first. */
export function foundationComponents(ctx: PlatformContext): Component[] {
  const { env } = ctx;
  return [
    prometheusOperatorCrdsComponent({ namespace: NS.kubeSystem }),
    ciliumComponent({ namespace: NS.kubeSystem, highAvailability: env.highAvailability }),
    metricsServerComponent({ namespace: NS.kubeSystem, highAvailability: env.highAvailability }),
    clusterAutoscalerComponent({
      namespace: NS.kubeSystem,
      target: { clusterName: env.clusterName, accountId: env.accountId, region: env.region },
      preferredNodeGroups: NODE_GROUP_PATTERNS,
      startupTaints: STARTUP_TAINTS.map((t) => t.key),
    }),
  ];
}

/** platform-base, sized from every other component's declared workloads. */
export function platformBase(ctx: PlatformContext, others: readonly Component[]): Component {
  const used = new Set<string>();
  for (const c of others) {
    used.add(c.namespace);
    for (const ns of c.extraNamespaces ?? []) used.add(ns);
  }
  const namespaces = [...used].sort().map((name) => {
    const spec = NAMESPACES[name];
    if (!spec) throw new Error(`namespace "${name}" is not declared in workflows/namespaces.ts; add it with its Pod Security level`);
    return { name, spec };
  });
  return platformBaseComponent(NS.kubeSystem, {
    namespaces: namespaces
      .filter((n) => n.spec.managed)
      .map(({ name, spec }) => ({
        name,
        podSecurity: spec.podSecurity,
        reason: spec.reason,
        istioInjection: spec.istioInjection,
        defaultDeny: spec.defaultDeny,
        workloads: others.flatMap((c) => c.workloads.filter((w) => w.namespace === name)),
      })),
    maxNodes: maxNodeCount(ctx.env),
    kubernetesVersion: ctx.env.kubernetesVersion,
  });
}
