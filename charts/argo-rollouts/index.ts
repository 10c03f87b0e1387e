/**
 * Argo Rollouts: the controller that runs the microservices' canary releases and aborts them back
 * to the stable version when their Prometheus analysis fails (the seed's "Application rollback:
 * automated rollback on health check failures").
 *
 * Installed in Argo CD's namespace, as the efficiency guide consolidates the GitOps tools there.
 * No dashboard (the Argo CD UI shows Rollouts) and no traffic-router RBAC: the canaries shift
 * replicas, not mesh routes, so the controller needs no rights on VirtualServices or ingresses.
 */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { K8sResources, Resources } from '../../lib/resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT } from '../../lib/security';

export interface ArgoRolloutsValues {
  readonly installCRDs: boolean;
  readonly keepCRDs: boolean;
  readonly controller: {
    readonly replicas: number;
    readonly resources: K8sResources;
    readonly priorityClassName: string;
    readonly metrics: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } };
    readonly pdb: { readonly enabled: boolean; readonly minAvailable?: number };
  };
  readonly podSecurityContext: object;
  readonly containerSecurityContext: object;
  readonly dashboard: { readonly enabled: boolean };
  readonly providerRBAC: { readonly enabled: boolean };
}

export interface ArgoRolloutsProps {
  readonly namespace: string;
  /** Two controllers (leader election, one active) behind a PDB instead of one. */
  readonly highAvailability: boolean;
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
}

export const DEFAULTS = {
  resources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
} as const;

/** The controller Deployment's name: `<release>` (the chart's fullname). */
export const CONTROLLER_DEPLOYMENT = 'argo-rollouts';

export function argoRolloutsComponent(props: ArgoRolloutsProps): PlatformComponent {
  const resources = props.resources ?? DEFAULTS.resources;
  const replicas = props.highAvailability ? 2 : 1;
  const values: ArgoRolloutsValues = {
    installCRDs: true,
    // Deleting the Application must not delete every Rollout in the cluster with the CRDs.
    keepCRDs: true,
    controller: {
      replicas,
      resources: resources.toK8s(),
      priorityClassName: PRIORITY.platformCritical,
      metrics: { enabled: true, serviceMonitor: { enabled: true } },
      pdb: props.highAvailability ? { enabled: true, minAvailable: 1 } : { enabled: false },
    },
    // The image's own non-root user; the chart's default already sets runAsNonRoot.
    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    dashboard: { enabled: false },
    providerRBAC: { enabled: false },
  };
  return {
    id: 'argo-rollouts',
    workflow: Workflow.GitOps,
    namespace: props.namespace,
    dependsOn: [],
    source: helm(CHARTS.argoRollouts, values),
  };
}
