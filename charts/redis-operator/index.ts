/**
 * The OT-Container-Kit redis-operator (spotahome's is unmaintained), OCI chart, in the data
 * namespace and scoped to it: Role/RoleBinding instead of cluster-wide RBAC, watching only there.
 * Its CRDs (redisreplications ~266 KB) exceed the client-side apply limit: server-side apply.
 */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { K8sResources, Resources } from '../../lib/resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from '../../lib/security';

/** The `redis-operator` chart (0.26.1) keys we set. */
export interface RedisOperatorValues {
  readonly redisOperator: {
    readonly watchNamespace: string;
    readonly imagePullPolicy: 'IfNotPresent';
    readonly webhook: boolean;
    readonly metrics: { readonly enabled: boolean };
  };
  readonly rbac: { readonly enabled: boolean; readonly scope: 'namespace' | 'cluster' };
  readonly replicas: number;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly podSecurityContext: typeof RESTRICTED_POD_SECURITY_CONTEXT;
  readonly securityContext: typeof RESTRICTED_CONTAINER_SECURITY_CONTEXT;
}

export interface RedisOperatorProps {
  readonly namespace: string;
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
}

export const DEFAULTS = {
  /** The chart's 500m/500Mi is far above what one reconciler for three CRs uses. */
  resources: Resources.of({ cpu: '20m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
  deployment: 'redis-operator',
  container: 'redis-operator',
} as const;

/** The labels the chart puts on the operator's pods (its template: `name: <redisOperator.name>`); Redis's NetworkPolicy admits them. */
export const OPERATOR_POD_LABELS = { name: 'redis-operator' } as const;

export function redisOperatorComponent(props: RedisOperatorProps): PlatformComponent {
  const resources = props.resources ?? DEFAULTS.resources;
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
    resources: resources.toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    // The chart sets no security context; the data namespace enforces the restricted standard.
    podSecurityContext: RESTRICTED_POD_SECURITY_CONTEXT,
    securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
  };
  return {
    id: 'redis-operator',
    workflow: Workflow.Data,
    namespace: props.namespace,
    dependsOn: [],
    source: helm(CHARTS.redisOperator, values),
  };
}
