import { EXPORTERS, openTelemetryCollectorComponent } from '../../charts/opentelemetry-collector';
import { CHARTS } from '../../config/versions';
import { WorkloadKind } from '../../lib/resources';
import { ENDPOINTS } from '../../workflows/endpoints';
import { componentWorkloads } from '../../lib/workloads';
import { component, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

const prod = fixtureEnvironment('prod');
const v = helmValues(prod, 'opentelemetry-collector');

describe('opentelemetry-collector', () => {
  it('runs the k8s distribution as one DaemonSet (image and command are mandatory for the chart)', async () => {
    expect(component(prod, 'opentelemetry-collector').source).toMatchObject({ chart: CHARTS.opentelemetryCollector });
    expect(v.mode).toBe('daemonset');
    expect(v.image.repository).toBe('ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s');
    expect(v.command.name).toBe('otelcol-k8s');
    const ds = componentWorkloads(await hydratedFixture('prod'), 'opentelemetry-collector');
    expect(ds.map((w) => [w.kind, w.name])).toEqual([[WorkloadKind.DaemonSet, 'opentelemetry-collector-agent']]);
  });

  it('collects every container log on the node with checkpoints, and tags telemetry with Kubernetes metadata', () => {
    expect(v.presets.logsCollection).toEqual({ enabled: true, storeCheckpoints: true });
    expect(v.presets.kubernetesAttributes.enabled).toBe(true);
    expect(v.tolerations).toEqual([{ operator: 'Exists', effect: 'NoSchedule' }]);
  });

  it('receives OTLP through a node-local Service, the one ENDPOINTS names', () => {
    expect(v.service).toEqual({ enabled: true, internalTrafficPolicy: 'Local' });
    expect(v.ports.otlp.enabled).toBe(true);
    expect(v.ports['otlp-http'].enabled).toBe(true);
    expect(ENDPOINTS.otlpGrpc).toBe('opentelemetry-collector.observability.svc.cluster.local:4317');
    expect(ENDPOINTS.otlpHttp).toBe('http://opentelemetry-collector.observability.svc.cluster.local:4318');
  });

  it('exports traces to Tempo, metrics to Mimir and logs to Loki over OTLP', () => {
    expect(v.config.exporters[EXPORTERS.traces].endpoint).toBe(ENDPOINTS.tempoOtlpGrpc);
    expect(v.config.exporters[EXPORTERS.metrics].endpoint).toBe(ENDPOINTS.mimirOtlp);
    expect(v.config.exporters[EXPORTERS.logs].endpoint).toBe(ENDPOINTS.lokiOtlp);
    const p = v.config.service.pipelines;
    expect([p.traces.exporters, p.metrics.exporters, p.logs.exporters]).toEqual([[EXPORTERS.traces], [EXPORTERS.metrics], [EXPORTERS.logs]]);
    for (const pipeline of [p.traces, p.metrics, p.logs]) expect(pipeline.processors).toEqual(['memory_limiter', 'batch']);
  });

  it('runs as UID 0 only to read root-owned pod logs, with every capability dropped and a read-only root', () => {
    expect(v.securityContext).toMatchObject({ runAsUser: 0, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(v.podSecurityContext.seccompProfile.type).toBe('RuntimeDefault');
  });

  it('starts after the three stores it exports to', () => {
    expect(component(prod, 'opentelemetry-collector').dependsOn).toEqual(['mimir', 'loki', 'tempo']);
  });

  it('rejects a gRPC endpoint with a scheme and an HTTP endpoint without one', () => {
    const ok = { tracesOtlpGrpc: 'tempo:4317', metricsOtlpHttp: 'http://m/otlp', logsOtlpHttp: 'http://l/otlp' };
    expect(() => openTelemetryCollectorComponent({ namespace: 'o', exporters: { ...ok, tracesOtlpGrpc: 'http://tempo:4317' } })).toThrow(/must be host:port, without a scheme/);
    expect(() => openTelemetryCollectorComponent({ namespace: 'o', exporters: { ...ok, logsOtlpHttp: 'loki:3100' } })).toThrow(/logsOtlpHttp "loki:3100" must be an http\(s\) URL/);
  });
});
