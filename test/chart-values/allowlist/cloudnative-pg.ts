import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  freeForm: [],
  undocumented: [],
};
export default allowlist;
