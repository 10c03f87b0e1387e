import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { GrafanaValues } from '../../charts/grafana/values';
import { KubePrometheusStackValues } from '../../charts/kube-prometheus-stack/values';
import { DEFAULTS as LOKI } from '../../charts/loki';
import { LokiValues } from '../../charts/loki/values';
import { EXPORTERS } from '../../charts/opentelemetry-collector';
import { OpenTelemetryCollectorValues } from '../../charts/opentelemetry-collector/values';
import { READINESS_COMPONENTS } from '../../charts/readiness-gates';
import { TempoValues } from '../../charts/tempo/values';
import { SIZING } from '../../config/sizing';
import { CHARTS } from '../../config/versions';
import { Workflow } from '../../lib/component';
import { vendoredChartFiles } from '../../lib/helm/chart-package';
import { Duration } from '../../lib/duration';
import { plannedComponents, workflowUsage } from '../../lib/plan';
import { K8sObject } from '../../lib/render';
import { componentWorkloads } from '../../lib/workloads';
import { ENDPOINTS } from '../../workflows/endpoints';
import { LOKI_CLIENTS } from '../../workflows/loki-clients';
import { NS } from '../../workflows/namespaces';
import { bucketName, runbookUrl } from '../../workflows/observability';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, referenceDir, fixtureEnvironment, renderedFixture, ROOT } from '../support';

jest.setTimeout(120_000);

const IDS = ['mimir', 'loki', 'tempo', 'kube-prometheus-stack', 'opentelemetry-collector', 'grafana', 'observability-config'];

