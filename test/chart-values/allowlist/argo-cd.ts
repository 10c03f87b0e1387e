import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  // argocd-cm and argocd-cmd-params-cm: any key becomes a ConfigMap entry.
  freeForm: ['configs.cm', 'configs.params'],
  undocumented: [],
};
export default allowlist;
