import { ChartAllowlist } from '../allowlist';

/** falcosidekick 0.12.x is a subchart (Chart.yaml dependency, `falcosidekick.enabled`) with no chart-values folder here. */
const SIDEKICK = 'falcosecurity/charts charts/falcosidekick/values.yaml (the falcosidekick 0.12.x subchart of falco 9.1.0, Chart.yaml dependencies)';

const allowlist: ChartAllowlist = {
  // customRules: file name -> Falco rules YAML, mounted into /etc/falco/rules.d.
  freeForm: ['customRules'],
  undocumented: [
    { path: 'falcosidekick.replicaCount', proof: `${SIDEKICK}: replicaCount` },
    { path: 'falcosidekick.resources', proof: `${SIDEKICK}: resources` },
    { path: 'falcosidekick.priorityClassName', proof: `${SIDEKICK}: priorityClassName` },
    { path: 'falcosidekick.podSecurityContext', proof: `${SIDEKICK}: podSecurityContext` },
    { path: 'falcosidekick.securityContext', proof: `${SIDEKICK}: securityContext` },
    { path: 'falcosidekick.serviceMonitor', proof: `${SIDEKICK}: serviceMonitor.enabled` },
    { path: 'falcosidekick.webui', proof: `${SIDEKICK}: webui.enabled` },
    { path: 'falcosidekick.config', proof: `${SIDEKICK}: config.loki.{hostport,endpoint,minimumpriority}, config.alertmanager.{hostport,endpoint,minimumpriority}` },
  ],
};
export default allowlist;
