import { tempoComponent } from '../../charts/tempo';
import { CHARTS } from '../../config/versions';
import { Duration } from '../../lib/duration';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { ENDPOINTS } from '../../workflows/endpoints';
import { componentWorkloads } from '../../lib/workloads';
import { component, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

const prod = fixtureEnvironment('prod');
const v = helmValues(prod, 'tempo');

describe('tempo', () => {
  it('installs the pinned monolithic chart into the observability namespace', () => {
    expect(component(prod, 'tempo').namespace).toBe('observability');
    expect(component(prod, 'tempo').source).toMatchObject({ chart: CHARTS.tempo });
    expect(CHARTS.tempo.version).toBe('2.2.4');
  });

  it('writes traces to the environment bucket through IRSA', () => {
    expect(v.tempo.storage.trace).toMatchObject({
      backend: 's3',
      s3: { bucket: 'acme-prod-tempo', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1' },
    });
    expect(v.serviceAccount.annotations[ROLE_ARN_ANNOTATION]).toBe(component(prod, 'tempo').irsa![0].roleArn);
  });

  it('receives OTLP on gRPC 4317 and HTTP 4318, the port the collector exports to', () => {
    expect(v.tempo.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    expect(ENDPOINTS.tempoOtlpGrpc.endsWith(':4317')).toBe(true);
  });

  it('keeps the WAL on a volume, runs restricted, and keeps traces 14 days', () => {
    expect(v.persistence.enabled).toBe(true);
    expect(v.tempo.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(v.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(v.tempo.retention).toBe('336h');
    expect(v.tempo.reportingEnabled).toBe(false);
  });

  it('sizes prod above dev and runs the StatefulSet with the same resources', async () => {
    const dev = helmValues(fixtureEnvironment('dev'), 'tempo');
    expect(v.tempo.resources.requests).toEqual({ cpu: '100m', memory: '256Mi' });
    expect(dev.tempo.resources.requests).toEqual({ cpu: '50m', memory: '128Mi' });
    const [tempo] = componentWorkloads(await hydratedFixture('prod'), 'tempo');
    expect(tempo.containers.find((c) => c.name === 'tempo')!.resources.toK8s()).toEqual(v.tempo.resources);
  });

  it('rejects a retention Tempo cannot express as a Go duration in hours, naming the value', () => {
    expect(() =>
      tempoComponent({
        namespace: 'observability',
        target: { clusterName: 'acme-prod', accountId: '123456789012', region: 'eu-west-1' },
        bucket: 'acme-prod-tempo',
        retention: Duration.minutes(90),
      }),
    ).toThrow(/90m is not a whole number of hours/);
  });
});
