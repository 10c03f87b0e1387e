/**
 * The OT-Container-Kit redis-operator (spotahome's is unmaintained), OCI chart, in the data
 * namespace and scoped to it: Role/RoleBinding instead of cluster-wide RBAC, watching only there.
 * Its CRDs (redisreplications ~266 KB) exceed the client-side apply limit: server-side apply.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { ControllerProps, helmComponent } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from '../../lib/security';
import { RedisOperatorValues } from './values';

export const ID = 'redis-operator' satisfies PlatformComponentId;

export type RedisOperatorProps = ControllerProps;

export const DEFAULTS = {
  /** The chart's 500m/500Mi is far above what one reconciler for three CRs uses. */
  resources: Resources.of({ cpu: '20m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
} as const;

/** The labels the chart puts on the operator's pods (its template: `name: <redisOperator.name>`); Redis's NetworkPolicy admits them. */
export const OPERATOR_POD_LABELS = { name: 'redis-operator' } as const;

export function redisOperatorComponent(props: RedisOperatorProps): PlatformComponent {
  const values: RedisOperatorValues = {
    redisOperator: {
      watchNamespace: props.namespace,
      imagePullPolicy: 'IfNotPresent',
      // The webhook only validates master/replica anti-affinity; not needed with our spread constraints.
      webhook: false,
      metrics: { enabled: true },
    },
    rbac: { enabled: true, scope: 'namespace' },
    replicas: 1,
    resources: (props.resources ?? DEFAULTS.resources).toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    // The chart sets no security context; the data namespace enforces the restricted standard.
    podSecurityContext: RESTRICTED_POD_SECURITY_CONTEXT,
    securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
  };
  return helmComponent({ id: ID, workflow: Workflow.Data, namespace: props.namespace, dependsOn: [], chart: CHARTS.redisOperator, values });
}
