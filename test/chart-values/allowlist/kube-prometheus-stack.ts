import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  freeForm: [],
  undocumented: [
    {
      path: 'prometheusOperator.priorityClassName',
      proof: 'prometheus-community/helm-charts charts/kube-prometheus-stack/templates/prometheus-operator/deployment.yaml (`{{- if .Values.prometheusOperator.priorityClassName }}`); values.yaml has `# priorityClassName: ""` as a comment',
    },
    {
      // Subchart keys are checked relative to the subchart (see `subcharts`): kube-state-metrics and
      // prometheus-node-exporter both comment the key out in values.yaml.
      path: 'priorityClassName',
      proof: 'prometheus-community/helm-charts charts/kube-state-metrics/templates/deployment.yaml and charts/prometheus-node-exporter/templates/daemonset.yaml (`{{- if .Values.priorityClassName }}`); both values.yaml files have `# priorityClassName: ""` as a comment',
    },
  ],
  subcharts: {
    'kube-state-metrics': 'kube-state-metrics/8.4.0',
    'prometheus-node-exporter': 'prometheus-node-exporter/4.56.1',
  },
};
export default allowlist;
