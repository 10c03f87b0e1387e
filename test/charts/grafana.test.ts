import { configMapsOnly, DATASOURCE_UIDS, grafanaComponent, GrafanaProps } from '../../charts/grafana';
import { DatasourceValues, GrafanaValues, LokiJsonData, PrometheusJsonData, TempoJsonData } from '../../charts/grafana/values';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { K8sObject } from '../../lib/render';
import { Resources } from '../../lib/resources';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

/** Minimal props. */
const props: GrafanaProps = {
  namespace: 'observability',
  datasources: { mimir: 'http://mimir/prometheus', loki: 'http://loki:3100', tempo: 'http://tempo:3200', alertmanager: 'http://alertmanager:9093' },
  scrapeInterval: Duration.seconds(30),
  resources: Resources.of({ cpu: '100m', memory: '256Mi' }, { cpu: '500m', memory: '1Gi' }),
};
const v = (grafanaComponent(props).source as HelmSource).values as GrafanaValues;
const ds = (uid: string): DatasourceValues => v.datasources['datasources.yaml'].datasources.find((d) => d.uid === uid)!;
const mimirJson = ds(DATASOURCE_UIDS.mimir).jsonData as PrometheusJsonData;
const lokiJson = ds(DATASOURCE_UIDS.loki).jsonData as LokiJsonData;
const tempoJson = ds(DATASOURCE_UIDS.tempo).jsonData as TempoJsonData;

describe('grafana', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await renderComponent(grafanaComponent(props));
  });

  it('installs the pinned chart into the namespace it is given, after the stores and Prometheus', () => {
    const c = grafanaComponent(props);
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.grafana });
    expect(c.namespace).toBe('observability');
    expect(c.dependsOn).toEqual(['mimir', 'loki', 'tempo', 'kube-prometheus-stack']);
    expect(objectsOfKind(objects, 'Deployment', 'grafana')[0].metadata.namespace).toBe('observability');
  });

  it('provisions Mimir (default), Loki, Tempo and Alertmanager at the URLs it is given, with fixed uids', () => {
    expect(ds(DATASOURCE_UIDS.mimir)).toMatchObject({ type: 'prometheus', url: props.datasources.mimir, isDefault: true });
    expect(ds(DATASOURCE_UIDS.loki)).toMatchObject({ type: 'loki', url: props.datasources.loki, isDefault: false });
    expect(ds(DATASOURCE_UIDS.tempo)).toMatchObject({ type: 'tempo', url: props.datasources.tempo });
    expect(ds(DATASOURCE_UIDS.alertmanager)).toMatchObject({ type: 'alertmanager', url: props.datasources.alertmanager });
  });

  it('links exemplars to traces, traces to logs and metrics, and log trace ids back to traces', () => {
    expect(mimirJson.exemplarTraceIdDestinations).toEqual([{ name: 'trace_id', datasourceUid: 'tempo' }]);
    expect(tempoJson.tracesToLogsV2).toMatchObject({ datasourceUid: 'loki', filterByTraceID: true });
    expect(tempoJson.tracesToMetrics.datasourceUid).toBe('mimir');
    expect(lokiJson.derivedFields[0]).toMatchObject({ datasourceUid: 'tempo', matcherRegex: 'trace_id' });
  });

  it('times queries out after 30s and runs at most 20 concurrently (seed), with the caching OSS offers', () => {
    expect(v['grafana.ini'].dataproxy.timeout).toBe(30);
    expect(v['grafana.ini'].query.concurrent_query_limit).toBe(20);
    expect(v['grafana.ini'].dataproxy.max_conns_per_host).toBe(20);
    expect(mimirJson).toMatchObject({ timeout: 30, queryTimeout: '30s', timeInterval: '30s', incrementalQuerying: true, cacheLevel: 'High' });
    expect(v['grafana.ini'].dashboards.min_refresh_interval).toBe('30s');
    const slower = (grafanaComponent({ ...props, queryTimeout: Duration.minutes(1) }).source as HelmSource).values as GrafanaValues;
    expect(slower['grafana.ini'].dataproxy.timeout).toBe(60);
  });

  it('runs Grafana with the requests and limits it is given', () => {
    expect(v.resources).toEqual(props.resources.toK8s());
    const pod = objectsOfKind(objects, 'Deployment', 'grafana')[0].spec.template.spec;
    expect(pod.containers.find((c: any) => c.name === 'grafana').resources).toEqual(props.resources.toK8s());
    expect(v.persistence).toEqual({ enabled: true, size: '1Gi' });
  });

  it('takes the admin login from an existing Secret created at bootstrap and later owned by OpenBao', () => {
    expect(v.admin).toEqual({ existingSecret: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' });
    expect((v as unknown as Record<string, unknown>).adminPassword).toBeUndefined();
    const [secret] = grafanaComponent(props).secrets!;
    expect(secret).toMatchObject({
      namespace: 'observability',
      name: 'grafana-admin',
      bootstrap: { 'admin-user': 'GRAFANA_ADMIN_USER', 'admin-password': 'GRAFANA_ADMIN_PASSWORD' },
    });
    expect(Object.values(secret.data).every((r) => r.path === 'platform/grafana')).toBe(true);
    expect(objectsOfKind(objects, 'Secret').filter((s) => (s.data ?? {})['admin-password'] !== undefined)).toEqual([]);
  });

  it('loads every grafana_dashboard ConfigMap in the cluster through the sidecar', () => {
    expect(v.sidecar.dashboards).toMatchObject({ enabled: true, label: 'grafana_dashboard', searchNamespace: 'ALL', folderAnnotation: 'grafana_folder' });
  });

  it('has its dashboard sidecar watch ConfigMaps only, and removes Secrets from the ClusterRole the chart renders', () => {
    expect(v.sidecar.dashboards.resource).toBe('configmap');
    const [role] = objectsOfKind(objects, 'ClusterRole');
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
    expect(() => grafanaComponent({ ...props, datasources: { ...props.datasources, loki: 'loki:3100' } })).toThrow(/datasources.loki "loki:3100" is not an http\(s\) URL/);
    expect(() => grafanaComponent({ ...props, queryTimeout: Duration.seconds(0) })).toThrow(/queryTimeout must be at least 1s, got 0s/);
  });
});
