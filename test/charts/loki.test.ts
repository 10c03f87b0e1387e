import { DEFAULTS as LOKI, LokiClients, lokiComponent } from '../../charts/loki';
import { K8sObject } from '../../lib/render';
import { ENDPOINTS } from '../../workflows/endpoints';
import { LOKI_CLIENTS } from '../../workflows/loki-clients';
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
        clients: LOKI_CLIENTS,
        indexPeriod: Duration.hours(12),
      }),
    ).toThrow(/indexPeriod 12h is not supported; the TSDB index store requires a 24h period/);
  });

  describe('NetworkPolicy: Loki accepts writes only from the collectors', () => {
    const props = {
      namespace: 'observability',
      target: { clusterName: 'acme-prod', accountId: '123456789012', region: 'eu-west-1' },
      bucket: 'acme-prod-loki',
    };
    type Rule = { from: any[]; ports: { protocol: string; port: number | string }[] };
    const policyOf = (objects: readonly K8sObject[]) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === LOKI.networkPolicyName) as any;
    const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
      Object.entries(selector).every(([k, v]) => labels?.[k] === v);
    /** Pod templates of the rendered workloads, with the component that renders them. */
    const podTemplates = (objects: ReadonlyMap<string, readonly K8sObject[]>) =>
      [...objects.entries()].flatMap(([id, os]) =>
        os.flatMap((o: any) => (o.spec?.template?.metadata ? [{ id, namespace: o.metadata.namespace as string, labels: o.spec.template.metadata.labels as Record<string, string> }] : [])),
      );

    it('selects the Loki pods the chart renders and admits only Loki itself on gRPC and memberlist', async () => {
      const model = await hydratedFixture('prod');
      const objects = model.objects.get('loki')!;
      const policy = policyOf(objects);
      expect(policy.metadata.namespace).toBe('observability');
      expect(policy.spec.policyTypes).toEqual(['Ingress']);
      const sts = objects.find((o) => o.kind === 'StatefulSet') as any;
      expect(matches(policy.spec.podSelector.matchLabels, sts.spec.template.metadata.labels)).toBe(true);
      // The policy's ports are the ports the rendered Loki container listens on.
      const containerPorts = sts.spec.template.spec.containers.find((c: any) => c.name === 'loki').ports.map((p: any) => p.containerPort).sort();
      expect(containerPorts).toEqual(Object.values(LOKI.ports).sort());
      const rules: Rule[] = policy.spec.ingress;
      for (const rule of rules) {
        const ports = rule.ports.map((p) => p.port);
        if (ports.some((p) => p !== LOKI.ports.http)) {
          // Only Loki's own pods reach gRPC and memberlist.
          expect(rule.from).toEqual([{ podSelector: { matchLabels: LOKI.podLabels } }]);
        }
      }
    });

    it('admits on the HTTP port exactly the declared writers, readers and scrapers', async () => {
      const policy = policyOf((await hydratedFixture('prod')).objects.get('loki')!);
      const http = (policy.spec.ingress as Rule[]).filter((r) => r.ports.every((p) => p.port === LOKI.ports.http));
      const admitted = http.flatMap((r) => r.from).map((f) => `${f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}:${JSON.stringify(f.podSelector.matchLabels)}`).sort();
      const declared = [...LOKI_CLIENTS.writers, ...LOKI_CLIENTS.readers, ...LOKI_CLIENTS.scrapers].map((c) => `${c.namespace}:${JSON.stringify(Object.fromEntries(Object.entries(c.podLabels).sort()))}`).sort();
      expect(admitted).toEqual(declared);
      for (const rule of http) for (const f of rule.from) expect(Object.keys(f.podSelector.matchLabels).length).toBeGreaterThan(0);
    });

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

    it('rejects a client list with no writers, or a client without pod labels, naming the key', () => {
      const none: LokiClients = { ...LOKI_CLIENTS, writers: [] };
      expect(() => lokiComponent({ ...props, clients: none })).toThrow(/clients\.writers is empty/);
      const open: LokiClients = { ...LOKI_CLIENTS, readers: [{ namespace: 'observability', podLabels: {}, purpose: 'anyone' }] };
      expect(() => lokiComponent({ ...props, clients: open })).toThrow(/clients\.readers\[0\]\.podLabels is empty/);
    });
  });
});