describe('the observability workflow', () => {
  it.each(ENVIRONMENTS)('%s: has every component, all in the observability namespace', (env) => {
    const model = fixtureEnvironment(env);
    const ours = model.components.filter((c) => c.workflow === Workflow.Observability).map((c) => c.id).sort();
    // And the readiness gate closing the workflow (test/workflows/readiness-gates.test.ts).
    expect(ours).toEqual([...IDS, READINESS_COMPONENTS[Workflow.Observability]].sort());
    for (const id of IDS) expect(component(model, id).namespace).toBe(NS.observability);
  });

  it.each(ENVIRONMENTS)('%s: orders the waves stores → Prometheus → collector and Grafana → rules and dashboards', (env) => {
    const model = fixtureEnvironment(env);
    const wave = (id: string) => model.graph.waves.get(id)!;
    const foundation = model.components.filter((c) => c.workflow === Workflow.Foundation).map((c) => wave(c.id));
    // The stores start in the wave right after Foundation, like the Ingress workflow.
    for (const id of ['mimir', 'loki', 'tempo']) expect(wave(id)).toBe(Math.max(...foundation) + 1);
    expect(wave('cert-manager')).toBe(wave('mimir'));
    expect(wave('mimir')).toBeLessThan(wave('kube-prometheus-stack'));
    for (const id of ['mimir', 'loki', 'tempo', 'kube-prometheus-stack']) expect(wave(id)).toBeLessThan(wave('grafana'));
    for (const id of ['mimir', 'loki', 'tempo']) expect(wave(id)).toBeLessThan(wave('opentelemetry-collector'));
    for (const id of ['kube-prometheus-stack', 'grafana']) expect(wave(id)).toBeLessThan(wave('observability-config'));
  });

  it('names a bucket per store and environment, each with its IRSA role and its AWS runbook', () => {
    for (const env of ENVIRONMENTS) {
      const model = fixtureEnvironment(env);
      for (const store of ['mimir', 'loki', 'tempo'] as const) {
        const bucket = bucketName(model.env, store);
        expect(bucket).toBe(`${model.env.clusterName}-${store}`);
        const c = component(model, store);
        expect(JSON.stringify(c.irsa![0].policy)).toContain(`arn:aws:s3:::${bucket}/*`);
        expect(c.irsa![0].roleName).toBe(`${model.env.clusterName}-observability-${store}`);
        expect(c.runbook!.filter((r) => r.phase === 'aws').map((r) => r.title)).toEqual([`S3 bucket ${bucket}`]);
      }
    }
  });

  it('links runbooks to the README in the GitOps repository, also from an ssh repository URL', () => {
    const { env } = fixtureEnvironment('prod');
    expect(runbookUrl(env)).toBe(`${env.gitops.repoURL.replace(/\.git$/, '')}/blob/${env.gitops.targetRevision}/dist/${env.name}/bootstrap/README.md`);
    expect(runbookUrl({ name: 'dev', gitops: { repoURL: 'git@github.com:acme/gitops.git', targetRevision: 'v1' } })).toBe('https://github.com/acme/gitops/blob/v1/dist/dev/bootstrap/README.md');
  });

  it('gives every workload requests no larger than its limits, on the platform-critical priority class', async () => {
    const hydrated = await hydratedFixture('prod');
    for (const id of IDS) {
      for (const w of componentWorkloads(hydrated, id)) {
        for (const ctr of w.containers) {
          const r = ctr.resources;
          expect(r.requests.cpu.millicores).toBeGreaterThan(0);
          expect(r.limits.memory.bytes).toBeGreaterThanOrEqual(r.requests.memory.bytes);
        }
      }
    }
    for (const id of IDS.filter((x) => x !== 'observability-config')) {
      const pods = (hydrated.objects.get(id) ?? []).filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Prometheus', 'Alertmanager'].includes(o.kind));
      expect({ id, pods: pods.length > 0 }).toEqual({ id, pods: true });
      for (const o of pods) {
        const spec = o.kind === 'Prometheus' || o.kind === 'Alertmanager' ? (o.spec as any) : (o.spec as any).template.spec;
        expect({ id, object: `${o.kind} ${o.metadata.name}`, priority: spec.priorityClassName }).toEqual({ id, object: `${o.kind} ${o.metadata.name}`, priority: 'platform-critical' });
      }
    }
  });

  it('requests at most ~2 CPU in prod, memory over the seed\'s ~4Gi by Mimir\'s replicated ingesters, plus the node agents per node', async () => {
    const planned = plannedComponents(await hydratedFixture('prod'));
    const usage = workflowUsage(Workflow.Observability, planned);
    expect(usage.replicated.requests.cpu.millicores).toBeLessThanOrEqual(2000);
    // node-exporter and the OpenTelemetry log collector, counted once per node.
    expect(usage.perNode.requests.cpu.millicores).toBeGreaterThan(0);
    // Mimir is what takes memory past the seed's ~4Gi: without it the workflow fits.
    const mimir = workflowUsage(Workflow.Observability, planned.filter((c) => c.id === 'mimir'));
    expect(usage.replicated.requests.memory.bytes).toBeGreaterThan(4 * 1024 ** 3);
    expect(usage.replicated.requests.memory.bytes - mimir.replicated.requests.memory.bytes).toBeLessThanOrEqual(4 * 1024 ** 3);
    const dev = workflowUsage(Workflow.Observability, plannedComponents(await hydratedFixture('dev')));
    expect(dev.replicated.requests.memory.bytes).toBeLessThan(usage.replicated.requests.memory.bytes / 2);
  });

  /** The main container of each tier-sized component, as rendered, and its row in config/sizing.ts. */
  const SIZED = [
    { id: 'mimir', workload: 'mimir', container: 'mimir', row: SIZING.mimir },
    { id: 'loki', workload: 'loki', container: 'loki', row: SIZING.loki },
    { id: 'tempo', workload: 'tempo', container: 'tempo', row: SIZING.tempo },
    { id: 'opentelemetry-collector', workload: 'opentelemetry-collector-agent', container: 'opentelemetry-collector', row: SIZING['opentelemetry-collector'] },
    { id: 'grafana', workload: 'grafana', container: 'grafana', row: SIZING.grafana },
    { id: 'kube-prometheus-stack', workload: 'prometheus-kube-prometheus-stack-prometheus', container: 'prometheus', row: { dev: { resources: SIZING['kube-prometheus-stack'].dev.resources.prometheus }, staging: { resources: SIZING['kube-prometheus-stack'].staging.resources.prometheus }, prod: { resources: SIZING['kube-prometheus-stack'].prod.resources.prometheus } } },
  ] as const;

  it.each(ENVIRONMENTS)('%s: runs every tier-sized component with its tier\'s row of config/sizing.ts, dev below prod', async (env) => {
    const hydrated = await hydratedFixture(env);
    const tier = hydrated.env.tierPolicy;
    for (const s of SIZED) {
      const workload = componentWorkloads(hydrated, s.id).find((w) => w.name === s.workload)!;
      const container = workload.containers.find((c) => c.name === s.container)!;
      expect({ id: s.id, resources: container.resources.toK8s() }).toEqual({ id: s.id, resources: tier.sized(s.row).resources.toK8s() });
      expect(s.row.dev.resources.requests.memory.bytes).toBeLessThan(s.row.prod.resources.requests.memory.bytes);
    }
  });

  it.each(ENVIRONMENTS)('%s: spreads Mimir over zones and sizes its volumes as the tier policy and config/sizing.ts say', async (env) => {
    const hydrated = await hydratedFixture(env);
    const tier = hydrated.env.tierPolicy;
    const sts = hydrated.objects.get('mimir')!.find((o) => o.kind === 'StatefulSet') as K8sObject & { spec: any };
    expect(sts.spec.replicas).toBe(tier.replicas(3));
    expect(sts.spec.template.spec.topologySpreadConstraints ?? []).toEqual(tier.zoneSpreadConstraints(sts.spec.selector.matchLabels, 'replicated'));
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(tier.sized(SIZING.mimir).volumeSize.toString());
    const kps = helmValues(hydrated, 'kube-prometheus-stack') as KubePrometheusStackValues;
    expect(kps.alertmanager.alertmanagerSpec.replicas).toBe(tier.replicas(2));
    expect(kps.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe(tier.sized(SIZING['kube-prometheus-stack']).volumeSize.toString());
    expect((helmValues(hydrated, 'loki') as LokiValues).singleBinary.persistence.size).toBe(tier.sized(SIZING.loki).volumeSize.toString());
    expect((helmValues(hydrated, 'tempo') as TempoValues).persistence.size).toBe(tier.sized(SIZING.tempo).volumeSize.toString());
  });

  it('gives the Loki and Tempo buckets a lifecycle expiry one day after the store\'s retention, and Mimir none', () => {
    const model = fixtureEnvironment('prod');
    const days = (hours: string) => Duration.parse(hours).totalSeconds / 86400;
    const loki = helmValues(model, 'loki') as LokiValues;
    const tempo = helmValues(model, 'tempo') as TempoValues;
    expect(component(model, 'loki').runbook![0].body).toContain(`"Expiration":{"Days":${days(loki.loki.limits_config.retention_period) + 1}}`);
    expect(component(model, 'tempo').runbook![0].body).toContain(`"Expiration":{"Days":${days(tempo.tempo.retention) + 1}}`);
    expect(component(model, 'mimir').runbook![0].body).not.toContain('Expiration');
  });

  it('renders the alert runbooks into the bootstrap README the runbook links point to', async () => {
    const tree = await renderedFixture('prod');
    const readme = tree.get('prod/bootstrap/README.md')!;
    const rules = (await hydratedFixture('prod')).objects.get('observability-config')!.filter((o) => o.kind === 'PrometheusRule') as (K8sObject & { spec: any })[];
    const alerts = rules.flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules)).filter((r: any) => r.alert);
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) {
      expect(a.annotations.runbook_url).toBe(`${runbookUrl(fixtureEnvironment('prod').env)}#${a.alert.toLowerCase()}`);
      expect(readme).toContain(`#### ${a.alert}\n`);
    }
    expect(readme).toContain('#### CapacityForecastExceeded');
  });
});

