/**
 * Workflow 3, Observability: Mimir, Loki, Tempo, Prometheus (kube-prometheus-stack), the
 * OpenTelemetry collector, Grafana, and our rules and dashboards (observability-config). Everything
 * in the `observability` namespace.
 *
 * Order (from dependsOn; waves are computed): the stores first (mimir, loki, tempo, all after
 * Foundation only); kube-prometheus-stack after mimir (it remote-writes there); the collector after
 * the three stores it exports to; grafana after the stores and kube-prometheus-stack; and
 * observability-config after kube-prometheus-stack, grafana and mimir.
 *
 * Sizing: config/sizing.ts (the seed's numbers for staging and prod, less in dev); replicas and
 * zone spread: the environment's tier policy (dev runs one replica of everything).
 */
import { DATASOURCE_UIDS, DASHBOARD_SIDECAR, grafanaComponent, POD_LABELS as GRAFANA_POD_LABELS } from '../charts/grafana';
import { ALERTMANAGER_POD_LABELS, kubePrometheusStackComponent, kubePrometheusStackEndpoints, DEFAULTS as KPS, PROMETHEUS_POD_LABELS } from '../charts/kube-prometheus-stack';
import { AlertReceiver, AlertRouting } from '../charts/kube-prometheus-stack/alertmanager';
import { lokiComponent, DEFAULTS as LOKI, LokiPeer } from '../charts/loki';
import { LOKI_CLIENTS } from './loki-clients';
import { mimirComponent, DEFAULTS as MIMIR, POD_LABELS as MIMIR_POD_LABELS } from '../charts/mimir';
import { observabilityConfigComponent } from '../charts/observability-config';
import { gatePodLabels, GUIDE_VALIDATIONS, readinessGateComponent } from '../charts/readiness-gates';
import { AGENT_POD_LABELS as COLLECTOR_POD_LABELS, openTelemetryCollectorComponent } from '../charts/opentelemetry-collector';
import { tempoComponent, DEFAULTS as TEMPO, POD_LABELS as TEMPO_POD_LABELS } from '../charts/tempo';
import { EnvironmentSettings } from '../config/defaults';
import { SIZING } from '../config/sizing';
import { Duration } from '../lib/duration';
import { PlatformComponent, RunbookSection, Workflow } from '../lib/component';
import { TrafficEdge, withTraffic } from '../lib/traffic';
import { PlatformContext } from './context';
import { ENDPOINTS } from './endpoints';
import { NS } from './namespaces';

/** The object stores of the workflow, one bucket each. */
export type TelemetryStore = 'mimir' | 'loki' | 'tempo';

/** `<platform>-<env>-<store>`: the bucket of a store in one environment. */
export function bucketName(env: Pick<EnvironmentSettings, 'clusterName'>, store: TelemetryStore): string {
  return `${env.clusterName}-${store}`;
}

/** The ConfigMap observability-config renders and the Mimir ruler mounts. */
export const MIMIR_RULES_CONFIG_MAP = 'mimir-ruler-rules';

/** Where the rendered bootstrap README lives in the GitOps repository (browsable over https). */
export function runbookUrl(env: Pick<EnvironmentSettings, 'name' | 'gitops'>): string {
  const repo = env.gitops.repoURL
    .replace(/^git@([^:]+):/, 'https://$1/')
    .replace(/^ssh:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\//, 'https://$1/')
    .replace(/\.git$/, '');
  // dist/<env> as synth.ts writes it (DIST_PATH).
  return `${repo}/blob/${env.gitops.targetRevision}/dist/${env.name}/bootstrap/README.md`;
}

/**
 * The bucket a store needs before its Application syncs: private, encrypted, with a lifecycle that
 * aborts stale multipart uploads and, where the store's own compactor deletes by age, a backstop
 * expiry one day after its retention. The IAM side is the IRSA role eksctl creates from the same
 * policy (`s3BucketPolicy`), so no IAM command is needed here.
 */
export function s3BucketRunbook(env: Pick<EnvironmentSettings, 'region'>, store: TelemetryStore, bucket: string, expireAfterDays?: number): RunbookSection {
  const location = env.region === 'us-east-1' ? '' : ` \\\n  --create-bucket-configuration LocationConstraint=${env.region}`;
  const rules = [
    { ID: 'abort-incomplete-uploads', Status: 'Enabled', Filter: {}, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    ...(expireAfterDays ? [{ ID: 'retention-backstop', Status: 'Enabled', Filter: {}, Expiration: { Days: expireAfterDays } }] : []),
  ];
  // SSE-S3: encrypted at rest with no KMS key for the IRSA roles to be granted.
  const encryption = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] };
  return {
    phase: 'aws',
    title: `S3 bucket ${bucket}`,
    body: [
      `The ${store} store's objects. Its pods reach it through IRSA (the role eksctl creates for its ServiceAccount).`,
      expireAfterDays
        ? `The ${store} compactor deletes by age; the lifecycle expiry (${expireAfterDays} days) is only a backstop after its retention.`
        : `Mimir's compactor owns retention and the bucket index: no expiry rule, which would delete blocks the index still lists.`,
      '',
      '```bash',
      `aws s3api create-bucket --bucket ${bucket} --region ${env.region}${location}`,
      `aws s3api put-public-access-block --bucket ${bucket} \\\n  --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
      `aws s3api put-bucket-encryption --bucket ${bucket} \\\n  --server-side-encryption-configuration '${JSON.stringify(encryption)}'`,
      `aws s3api put-bucket-lifecycle-configuration --bucket ${bucket} \\\n  --lifecycle-configuration '${JSON.stringify({ Rules: rules })}'`,
      '```',
    ].join('\n'),
  };
}

