import { ChartAllowlist } from '../allowlist';

// Every key the tekton-operator component sets is in the chart's values.yaml (0.81.1).
const allowlist: ChartAllowlist = {
  freeForm: [],
  undocumented: [],
};
export default allowlist;
