import * as yaml from 'js-yaml';
import { DEFAULTS, MIMIR_API_PATHS, mimirComponent, mimirEndpoints, MimirProps } from '../../charts/mimir';
import { Duration } from '../../lib/duration';
import { ManifestSource } from '../../lib/component';
import { ImageRef } from '../../lib/image-ref';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { K8sObject, synthObjects } from '../../lib/render';
import { Resources, WorkloadKind } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';
import { workloadsFromObjects } from '../../lib/workloads';

const tier = {
  prod: TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true }),
  staging: TierPolicy.of({ tier: 'staging', highAvailability: true, nodeGroupPerZone: false }),
  dev: TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false }),
};

const props: MimirProps = {
  namespace: 'observability',
  target: { clusterName: 'acme-prod', accountId: '123456789012', region: 'eu-west-1' },
  bucket: 'acme-prod-mimir',
  tierPolicy: tier.prod,
  alertmanagerUrl: 'http://alertmanager.observability.svc.cluster.local:9093',
  rulerRulesConfigMap: 'mimir-ruler-rules',
  resources: Resources.of({ cpu: '300m', memory: '1Gi' }, { cpu: '1500m', memory: '3Gi' }),
  volumeSize: Storage.gibibytes(10),
};

const render = (p: MimirProps): K8sObject[] => synthObjects(mimirComponent(p).source as ManifestSource);
const find = (objects: K8sObject[], kind: string, name: string): any => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} among ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
};
const statefulSet = (objects: K8sObject[]): any => find(objects, 'StatefulSet', 'mimir');
/** The Mimir configuration file as the pods read it (parsed back from the ConfigMap). */
const config = (objects: K8sObject[]): any => {
  const sts = statefulSet(objects);
  const arg = sts.spec.template.spec.containers[0].args.find((a: string) => a.startsWith('-config.file='));
  const [dir, file] = [arg.slice('-config.file='.length).replace(/\/[^/]+$/, ''), arg.replace(/^.*\//, '')];
  const mount = sts.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.mountPath === dir);
  const volume = sts.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
  return yaml.load(find(objects, 'ConfigMap', volume.configMap.name).data[file]);
};

describe('mimir (monolithic, native)', () => {
  const ha = render(props);
  const dev = render({ ...props, tierPolicy: tier.dev });
  const haConfig = config(ha);
  const devConfig = config(dev);

  it('is a manifests component in the observability workflow with no cluster-scoped objects', () => {
    const c = mimirComponent(props);
    expect(c.source.type).toBe('manifests');
    expect(c.namespace).toBe('observability');
    for (const o of ha) expect(o.metadata.namespace).toBe('observability');
  });

  it('runs every Mimir component in one StatefulSet with -target=all and the rendered config file', () => {
    const sts = statefulSet(ha);
    const container = sts.spec.template.spec.containers[0];
    expect(container.args).toContain('-target=all');
    expect(container.args.some((a: string) => a.startsWith('-config.file='))).toBe(true);
    expect(container.image).toBe(DEFAULTS.image.toString());
    expect(ha.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind))).toHaveLength(1);
  });

  it('runs three replicas across zones, one per node, with replication factor 3 and a PodDisruptionBudget of one', () => {
    const spec = statefulSet(ha).spec;
    expect(spec.replicas).toBe(3);
    const pod = spec.template.spec;
    expect(pod.topologySpreadConstraints).toEqual([
      expect.objectContaining({ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: spec.selector.matchLabels } }),
    ]);
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(haConfig.ingester.ring.replication_factor).toBe(3);
    expect(haConfig.store_gateway.sharding_ring.replication_factor).toBe(3);
    const pdb = ha.find((o) => o.kind === 'PodDisruptionBudget') as any;
    expect(pdb.spec).toEqual({ selector: { matchLabels: spec.selector.matchLabels }, maxUnavailable: 1 });
  });

  it('prefers the zone spread where zones have no node group of their own (staging)', () => {
    const soft = statefulSet(render({ ...props, tierPolicy: tier.staging })).spec.template.spec;
    expect(soft.topologySpreadConstraints[0].whenUnsatisfiable).toBe('ScheduleAnyway');
  });

  it('runs one replica with replication factor 1 in dev, without spread or PodDisruptionBudget', () => {
    const spec = statefulSet(dev).spec;
    expect(spec.replicas).toBe(1);
    expect(spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(spec.template.spec.affinity).toBeUndefined();
    expect(devConfig.ingester.ring.replication_factor).toBe(1);
    expect(devConfig.store_gateway.sharding_ring.replication_factor).toBe(1);
    expect(dev.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  it('gives each replica a gp3 volume mounted where every component keeps its files', () => {
    const sts = statefulSet(ha);
    const [claim] = sts.spec.volumeClaimTemplates;
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '10Gi' } } });
    const mount = sts.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === claim.metadata.name).mountPath;
    for (const path of [haConfig.blocks_storage.tsdb.dir, haConfig.blocks_storage.bucket_store.sync_dir, haConfig.compactor.data_dir, haConfig.ruler.rule_path, haConfig.ingester.ring.tokens_file_path, haConfig.activity_tracker.filepath]) {
      expect(path.startsWith(`${mount}/`)).toBe(true);
    }
  });

  it('runs the classic architecture with ingest storage off and one tenant', () => {
    expect(haConfig.ingest_storage).toEqual({ enabled: false });
    expect(haConfig.ingester.push_grpc_method_enabled).toBe(true);
    expect(haConfig.multitenancy_enabled).toBe(false);
  });

  it('stores blocks in the environment bucket and region through IRSA, under the blocks prefix', () => {
    expect(haConfig.common.storage).toEqual({
      backend: 's3',
      s3: { endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', bucket_name: 'acme-prod-mimir' },
    });
    expect(haConfig.blocks_storage.storage_prefix).toBe('blocks');
    const role = mimirComponent(props).irsa![0];
    const sa = find(ha, 'ServiceAccount', role.serviceAccount);
    expect(sa.metadata.annotations[ROLE_ARN_ANNOTATION]).toBe(role.roleArn);
    expect(statefulSet(ha).spec.template.spec.serviceAccountName).toBe(role.serviceAccount);
    expect(JSON.stringify(role.policy)).toContain('arn:aws:s3:::acme-prod-mimir/*');
  });

  it('keeps 90 days of blocks by default, and the retention it is given', () => {
    expect(haConfig.limits.compactor_blocks_retention_period).toBe('90d');
    expect(config(render({ ...props, retention: Duration.days(30) })).limits.compactor_blocks_retention_period).toBe('30d');
  });

  it('joins the memberlist ring through a headless Service that publishes not-ready pods', () => {
    const ring = find(ha, 'Service', 'mimir-gossip-ring');
    expect(ring.spec.clusterIP).toBe('None');
    expect(ring.spec.publishNotReadyAddresses).toBe(true);
    expect(ring.spec.ports).toEqual([expect.objectContaining({ port: 7946, targetPort: 7946 })]);
    expect(ring.spec.selector).toEqual(statefulSet(ha).spec.selector.matchLabels);
    expect(haConfig.memberlist.join_members).toEqual(['dns+mimir-gossip-ring.observability.svc.cluster.local:7946']);
    expect(haConfig.memberlist.bind_port).toBe(7946);
  });

  it('evaluates rules from the optional ConfigMap in the tenant directory and alerts the given Alertmanager', () => {
    expect(haConfig.ruler_storage).toEqual({ backend: 'local', local: { directory: '/etc/mimir-rules' } });
    const pod = statefulSet(ha).spec.template.spec;
    const volume = pod.volumes.find((v: any) => v.configMap?.name === 'mimir-ruler-rules');
    expect(volume.configMap.optional).toBe(true);
    expect(pod.containers[0].volumeMounts.find((m: any) => m.name === volume.name)).toEqual({ name: volume.name, mountPath: '/etc/mimir-rules/anonymous', readOnly: true });
    expect(haConfig.limits.ruler_alertmanager_client_config.alertmanager_url).toBe(props.alertmanagerUrl);
    expect(haConfig.alertmanager).toBeUndefined();
  });

  it('serves writers and readers on mimir-gateway port 80 → 8080, the Service its exported endpoint names', () => {
    const gateway = find(ha, 'Service', 'mimir-gateway');
    expect(gateway.spec.ports).toEqual([expect.objectContaining({ port: 80, targetPort: 8080 })]);
    expect(gateway.spec.selector).toEqual(statefulSet(ha).spec.selector.matchLabels);
    expect(haConfig.server.http_listen_port).toBe(8080);
    // The exported endpoint reaches this rendered Service, on its port 80 (no port in the URL).
    const endpoint = mimirEndpoints(props.namespace).gateway;
    expect([endpoint.service, endpoint.namespace, endpoint.port]).toEqual([gateway.metadata.name, gateway.metadata.namespace, gateway.spec.ports[0].port]);
    const base = `http://${gateway.metadata.name}.${gateway.metadata.namespace}.svc.cluster.local`;
    expect(Object.values(MIMIR_API_PATHS).map((p) => endpoint.url(p))).toEqual([`${base}/api/v1/push`, `${base}/otlp`, `${base}/prometheus`]);
    const api = find(ha, 'Service', 'mimir');
    expect(api.spec.ports.map((p: any) => [p.name, p.port])).toEqual([['http-metrics', 8080], ['grpc', 9095]]);
  });

  it('scrapes its own metrics through a ServiceMonitor that selects only the mimir Service', () => {
    const sm = find(ha, 'ServiceMonitor', 'mimir');
    const services = ha.filter((o) => o.kind === 'Service');
    const selected = services.filter((s: any) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels[k] === v));
    expect(selected.map((s) => s.metadata.name)).toEqual(['mimir']);
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'http-metrics', path: '/metrics' })]);
  });

  it('runs non-root as uid 10001 with a read-only root filesystem, no capabilities, RuntimeDefault seccomp and a /ready probe', () => {
    const pod = statefulSet(ha).spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 8080 });
    expect(c.volumeMounts.find((m: any) => m.mountPath === '/tmp')).toBeDefined();
    expect(pod.priorityClassName).toBe('platform-critical');
  });

  it('sets requests and limits from one Resources, and runs nothing but the StatefulSet', () => {
    const resources = Resources.of({ cpu: '200m', memory: '768Mi' }, { cpu: '1', memory: '2Gi' });
    const objects = synthObjects(mimirComponent({ ...props, resources }).source as ManifestSource);
    expect(statefulSet(objects).spec.template.spec.containers[0].resources).toEqual(resources.toK8s());
    expect(workloadsFromObjects(objects, { defaultNamespace: props.namespace })).toEqual([
      { kind: WorkloadKind.StatefulSet, name: 'mimir', namespace: 'observability', replicas: 3, containers: [{ name: 'mimir', resources }] },
    ]);
    expect(statefulSet(ha).spec.template.spec.containers[0].resources).toEqual(props.resources.toK8s());
  });

  it('rolls the pods when the config changes', () => {
    const checksum = (objects: K8sObject[]) => statefulSet(objects).spec.template.metadata.annotations['checksum/config'];
    expect(checksum(ha)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(render({ ...props, retention: Duration.days(30) }))).not.toBe(checksum(ha));
    expect(checksum(render(props))).toBe(checksum(ha));
  });

  it('sizes the volume claim from the Storage it is given', () => {
    const [claim] = statefulSet(render({ ...props, volumeSize: Storage.mebibytes(512) })).spec.volumeClaimTemplates;
    expect(claim.spec.resources.requests.storage).toBe('512Mi');
  });

  it('rejects a bad bucket, volume size or unpinned image, naming the field and the fix', () => {
    expect(() => mimirComponent({ ...props, bucket: 'Acme_Mimir' })).toThrow(/mimir: bucket "Acme_Mimir" is not a valid S3 bucket name/);
    // A volume size is a Storage: a size that is not one never reaches the chart.
    expect(() => mimirComponent({ ...props, volumeSize: Storage.parse('10GB') })).toThrow(/not a storage size: "10GB" .*e\.g\. 20Gi/);
    expect(() => mimirComponent({ ...props, image: ImageRef.parse('grafana/mimir') })).toThrow(/mimir: image "grafana\/mimir" has no pinned tag/);
    expect(() => mimirComponent({ ...props, image: ImageRef.parse('grafana/mimir:latest') })).toThrow(/no pinned tag/);
  });
});