/** The bucket's lifecycle expiry for a store that deletes by age: one day after its retention. */
function backstopDays(retention: Duration): number {
  return retention.totalSeconds / Duration.days(1).totalSeconds + 1;
}

/** The environment's alerting (platform.yaml `alerting`, or its own `environments.<env>.alerting`) as Alertmanager receivers and routes. */
export function alertRouting(env: Pick<EnvironmentSettings, 'alerting'>): AlertRouting {
  const receivers = Object.entries(env.alerting.receivers).map(([name, r]): AlertReceiver => {
    if (r.slack) return { kind: 'slack', name, channel: r.slack.channel };
    if (r.pagerduty) return { kind: 'pagerduty', name, ...(r.pagerduty.url ? { url: r.pagerduty.url } : {}) };
    if (r.email) return { kind: 'email', name, to: r.email.to, from: r.email.from, smarthost: r.email.smarthost, requireTls: r.email.requireTls, ...(r.email.username ? { username: r.email.username } : {}) };
    if (r.webhook) return { kind: 'webhook', name };
    throw new Error(`alerting.receivers.${name}: no receiver kind (the schema requires one of slack, pagerduty, email, webhook)`);
  });
  return { receivers, routes: env.alerting.routes, ...(env.alerting.heartbeat ? { heartbeat: env.alerting.heartbeat } : {}) };
}

/**
 * The calls between the workflow's components (lib/traffic.ts), declared here where both ends are
 * known; each chart's `<x>Traffic` has the flows inside it, and the API server, webhooks and the
 * scrapes of the rendered monitors are derived. Ports are the called pods' (the Services' target
 * ports): the `mimir-gateway` Service's port 80 lands on Mimir's HTTP port. Loki's clients come
 * from LOKI_CLIENTS, the list its own NetworkPolicy admits, so both agree; the peers in other
 * namespaces (Falcosidekick) are declared by their workflow (workflows/security.ts).
 */
export function observabilityTraffic(namespace: string): Record<'mimir' | 'loki' | 'kubePrometheusStack' | 'collector' | 'grafana' | 'gate', TrafficEdge[]> {
  const at = (pods: Readonly<Record<string, string>>) => ({ namespace, pods });
  const kps = kubePrometheusStackEndpoints(namespace);
  const mimir = { port: MIMIR.ports.http };
  const lokiHttp = [{ port: LOKI.ports.http }];
  const lokiClient = (role: string, peer: LokiPeer, i: number): TrafficEdge => ({
    name: `loki-${role}-${peer.podLabels['app.kubernetes.io/name'] ?? i}`,
    from: { namespace: peer.namespace, pods: peer.podLabels },
    to: at(LOKI.podLabels),
    ports: lokiHttp,
    reason: `Loki's ${role}: ${peer.purpose}.`,
  });
  const local = (peers: readonly LokiPeer[]) => peers.filter((p) => p.namespace === namespace);
  return {
    mimir: [
      { name: 'mimir-ruler-alertmanager', from: at(MIMIR_POD_LABELS), to: at(ALERTMANAGER_POD_LABELS), ports: [{ port: kps.alertmanager.port }], reason: "Mimir's ruler sends the alerts of its rules to Alertmanager." },
    ],
    loki: [...local(LOKI_CLIENTS.writers).map((p, i) => lokiClient('writer', p, i)), ...local(LOKI_CLIENTS.readers).map((p, i) => lokiClient('reader', p, i))],
    kubePrometheusStack: [
      { name: 'prometheus-mimir', from: at(PROMETHEUS_POD_LABELS), to: at(MIMIR_POD_LABELS), ports: [mimir], reason: 'Prometheus remote-writes every sample to Mimir (through the mimir-gateway Service).' },
    ],
    collector: [
      { name: 'collector-tempo', from: at(COLLECTOR_POD_LABELS), to: at(TEMPO_POD_LABELS), ports: [{ port: TEMPO.otlpGrpcPort }], reason: 'The collector exports traces to Tempo over OTLP gRPC.' },
      { name: 'collector-mimir', from: at(COLLECTOR_POD_LABELS), to: at(MIMIR_POD_LABELS), ports: [mimir], reason: "The collector exports metrics to Mimir's OTLP endpoint (through the mimir-gateway Service)." },
    ],
    grafana: [
      { name: 'grafana-mimir', from: at(GRAFANA_POD_LABELS), to: at(MIMIR_POD_LABELS), ports: [mimir], reason: 'Grafana queries metrics (its Mimir data source, through the mimir-gateway Service).' },
      { name: 'grafana-tempo', from: at(GRAFANA_POD_LABELS), to: at(TEMPO_POD_LABELS), ports: [{ port: TEMPO.httpPort }], reason: 'Grafana queries traces (its Tempo data source).' },
      { name: 'grafana-alertmanager', from: at(GRAFANA_POD_LABELS), to: at(ALERTMANAGER_POD_LABELS), ports: [{ port: kps.alertmanager.port }], reason: 'Grafana reads and silences alerts (its Alertmanager data source).' },
    ],
    gate: [
      { name: 'readiness-prometheus', from: at(gatePodLabels(Workflow.Observability)), to: at(PROMETHEUS_POD_LABELS), ports: [{ port: kps.prometheus.port }], reason: "The observability readiness gate asks Prometheus whether its targets are up." },
    ],
  };
}


