/** The emissary-ingress chart keys we set, at the version `CHARTS.emissaryIngress` pins. Checked against chart-values/emissary-ingress/<version>. */
import type { k8s } from 'cdk8s-plus-28';
import { K8sResources } from '../../lib/resources';

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
}

/**
 * A writable emptyDir: a structural type, since `k8s.Volume` holds its size as a `k8s.Quantity`
 * object and Helm values must carry the plain string.
 */
export interface EmptyDirVolume {
  readonly name: string;
  readonly emptyDir: { readonly sizeLimit: string };
}

export interface EmissaryIngressValues {
  readonly replicaCount: number;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  /** A policy/v1 PodDisruptionBudget spec (empty: none rendered). */
  readonly podDisruptionBudget: { readonly maxUnavailable?: number };
  /** A Kubernetes DeploymentStrategy (numbers, not `k8s.IntOrString` objects, for the values file). */
  readonly deploymentStrategy: { readonly type: 'RollingUpdate'; readonly rollingUpdate: { readonly maxSurge: number; readonly maxUnavailable: number } };
  readonly topologySpreadConstraints: readonly k8s.TopologySpreadConstraint[];
  readonly podLabels: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
  readonly security: { readonly podSecurityContext: k8s.PodSecurityContext; readonly containerSecurityContext: k8s.SecurityContext };
  readonly volumes: readonly EmptyDirVolume[];
  readonly volumeMounts: readonly k8s.VolumeMount[];
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
