import { ChartAllowlist } from '../allowlist';

// Every key we set (enableLegacyVersions, enableV1, emissary.namespace) is in values.yaml.
const allowlist: ChartAllowlist = { freeForm: [], undocumented: [] };
export default allowlist;
