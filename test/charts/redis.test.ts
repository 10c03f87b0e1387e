import { spawnSync } from 'node:child_process';
import * as yaml from 'js-yaml';
import { DEFAULTS, REDIS_ACCESS, redisComponent, redisEndpoints, RedisProps, restorePod, RESTORE_RUNBOOK } from '../../charts/redis';
import { IMAGES } from '../../config/versions';
import { recoveryKeys } from '../../lib/backup';
import { ManifestSource } from '../../lib/component';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { K8sObject, synthObjects } from '../../lib/render';
import { TierPolicy } from '../../lib/tier-policy';
import { REDIS_PROPS } from './redis-support';

const STAGING = TierPolicy.of({ tier: 'staging', highAvailability: true, nodeGroupPerZone: false });
const DEV = TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false });

const props: RedisProps = REDIS_PROPS;
const render = (p: RedisProps): K8sObject[] => synthObjects(redisComponent(p).source as ManifestSource);
const find = (objs: K8sObject[], kind: string) => objs.find((o) => o.kind === kind) as any;

describe('redis', () => {
  const ha = render(props);

  it('runs replication (3) with a Sentinel quorum (3), both spread across zones as a hard rule in prod', () => {
    const repl = find(ha, 'RedisReplication');
    expect(repl.spec.clusterSize).toBe(3);
    expect(repl.spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: repl.metadata.name } } },
    ]);
    expect(repl.spec.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe('2Gi');
    const sentinel = find(ha, 'RedisSentinel');
    expect(sentinel.spec.topologySpreadConstraints).toEqual([expect.objectContaining({ whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: `${sentinel.metadata.name}-sentinel` } } })]);
    expect(sentinel.spec.clusterSize).toBe(3);
    expect(sentinel.spec.redisSentinelConfig).toMatchObject({ redisReplicationName: repl.metadata.name, quorum: '2' });
    expect(find(ha, 'Redis')).toBeUndefined();
  });

  it('prefers the zone spread in staging, where the autoscaler cannot pick a zone', () => {
    const staging = render({ ...props, tierPolicy: STAGING });
    for (const kind of ['RedisReplication', 'RedisSentinel']) {
      expect(find(staging, kind).spec.topologySpreadConstraints.map((c: any) => c.whenUnsatisfiable)).toEqual(['ScheduleAnyway']);
    }
  });

  it('takes the password from redis-auth and runs the exporter with requests and limits', () => {
    const repl = find(ha, 'RedisReplication');
    expect(repl.spec.kubernetesConfig.redisSecret).toEqual({ name: 'redis-auth', key: 'password' });
    expect(repl.spec.redisExporter).toMatchObject({ enabled: true, image: IMAGES.redisExporter });
    expect(repl.spec.redisExporter.resources.limits.memory).toBeDefined();
    expect(repl.spec.kubernetesConfig.resources).toEqual(props.resources.toK8s());
    expect(redisComponent(props).secrets![0]).toEqual(expect.objectContaining({ namespace: 'data', name: 'redis-auth', data: { password: { path: 'data/redis', property: 'password' } } }));
  });

  it('serves clients on Service redis:6379, which follows the master (HA) or the standalone (dev), as its endpoint says', () => {
    const svc = find(ha, 'Service');
    expect(svc.metadata.name).toBe('redis');
    expect(svc.spec.ports[0].port).toBe(6379);
    expect(redisEndpoints('data').primary.host).toBe(`${svc.metadata.name}.data.svc.cluster.local`);
    expect(redisEndpoints('data').primary.port).toBe(svc.spec.ports[0].port);
    expect(svc.spec.selector).toEqual({ app: 'redis-replication', redis_setup_type: 'replication', 'redis-role': 'master' });
    const dev = render({ ...props, tierPolicy: DEV });
    expect(find(dev, 'Redis').metadata.name).toBe('redis-standalone');
    expect(find(dev, 'RedisReplication')).toBeUndefined();
    expect(find(dev, 'Service').spec.selector).toEqual({ app: 'redis-standalone', redis_setup_type: 'standalone' });
  });

  it('runs as non-root with RuntimeDefault seccomp and no capabilities (read-only root only for the exporter, named exception)', () => {
    const repl = find(ha, 'RedisReplication');
    expect(repl.spec.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(repl.spec.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(repl.spec.redisExporter.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('copies an RDB snapshot hourly from a replica (HA) or the standalone (dev) with the password from redis-auth, then uploads it', () => {
    const cron = ha.find((o) => o.kind === 'CronJob' && o.metadata.name === DEFAULTS.snapshot.name) as any;
    expect(cron.spec).toMatchObject({ schedule: '47 * * * *', concurrencyPolicy: 'Forbid' });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const snapshot = pod.initContainers[0];
    expect(snapshot.image).toBe(IMAGES.redis);
    const env = Object.fromEntries(snapshot.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.REDIS_HOST).toBe('redis-replica.data.svc');
    const replicas = ha.find((o) => o.kind === 'Service' && o.metadata.name === 'redis-replica') as any;
    expect(replicas.spec.selector).toEqual({ app: 'redis-replication', redis_setup_type: 'replication', 'redis-role': 'slave' });
    expect(env.REDISCLI_AUTH).toEqual({ secretKeyRef: { name: 'redis-auth', key: 'password' } });
    expect(pod.containers[0].image).toBe(IMAGES.awsCli);
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect([c.name, c.securityContext]).toEqual([c.name, expect.objectContaining({ readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } })]);
      expect([c.name, Object.keys(c.resources).sort()]).toEqual([c.name, ['limits', 'requests']]);
    }
    const dev = render({ ...props, tierPolicy: DEV }).find((o) => o.kind === 'CronJob') as any;
    expect(dev.spec.jobTemplate.spec.template.spec.initContainers[0].env.find((e: any) => e.name === 'REDIS_HOST').value).toBe('redis.data.svc');
  });

  it('uploads through an IRSA role that may only put objects under the redis prefix, annotated on the job ServiceAccount', () => {
    const c = redisComponent(props);
    expect(c.irsa!.map((r) => [r.serviceAccount, r.policy.statements])).toEqual([
      ['redis-snapshot', [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: ['arn:aws:s3:::acme-prod-redis-snapshots/redis/*'] }]],
    ]);
    const sa = ha.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'redis-snapshot') as any;
    expect(sa.metadata.annotations[ROLE_ARN_ANNOTATION]).toBe(c.irsa![0].roleArn);
  });

  it('declares an RPO of one snapshot interval on the resource holding the data, naming its restore runbook', () => {
    const k = recoveryKeys(props.labelDomain);
    const repl = find(ha, 'RedisReplication');
    expect(repl.metadata.annotations[k.rpo]).toBe('1h');
    expect(repl.metadata.annotations[k.runbook]).toBe(RESTORE_RUNBOOK);
    const standalone = find(render({ ...props, tierPolicy: DEV }), 'Redis');
    expect(standalone.metadata.annotations[k.rpo]).toBe('1h');
    expect(redisComponent(props).runbook!.map((r) => `${r.phase}: ${r.title}`)).toEqual(
      expect.arrayContaining(['aws: S3 bucket acme-prod-redis-snapshots', `operations: ${RESTORE_RUNBOOK}`]),
    );
  });

  it('restores with a restricted pod that loads the snapshot privately and copies the keys to the master Service', () => {
    const pod = restorePod(props) as any;
    const c = pod.spec.containers[0];
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.env.find((e: any) => e.name === 'TARGET_HOST').value).toBe('redis.data.svc');
    expect(c.env.find((e: any) => e.name === 'TARGET_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'redis-auth', key: 'password' } });
    const body = redisComponent(props).runbook!.find((r) => r.title === RESTORE_RUNBOOK)!.body;
    const printed = /```yaml\n([\s\S]*?)\n```/.exec(body)![1];
    expect(yaml.load(printed)).toEqual(pod);
  });

  it('gives the restore pod a script the POSIX shell parses', () => {
    const script = (restorePod(props) as any).spec.containers[0].command[2];
    const r = spawnSync('sh', ['-n', '-c', script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
  });

  it('rejects a snapshot retention that is no whole number of days', () => {
    expect(() => redisComponent({ ...props, backup: { ...props.backup, retentionDays: 0 } })).toThrow(/backup\.retentionDays 0 is not a whole number of days/);
  });

  it('rejects an even Sentinel count', () => {
    expect(() => redisComponent({ ...props, replicas: 4 })).toThrow(/odd number of at least 3/);
  });
});

describe('redis encryption in transit and access', () => {
  const ha = render(props);
  const dev = render({ ...props, tierPolicy: DEV });
  const all = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind) as any[];

  it('serves TLS on every Redis kind with the certificate a CA Issuer of its own namespace signs', () => {
    for (const objs of [ha, dev]) {
      const kinds = objs.filter((o) => o.apiVersion.startsWith('redis.redis.opstreelabs.in/')) as any[];
      expect(kinds.length).toBeGreaterThan(0);
      const server = all(objs, 'Certificate').find((c) => c.metadata.name === DEFAULTS.tls.server);
      for (const k of kinds) expect(k.spec.TLS).toEqual({ ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key', secret: { secretName: server.spec.secretName } });
      const issuer = all(objs, 'Issuer').find((i) => i.metadata.name === server.spec.issuerRef.name);
      expect(server.spec.issuerRef.kind).toBe('Issuer');
      const ca = all(objs, 'Certificate').find((c) => c.spec.secretName === issuer.spec.ca.secretName);
      expect(ca.spec.isCA).toBe(true);
      // Clients reach the master through the redis Service; the certificate names it.
      expect(server.spec.dnsNames).toContain(`${DEFAULTS.serviceName}.data.svc.cluster.local`);
    }
  });

  it('publishes the CA certificate alone and lets only the services readers get it', () => {
    const published = all(ha, 'ExternalSecret').find((e) => e.spec.target.name === REDIS_ACCESS.caSecret);
    expect(published.spec.data).toEqual([expect.objectContaining({ secretKey: 'ca.crt', remoteRef: expect.objectContaining({ key: DEFAULTS.tls.ca, property: 'ca.crt' }) })]);
    const reader = all(ha, 'Role').find((r) => r.metadata.name === DEFAULTS.tls.clientRole);
    expect(reader.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: [REDIS_ACCESS.caSecret], verbs: ['get'] }]);
    const binding = all(ha, 'RoleBinding').find((b) => b.roleRef.name === DEFAULTS.tls.clientRole);
    expect(binding.subjects.map((x: any) => `${x.namespace}/${x.name}`)).toEqual(['apps/catalog-data-reader', 'apps/orders-data-reader']);
    // Only the publisher reads the CA Secret, which holds the key.
    const caReaders = all(ha, 'Role').filter((r) => r.rules.some((rule: any) => rule.resourceNames?.includes(DEFAULTS.tls.ca)));
    expect(caReaders.map((r) => r.metadata.name)).toEqual([DEFAULTS.tls.publisher]);
    expect(all(ha, 'Secret')).toEqual([]);
  });

  it('admits to the Redis and Sentinel pods only the client services, its own pods, the operator and the scrape', () => {
    const np = all(ha, 'NetworkPolicy').find((n) => n.metadata.name === 'redis');
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    const fromApps = np.spec.ingress.filter((r: any) => r.from.some((f: any) => f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'apps'));
    expect(fromApps).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } }, podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['catalog', 'orders'] }] } }],
        ports: [{ protocol: 'TCP', port: DEFAULTS.port }],
      },
    ]);
    const scrape = np.spec.ingress.find((r: any) => r.from[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'observability');
    expect(scrape.ports).toEqual([{ protocol: 'TCP', port: DEFAULTS.exporterPort }]);
    const noClients = render({ ...props, clients: [] });
    expect(all(noClients, 'NetworkPolicy')[0].spec.ingress.some((r: any) => r.from.some((f: any) => f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'apps'))).toBe(false);
    expect(all(noClients, 'RoleBinding').map((b) => b.metadata.name).sort()).toEqual([DEFAULTS.acl.assembler, DEFAULTS.tls.publisher].sort());
  });

  it('copies the snapshot over TLS, verifying the server against the CA of redis-tls', () => {
    const cron = find(ha, 'CronJob');
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const snap = [...(pod.initContainers ?? []), ...pod.containers].find((c: any) => c.env?.some((e: any) => e.name === 'REDIS_TLS_CA_CERT'));
    expect(snap.env.find((e: any) => e.name === 'REDIS_TLS_CA_CERT').value).toBe(`${DEFAULTS.tls.mountPath}/ca.crt`);
    expect(pod.volumes.find((v: any) => v.name === 'tls').secret.secretName).toBe(DEFAULTS.tls.server);
    const restore = restorePod(props) as any;
    expect(restore.spec.volumes.find((v: any) => v.name === 'tls').secret.secretName).toBe(DEFAULTS.tls.server);
  });
});
