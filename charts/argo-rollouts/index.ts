/**
 * Argo Rollouts: the controller that runs the microservices' canary releases and aborts them back
 * to the stable version when their Prometheus analysis fails (the seed's "Application rollback:
 * automated rollback on health check failures").
 *
 * Installed in Argo CD's namespace, as the efficiency guide consolidates the GitOps tools there.
 * No dashboard (the Argo CD UI shows Rollouts) and no traffic-router RBAC: the canaries shift
 * replicas, not mesh routes, so the controller needs no rights on VirtualServices or ingresses.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { ControllerProps, helmComponent } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT } from '../../lib/security';
import { TierPolicy } from '../../lib/tier-policy';
import { ArgoRolloutsValues } from './values';

/** This component's id: its Argo CD Application name. */
export const ID = 'argo-rollouts' satisfies PlatformComponentId;

export type { ArgoRolloutsValues } from './values';

export interface ArgoRolloutsProps extends ControllerProps {
  /** Two controllers (leader election, one active) behind a PDB where the tier is highly available. */
  readonly tierPolicy: TierPolicy;
}

export const DEFAULTS = {
  resources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
  /** Replicas where the tier is highly available. */
  haReplicas: 2,
} as const;

/** The controller Deployment's name: `<release>` (the chart's fullname). */
export const CONTROLLER_DEPLOYMENT = 'argo-rollouts';

/** The controller's pods (the chart's selector labels for release `argo-rollouts`). */
export const CONTROLLER_POD_LABELS = {
  'app.kubernetes.io/component': 'rollouts-controller',
  'app.kubernetes.io/instance': CONTROLLER_DEPLOYMENT,
  'app.kubernetes.io/name': 'argo-rollouts',
} as const;

export function argoRolloutsComponent(props: ArgoRolloutsProps): PlatformComponent {
  const resources = props.resources ?? DEFAULTS.resources;
  const ha = props.tierPolicy.highAvailability;
  const values: ArgoRolloutsValues = {
    installCRDs: true,
    // Deleting the Application must not delete every Rollout in the cluster with the CRDs.
    keepCRDs: true,
    controller: {
      replicas: props.tierPolicy.replicas(DEFAULTS.haReplicas),
      resources: resources.toK8s(),
      priorityClassName: PRIORITY.platformCritical,
      metrics: { enabled: true, serviceMonitor: { enabled: true } },
      pdb: ha ? { enabled: true, minAvailable: 1 } : { enabled: false },
    },
    // The image's own non-root user; the chart's default already sets runAsNonRoot.
    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    dashboard: { enabled: false },
    providerRBAC: { enabled: false },
  };
  return helmComponent({ id: ID, workflow: Workflow.GitOps, namespace: props.namespace, dependsOn: [], chart: CHARTS.argoRollouts, values });
}
