import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { READINESS_COMPONENTS } from '../../charts/readiness-gates';
import { Workflow } from '../../lib/component';
import { plannedComponents, workflowUsage } from '../../lib/plan';
import { componentWorkloads } from '../../lib/workloads';
import { ENDPOINTS } from '../../workflows/endpoints';
import { NS } from '../../workflows/namespaces';
import { bucketName, runbookUrl } from '../../workflows/observability';
import { component, ENVIRONMENTS, hydratedFixture, referenceDir, fixtureEnvironment } from '../support';

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
        expect(bucket).toBe(`acme-${env}-${store}`);
        const c = component(model, store);
        expect(JSON.stringify(c.irsa![0].policy)).toContain(`arn:aws:s3:::${bucket}/*`);
        expect(c.irsa![0].roleName).toBe(`acme-${env}-observability-${store}`);
        expect(c.runbook!.filter((r) => r.phase === 'aws').map((r) => r.title)).toEqual([`S3 bucket ${bucket}`]);
      }
    }
  });

  it('links runbooks to the README in the GitOps repository, also from an ssh repository URL', () => {
    expect(runbookUrl(fixtureEnvironment('prod').env)).toBe('https://github.com/acme/platform-gitops/blob/main/dist/prod/bootstrap/README.md');
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
});

describe('the observability endpoints other workflows use', () => {
  const dir = referenceDir('CHART_VALUES_DIR');
  const values = (chart: string, version: string): any => yaml.load(fs.readFileSync(path.join(dir!, chart, version, 'values.yaml'), 'utf8'));
  /** The charts' fullname rule: the release name alone when it contains the chart (or infix) name. */
  const fullname = (release: string, name: string, max = 63) => (release.includes(name) ? release : `${release}-${name}`).slice(0, max);
  const svc = (name: string) => `${name}.${NS.observability}.svc.cluster.local`;
  const portOf = (endpoint: string) => Number(/:(\d+)(\/|$)/.exec(endpoint.replace(/^https?:\/\//, ''))?.[1] ?? 80);

  if (!dir) {
    it('are checked against the charts only with CHART_VALUES_DIR', () => expect(dir).toBeUndefined());
    return;
  }

  it('reach Mimir through `<fullname>-gateway` on gateway.service.port', () => {
    const port = values('mimir-distributed', '6.0.4').gateway.service.port;
    expect(port).toBe(80);
    const host = svc(`${fullname('mimir', 'mimir')}-gateway`);
    expect(ENDPOINTS.mimirRemoteWrite).toBe(`http://${host}/api/v1/push`);
    expect(ENDPOINTS.mimirOtlp).toBe(`http://${host}/otlp`);
    expect(ENDPOINTS.mimirQuery).toBe(`http://${host}/prometheus`);
    expect(portOf(ENDPOINTS.mimirQuery)).toBe(port);
  });

  it('reach monolithic Loki at `<fullname>` on its HTTP port, without the disabled gateway', () => {
    const port = values('loki', '18.11.0').loki.server.http_listen_port;
    const base = `http://${svc(fullname('loki', 'loki'))}:${port}`;
    expect(ENDPOINTS.lokiQuery).toBe(base);
    expect(ENDPOINTS.lokiPush).toBe(`${base}/loki/api/v1/push`);
    expect(ENDPOINTS.lokiOtlp).toBe(`${base}/otlp`);
  });

  it('reach Tempo at `<fullname>` on its HTTP port and its OTLP gRPC receiver', () => {
    const tempo = values('tempo', '2.2.4').tempo;
    const host = svc(fullname('tempo', 'tempo'));
    expect(ENDPOINTS.tempoQuery).toBe(`http://${host}:${tempo.server.http_listen_port}`);
    expect(ENDPOINTS.tempoOtlpGrpc).toBe(`${host}:${tempo.receivers.otlp.protocols.grpc.endpoint.split(':').pop()}`);
  });

  it('reach Alertmanager and Prometheus at `<fullname>-alertmanager` and `<fullname>-prometheus` (fullname cut at 26)', () => {
    const kps = values('kube-prometheus-stack', '88.5.3');
    const name = fullname('kube-prometheus-stack', 'kube-prometheus-stack', 26);
    expect(ENDPOINTS.alertmanager).toBe(`http://${svc(`${name}-alertmanager`)}:${kps.alertmanager.service.port}`);
    expect(ENDPOINTS.prometheus).toBe(`http://${svc(`${name}-prometheus`)}:${kps.prometheus.service.port}`);
  });

  it('reach the collector at `<fullname>` on the otlp and otlp-http service ports', () => {
    const ports = values('opentelemetry-collector', '0.170.0').ports;
    const host = svc(fullname('opentelemetry-collector', 'opentelemetry-collector'));
    expect(ENDPOINTS.otlpGrpc).toBe(`${host}:${ports.otlp.servicePort}`);
    expect(ENDPOINTS.otlpHttp).toBe(`http://${host}:${ports['otlp-http'].servicePort}`);
  });
});
