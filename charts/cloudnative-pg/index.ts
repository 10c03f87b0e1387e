/**
 * The CloudNativePG operator, in the data namespace (the guide's "data_components: data").
 * Its CRDs (poolers ~339 KB, clusters ~272 KB) exceed the client-side apply annotation limit, so
 * the Application syncs server-side (components.md "SSA: required").
 */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { K8sResources, Resources } from '../../lib/resources';

/** The `cloudnative-pg` chart (0.29.0) keys we set. */
export interface CloudnativePgValues {
  readonly replicaCount: number;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly crds: { readonly create: boolean };
  readonly monitoring: { readonly podMonitorEnabled: boolean };
}

export interface CloudnativePgProps {
  readonly namespace: string;
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
}

export const DEFAULTS = {
  resources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
  /** The chart's Deployment: `<fullname>` of release `cloudnative-pg`. */
  deployment: 'cloudnative-pg',
  container: 'manager',
} as const;

export function cloudnativePgComponent(props: CloudnativePgProps): PlatformComponent {
  const resources = props.resources ?? DEFAULTS.resources;
  // One replica everywhere: running Postgres instances keep serving (and fail over through their
  // own instance managers) while the operator restarts; a second replica would only wait.
  const values: CloudnativePgValues = {
    replicaCount: 1,
    resources: resources.toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    crds: { create: true },
    monitoring: { podMonitorEnabled: true },
  };
  return {
    id: 'cloudnative-pg',
    workflow: Workflow.Data,
    namespace: props.namespace,
    dependsOn: [],
    source: helm(CHARTS.cloudnativePg, values),
    // The operator generates its webhook certificate and patches the CA bundle in.
    ignoreDifferences: [
      { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
    ],
  };
}