describe('the observability wiring', () => {
  const prod = fixtureEnvironment('prod');

  it('points every consumer at the shared endpoints the stores export', () => {
    const kps = helmValues(prod, 'kube-prometheus-stack') as KubePrometheusStackValues;
    expect(kps.prometheus.prometheusSpec.remoteWrite.map((w) => w.url)).toEqual([ENDPOINTS.mimirRemoteWrite]);
    const otel = helmValues(prod, 'opentelemetry-collector') as OpenTelemetryCollectorValues;
    expect(otel.config.exporters[EXPORTERS.traces].endpoint).toBe(ENDPOINTS.tempoOtlpGrpc);
    expect(otel.config.exporters[EXPORTERS.metrics].endpoint).toBe(ENDPOINTS.mimirOtlp);
    expect(otel.config.exporters[EXPORTERS.logs].endpoint).toBe(ENDPOINTS.lokiOtlp);
    const grafana = helmValues(prod, 'grafana') as GrafanaValues;
    const url = (uid: string) => grafana.datasources['datasources.yaml'].datasources.find((d) => d.uid === uid)!.url;
    expect([url('mimir'), url('loki'), url('tempo'), url('alertmanager')]).toEqual([ENDPOINTS.mimirQuery, ENDPOINTS.lokiQuery, ENDPOINTS.tempoQuery, ENDPOINTS.alertmanager]);
  });

  it('reaches a rendered Service on its port at every observability endpoint', async () => {
    const model = await hydratedFixture('prod');
    const services = [...model.objects.values()].flat().filter((o) => o.kind === 'Service') as (K8sObject & { spec: any })[];
    const entries = { otlpGrpc: ENDPOINTS.otlpGrpc, otlpHttp: ENDPOINTS.otlpHttp, mimirRemoteWrite: ENDPOINTS.mimirRemoteWrite, mimirOtlp: ENDPOINTS.mimirOtlp, mimirQuery: ENDPOINTS.mimirQuery, lokiPush: ENDPOINTS.lokiPush, lokiOtlp: ENDPOINTS.lokiOtlp, lokiQuery: ENDPOINTS.lokiQuery, tempoQuery: ENDPOINTS.tempoQuery, tempoOtlpGrpc: ENDPOINTS.tempoOtlpGrpc, alertmanager: ENDPOINTS.alertmanager, prometheus: ENDPOINTS.prometheus };
    for (const [key, address] of Object.entries(entries)) {
      const u = new URL(address.includes('://') ? address : `grpc://${address}`);
      const [name, namespace] = u.hostname.split('.');
      const port = Number(u.port || 80);
      const service = services.find((s) => s.metadata.name === name && s.metadata.namespace === namespace);
      expect({ key, service: service?.metadata.name, port: service?.spec.ports.some((p: any) => p.port === port) }).toEqual({ key, service: name, port: true });
      expect(namespace).toBe(NS.observability);
    }
  });
});

