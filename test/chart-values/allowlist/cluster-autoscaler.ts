import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  // Flag name → value, passed as --flag=value; priority → ASG name patterns.
  freeForm: ['extraArgs', 'expanderPriorities'],
  undocumented: [],
};
export default allowlist;
