import { ChartAllowlist } from '../allowlist';

/** Every key we set is in values.yaml of gatekeeper 3.23.0. */
const allowlist: ChartAllowlist = { freeForm: [], undocumented: [] };
export default allowlist;
