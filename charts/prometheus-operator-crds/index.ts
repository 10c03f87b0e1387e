/**
 * The monitoring CRDs (ServiceMonitor, PodMonitor, PrometheusRule, ...) on their own, installed at
 * bootstrap before anything else, so every later chart may turn its ServiceMonitors on.
 * kube-prometheus-stack runs with `crds.enabled: false`.
 */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';

export interface PrometheusOperatorCrdsValues {
  readonly crds: { readonly annotations: Record<string, string> };
}

export interface PrometheusOperatorCrdsProps {
  readonly namespace: string;
}

export function prometheusOperatorCrdsComponent(props: PrometheusOperatorCrdsProps): PlatformComponent {
  const values: PrometheusOperatorCrdsValues = { crds: { annotations: {} } };
  return {
    id: 'prometheus-operator-crds',
    workflow: Workflow.Foundation,
    namespace: props.namespace,
    dependsOn: [],
    source: helm(CHARTS.prometheusOperatorCrds, values),
  };
}
