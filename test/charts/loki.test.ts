import { lokiComponent } from '../../charts/loki';
import { CHARTS } from '../../config/versions';
import { Duration } from '../../lib/duration';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { componentWorkloads } from '../../lib/workloads';
import { component, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

const prod = fixtureEnvironment('prod');
const v = helmValues(prod, 'loki');
const dev = helmValues(fixtureEnvironment('dev'), 'loki');

describe('loki', () => {
  it('installs the pinned grafana-community chart, monolithic, into the observability namespace', () => {
    const c = component(prod, 'loki');
    expect(c.namespace).toBe('observability');
    expect(c.source).toMatchObject({ chart: { repoURL: 'https://grafana-community.github.io/helm-charts', chart: 'loki', version: '18.11.0' } });
    expect(CHARTS.loki.version).toBe('18.11.0');
    expect(v.deploymentMode).toBe('Monolithic');
  });

  it('applies the seed: chunk target 1572864 bytes, max chunk age 2h, gzip, a 24h TSDB index period', () => {
    expect(v.loki.ingester).toEqual({ chunk_target_size: 1572864, max_chunk_age: '2h', chunk_encoding: 'gzip' });
    expect(v.loki.schemaConfig.configs).toEqual([
      { from: '2024-04-01', store: 'tsdb', object_store: 's3', schema: 'v13', index: { prefix: 'index_', period: '24h' } },
    ]);
  });

  it('keeps logs 30 days, deleted by the compactor', () => {
    expect(v.loki.limits_config.retention_period).toBe('720h');
    expect(v.loki.compactor).toEqual({ retention_enabled: true, delete_request_store: 's3' });
    const runbook = component(prod, 'loki').runbook![0];
    expect(runbook.body).toContain('"Expiration":{"Days":31}');
  });

  it('requests 200m/512Mi with limits 1 CPU/2Gi in prod (seed), less in dev', async () => {
    expect(v.singleBinary.resources).toEqual({ requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } });
    expect(dev.singleBinary.resources.requests).toEqual({ cpu: '100m', memory: '256Mi' });
    const [loki] = componentWorkloads(await hydratedFixture('prod'), 'loki');
    expect(loki.containers.find((c) => c.name === 'loki')!.resources.toK8s()).toEqual(v.singleBinary.resources);
  });

  it('turns off the memcached caches, the canary DaemonSet and the gateway, and caches results in-process', () => {
    expect(v.chunksCache.enabled).toBe(false);
    expect(v.resultsCache.enabled).toBe(false);
    expect(v.lokiCanary.enabled).toBe(false);
    expect(v.gateway.enabled).toBe(false);
    expect(v.loki.query_range.results_cache.cache.embedded_cache).toEqual({ enabled: true, max_size_mb: 64 });
  });

  it('is single-tenant and stores chunks in the environment bucket through IRSA', () => {
    expect(v.loki.auth_enabled).toBe(false);
    expect(v.loki.storage).toEqual({ type: 's3', bucketNames: { chunks: 'acme-prod-loki' }, s3: { region: 'eu-west-1' } });
    expect(v.serviceAccount.annotations[ROLE_ARN_ANNOTATION]).toBe(component(prod, 'loki').irsa![0].roleArn);
    expect(component(prod, 'loki').irsa![0].serviceAccount).toBe('loki');
  });

  it('rejects an index period TSDB does not support', () => {
    expect(() =>
      lokiComponent({
        namespace: 'observability',
        target: { clusterName: 'acme-prod', accountId: '123456789012', region: 'eu-west-1' },
        bucket: 'acme-prod-loki',
        indexPeriod: Duration.hours(12),
      }),
    ).toThrow(/indexPeriod 12h is not supported; the TSDB index store requires a 24h period/);
  });
});