export function observabilityComponents(ctx: PlatformContext): PlatformComponent[] {
  const { env } = ctx;
  const ns = NS.observability;
  const target = { clusterName: env.clusterName, accountId: env.accountId, region: env.region };
  const tier = env.tierPolicy;
  const timing = { scrapeInterval: KPS.scrapeInterval, evaluationInterval: KPS.evaluationInterval };

  const mimirBucket = bucketName(env, 'mimir');
  const lokiBucket = bucketName(env, 'loki');
  const tempoBucket = bucketName(env, 'tempo');

  const mimir = mimirComponent({
    namespace: ns,
    target,
    bucket: mimirBucket,
    tierPolicy: tier,
    alertmanagerUrl: ENDPOINTS.alertmanager,
    rulerRulesConfigMap: MIMIR_RULES_CONFIG_MAP,
    ...tier.sized(SIZING.mimir),
    runbook: [s3BucketRunbook(env, 'mimir', mimirBucket)],
  });
  const lokiRetention = LOKI.retention;
  const loki = lokiComponent({
    namespace: ns,
    clients: LOKI_CLIENTS,
    target,
    bucket: lokiBucket,
    ...tier.sized(SIZING.loki),
    runbook: [s3BucketRunbook(env, 'loki', lokiBucket, backstopDays(lokiRetention))],
  });
  const tempo = tempoComponent({
    namespace: ns,
    target,
    bucket: tempoBucket,
    ...tier.sized(SIZING.tempo),
    runbook: [s3BucketRunbook(env, 'tempo', tempoBucket, backstopDays(TEMPO.retention))],
  });
  const kps = kubePrometheusStackComponent({
    namespace: ns,
    clusterName: env.clusterName,
    remoteWriteUrl: ENDPOINTS.mimirRemoteWrite,
    tierPolicy: tier,
    ...tier.sized(SIZING['kube-prometheus-stack']),
    alerting: alertRouting(env),
  });
  const collector = openTelemetryCollectorComponent({
    namespace: ns,
    exporters: { tracesOtlpGrpc: ENDPOINTS.tempoOtlpGrpc, metricsOtlpHttp: ENDPOINTS.mimirOtlp, logsOtlpHttp: ENDPOINTS.lokiOtlp },
    ...tier.sized(SIZING['opentelemetry-collector']),
  });
  const grafana = grafanaComponent({
    namespace: ns,
    datasources: { mimir: ENDPOINTS.mimirQuery, loki: ENDPOINTS.lokiQuery, tempo: ENDPOINTS.tempoQuery, alertmanager: ENDPOINTS.alertmanager },
    scrapeInterval: timing.scrapeInterval,
    ...tier.sized(SIZING.grafana),
  });
  const config = observabilityConfigComponent({
    namespace: ns,
    timing,
    runbookUrl: runbookUrl(env),
    grafana: { datasourceUid: DATASOURCE_UIDS.mimir, ...DASHBOARD_SIDECAR },
    mimirRulesConfigMap: MIMIR_RULES_CONFIG_MAP,
    prices: env.pricing.instanceTypes,
  });
  const traffic = observabilityTraffic(ns);
  const components = [
    withTraffic(mimir, traffic.mimir),
    withTraffic(loki, traffic.loki),
    tempo,
    withTraffic(kps, traffic.kubePrometheusStack),
    withTraffic(collector, traffic.collector),
    withTraffic(grafana, traffic.grafana),
    config,
  ];
  // The guide's observability readiness gate (Prometheus' targets up), after everything above; it
  // also carries the alert on Applications of any workflow that stay past their gate.
  const gate = readinessGateComponent({
    workflow: Workflow.Observability,
    namespace: ns,
    check: { validation: GUIDE_VALIDATIONS[Workflow.Observability], prometheusUrl: ENDPOINTS.prometheus },
    after: components.map((c) => c.id),
    alerts: { runbookUrl: runbookUrl(env) },
  });
  return [...components, withTraffic(gate, traffic.gate)];
}
