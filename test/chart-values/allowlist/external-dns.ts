import { ChartAllowlist } from '../allowlist';

// The chart's values.schema.json defines every key we set; extraArgs is a list of flag strings.
const allowlist: ChartAllowlist = { freeForm: [], undocumented: [] };
export default allowlist;
