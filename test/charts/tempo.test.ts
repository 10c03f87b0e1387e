import { DEFAULTS as TEMPO, tempoComponent, tempoEndpoints, TempoProps } from '../../charts/tempo';
import { TempoValues } from '../../charts/tempo/values';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { K8sObject } from '../../lib/render';
import { Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

/** Minimal props. */
const props: TempoProps = {
  namespace: 'observability',
  target: { clusterName: 'acme-prod', accountId: '123456789012', region: 'eu-west-1' },
  bucket: 'acme-prod-tempo',
  resources: Resources.of({ cpu: '100m', memory: '256Mi' }, { cpu: '1', memory: '1Gi' }),
  volumeSize: Storage.gibibytes(10),
};
const v = (tempoComponent(props).source as HelmSource).values as TempoValues;

describe('tempo', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await renderComponent(tempoComponent(props));
  });
  const statefulSet = () => objectsOfKind(objects, 'StatefulSet')[0];

  it('installs the pinned monolithic chart into the namespace it is given', () => {
    const c = tempoComponent(props);
    expect(c.namespace).toBe('observability');
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.tempo });
    expect(objectsOfKind(objects, 'StatefulSet')).toHaveLength(1);
    expect(statefulSet().metadata.namespace).toBe('observability');
  });

  it('writes traces to the bucket it is given through IRSA', () => {
    expect(v.tempo.storage.trace).toMatchObject({
      backend: 's3',
      s3: { bucket: 'acme-prod-tempo', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1' },
    });
    expect(v.serviceAccount.annotations[ROLE_ARN_ANNOTATION]).toBe(tempoComponent(props).irsa![0].roleArn);
  });

  it('receives OTLP on gRPC 4317 and HTTP 4318, and serves its API and OTLP gRPC on the Service its exported endpoints name', () => {
    expect(v.tempo.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    const endpoints = tempoEndpoints(props.namespace);
    for (const endpoint of [endpoints.http, endpoints.otlpGrpc]) {
      const [service] = objectsOfKind(objects, 'Service', endpoint.service);
      expect(service.metadata.namespace).toBe(endpoint.namespace);
      expect(service.spec.ports.map((p: any) => p.port)).toContain(endpoint.port);
    }
    expect(endpoints.otlpGrpc.port).toBe(TEMPO.otlpGrpcPort);
  });

  it('keeps the WAL on a volume of the size it is given, runs restricted, and keeps traces 14 days by default', () => {
    expect(v.persistence).toEqual({ enabled: true, size: '10Gi' });
    expect(statefulSet().spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(v.tempo.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(v.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(v.tempo.retention).toBe('336h');
    expect(v.tempo.reportingEnabled).toBe(false);
  });

  it('runs the StatefulSet with the resources it is given', () => {
    const tempo = statefulSet().spec.template.spec.containers.find((c: any) => c.name === 'tempo');
    expect(tempo.resources).toEqual(props.resources.toK8s());
    expect(v.tempo.resources).toEqual(props.resources.toK8s());
  });

  it('rejects a retention Tempo cannot express as a Go duration in hours, naming the value', () => {
    expect(() => tempoComponent({ ...props, retention: Duration.minutes(90) })).toThrow(/90m is not a whole number of hours/);
  });
});
