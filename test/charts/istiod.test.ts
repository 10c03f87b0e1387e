import { istiodComponent, IstiodProps, IstiodValues } from '../../charts/istiod';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { Resources, WorkloadKind } from '../../lib/resources';
import { TierPolicy } from '../../lib/tier-policy';
import { workloadsFromObjects } from '../../lib/workloads';
import { renderComponent } from '../support';

const PROD = TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true });
const STAGING = TierPolicy.of({ tier: 'staging', highAvailability: true, nodeGroupPerZone: false });
const DEV = TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false });

const base: IstiodProps = {
  namespace: 'mesh',
  tierPolicy: PROD,
  tracing: { host: 'collector.telemetry.svc.cluster.local', port: 4317 },
  accessLogs: true,
  sidecarResources: Resources.of({ cpu: '30m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
};
const valuesOf = (p: IstiodProps) => (istiodComponent(p).source as HelmSource).values as IstiodValues;

describe('istiod', () => {
  const prod = istiodComponent(base);
  const v = valuesOf(base);

  it('runs the pinned chart after istio-base with two fixed replicas where the tier is highly available, one without a PDB otherwise', () => {
    expect(prod.source).toMatchObject({ type: 'helm', chart: CHARTS.istiod });
    expect(prod.dependsOn).toEqual(['istio-base']);
    expect(v).toMatchObject({ replicaCount: 2, autoscaleEnabled: false });
    expect(v.global.defaultPodDisruptionBudget.enabled).toBe(true);
    const dev = valuesOf({ ...base, tierPolicy: DEV });
    expect(dev.replicaCount).toBe(1);
    // A PDB of minAvailable 1 over one replica would block node drains.
    expect(dev.global.defaultPodDisruptionBudget.enabled).toBe(false);
  });

  it('prefers a zone spread in every highly available tier (a stateless controller never waits for a zone), none in dev', () => {
    const spread = { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'istiod' } } };
    expect(v.topologySpreadConstraints).toEqual([spread]);
    expect(valuesOf({ ...base, tierPolicy: STAGING }).topologySpreadConstraints).toEqual([spread]);
    expect(valuesOf({ ...base, tierPolicy: DEV }).topologySpreadConstraints).toEqual([]);
  });

  it('injects without the NET_ADMIN init container (CNI mode), as the restricted namespaces require', () => {
    expect(v.cni.enabled).toBe(true);
  });

  it('keeps the validation webhook at Fail like istio-base (top-level keys, not under pilot), ignoring the CA bundle it patches in', () => {
    expect(v.base.validationFailurePolicy).toBe('Fail');
    expect((v as unknown as Record<string, unknown>).pilot).toBeUndefined();
    expect(prod.ignoreDifferences?.map((d) => d.kind)).toEqual(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
  });

  it('sends spans to the collector through an OpenTelemetry provider and merges app metrics into 15020', () => {
    expect(v.meshConfig.extensionProviders).toEqual([{ name: 'otel', opentelemetry: { service: 'collector.telemetry.svc.cluster.local', port: 4317 } }]);
    expect(v.meshConfig.enablePrometheusMerge).toBe(true);
    expect(v.meshConfig.accessLogFile).toBe('/dev/stdout');
    expect(valuesOf({ ...base, accessLogs: false }).meshConfig.accessLogFile).toBe('');
  });

  it('is sized far below the chart default of 500m/2Gi and runs the Deployment in its namespace with what it passes to the chart', async () => {
    const [w] = workloadsFromObjects(await renderComponent(prod), { defaultNamespace: 'mesh' }).filter((x) => x.kind === WorkloadKind.Deployment);
    expect(w).toMatchObject({ kind: WorkloadKind.Deployment, name: 'istiod', namespace: 'mesh', replicas: 2 });
    expect(w.containers[0].resources.toK8s()).toEqual(v.resources);
    expect(w.containers[0].resources.requests.cpu.millicores).toBeLessThan(500);
    expect(w.containers[0].resources.requests.memory.mebibytes).toBeLessThan(2048);
    expect(v.global.priorityClassName).toBe(PRIORITY.platformCritical);
    expect(v.global.proxy.resources).toEqual(base.sidecarResources.toK8s());
  });

  it('rejects a tracing port that is not a TCP port', () => {
    expect(() => istiodComponent({ ...base, tracing: { host: 'x', port: 0 } })).toThrow(/tracing.port 0 is not a TCP port/);
  });
});
