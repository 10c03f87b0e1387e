/**
 * The monitoring CRDs (ServiceMonitor, PodMonitor, PrometheusRule, ...) on their own, installed at
 * bootstrap before anything else, so every later chart may turn its ServiceMonitors on.
 * kube-prometheus-stack runs with `crds.enabled: false`.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { PrometheusOperatorCrdsValues } from './values';

export type { PrometheusOperatorCrdsValues } from './values';

export const ID = 'prometheus-operator-crds' satisfies PlatformComponentId;

export interface PrometheusOperatorCrdsProps {
  readonly namespace: string;
}

export function prometheusOperatorCrdsComponent(props: PrometheusOperatorCrdsProps): PlatformComponent {
  const values: PrometheusOperatorCrdsValues = { crds: { annotations: {} } };
  return helmComponent({ id: ID, workflow: Workflow.Foundation, namespace: props.namespace, dependsOn: [], chart: CHARTS.prometheusOperatorCrds, values });
}
