import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  freeForm: [
    // Loki's schema_config, rendered verbatim (`schema_config: {{ toYaml .Values.loki.schemaConfig }}` in loki.config).
    'loki.schemaConfig',
    // Loki's query_range block, rendered verbatim (`{{- with .Values.loki.query_range }}` in loki.config).
    'loki.query_range',
  ],
  undocumented: [
    {
      path: 'loki.storage.bucketNames',
      proof: 'grafana-community/helm-charts charts/loki/templates/_helpers.tpl (`loki.commonStorageConfig`: required "Please define loki.storage.bucketNames.chunks"); values.yaml has it only as a comment',
    },
  ],
};
export default allowlist;
