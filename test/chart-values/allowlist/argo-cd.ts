import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  freeForm: [
    // argocd-cm and argocd-cmd-params-cm: any key becomes a ConfigMap entry.
    'configs.cm',
    'configs.params',
    // The redis-ha subchart (DandyDeveloper/redis-ha 4.38.0, Chart.yaml `dependencies`) has no
    // chart-values folder to check against. Keys we set there, from its values.yaml:
    // replicas, redis.resources, sentinel.resources, splitBrainDetection.resources, init.resources,
    // exporter.{enabled,resources,serviceMonitor.enabled}, haproxy.{replicas,resources,init.resources,
    // metrics.enabled,metrics.serviceMonitor.enabled}, topologySpreadConstraints.{enabled,topologyKey,
    // maxSkew,whenUnsatisfiable}. `enabled` itself is the argo-cd chart's own condition key.
    'redis-ha',
  ],
  undocumented: [],
};
export default allowlist;
