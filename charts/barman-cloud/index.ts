/**
 * The Barman Cloud plugin (chart `plugin-barman-cloud`): backups and WAL archiving for
 * CloudNativePG, replacing the in-tree `barmanObjectStore` (deprecated since 1.26, removed in 1.31).
 * It must run in the operator's namespace, and its gRPC certificates come from cert-manager.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { ControllerProps, helmComponent } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { BarmanCloudValues } from './values';

export const ID = 'barman-cloud' satisfies PlatformComponentId;

/** `namespace` must equal the CloudNativePG operator's. */
export interface BarmanCloudProps extends ControllerProps {
  readonly operatorNamespace: string;
}

export const DEFAULTS = {
  resources: Resources.of({ cpu: '20m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
} as const;

/**
 * The plugin's pods (the chart's Deployment template, release `barman-cloud`) and the gRPC port
 * (mTLS) the CloudNativePG operator calls through the Service `barman-cloud` (annotation
 * `cnpg.io/pluginPort`). The plugin itself never reaches S3: the sidecar it injects into every
 * instance pod does.
 */
export const PLUGIN = {
  podLabels: { 'app.kubernetes.io/name': 'plugin-barman-cloud', 'app.kubernetes.io/instance': ID },
  port: 9090,
} as const;

export function barmanCloudComponent(props: BarmanCloudProps): PlatformComponent {
  if (props.namespace !== props.operatorNamespace) {
    throw new Error(`barman-cloud: namespace "${props.namespace}" differs from the CloudNativePG operator's "${props.operatorNamespace}"; the plugin must run next to the operator`);
  }
  const values: BarmanCloudValues = {
    replicaCount: 1,
    resources: (props.resources ?? DEFAULTS.resources).toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    crds: { create: true },
  };
  // The operator discovers the plugin through its Service; cert-manager (Ingress workflow, an
  // implicit prerequisite) issues the plugin's certificates.
  return helmComponent({ id: ID, workflow: Workflow.Data, namespace: props.namespace, dependsOn: ['cloudnative-pg', 'cert-manager'], chart: CHARTS.barmanCloud, values });
}
