/**
 * The Barman Cloud plugin (chart `plugin-barman-cloud`): backups and WAL archiving for
 * CloudNativePG, replacing the in-tree `barmanObjectStore` (deprecated since 1.26, removed in 1.31).
 * It must run in the operator's namespace, and its gRPC certificates come from cert-manager.
 */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { K8sResources, Resources } from '../../lib/resources';

/** The `plugin-barman-cloud` chart (0.7.0) keys we set. */
export interface BarmanCloudValues {
  readonly replicaCount: number;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly crds: { readonly create: boolean };
}

export interface BarmanCloudProps {
  /** Must equal the CloudNativePG operator's namespace. */
  readonly namespace: string;
  readonly operatorNamespace: string;
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
}

export const DEFAULTS = {
  resources: Resources.of({ cpu: '20m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
  /** `<fullname>` of release `barman-cloud` and chart `plugin-barman-cloud`. */
  deployment: 'barman-cloud-plugin-barman-cloud',
  container: 'barman-cloud',
} as const;

export function barmanCloudComponent(props: BarmanCloudProps): PlatformComponent {
  if (props.namespace !== props.operatorNamespace) {
    throw new Error(`barman-cloud: namespace "${props.namespace}" differs from the CloudNativePG operator's "${props.operatorNamespace}"; the plugin must run next to the operator`);
  }
  const resources = props.resources ?? DEFAULTS.resources;
  const values: BarmanCloudValues = {
    replicaCount: 1,
    resources: resources.toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    crds: { create: true },
  };
  return {
    id: 'barman-cloud',
    workflow: Workflow.Data,
    namespace: props.namespace,
    // The operator discovers the plugin through its Service; cert-manager (Ingress workflow, an
    // implicit prerequisite) issues the plugin's certificates.
    dependsOn: ['cloudnative-pg', 'cert-manager'],
    source: helm(CHARTS.barmanCloud, values),
  };
}
