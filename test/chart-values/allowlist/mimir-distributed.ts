import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  freeForm: [],
  undocumented: [
    {
      path: 'ruler.priorityClassName',
      proof: 'grafana/mimir operations/helm/charts/mimir-distributed/templates/ruler/ruler-dep.yaml (`{{- if .Values.ruler.priorityClassName }} priorityClassName: ...`); every other component section of values.yaml declares the key, the ruler section does not',
    },
    {
      path: 'rollout_operator.resources',
      proof: 'rollout-operator subchart (alias rollout_operator, grafana/helm-charts charts/rollout-operator): values.yaml `resources` (requests 100m/100Mi, limit 200Mi), read by templates/deployment.yaml; no chart-values folder for the subchart',
    },
    {
      path: 'rollout_operator.priorityClassName',
      proof: 'rollout-operator subchart (grafana/helm-charts charts/rollout-operator): values.yaml `priorityClassName: ""`, read by templates/deployment.yaml',
    },
  ],
};
export default allowlist;