describe('Loki clients (workflows/loki-clients.ts) against the rendered platform', () => {
  type Rule = { from: any[]; ports: { protocol: string; port: number | string }[] };
  const policyOf = (objects: readonly K8sObject[]) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === LOKI.networkPolicyName) as any;
  const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);
  /** Pod templates of the rendered workloads, with the component that renders them. */
  const podTemplates = (objects: ReadonlyMap<string, readonly K8sObject[]>) =>
    [...objects.entries()].flatMap(([id, os]) =>
      os.flatMap((o: any) => (o.spec?.template?.metadata ? [{ id, namespace: o.metadata.namespace as string, labels: o.spec.template.metadata.labels as Record<string, string> }] : [])),
    );

  it.each(['dev', 'prod'])('matches a rendered pod for every declared client in %s', async (env) => {
    const model = await hydratedFixture(env);
    const pods = podTemplates(model.objects);
    const prometheus = [...model.objects.values()].flat().filter((o) => o.kind === 'Prometheus');
    for (const peer of [...LOKI_CLIENTS.writers, ...LOKI_CLIENTS.readers]) {
      const found = pods.filter((p) => p.namespace === peer.namespace && matches(peer.podLabels, p.labels));
      expect({ peer: peer.purpose, found: found.length > 0 }).toEqual({ peer: peer.purpose, found: true });
    }
    // The scraper's pods are created by prometheus-operator from the Prometheus resource: it labels
    // them app.kubernetes.io/name=prometheus and operator.prometheus.io/name=<resource name>.
    for (const peer of LOKI_CLIENTS.scrapers) {
      const found = prometheus.filter(
        (o) => o.metadata.namespace === peer.namespace && peer.podLabels['app.kubernetes.io/name'] === 'prometheus' && peer.podLabels['operator.prometheus.io/name'] === o.metadata.name,
      );
      expect({ peer: peer.purpose, found: found.length }).toEqual({ peer: peer.purpose, found: 1 });
    }
  });

  it('admits every component whose rendering sends to a Loki address, and the readiness gate does not need Loki', async () => {
    const model = await hydratedFixture('prod');
    const pods = podTemplates(model.objects);
    const host = new URL(ENDPOINTS.lokiQuery).host;
    const policy = policyOf(model.objects.get('loki')!);
    const admitted = (policy.spec.ingress as Rule[]).flatMap((r) => r.from).filter((f) => f.namespaceSelector);
    const callers = [...model.objects.entries()].filter(([id, os]) => id !== 'loki' && JSON.stringify(os).includes(host)).map(([id]) => id).sort();
    expect(callers.length).toBeGreaterThan(0);
    for (const id of callers) {
      const own = pods.filter((p) => p.id === id);
      const ok = own.some((p) => admitted.some((f) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name'] === p.namespace && matches(f.podSelector.matchLabels, p.labels)));
      expect({ id, admitted: ok }).toEqual({ id, admitted: true });
    }
    expect(JSON.stringify(model.objects.get('observability-readiness') ?? [])).not.toContain(host);
  });
});

