import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  // Tempo's storage block, rendered verbatim into tempo.yaml (`storage: {{- toYaml .Values.tempo.storage }}` in `config`).
  freeForm: ['tempo.storage'],
  undocumented: [],
};
export default allowlist;
