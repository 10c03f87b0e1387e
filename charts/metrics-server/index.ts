/** metrics-server: the resource metrics the HPAs (the seed's 70% CPU trigger) scale on. */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { ControllerProps, helmComponent } from '../../lib/helm-component';
import { Resources } from '../../lib/resources';
import { TierPolicy } from '../../lib/tier-policy';
import { MetricsServerValues } from './values';

export type { MetricsServerValues } from './values';

export const ID = 'metrics-server' satisfies PlatformComponentId;

export interface MetricsServerProps extends ControllerProps {
  /** Two replicas behind a PodDisruptionBudget where the tier is highly available, one otherwise. */
  readonly tierPolicy: TierPolicy;
}

export const DEFAULTS = {
  resources: Resources.of({ cpu: '50m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
} as const;

export function metricsServerComponent(props: MetricsServerProps): PlatformComponent {
  const { tierPolicy } = props;
  const values: MetricsServerValues = {
    replicas: tierPolicy.replicas(2),
    podDisruptionBudget: { enabled: tierPolicy.highAvailability, minAvailable: 1 },
    resources: (props.resources ?? DEFAULTS.resources).toK8s(),
    metrics: { enabled: true },
    serviceMonitor: { enabled: true },
  };
  return helmComponent({ id: ID, workflow: Workflow.Foundation, namespace: props.namespace, dependsOn: ['cilium'], chart: CHARTS.metricsServer, values });
}
