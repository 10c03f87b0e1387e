import { ChartAllowlist } from '../allowlist';

/**
 * `grafana.ini` is a free-form map (the chart converts every section to the ini file), but its key
 * contains a dot, which the dotted free-form patterns cannot spell without also matching e.g.
 * `sidecar.dashboards`. The sections we add are therefore listed by exact path, each with the
 * Grafana configuration that defines it.
 */
const INI = 'grafana-community/helm-charts charts/grafana/templates/_config.tpl renders every `grafana.ini` section into grafana.ini';

const allowlist: ChartAllowlist = {
  freeForm: [],
  undocumented: [
    {
      path: 'priorityClassName',
      proof: 'grafana-community/helm-charts charts/grafana/templates/_pod.tpl (`{{- with .Values.priorityClassName }} priorityClassName: ...`); values.yaml has `# priorityClassName:` as a comment',
    },
    { path: 'grafana.ini.dataproxy', proof: `${INI}; grafana/grafana conf/defaults.ini [dataproxy] timeout, max_conns_per_host` },
    { path: 'grafana.ini.query', proof: `${INI}; grafana/grafana pkg/services/query/query.go reads [query] concurrent_query_limit` },
    { path: 'grafana.ini.dashboards', proof: `${INI}; grafana/grafana conf/defaults.ini [dashboards] min_refresh_interval` },
    { path: 'grafana.ini.analytics.reporting_enabled', proof: `${INI}; grafana/grafana conf/defaults.ini [analytics] reporting_enabled` },
  ],
};
export default allowlist;
