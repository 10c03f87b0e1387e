/**
 * Cilium in chaining mode on top of aws-vpc-cni (the official aws-cni chaining guide): aws-vpc-cni
 * keeps IPAM and routing, Cilium adds policy and Hubble. Bootstrap installs this release with
 * these very values (bootstrap/cilium-values.yaml) and the Application adopts it without a diff.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { TierPolicy } from '../../lib/tier-policy';
import { CiliumValues } from './values';

export const ID = 'cilium' satisfies PlatformComponentId;

export interface CiliumProps {
  readonly namespace: string;
  /** The environment's tier policy: the operator runs two replicas where the tier is highly available. */
  readonly tierPolicy: TierPolicy;
  /**
   * Istio runs in the cluster: restrict socket load-balancing to the host namespace so Istio's
   * sidecars see the original service addresses (components.md, Cilium caveats).
   * @default DEFAULTS.istio
   */
  readonly istio?: boolean;
  /** @default DEFAULTS.agentResources */
  readonly agentResources?: Resources;
  /** @default DEFAULTS.operatorResources */
  readonly operatorResources?: Resources;
  /** @default DEFAULTS.relayResources */
  readonly relayResources?: Resources;
}

export const DEFAULTS = {
  istio: true,
  agentResources: Resources.of({ cpu: '100m', memory: '256Mi' }, { cpu: '1', memory: '1Gi' }),
  operatorResources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '256Mi' }),
  relayResources: Resources.of({ cpu: '50m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
} as const;

export function ciliumComponent(props: CiliumProps): PlatformComponent {
  const agent = props.agentResources ?? DEFAULTS.agentResources;
  const operator = props.operatorResources ?? DEFAULTS.operatorResources;
  const relay = props.relayResources ?? DEFAULTS.relayResources;
  const operatorReplicas = props.tierPolicy.replicas(2);
  const values: CiliumValues = {
    cni: { chainingMode: 'aws-cni', exclusive: false },
    enableIPv4Masquerade: false,
    routingMode: 'native',
    endpointRoutes: { enabled: true },
    socketLB: { hostNamespaceOnly: props.istio ?? DEFAULTS.istio },
    // Agent: system-node-critical, operator: system-cluster-critical. Cilium installs at bootstrap,
    // before platform-base's PriorityClasses exist.
    enableCriticalPriorityClass: true,
    resources: agent.toK8s(),
    prometheus: { enabled: true, serviceMonitor: { enabled: true, trustCRDsExist: true } },
    operator: { replicas: operatorReplicas, resources: operator.toK8s(), prometheus: { enabled: true, serviceMonitor: { enabled: true } } },
    hubble: {
      enabled: true,
      // `helm` would generate new certificates on every render, a diff Argo CD never settles.
      tls: { auto: { enabled: true, method: 'cronJob' } },
      // L4 metrics only: in chaining mode Cilium's L7 visibility is limited, and Istio owns L7.
      metrics: { enabled: ['drop', 'tcp', 'flow', 'icmp'], serviceMonitor: { enabled: true } },
      relay: {
        enabled: true,
        replicas: 1,
        resources: relay.toK8s(),
        priorityClassName: PRIORITY.systemCluster,
        prometheus: { enabled: true, serviceMonitor: { enabled: true } },
      },
    },
  };
  return helmComponent({
    id: ID,
    workflow: Workflow.Foundation,
    namespace: props.namespace,
    // Its ServiceMonitors need the monitoring CRDs.
    dependsOn: ['prometheus-operator-crds'],
    chart: CHARTS.cilium,
    values,
  });
}
