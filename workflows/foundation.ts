/** Workflow 1, Foundation: Cilium, metrics-server, cluster-autoscaler, the monitoring CRDs, platform-base. */
import { ciliumComponent } from '../charts/cilium';
import { clusterAutoscalerComponent } from '../charts/cluster-autoscaler';
import { metricsServerComponent } from '../charts/metrics-server';
import { DEFAULTS as PLATFORM_BASE, ID as PLATFORM_BASE_ID, platformBaseComponent } from '../charts/platform-base';
import { PROMETHEUS_POD_LABELS } from '../charts/kube-prometheus-stack';
import { prometheusOperatorCrdsComponent } from '../charts/prometheus-operator-crds';
import { GUIDE_VALIDATIONS, readinessGateComponent } from '../charts/readiness-gates';
import { PlatformComponent, Workflow } from '../lib/component';
import { PlatformContext } from './context';
import { NAMESPACES, NS } from './namespaces';
import { maxNodeCount, NODE_GROUP_PATTERNS, STARTUP_TAINTS } from '../eksctl/node-groups';

/**
 * Foundation components other than platform-base, which is built from everyone's rendered objects,
 * and the workflow's readiness gate after all of them.
 */
export function foundationComponents(ctx: PlatformContext): PlatformComponent[] {
  const { env } = ctx;
  const components = [
    prometheusOperatorCrdsComponent({ namespace: NS.kubeSystem }),
    ciliumComponent({ namespace: NS.kubeSystem, tierPolicy: env.tierPolicy }),
    metricsServerComponent({ namespace: NS.kubeSystem, tierPolicy: env.tierPolicy }),
    clusterAutoscalerComponent({
      namespace: NS.kubeSystem,
      target: { clusterName: env.clusterName, accountId: env.accountId, region: env.region },
      preferredNodeGroups: NODE_GROUP_PATTERNS,
      startupTaints: STARTUP_TAINTS.map((t) => t.key),
    }),
  ];
  // The guide's foundation readiness gate (the cluster API accessible, kube-system's add-ons
  // Ready), after everything above and platform-base (its PriorityClass included).
  const gate = readinessGateComponent({
    workflow: Workflow.Foundation,
    namespace: NS.kubeSystem,
    check: { validation: GUIDE_VALIDATIONS[Workflow.Foundation], namespace: NS.kubeSystem },
    after: [...components.map((c) => c.id), PLATFORM_BASE_ID],
  });
  return [...components, gate];
}

/**
 * platform-base: every namespace of workflows/namespaces.ts it may create, and the node count its
 * quotas multiply DaemonSets by. Which namespaces it creates and how large their quotas are comes
 * from the other components' rendered objects (lib/hydrate.ts).
 */
export function platformBase(ctx: PlatformContext): PlatformComponent {
  const entries = Object.entries(NAMESPACES).sort(([a], [b]) => a.localeCompare(b));
  return platformBaseComponent(NS.kubeSystem, {
    namespaces: entries
      .filter(([, spec]) => spec.managed)
      .map(([name, spec]) => ({
        name,
        podSecurity: spec.podSecurity,
        reason: spec.reason,
        istioInjection: spec.istioInjection,
        defaultDeny: spec.defaultDeny,
        declaredTraffic: spec.declaredTraffic,
      })),
    existingNamespaces: [...new Set([...PLATFORM_BASE.existingNamespaces, ...entries.filter(([, spec]) => !spec.managed).map(([name]) => name)])].sort(),
    maxNodes: maxNodeCount(ctx.env),
    kubernetesVersion: ctx.env.kubernetesVersion,
    labelDomain: ctx.env.labelDomain,
    scraper: { namespace: NS.observability, pods: PROMETHEUS_POD_LABELS },
  });
}
