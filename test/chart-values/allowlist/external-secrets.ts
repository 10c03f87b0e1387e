import { ChartAllowlist } from '../allowlist';

/** Every key we set is in values.yaml / values.schema.json of external-secrets 2.9.0. */
const allowlist: ChartAllowlist = { freeForm: [], undocumented: [] };
export default allowlist;
