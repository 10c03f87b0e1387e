import { DEFAULTS as LOKI, LOKI_API_PATHS, LokiClients, lokiComponent, lokiEndpoints, LokiProps } from '../../charts/loki';
import { LokiValues } from '../../charts/loki/values';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { K8sObject } from '../../lib/render';
import { Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const CLIENTS: LokiClients = {
  writers: [{ namespace: 'observability', podLabels: { 'app.kubernetes.io/name': 'collector' }, purpose: 'pushes logs' }],
  readers: [{ namespace: 'observability', podLabels: { 'app.kubernetes.io/name': 'grafana' }, purpose: 'queries logs' }],
  scrapers: [{ namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'k8s' }, purpose: 'scrapes /metrics' }],
};

/** Minimal props. */
const props: LokiProps = {
  namespace: 'observability',
  clients: CLIENTS,
  target: { clusterName: 'acme-prod', accountId: '123456789012', region: 'eu-west-1' },
  bucket: 'acme-prod-loki',
  resources: Resources.of({ cpu: '200m', memory: '512Mi' }, { cpu: '1', memory: '2Gi' }),
  volumeSize: Storage.gibibytes(10),
};

const valuesOf = (p: LokiProps): LokiValues => (lokiComponent(p).source as HelmSource).values as LokiValues;
const v = valuesOf(props);

