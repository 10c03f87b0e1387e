import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  // The collector's own configuration (the schema declares `config` an open object): exporters,
  // processors and pipelines are the collector's, merged over the chart's default config.
  freeForm: ['config'],
  undocumented: [],
};
export default allowlist;
