import { istiodComponent } from '../../charts/istiod';
import { CHARTS } from '../../config/versions';
import { PRIORITY } from '../../lib/priority';
import { Resources, WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { helmValues, hydratedFixture } from '../support';

const base = {
  namespace: 'istio-system',
  tracing: { host: 'opentelemetry-collector.observability.svc.cluster.local', port: 4317 },
  accessLogs: true,
  sidecarResources: Resources.of({ cpu: '30m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
};

describe('istiod', () => {
  const prod = istiodComponent({ ...base, highAvailability: true });
  const v = (prod.source as any).values;

  it('runs the pinned chart after istio-base with two fixed replicas spread across zones in HA, one in dev', () => {
    expect(prod.source).toMatchObject({ type: 'helm', chart: CHARTS.istiod });
    expect(prod.dependsOn).toEqual(['istio-base']);
    expect(v).toMatchObject({ replicaCount: 2, autoscaleEnabled: false });
    expect(v.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    const dev = (istiodComponent({ ...base, highAvailability: false }).source as any).values;
    expect(dev.replicaCount).toBe(1);
    // A PDB of minAvailable 1 over one replica would block node drains.
    expect(dev.global.defaultPodDisruptionBudget.enabled).toBe(false);
  });

  it('injects without the NET_ADMIN init container (CNI mode), as the restricted namespaces require', () => {
    expect(v.cni.enabled).toBe(true);
  });

  it('keeps the validation webhook at Fail like istio-base (top-level keys, not under pilot)', () => {
    expect(v.base.validationFailurePolicy).toBe('Fail');
    expect(v.pilot).toBeUndefined();
  });

  it('sends spans to the collector through an OpenTelemetry provider and merges app metrics into 15020', () => {
    expect(v.meshConfig.extensionProviders).toEqual([
      { name: 'otel', opentelemetry: { service: 'opentelemetry-collector.observability.svc.cluster.local', port: 4317 } },
    ]);
    expect(v.meshConfig.enablePrometheusMerge).toBe(true);
    expect(v.meshConfig.accessLogFile).toBe('/dev/stdout');
    expect((istiodComponent({ ...base, accessLogs: false, highAvailability: false }).source as any).values.meshConfig.accessLogFile).toBe('');
  });

  it('is sized far below the chart default of 500m/2Gi and runs the Deployment with what it passes to the chart', async () => {
    const shipped = await hydratedFixture('prod');
    const [w] = componentWorkloads(shipped, 'istiod');
    expect(w).toMatchObject({ kind: WorkloadKind.Deployment, name: 'istiod', replicas: 2 });
    expect(w.containers[0].resources.toK8s()).toEqual(helmValues(shipped, 'istiod').resources);
    expect(w.containers[0].resources.requests.cpu.millicores).toBeLessThan(500);
    expect(w.containers[0].resources.requests.memory.mebibytes).toBeLessThan(2048);
    expect(v.global.priorityClassName).toBe(PRIORITY.platformCritical);
    expect(v.global.proxy.resources).toEqual(base.sidecarResources.toK8s());
  });

  it('rejects a tracing port that is not a TCP port', () => {
    expect(() => istiodComponent({ ...base, highAvailability: true, tracing: { host: 'x', port: 0 } })).toThrow(/tracing.port 0 is not a TCP port/);
  });
});
