import { ChartAllowlist } from '../allowlist';

// Every key the tekton-operator component sets is in the pinned chart's values.yaml.
const allowlist: ChartAllowlist = {
  freeForm: [],
  undocumented: [],
};
export default allowlist;
