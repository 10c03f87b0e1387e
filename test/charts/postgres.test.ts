import { postgresComponent, postgresEndpoints, PostgresProps, RESTORE_RUNBOOK } from '../../charts/postgres';
import { recoveryKeys } from '../../lib/backup';
import { LabelDomain } from '../../lib/labels';
import { IMAGES } from '../../config/versions';
import { ManifestSource } from '../../lib/component';
import { irsaRole, ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { K8sObject, synthObjects } from '../../lib/render';
import { Duration } from '../../lib/duration';
import { Resources, WorkloadKind } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';
import { workloadsFromObjects } from '../../lib/workloads';

const PROD = TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true });
const STAGING = TierPolicy.of({ tier: 'staging', highAvailability: true, nodeGroupPerZone: false });
const DEV = TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false });

const props: PostgresProps = {
  namespace: 'data',
  target: { clusterName: 'acme-prod', accountId: '123456789012' },
  region: 'eu-west-1',
  bucket: 'acme-prod-postgres-backups',
  image: IMAGES.postgres,
  tierPolicy: PROD,
  storageSize: Storage.gibibytes(20),
  resources: Resources.of({ cpu: '100m', memory: '512Mi' }, { cpu: '1', memory: '1Gi' }),
  databases: ['orders', 'catalog'],
  retentionPolicy: Duration.days(30),
  labelDomain: LabelDomain.of('platform.example.com'),
};
const render = (p: PostgresProps): K8sObject[] => synthObjects(postgresComponent(p).source as ManifestSource);
const find = (objs: K8sObject[], kind: string, name?: string) => objs.find((o) => o.kind === kind && (!name || o.metadata.name === name)) as any;

