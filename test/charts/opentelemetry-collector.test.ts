import { EXPORTERS, openTelemetryCollectorComponent, openTelemetryCollectorEndpoints, OpenTelemetryCollectorProps } from '../../charts/opentelemetry-collector';
import { OpenTelemetryCollectorValues } from '../../charts/opentelemetry-collector/values';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { K8sObject } from '../../lib/render';
import { Resources, WorkloadKind } from '../../lib/resources';
import { workloadsFromObjects } from '../../lib/workloads';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

/** Minimal props. */
const props: OpenTelemetryCollectorProps = {
  namespace: 'observability',
  exporters: {
    tracesOtlpGrpc: 'tempo.observability.svc.cluster.local:4317',
    metricsOtlpHttp: 'http://mimir-gateway.observability.svc.cluster.local/otlp',
    logsOtlpHttp: 'http://loki.observability.svc.cluster.local:3100/otlp',
  },
  resources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
};
const v = (openTelemetryCollectorComponent(props).source as HelmSource).values as OpenTelemetryCollectorValues;

describe('opentelemetry-collector', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await renderComponent(openTelemetryCollectorComponent(props));
  });

  it('runs the k8s distribution as one DaemonSet (image and command are mandatory for the chart)', () => {
    expect(openTelemetryCollectorComponent(props).source).toMatchObject({ type: 'helm', chart: CHARTS.opentelemetryCollector });
    expect(v.mode).toBe('daemonset');
    expect(v.image.repository).toBe('ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s');
    expect(v.command.name).toBe('otelcol-k8s');
    const workloads = workloadsFromObjects(objects, { defaultNamespace: 'observability' });
    expect(workloads.map((w) => [w.kind, w.name])).toEqual([[WorkloadKind.DaemonSet, 'opentelemetry-collector-agent']]);
    expect(workloads[0].containers[0].resources.toK8s()).toEqual(props.resources.toK8s());
  });

  it('collects every container log on the node with checkpoints, and tags telemetry with Kubernetes metadata', () => {
    expect(v.presets.logsCollection).toEqual({ enabled: true, storeCheckpoints: true });
    expect(v.presets.kubernetesAttributes.enabled).toBe(true);
    expect(v.tolerations).toEqual([{ operator: 'Exists', effect: 'NoSchedule' }]);
  });

  it('receives OTLP through a node-local Service, on the name and ports its exported endpoints name', () => {
    expect(v.service).toEqual({ enabled: true, internalTrafficPolicy: 'Local' });
    expect(v.ports.otlp.enabled).toBe(true);
    expect(v.ports['otlp-http'].enabled).toBe(true);
    const endpoints = openTelemetryCollectorEndpoints(props.namespace);
    for (const endpoint of [endpoints.otlpGrpc, endpoints.otlpHttp]) {
      const [service] = objectsOfKind(objects, 'Service', endpoint.service);
      expect(service.metadata.namespace).toBe(endpoint.namespace);
      expect(service.spec.internalTrafficPolicy).toBe('Local');
      expect(service.spec.ports.map((p: any) => p.port)).toContain(endpoint.port);
    }
    expect(endpoints.otlpGrpc.hostPort).toBe('opentelemetry-collector.observability.svc.cluster.local:4317');
    expect(endpoints.otlpHttp.url()).toBe('http://opentelemetry-collector.observability.svc.cluster.local:4318');
  });

  it('exports traces, metrics and logs over OTLP to the endpoints it is given', () => {
    expect(v.config.exporters[EXPORTERS.traces].endpoint).toBe(props.exporters.tracesOtlpGrpc);
    expect(v.config.exporters[EXPORTERS.metrics].endpoint).toBe(props.exporters.metricsOtlpHttp);
    expect(v.config.exporters[EXPORTERS.logs].endpoint).toBe(props.exporters.logsOtlpHttp);
    const p = v.config.service.pipelines;
    expect([p.traces.exporters, p.metrics.exporters, p.logs.exporters]).toEqual([[EXPORTERS.traces], [EXPORTERS.metrics], [EXPORTERS.logs]]);
    for (const pipeline of [p.traces, p.metrics, p.logs]) expect(pipeline.processors).toEqual(['memory_limiter', 'batch']);
    expect(v.config.processors.batch.timeout).toBe('5s');
  });

  it('runs as UID 0 only to read root-owned pod logs, with every capability dropped and a read-only root', () => {
    expect(v.securityContext).toMatchObject({ runAsUser: 0, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(v.podSecurityContext.seccompProfile!.type).toBe('RuntimeDefault');
  });

  it('starts after the three stores it exports to', () => {
    expect(openTelemetryCollectorComponent(props).dependsOn).toEqual(['mimir', 'loki', 'tempo']);
  });

  it('rejects a gRPC endpoint with a scheme and an HTTP endpoint without one', () => {
    const ok = props.exporters;
    expect(() => openTelemetryCollectorComponent({ ...props, exporters: { ...ok, tracesOtlpGrpc: 'http://tempo:4317' } })).toThrow(/must be host:port, without a scheme/);
    expect(() => openTelemetryCollectorComponent({ ...props, exporters: { ...ok, logsOtlpHttp: 'loki:3100' } })).toThrow(/logsOtlpHttp "loki:3100" must be an http\(s\) URL/);
  });
});
