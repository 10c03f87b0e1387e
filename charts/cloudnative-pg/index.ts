/**
 * The CloudNativePG operator, in the data namespace (the guide's "data_components: data").
 * Its CRDs (poolers ~339 KB, clusters ~272 KB) exceed the client-side apply annotation limit, so
 * the Application syncs server-side (components.md "SSA: required").
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { ControllerProps, helmComponent, WEBHOOK_CA_BUNDLE_DIFFERENCES } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { CloudnativePgValues } from './values';

export const ID = 'cloudnative-pg' satisfies PlatformComponentId;

export type CloudnativePgProps = ControllerProps;

export const DEFAULTS = {
  resources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
} as const;

/**
 * The labels the chart puts on the operator's pods (its Deployment's template, release
 * `cloudnative-pg`): the caller of every instance's status port (lib/traffic.ts edges in
 * workflows/data.ts).
 */
export const OPERATOR_POD_LABELS = { 'app.kubernetes.io/name': 'cloudnative-pg', 'app.kubernetes.io/instance': ID } as const;

export function cloudnativePgComponent(props: CloudnativePgProps): PlatformComponent {
  // One replica everywhere: running Postgres instances keep serving (and fail over through their
  // own instance managers) while the operator restarts; a second replica would only wait.
  const values: CloudnativePgValues = {
    replicaCount: 1,
    resources: (props.resources ?? DEFAULTS.resources).toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    crds: { create: true },
    monitoring: { podMonitorEnabled: true },
  };
  return helmComponent({
    id: ID,
    workflow: Workflow.Data,
    namespace: props.namespace,
    dependsOn: [],
    chart: CHARTS.cloudnativePg,
    values,
    // The operator generates its webhook certificate and patches the CA bundle in.
    ignoreDifferences: WEBHOOK_CA_BUNDLE_DIFFERENCES,
  });
}
