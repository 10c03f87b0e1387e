/** metrics-server: the resource metrics the HPAs (the seed's 70% CPU trigger) scale on. */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';
import { K8sResources, Resources } from '../../lib/resources';

export interface MetricsServerValues {
  readonly replicas: number;
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
  readonly resources: K8sResources;
  readonly metrics: { readonly enabled: boolean };
  readonly serviceMonitor: { readonly enabled: boolean };
}

export interface MetricsServerProps {
  readonly namespace: string;
  readonly highAvailability: boolean;
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
}

export const DEFAULTS = {
  resources: Resources.of({ cpu: '50m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
} as const;

export function metricsServerComponent(props: MetricsServerProps): PlatformComponent {
  const resources = props.resources ?? DEFAULTS.resources;
  const replicas = props.highAvailability ? 2 : 1;
  const values: MetricsServerValues = {
    replicas,
    podDisruptionBudget: { enabled: props.highAvailability, minAvailable: 1 },
    resources: resources.toK8s(),
    metrics: { enabled: true },
    serviceMonitor: { enabled: true },
  };
  return {
    id: 'metrics-server',
    workflow: Workflow.Foundation,
    namespace: props.namespace,
    dependsOn: ['cilium'],
    source: helm(CHARTS.metricsServer, values),
  };
}