describe('the observability endpoints other workflows use', () => {
  const dir = referenceDir('CHART_VALUES_DIR');
  /** A pinned chart's values.yaml from its vendored package; the reference copy for a chart pinned nowhere. */
  const values = (chart: string, version: string): any => {
    const pinned = Object.values(CHARTS).some((c) => c.chart === chart && c.version === version);
    return yaml.load(pinned ? vendoredChartFiles(ROOT, chart, version).get('values.yaml')!.toString('utf8') : fs.readFileSync(path.join(dir!, chart, version, 'values.yaml'), 'utf8'));
  };
  /** The one version of a chart kept for reference (mimir-distributed: the chart the native Mimir replaces, pinned nowhere). */
  const onlyVersion = (chart: string): string => {
    const [version, ...more] = fs.readdirSync(path.join(dir!, chart));
    if (more.length > 0) throw new Error(`${chart}: more than one reference version`);
    return version;
  };
  /** The charts' fullname rule: the release name alone when it contains the chart (or infix) name. */
  const fullname = (release: string, name: string, max = 63) => (release.includes(name) ? release : `${release}-${name}`).slice(0, max);
  const svc = (name: string) => `${name}.${NS.observability}.svc.cluster.local`;
  const portOf = (endpoint: string) => Number(/:(\d+)(\/|$)/.exec(endpoint.replace(/^https?:\/\//, ''))?.[1] ?? 80);

  if (!dir) {
    it('are checked against the charts only with CHART_VALUES_DIR', () => expect(dir).toBeUndefined());
    return;
  }

  it('reach Mimir through `<fullname>-gateway` on gateway.service.port', () => {
    const port = values('mimir-distributed', onlyVersion('mimir-distributed')).gateway.service.port;
    expect(port).toBe(80);
    const host = svc(`${fullname('mimir', 'mimir')}-gateway`);
    expect(ENDPOINTS.mimirRemoteWrite).toBe(`http://${host}/api/v1/push`);
    expect(ENDPOINTS.mimirOtlp).toBe(`http://${host}/otlp`);
    expect(ENDPOINTS.mimirQuery).toBe(`http://${host}/prometheus`);
    expect(portOf(ENDPOINTS.mimirQuery)).toBe(port);
  });

  it('reach monolithic Loki at `<fullname>` on its HTTP port, without the disabled gateway', () => {
    const port = values('loki', CHARTS.loki.version).loki.server.http_listen_port;
    const base = `http://${svc(fullname('loki', 'loki'))}:${port}`;
    expect(ENDPOINTS.lokiQuery).toBe(base);
    expect(ENDPOINTS.lokiPush).toBe(`${base}/loki/api/v1/push`);
    expect(ENDPOINTS.lokiOtlp).toBe(`${base}/otlp`);
  });

  it('reach Tempo at `<fullname>` on its HTTP port and its OTLP gRPC receiver', () => {
    const tempo = values('tempo', CHARTS.tempo.version).tempo;
    const host = svc(fullname('tempo', 'tempo'));
    expect(ENDPOINTS.tempoQuery).toBe(`http://${host}:${tempo.server.http_listen_port}`);
    expect(ENDPOINTS.tempoOtlpGrpc).toBe(`${host}:${tempo.receivers.otlp.protocols.grpc.endpoint.split(':').pop()}`);
  });

  it('reach Alertmanager and Prometheus at `<fullname>-alertmanager` and `<fullname>-prometheus` (fullname cut at 26)', () => {
    const kps = values('kube-prometheus-stack', CHARTS.kubePrometheusStack.version);
    const name = fullname('kube-prometheus-stack', 'kube-prometheus-stack', 26);
    expect(ENDPOINTS.alertmanager).toBe(`http://${svc(`${name}-alertmanager`)}:${kps.alertmanager.service.port}`);
    expect(ENDPOINTS.prometheus).toBe(`http://${svc(`${name}-prometheus`)}:${kps.prometheus.service.port}`);
  });

  it('reach the collector at `<fullname>` on the otlp and otlp-http service ports', () => {
    const ports = values('opentelemetry-collector', CHARTS.opentelemetryCollector.version).ports;
    const host = svc(fullname('opentelemetry-collector', 'opentelemetry-collector'));
    expect(ENDPOINTS.otlpGrpc).toBe(`${host}:${ports.otlp.servicePort}`);
    expect(ENDPOINTS.otlpHttp).toBe(`http://${host}:${ports['otlp-http'].servicePort}`);
  });
});