describe('postgres', () => {
  const objs = render(props);
  const cluster = find(objs, 'Cluster', 'postgres');

  it('is one Cluster named postgres, three instances spread one per zone as a hard rule in prod, on gp3', () => {
    expect(cluster.metadata.namespace).toBe('data');
    expect(cluster.spec.instances).toBe(3);
    expect(cluster.spec.storage).toMatchObject({ storageClass: 'gp3', size: '20Gi' });
    expect(cluster.spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'cnpg.io/cluster': 'postgres' } } },
    ]);
    expect(cluster.spec.resources).toEqual(props.resources.toK8s());
  });

  it('archives WAL and backs up daily to S3 through the Barman Cloud plugin with IRSA', () => {
    expect(cluster.spec.plugins).toEqual([{ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'postgres-backups' } }]);
    const store = find(objs, 'ObjectStore', 'postgres-backups');
    expect(store.spec.configuration.destinationPath).toBe('s3://acme-prod-postgres-backups/');
    expect(store.spec.configuration.s3Credentials).toEqual({ inheritFromIAMRole: true });
    expect(store.spec.retentionPolicy).toBe('30d');
    const backup = find(objs, 'ScheduledBackup');
    expect(backup.spec).toMatchObject({ schedule: '0 0 3 * * *', method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' }, cluster: { name: 'postgres' } });
    const role = irsaRole(props.target, 'data', 'postgres', {});
    expect(cluster.spec.serviceAccountTemplate.metadata.annotations[ROLE_ARN_ANNOTATION]).toBe(role.roleArn);
    const c = postgresComponent(props);
    expect(c.irsa?.map((r) => r.serviceAccount)).toEqual(['postgres', 'postgres-pitr']);
    expect(JSON.stringify(c.irsa?.[0].policy)).toContain('arn:aws:s3:::acme-prod-postgres-backups/*');
    expect(JSON.stringify(c.irsa?.[1].policy)).not.toContain('s3:PutObject');
  });

  it('gives every service with a database a role and a database named after it, the password from OpenBao', () => {
    expect(cluster.spec.managed.roles.map((r: any) => [r.name, r.passwordSecret.name, r.login])).toEqual([
      ['orders', 'postgres-role-orders', true],
      ['catalog', 'postgres-role-catalog', true],
    ]);
    expect(find(objs, 'Database', 'orders').spec).toMatchObject({ name: 'orders', owner: 'orders', cluster: { name: 'postgres' } });
    const secrets = postgresComponent(props).secrets!;
    expect(secrets.map((s) => s.name)).toEqual(['postgres-role-orders', 'postgres-role-catalog']);
    expect(secrets[0]).toMatchObject({ namespace: 'data', data: { username: { path: 'data/postgres/orders', property: 'username' }, password: { path: 'data/postgres/orders', property: 'password' } } });
    expect(secrets.every((s) => s.bootstrap === undefined)).toBe(true);
  });

  it('runs the instances with the plugin sidecar, a PodMonitor, and the runbook for bucket, passwords and PITR', () => {
    const c = postgresComponent(props);
    const [instances] = workloadsFromObjects(objs, { defaultNamespace: props.namespace });
    expect(instances).toMatchObject({ kind: WorkloadKind.StatefulSet, replicas: 3 });
    expect(instances.containers.map((x) => x.name)).toEqual(['postgres', 'plugin-barman-cloud']);
    expect(find(objs, 'PodMonitor', 'postgres').spec.selector.matchLabels['cnpg.io/cluster']).toBe('postgres');
    const titles = c.runbook!.map((r) => `${r.phase}: ${r.title}`);
    expect(titles).toEqual(expect.arrayContaining([expect.stringMatching(/^aws: S3 bucket/), expect.stringMatching(/^operations: .*point-in-time recovery/)]));
    const pitr = c.runbook!.find((r) => /point-in-time/.test(r.title))!.body;
    expect(pitr).toContain('targetTime: TARGET_TIME');
    expect(pitr).toContain('barmanObjectName: postgres-backups');
  });

  it('encrypts base backups and WAL with SSE-KMS, as the bucket policy requires', () => {
    const store = find(objs, 'ObjectStore', 'postgres-backups');
    expect(store.spec.configuration.wal.encryption).toBe('aws:kms');
    expect(store.spec.configuration.data.encryption).toBe('aws:kms');
  });

  it('keeps history in a versioned bucket whose lifecycle never expires what Barman still lists', () => {
    const bucket = postgresComponent(props).runbook!.find((r) => r.title === 'S3 bucket acme-prod-postgres-backups')!.body;
    expect(bucket).toContain('put-bucket-versioning --bucket acme-prod-postgres-backups --versioning-configuration Status=Enabled');
    expect(bucket).toContain('"NoncurrentVersionExpiration":{"NoncurrentDays":7}');
    expect(bucket).toContain('"SSEAlgorithm":"aws:kms"');
    // Barman owns retention: no rule expires current objects by age.
    expect(bucket).not.toMatch(/"Expiration":\{"Days"/);
    expect(bucket).toContain('"ExpiredObjectDeleteMarker":true');
  });

  it('declares an RPO of the WAL archive timeout on the Cluster, naming the point-in-time recovery runbook', () => {
    const k = recoveryKeys(props.labelDomain);
    expect(cluster.metadata.annotations[k.rpo]).toBe('5m');
    expect(cluster.metadata.annotations[k.recovery]).toMatch(/^backup: WAL archived continuously/);
    expect(postgresComponent(props).runbook!.map((r) => r.title)).toContain(cluster.metadata.annotations[k.runbook]);
    expect(cluster.metadata.annotations[k.runbook]).toBe(RESTORE_RUNBOOK);
  });

  it('prefers the zone spread in staging, where the autoscaler cannot pick a zone', () => {
    const staging = find(render({ ...props, tierPolicy: STAGING }), 'Cluster', 'postgres');
    expect(staging.spec.instances).toBe(3);
    expect(staging.spec.topologySpreadConstraints.map((c: any) => c.whenUnsatisfiable)).toEqual(['ScheduleAnyway']);
  });

  it('runs one unspread instance in dev', () => {
    const dev = find(render({ ...props, tierPolicy: DEV }), 'Cluster', 'postgres');
    expect(dev.spec.instances).toBe(1);
    expect(dev.spec.topologySpreadConstraints).toBeUndefined();
  });

  it('sizes the volume and shared buffers from its props, and keeps the recovery window in days', () => {
    const small = render({ ...props, storageSize: Storage.gibibytes(5), resources: Resources.of({ cpu: '50m', memory: '256Mi' }, { cpu: '500m', memory: '512Mi' }), retentionPolicy: Duration.days(7) });
    expect(find(small, 'Cluster', 'postgres').spec.storage.size).toBe('5Gi');
    expect(find(small, 'Cluster', 'postgres').spec.postgresql.parameters.shared_buffers).toBe('64MB');
    expect(find(small, 'ObjectStore', 'postgres-backups').spec.retentionPolicy).toBe('7d');
  });

  it('rejects a recovery window that is not whole days, and a highly available cluster without a standby', () => {
    expect(() => postgresComponent({ ...props, retentionPolicy: Duration.hours(36) })).toThrow(/retentionPolicy 36h must be a whole number of days/);
    expect(() => postgresComponent({ ...props, instances: 1 })).toThrow(/instances must be a whole number of at least 2/);
  });

  it('serves its read-write endpoint on the Service CloudNativePG names after the Cluster', () => {
    const rw = postgresEndpoints('data').rw;
    expect(rw.host).toBe(`${cluster.metadata.name}-rw.data.svc.cluster.local`);
    expect(rw.port).toBe(5432);
  });

  it('rejects a five-field cron with a clear message', () => {
    expect(() => postgresComponent({ ...props, schedule: '0 3 * * *' })).toThrow(/six-field cron with seconds first/);
  });
});
