import { configMapsOnly, grafanaComponent } from '../../charts/grafana';
import { CHARTS } from '../../config/versions';
import { ENDPOINTS } from '../../workflows/endpoints';
import { component, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

const prod = fixtureEnvironment('prod');
const v = helmValues(prod, 'grafana');
const ds = (uid: string) => v.datasources['datasources.yaml'].datasources.find((d: any) => d.uid === uid);

describe('grafana', () => {
  it('installs the pinned grafana-community chart into the observability namespace, after the stores and Prometheus', () => {
    const c = component(prod, 'grafana');
    expect(c.source).toMatchObject({ chart: CHARTS.grafana });
    expect(CHARTS.grafana.repoURL).toBe('https://grafana-community.github.io/helm-charts');
    expect(c.namespace).toBe('observability');
    expect(c.dependsOn).toEqual(['mimir', 'loki', 'tempo', 'kube-prometheus-stack']);
  });

  it('provisions Mimir (default), Loki, Tempo and Alertmanager at their in-cluster URLs', () => {
    expect(ds('mimir')).toMatchObject({ type: 'prometheus', url: ENDPOINTS.mimirQuery, isDefault: true });
    expect(ds('loki')).toMatchObject({ type: 'loki', url: ENDPOINTS.lokiQuery });
    expect(ds('tempo')).toMatchObject({ type: 'tempo', url: ENDPOINTS.tempoQuery });
    expect(ds('alertmanager')).toMatchObject({ type: 'alertmanager', url: ENDPOINTS.alertmanager });
    expect(ENDPOINTS.mimirQuery).toBe('http://mimir-gateway.observability.svc.cluster.local/prometheus');
  });

  it('links exemplars to traces, traces to logs and metrics, and log trace ids back to traces', () => {
    expect(ds('mimir').jsonData.exemplarTraceIdDestinations).toEqual([{ name: 'trace_id', datasourceUid: 'tempo' }]);
    expect(ds('tempo').jsonData.tracesToLogsV2).toMatchObject({ datasourceUid: 'loki', filterByTraceID: true });
    expect(ds('tempo').jsonData.tracesToMetrics.datasourceUid).toBe('mimir');
    expect(ds('loki').jsonData.derivedFields[0]).toMatchObject({ datasourceUid: 'tempo', matcherRegex: 'trace_id' });
  });

  it('times queries out after 30s and runs at most 20 concurrently (seed), with the caching OSS offers', () => {
    expect(v['grafana.ini'].dataproxy.timeout).toBe(30);
    expect(v['grafana.ini'].query.concurrent_query_limit).toBe(20);
    expect(v['grafana.ini'].dataproxy.max_conns_per_host).toBe(20);
    expect(ds('mimir').jsonData).toMatchObject({ queryTimeout: '30s', incrementalQuerying: true, cacheLevel: 'High' });
    expect(v['grafana.ini'].dashboards.min_refresh_interval).toBe('30s');
  });

  it('requests 100m/256Mi with limits 500m/1Gi in prod (seed)', () => {
    expect(v.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } });
    expect(helmValues(fixtureEnvironment('dev'), 'grafana').resources.requests).toEqual({ cpu: '50m', memory: '128Mi' });
  });

  it('takes the admin login from an existing Secret created at bootstrap and later owned by OpenBao', () => {
    expect(v.admin).toEqual({ existingSecret: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' });
    expect(v.adminPassword).toBeUndefined();
    const [secret] = component(prod, 'grafana').secrets!;
    expect(secret).toMatchObject({
      namespace: 'observability',
      name: 'grafana-admin',
      bootstrap: { 'admin-user': 'GRAFANA_ADMIN_USER', 'admin-password': 'GRAFANA_ADMIN_PASSWORD' },
    });
    expect(Object.values(secret.data).every((r) => r.path === 'platform/grafana')).toBe(true);
  });

  it('loads every grafana_dashboard ConfigMap in the cluster through the sidecar', () => {
    expect(v.sidecar.dashboards).toMatchObject({ enabled: true, label: 'grafana_dashboard', searchNamespace: 'ALL', folderAnnotation: 'grafana_folder' });
  });

  it('has its dashboard sidecar watch ConfigMaps only, and removes Secrets from the ClusterRole the chart renders', async () => {
    expect(v.sidecar.dashboards.resource).toBe('configmap');
    const role = (await hydratedFixture('prod')).objects.get('grafana')!.find((o) => o.kind === 'ClusterRole') as any;
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'watch', 'list'] }]);
  });

  it('leaves other objects alone when it narrows the ClusterRole, and fails when the chart renders no ConfigMap rule', () => {
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'grafana' } };
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'grafana-clusterrole' }, rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get'] }] };
    expect(configMapsOnly([sa, role])).toEqual([sa, { ...role, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }]);
    expect(() => configMapsOnly([sa])).toThrow(/rendered no ClusterRole rule for the sidecar's ConfigMaps; check templates\/clusterrole.yaml/);
  });

  it('runs with a read-only root filesystem and no root init container', () => {
    expect(v.containerSecurityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(v.initChownData.enabled).toBe(false);
  });

  it('rejects a data source that is not an http URL and a zero query timeout', () => {
    const datasources = { mimir: 'http://m', loki: 'http://l', tempo: 'http://t', alertmanager: 'http://a' };
    expect(() => grafanaComponent({ namespace: 'o', scrapeInterval: '30s', datasources: { ...datasources, loki: 'loki:3100' } })).toThrow(/datasources.loki "loki:3100" is not an http\(s\) URL/);
    expect(() => grafanaComponent({ namespace: 'o', scrapeInterval: '30s', datasources, queryTimeoutSeconds: 0 })).toThrow(/queryTimeoutSeconds must be a positive/);
  });
});