describe('loki', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await renderComponent(lokiComponent(props));
  });
  const statefulSet = () => objectsOfKind(objects, 'StatefulSet')[0];

  it('installs the pinned chart, monolithic, into the namespace it is given', () => {
    const c = lokiComponent(props);
    expect(c.namespace).toBe('observability');
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.loki });
    expect(v.deploymentMode).toBe('Monolithic');
    for (const o of objects.filter((x) => x.metadata.namespace !== undefined)) expect(o.metadata.namespace).toBe('observability');
    expect(objectsOfKind(objects, 'StatefulSet')).toHaveLength(1);
  });

  it('applies the seed: chunk target 1572864 bytes, max chunk age 2h, gzip, a 24h TSDB index period', () => {
    expect(v.loki.ingester).toEqual({ chunk_target_size: 1572864, max_chunk_age: '2h', chunk_encoding: 'gzip' });
    expect(v.loki.schemaConfig.configs).toEqual([
      { from: '2024-04-01', store: 'tsdb', object_store: 's3', schema: 'v13', index: { prefix: 'index_', period: '24h' } },
    ]);
  });

  it('keeps logs 30 days by default, deleted by the compactor, and the retention it is given in hours', () => {
    expect(v.loki.limits_config.retention_period).toBe('720h');
    expect(v.loki.compactor).toEqual({ retention_enabled: true, delete_request_store: 's3' });
    expect(valuesOf({ ...props, retention: Duration.days(7) }).loki.limits_config.retention_period).toBe('168h');
  });

  it('runs the single binary with the requests, limits and volume it is given', () => {
    expect(v.singleBinary.resources).toEqual(props.resources.toK8s());
    const loki = statefulSet().spec.template.spec.containers.find((c: any) => c.name === 'loki');
    expect(loki.resources).toEqual(props.resources.toK8s());
    expect(statefulSet().spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(statefulSet().spec.template.spec.priorityClassName).toBe('platform-critical');
  });

  it('turns off the memcached caches, the canary DaemonSet and the gateway, and caches results in-process', () => {
    expect(v.chunksCache.enabled).toBe(false);
    expect(v.resultsCache.enabled).toBe(false);
    expect(v.lokiCanary.enabled).toBe(false);
    expect(v.gateway.enabled).toBe(false);
    expect(v.loki.query_range.results_cache.cache.embedded_cache).toEqual({ enabled: true, max_size_mb: 64 });
    expect(objectsOfKind(objects, 'DaemonSet')).toEqual([]);
  });

  it('is single-tenant and stores chunks in the bucket it is given through IRSA', () => {
    const c = lokiComponent(props);
    expect(v.loki.auth_enabled).toBe(false);
    expect(v.loki.storage).toEqual({ type: 's3', bucketNames: { chunks: 'acme-prod-loki' }, s3: { region: 'eu-west-1' } });
    expect(v.serviceAccount.annotations[ROLE_ARN_ANNOTATION]).toBe(c.irsa![0].roleArn);
    expect(c.irsa![0].serviceAccount).toBe('loki');
    expect(JSON.stringify(c.irsa![0].policy)).toContain('arn:aws:s3:::acme-prod-loki/*');
  });

  it('serves push, query and OTLP on the Service and port its exported endpoint names', () => {
    const endpoint = lokiEndpoints(props.namespace).http;
    const service = objectsOfKind(objects, 'Service', endpoint.service)[0];
    expect(service.metadata.namespace).toBe(endpoint.namespace);
    expect(service.spec.ports.map((p: any) => p.port)).toContain(endpoint.port);
    expect(endpoint.url(LOKI_API_PATHS.push)).toBe('http://loki.observability.svc.cluster.local:3100/loki/api/v1/push');
  });

  it('rejects an index period TSDB does not support', () => {
    expect(() => lokiComponent({ ...props, indexPeriod: Duration.hours(12) })).toThrow(/indexPeriod 12h is not supported; the TSDB index store requires a 24h period/);
  });

  describe('NetworkPolicy: Loki accepts writes only from the collectors', () => {
    type Rule = { from: any[]; ports: { protocol: string; port: number | string }[] };
    const policyOf = (os: readonly K8sObject[]) => os.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === LOKI.networkPolicyName) as any;
    const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) => Object.entries(selector).every(([k, val]) => labels?.[k] === val);

    it('selects the Loki pods the chart renders and admits only Loki itself on gRPC and memberlist', () => {
      const policy = policyOf(objects);
      expect(policy.metadata.namespace).toBe('observability');
      expect(policy.spec.policyTypes).toEqual(['Ingress']);
      const sts = statefulSet();
      expect(matches(policy.spec.podSelector.matchLabels, sts.spec.template.metadata.labels)).toBe(true);
      // The policy's ports are the ports the rendered Loki container listens on.
      const containerPorts = sts.spec.template.spec.containers.find((c: any) => c.name === 'loki').ports.map((p: any) => p.containerPort).sort();
      expect(containerPorts).toEqual(Object.values(LOKI.ports).sort());
      for (const rule of policy.spec.ingress as Rule[]) {
        if (rule.ports.some((p) => p.port !== LOKI.ports.http)) {
          // Only Loki's own pods reach gRPC and memberlist.
          expect(rule.from).toEqual([{ podSelector: { matchLabels: LOKI.podLabels } }]);
        }
      }
    });

    it('admits on the HTTP port exactly the declared writers, readers and scrapers', () => {
      const policy = policyOf(objects);
      const http = (policy.spec.ingress as Rule[]).filter((r) => r.ports.every((p) => p.port === LOKI.ports.http));
      const admitted = http.flatMap((r) => r.from).map((f) => `${f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}:${JSON.stringify(f.podSelector.matchLabels)}`).sort();
      const declared = [...CLIENTS.writers, ...CLIENTS.readers, ...CLIENTS.scrapers].map((c) => `${c.namespace}:${JSON.stringify(Object.fromEntries(Object.entries(c.podLabels).sort()))}`).sort();
      expect(admitted).toEqual(declared);
      for (const rule of http) for (const f of rule.from) expect(Object.keys(f.podSelector.matchLabels).length).toBeGreaterThan(0);
    });

    it('rejects a client list with no writers, or a client without pod labels, naming the key', () => {
      expect(() => lokiComponent({ ...props, clients: { ...CLIENTS, writers: [] } })).toThrow(/clients\.writers is empty/);
      const open: LokiClients = { ...CLIENTS, readers: [{ namespace: 'observability', podLabels: {}, purpose: 'anyone' }] };
      expect(() => lokiComponent({ ...props, clients: open })).toThrow(/clients\.readers\[0\]\.podLabels is empty/);
    });
  });
});
