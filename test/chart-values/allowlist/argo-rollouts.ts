import { ChartAllowlist } from '../allowlist';

// Every key we set is in values.yaml (controller.pdb.minAvailable is there as a commented default: `minAvailable: # 1`).
const allowlist: ChartAllowlist = {
  freeForm: [],
  undocumented: [],
};
export default allowlist;
