import { ChartAllowlist } from '../allowlist';

// The chart's values.schema.json (additionalProperties: false) defines every key we set,
// including dns01RecursiveNameservers/-Only and webhook.podDisruptionBudget.minAvailable.
const allowlist: ChartAllowlist = { freeForm: [], undocumented: [] };
export default allowlist;
