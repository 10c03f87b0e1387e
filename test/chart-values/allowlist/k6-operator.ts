import { ChartAllowlist } from '../allowlist';

// Every key we set is in values.yaml / values.schema.json.
const allowlist: ChartAllowlist = {
  freeForm: [],
  undocumented: [],
};
export default allowlist;
