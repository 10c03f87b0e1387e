/** The emissary-ingress chart (4.1.0) keys we set. Checked against chart-values/emissary-ingress/4.1.0. */
import { K8sResources } from '../../lib/resources';

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
}

export interface EmissaryIngressValues {
  readonly replicaCount: number;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  /** A policy/v1 PodDisruptionBudget spec (empty: none rendered). */
  readonly podDisruptionBudget: { readonly maxUnavailable?: number };
  /** A Kubernetes DeploymentStrategy. */
  readonly deploymentStrategy: { readonly type: 'RollingUpdate'; readonly rollingUpdate: { readonly maxSurge: number; readonly maxUnavailable: number } };
  readonly topologySpreadConstraints: readonly object[];
  readonly podLabels: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
  readonly security: { readonly podSecurityContext: object; readonly containerSecurityContext: object };
  readonly volumes: readonly object[];
  readonly volumeMounts: readonly object[];
  readonly service: {
    readonly type: 'LoadBalancer';
    readonly annotations: Record<string, string>;
    readonly ports: readonly ServicePort[];
    /** Client CIDRs the load balancer admits (the node security group's rules); absent: any. */
    readonly loadBalancerSourceRanges?: readonly string[];
  };
  /** Watch only the release namespace: namespaced RBAC (a Role) for Services, Secrets and the getambassador.io kinds. */
  readonly scope: { readonly singleNamespace: boolean };
  readonly createDefaultListeners: boolean;
  readonly waitForApiext: { readonly enabled: boolean; readonly createRoles: boolean };
  readonly module: { readonly enabled: boolean };
  readonly ingressClassResource: { readonly enabled: boolean };
  readonly metrics: { readonly serviceMonitor: { readonly enabled: boolean } };
}
