/**
 * redis: the platform's Redis, through the OT-Container-Kit operator.
 *
 * - Highly available environments: a RedisReplication (one master, replicas) spread across zones
 *   and a RedisSentinel quorum that promotes a replica when the master fails. The operator labels
 *   the current master `redis-role=master`.
 * - dev: one standalone Redis.
 * - Clients always use the Service `redis` (port 6379), which we own: it selects the writable
 *   instance (the master, or the standalone), so a failover needs no client change. Where
 *   replicated, `redis-replica` (ours too) selects the replicas (`redis-role=slave`). The
 *   operator's own Services keep their names (`<cr>`, `<cr>-headless`, `<cr>-master`, ...).
 * - The password comes from the Secret `redis-auth` (External Secrets, from OpenBao); the
 *   redis-exporter sidecar runs in every data pod and a PodMonitor scrapes it.
 * - TLS only (the operator's `TLS` field on every kind: `port 0`, `tls-port 6379`, replication and
 *   Sentinel over TLS, client certificates optional). The certificate comes from cert-manager: a
 *   self-signed root makes the CA `redis-ca` in this namespace, whose Issuer issues `redis-tls`
 *   for the names clients use (our Services). Clients trust the CA certificate alone, published as the
 *   Secret `redis-ca-cert` (the CA Secret also holds the key, which nothing outside this chart
 *   reads); each service copies it into its namespace through its own SecretStore
 *   (apps/microservice), for which this chart grants its reader `get` on that one Secret.
 * - Credentials: one ACL user per service with `redis: true` (acl.ts): its own password, its own key
 *   prefix and channels, no dangerous command. Each password lives in OpenBao at the path the
 *   service's config names (apps/microservice `redisCredentials`), read by the service's namespace
 *   (its REDIS_PASSWORD) and by this one: the requirement `redis-users` brings every service's
 *   password here, and the ExternalSecret `redis-acl` (Kubernetes provider, as the ServiceAccount
 *   `redis-acl`, which may get `redis-users` and `redis-auth` only) templates them into the ACL file
 *   as SHA-256 hashes, key `user.acl`, which the operator's `acl.secret` mounts on Redis and
 *   RedisReplication. The `default` user keeps the shared password of `redis-auth`: replication, the
 *   Sentinels, the operator, the exporter and the backup and restore jobs authenticate with it.
 *   RedisSentinel has no ACL field in the pinned operator (v0.26): the Sentinels authenticate to
 *   the master with `redisReplicationPassword` only, so they stay on `default`. The NetworkPolicy
 *   stays too: it admits exactly the services with `redis: true`, the Redis and Sentinel pods
 *   themselves, the operator, the backup jobs and the metrics scrape. The operator mounts the file
 *   with `subPath`, so a new or rotated password reaches Redis when its pods restart (runbook).
 * - Backups: RDB snapshots on a schedule to S3 (CronJob `redis-snapshot`: `redis-cli --rdb` from a
 *   replica where replicated, then an upload through IRSA; lib/backup.ts), pruned by the bucket's
 *   lifecycle. RDB rather than VolumeSnapshots: an RDB is a point-in-time copy of the dataset made
 *   by Redis itself (a volume snapshot of a running instance catches the AOF mid-write), it is taken
 *   from a replica without touching the master, it lives outside the cluster in a versioned bucket
 *   (VolumeSnapshot objects go with their namespace, and with the cluster), and it restores into any
 *   Redis, a new cluster's included, without pre-creating claims the operator names. Restore: a
 *   pod loads the file into a private redis-server and MIGRATEs every key to the master (restore.sh,
 *   bootstrap README).
 */
import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as yaml from 'js-yaml';
import type { PlatformComponentId } from '../../config/ids';
import { aclFile, AclUser, DEFAULT_USER, defaultUser, serviceUser } from './acl';
import { BackupSchedule, backupBucketRunbook, recoveryAnnotations, RecoveryObjective, s3UploadPolicy, SnapshotBackupProps, SnapshotCronJob } from '../../lib/backup';
import { OpenBaoRef, PlatformComponent, manifests, RunbookSection, SecretRequirement, Workflow } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { Endpoint } from '../../lib/endpoint';
import { irsaRole, IrsaRole, IrsaTarget } from '../../lib/irsa';
import { LabelDomain, standardLabels } from '../../lib/labels';
import { externalSecretSpec, inClusterSecretsProvider, remoteRef } from '../../lib/secret-readers';
import { PlatformChart } from '../../lib/platform-chart';
import { PRIORITY } from '../../lib/priority';
import { crdQuantities, K8sResources, Resources } from '../../lib/resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT } from '../../lib/security';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';
import { TrafficEdge } from '../../lib/traffic';
import RESTORE_SCRIPT from './restore.sh';
import SNAPSHOT_SCRIPT from './snapshot.sh';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy, CertificateSpecUsages, Issuer } from '../../imports/cert-manager.io';
import {
  ExternalSecret,
  SecretStore,
} from '../../imports/external-secrets.io';
import { PodMonitor } from '../../imports/monitoring.coreos.com';
import {
  Redis,
  RedisReplication,
  RedisReplicationSpec,
  RedisSentinel,
  RedisSpec,
  RedisSpecKubernetesConfigResourcesLimits,
  RedisSpecKubernetesConfigResourcesRequests,
  RedisSpecPodSecurityContext,
  RedisSpecSecurityContext,
  RedisSpecStorageVolumeClaimTemplateSpecResourcesRequests,
} from '../../imports/redis.redis.opstreelabs.in';

/**
 * Requests and limits in the generated types, which wrap each quantity in a class (an IntOrString,
 * unwrapped by the construct's toJson). The classes of the three kinds have the same shape, so one
 * Redis* value serves Redis, RedisReplication and RedisSentinel alike.
 */
const quantities = (r: K8sResources) => crdQuantities(r, RedisSpecKubernetesConfigResourcesRequests.fromString, RedisSpecKubernetesConfigResourcesLimits.fromString);

/**
 * The server fields Redis and RedisReplication share. Their generated types differ only by name
 * except for enums (nominal in TypeScript) in fields we leave unset, so the shared value is typed
 * as both kinds' fields at once.
 */
type CommonKey = 'kubernetesConfig' | 'podSecurityContext' | 'securityContext' | 'priorityClassName' | 'redisExporter' | 'tls' | 'acl';
type RedisCommonSpec = Pick<RedisSpec, CommonKey> & Pick<RedisReplicationSpec, CommonKey>;

export const ID = 'redis' satisfies PlatformComponentId;

export interface RedisImages {
  readonly redis: string;
  readonly sentinel: string;
  readonly exporter: string;
}

/**
 * A service with `redis: true`: admitted by the NetworkPolicy, its reader may copy the CA
 * certificate, and it has an ACL user named after it.
 */
export interface RedisClient {
  readonly name: string;
  /** The service's namespace and the ServiceAccount its SecretStore reads this namespace as. */
  readonly reader: { readonly namespace: string; readonly serviceAccount: string };
  /** Its ACL user's password in OpenBao (its namespace reads the same path). */
  readonly password: OpenBaoRef;
  /** The prefix of its keys and Pub/Sub channels, e.g. `orders:`: its user reaches nothing else. */
  readonly keyPrefix: string;
}

export interface RedisProps {
  readonly namespace: string;
  /** The services that use Redis. */
  readonly clients: readonly RedisClient[];
  /** Labels of the redis-operator's pods (it connects to every instance to set up replication). */
  readonly operatorPodLabels: Readonly<Record<string, string>>;
  /** The namespace Prometheus scrapes the exporters from. */
  readonly scrapeNamespace: string;
  /**
   * Replication + Sentinel spread across zones where the tier is highly available (as the policy
   * says: lib/tier-policy.ts); otherwise one standalone instance.
   */
  readonly tierPolicy: TierPolicy;
  readonly images: RedisImages;
  readonly resources: Resources;
  /** Each instance's data volume (and the snapshot and restore scratch space). */
  readonly storageSize: Storage;
  /** Prefix of the platform's annotation keys (the recovery objective on the Redis resource). */
  readonly labelDomain: LabelDomain;
  /** Where and when RDB snapshots go. */
  readonly backup: RedisBackupProps;
  /** Redis instances (master + replicas) and Sentinels where highly available. @default DEFAULTS.replicas */
  readonly replicas?: number;
  /** @default DEFAULTS.exporterResources */
  readonly exporterResources?: Resources;
  /** @default DEFAULTS.sentinelResources */
  readonly sentinelResources?: Resources;
  /** @default DEFAULTS.storageClass */
  readonly storageClass?: string;
}

/** Scheduled RDB snapshots to S3. */
export interface RedisBackupProps extends SnapshotBackupProps {
  /** For the upload role (eksctl creates it; the job's ServiceAccount carries the ARN). */
  readonly target: IrsaTarget;
}

export const DEFAULTS = {
  /** The Service clients use (workflows/endpoints.ts `redis`). */
  serviceName: 'redis',
  /** Where replicated: the Service in front of the replicas (the snapshot's source). */
  replicaServiceName: 'redis-replica',
  port: 6379,
  exporterPort: 9121,
  replicas: 3,
  storageClass: 'gp3',
  /** The password Secret, key `password`, from OpenBao `data/redis`. */
  passwordSecret: { name: 'redis-auth', key: 'password' },
  openBaoPath: 'data/redis',
  /** The ACL file (acl.ts), assembled here from the services' passwords. */
  acl: {
    /** The Secret the operator mounts (`acl.secret`), and the key its `subPath` names (v0.26 `getVolumeMount`). */
    secret: 'redis-acl',
    key: 'user.acl',
    /** Every service's password, one key per service, from OpenBao. */
    passwordsSecret: 'redis-users',
    /** The ServiceAccount and SecretStore that read `redis-users` and `redis-auth` to assemble the file. */
    assembler: 'redis-acl',
    refreshInterval: Duration.minutes(10),
  },
  names: { standalone: 'redis-standalone', replication: 'redis-replication', sentinel: 'redis-sentinel' },
  exporterResources: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
  sentinelResources: Resources.of({ cpu: '20m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
  /** maxmemory as a share of the container limit: headroom for fork (RDB) and buffers. */
  maxMemoryPercentOfLimit: 75,
  /** Sentinel's port (the operator's, not configurable). */
  sentinelPort: 26379,
  tls: {
    selfSignedIssuer: 'redis-selfsigned',
    /** The CA: Certificate, Secret (with its key) and the Issuer that signs with it. */
    ca: 'redis-ca',
    /** Ten years, renewed a year ahead with the same key, so a copied CA certificate stays valid. */
    caDuration: Duration.hours(87600),
    caRenewBefore: Duration.hours(8760),
    /** The servers' certificate and Secret. */
    server: 'redis-tls',
    serverDuration: Duration.hours(2160),
    serverRenewBefore: Duration.hours(720),
    /** Where the snapshot and restore pods mount it. */
    mountPath: '/tls',
    /** The CA publisher: reads the CA Secret here and writes the certificate alone. */
    publisher: 'redis-ca-publisher',
    /** The Role letting the services' readers get the published CA certificate. */
    clientRole: 'redis-ca-reader',
    /** How often the published CA certificate is refreshed from the CA Secret. */
    publishInterval: Duration.hours(1),
  },
  snapshot: {
    name: 'redis-snapshot',
    serviceAccount: 'redis-snapshot',
    /** Hourly, at 47 past (OpenBao's runs at 17). */
    schedule: BackupSchedule.everyHours(1, 47),
    prefix: 'redis',
    fileName: 'dump.rdb',
    resources: Resources.of({ cpu: '20m', memory: '32Mi' }, { cpu: '200m', memory: '128Mi' }),
  },
  /** The pod the restore runbook applies. */
  restore: {
    name: 'redis-restore',
    localPort: 6380,
    dir: '/restore',
    tmpSize: Storage.mebibytes(64),
    resources: Resources.of({ cpu: '100m', memory: '256Mi' }, { cpu: '1', memory: '1Gi' }),
  },
} as const;

/**
 * What a client needs: the Secret (in the Redis namespace) holding the CA certificate alone, and
 * its key. One source for this chart and the services' wiring.
 */
export const REDIS_ACCESS = { caSecret: 'redis-ca-cert', caKey: 'ca.crt', port: DEFAULTS.port } as const;

/**
 * The addresses this component serves in `namespace`: the Service `redis`, which follows the
 * master (replication) or the standalone (dev).
 */
export function redisEndpoints(namespace: string): { readonly primary: Endpoint } {
  return { primary: Endpoint.service(DEFAULTS.serviceName, namespace, DEFAULTS.port) };
}

/**
 * The pods of this component by role: the operator copies the custom resources' labels
 * (`instance` = this chart, `component` = server or sentinel) onto the Redis and Sentinel pods it
 * creates; the snapshot CronJob (lib/backup.ts) and the restore pod carry their own names.
 */
export const REDIS_PODS = {
  server: { 'app.kubernetes.io/instance': ID, 'app.kubernetes.io/component': 'server' },
  sentinel: { 'app.kubernetes.io/instance': ID, 'app.kubernetes.io/component': 'sentinel' },
  snapshot: { 'app.kubernetes.io/instance': ID, 'app.kubernetes.io/name': DEFAULTS.snapshot.name },
  restore: { 'app.kubernetes.io/instance': ID, 'app.kubernetes.io/name': DEFAULTS.restore.name },
} as const;

/**
 * Who talks to Redis and how it talks out (lib/traffic.ts; the exporter scrape is derived from the
 * PodMonitor). The NetworkPolicy `redis` (RedisChart.networkPolicy) already admits these callers on
 * the Redis and Sentinel pods; in the default-deny namespace the callers also need their egress,
 * and the edges say why each flow exists. The services reach Redis only (the Service `redis`),
 * never the Sentinels.
 */
export function redisTraffic(props: Pick<RedisProps, 'namespace' | 'clients' | 'operatorPodLabels' | 'tierPolicy'>): TrafficEdge[] {
  const ns = props.namespace;
  const at = (pods: Readonly<Record<string, string>>) => ({ namespace: ns, pods });
  const ha = props.tierPolicy.highAvailability;
  const redis = [{ port: DEFAULTS.port }];
  const edges: TrafficEdge[] = [
    {
      name: 'redis-operator-server',
      from: at(props.operatorPodLabels),
      to: at(REDIS_PODS.server),
      ports: redis,
      reason: 'The redis-operator connects to every Redis instance to set up and check replication.',
    },
    {
      name: 'redis-snapshot-source',
      from: at(REDIS_PODS.snapshot),
      to: at(REDIS_PODS.server),
      ports: redis,
      reason: `The snapshot CronJob copies an RDB (redis-cli --rdb) from ${ha ? 'a replica' : 'the standalone instance'}.`,
    },
    {
      name: 'redis-snapshot-s3',
      from: at(REDIS_PODS.snapshot),
      to: { entity: 'world' },
      ports: [{ port: 443 }],
      reason: 'The snapshot CronJob uploads the RDB to S3 (IRSA through STS); no FQDN policies, so the world on 443.',
    },
    {
      name: 'redis-restore',
      from: at(REDIS_PODS.restore),
      to: at(REDIS_PODS.server),
      ports: redis,
      reason: 'The restore pod (runbook) MIGRATEs every key of a snapshot to the master through the Service redis.',
    },
  ];
  if (ha) {
    edges.push(
      {
        name: 'redis-replication',
        from: at(REDIS_PODS.server),
        to: at(REDIS_PODS.server),
        ports: redis,
        reason: 'Replicas replicate from the master over TLS (a promoted replica becomes the master any of them follow).',
      },
      {
        name: 'redis-sentinel-monitor',
        from: at(REDIS_PODS.sentinel),
        to: at(REDIS_PODS.server),
        ports: redis,
        reason: 'The Sentinels monitor the master and its replicas and reconfigure them on failover.',
      },
      {
        name: 'redis-sentinel-quorum',
        from: at(REDIS_PODS.sentinel),
        to: at(REDIS_PODS.sentinel),
        ports: [{ port: DEFAULTS.sentinelPort }],
        reason: 'The Sentinels ask each other for votes before a failover (the quorum).',
      },
      {
        name: 'redis-operator-sentinel',
        from: at(props.operatorPodLabels),
        to: at(REDIS_PODS.sentinel),
        ports: [{ port: DEFAULTS.sentinelPort }],
        reason: 'The redis-operator reconciles the Sentinels, which the policy redis admits it to as well.',
      },
    );
  }
  for (const c of sortedClients(props.clients)) {
    edges.push({
      name: `redis-client-${c.name}`,
      from: { namespace: c.reader.namespace, pods: { 'app.kubernetes.io/name': c.name } },
      to: at(REDIS_PODS.server),
      ports: redis,
      reason: `The service ${c.name} (redis: true) uses Redis through the Service redis, as its own ACL user.`,
    });
  }
  return edges;
}

/** The operator's TLS field: the cert-manager Secret with its standard keys. */
const TLS = { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key', secret: { secretName: DEFAULTS.tls.server } };

/**
 * The names clients reach Redis by, in each DNS form: our Services (`redis`, and `redis-replica`
 * where replicated). Replicas, Sentinels and the operator reach each other by pod address and Redis
 * checks only the chain of a peer's certificate, never its name, so the operator's Services need
 * none.
 */
export function serverDnsNames(namespace: string, highAvailability: boolean): string[] {
  const services = highAvailability ? [DEFAULTS.serviceName, DEFAULTS.replicaServiceName] : [DEFAULTS.serviceName];
  return services.flatMap((svc) => [svc, `${svc}.${namespace}`, `${svc}.${namespace}.svc`, `${svc}.${namespace}.svc.cluster.local`]);
}

/** The image's redis user (uid/gid 1000). */
const REDIS_UID = 1000;

/** The opstree images run as uid/gid 1000 (the redis user they create). */
const POD_SECURITY: RedisSpecPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: REDIS_UID,
  runAsGroup: REDIS_UID,
  fsGroup: REDIS_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

const EXPORTER_SECURITY: RedisSpecSecurityContext = { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT };

/**
 * Exception to the read-only root filesystem: the opstree redis and sentinel entrypoints render
 * their configuration into /etc/redis at start. Everything else of the restricted profile holds.
 */
const SERVER_SECURITY: RedisSpecSecurityContext = { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT, readOnlyRootFilesystem: false };

export class RedisChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    const replicas = props.replicas ?? DEFAULTS.replicas;
    const meta = (name: string, component: string): ApiObjectMetadata => ({
      name,
      namespace: props.namespace,
      labels: standardLabels({ name, instance: id, component }),
    });
    const exporter: RedisCommonSpec['redisExporter'] = {
      enabled: true,
      image: props.images.exporter,
      imagePullPolicy: 'IfNotPresent',
      resources: quantities((props.exporterResources ?? DEFAULTS.exporterResources).toK8s()),
      securityContext: EXPORTER_SECURITY,
    };
    const server: RedisCommonSpec = {
      kubernetesConfig: {
        image: props.images.redis,
        imagePullPolicy: 'IfNotPresent',
        resources: quantities(props.resources.toK8s()),
        redisSecret: DEFAULTS.passwordSecret,
      },
      podSecurityContext: POD_SECURITY,
      securityContext: SERVER_SECURITY,
      priorityClassName: PRIORITY.platformCritical,
      redisExporter: exporter,
      tls: TLS,
      // Per-service users (acl.ts); Sentinel has no such field and stays on the default user.
      acl: { secret: { secretName: DEFAULTS.acl.secret } },
    };
    const storage: RedisSpec['storage'] = {
      volumeClaimTemplate: {
        spec: {
          storageClassName: props.storageClass ?? DEFAULTS.storageClass,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: RedisSpecStorageVolumeClaimTemplateSpecResourcesRequests.fromString(props.storageSize.toString()) } },
        },
      },
    };
    const redisConfig = { maxMemoryPercentOfLimit: DEFAULTS.maxMemoryPercentOfLimit };
    const n = DEFAULTS.names;
    // The data's recovery objective, on the resource that holds it.
    const dataMeta = (name: string): ApiObjectMetadata => ({ ...meta(name, 'server'), annotations: recoveryAnnotations(props.labelDomain, redisRecovery(props)) });
    // The operator copies the CR's labels onto its pods and adds `app: <cr name>`,
    // `redis_setup_type` and, for replication, `redis-role`.
    let primarySelector: Record<string, string>;
    if (props.tierPolicy.highAvailability) {
      // The operator labels the pods of each kind `app: <cr name>` (Sentinels: `<cr>-sentinel`).
      const zoneSpread = (app: string) => {
        const spread = props.tierPolicy.zoneSpreadConstraints({ app });
        return spread.length > 0 ? { topologySpreadConstraints: spread } : {};
      };
      new RedisReplication(this, 'redisreplication', {
        metadata: dataMeta(n.replication),
        spec: { ...server, clusterSize: replicas, storage, redisConfig, ...zoneSpread(n.replication), pdb: { enabled: true, maxUnavailable: 1 } },
      });
      new RedisSentinel(this, 'redissentinel', {
        metadata: meta(n.sentinel, 'sentinel'),
        spec: {
          kubernetesConfig: {
            image: props.images.sentinel,
            imagePullPolicy: 'IfNotPresent',
            resources: quantities((props.sentinelResources ?? DEFAULTS.sentinelResources).toK8s()),
          },
          podSecurityContext: POD_SECURITY,
          securityContext: SERVER_SECURITY,
          priorityClassName: PRIORITY.platformCritical,
          tls: TLS,
          clusterSize: replicas,
          ...zoneSpread(`${n.sentinel}-sentinel`),
          pdb: { enabled: true, maxUnavailable: 1 },
          redisSentinelConfig: {
            redisReplicationName: n.replication,
            redisReplicationPassword: { secretKeyRef: DEFAULTS.passwordSecret },
            masterGroupName: 'mymaster',
            // A majority of three Sentinels agrees before a failover.
            quorum: String(Math.floor(replicas / 2) + 1),
            // The guide's "traffic_rerouting < 1 minute": down after 5 s, failover within 10 s.
            downAfterMilliseconds: '5000',
            failoverTimeout: '10000',
          },
        },
      });
      primarySelector = { app: n.replication, redis_setup_type: 'replication', 'redis-role': 'master' };
    } else {
      new Redis(this, 'redis', { metadata: dataMeta(n.standalone), spec: { ...server, storage, redisConfig } });
      primarySelector = { app: n.standalone, redis_setup_type: 'standalone' };
    }

    this.tls(props, meta);
    this.acl(props, meta);
    this.networkPolicy(props, meta);

    new k8s.KubeService(this, 'service', {
      metadata: meta(DEFAULTS.serviceName, 'server'),
      spec: {
        type: 'ClusterIP',
        selector: primarySelector,
        ports: [{ name: 'redis', port: DEFAULTS.port, targetPort: k8s.IntOrString.fromNumber(DEFAULTS.port), protocol: 'TCP' }],
      },
    });
    if (props.tierPolicy.highAvailability) {
      // The replicas, which the snapshot job copies from (the operator labels them redis-role=slave).
      new k8s.KubeService(this, 'service-replica', {
        metadata: meta(DEFAULTS.replicaServiceName, 'server'),
        spec: {
          type: 'ClusterIP',
          selector: { app: n.replication, redis_setup_type: 'replication', 'redis-role': 'slave' },
          ports: [{ name: 'redis', port: DEFAULTS.port, targetPort: k8s.IntOrString.fromNumber(DEFAULTS.port), protocol: 'TCP' }],
        },
      });
    }

    new PodMonitor(this, 'podmonitor', {
      metadata: meta('redis', 'monitoring'),
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/instance': id, 'app.kubernetes.io/component': 'server' } },
        podMetricsEndpoints: [{ port: 'redis-exporter' }],
      },
    });

    const s = DEFAULTS.snapshot;
    new SnapshotCronJob(this, 'snapshot', {
      name: s.name,
      namespace: props.namespace,
      instance: id,
      schedule: props.backup.schedule ?? s.schedule,
      role: snapshotRole(props),
      bucket: props.backup.bucket,
      prefix: s.prefix,
      region: props.backup.region,
      fileName: s.fileName,
      uploaderImage: props.backup.uploaderImage,
      // An RDB file is smaller than the data volume's AOF and RDB together.
      scratchSize: props.storageSize,
      snapshot: {
        image: props.images.redis,
        script: SNAPSHOT_SCRIPT,
        env: [
          // A replica where replicated, so the master never forks for it.
          { name: 'REDIS_HOST', value: `${snapshotSource(props)}.${props.namespace}.svc` },
          { name: 'REDIS_PORT', value: String(DEFAULTS.port) },
          { name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: DEFAULTS.passwordSecret.name, key: DEFAULTS.passwordSecret.key } } },
          { name: 'REDIS_TLS_CA_CERT', value: `${DEFAULTS.tls.mountPath}/${TLS.ca}` },
        ],
        resources: s.resources,
        volumeMounts: [{ name: 'tls', mountPath: DEFAULTS.tls.mountPath, readOnly: true }],
      },
      volumes: [{ name: 'tls', secret: { secretName: DEFAULTS.tls.server, items: [{ key: TLS.ca, path: TLS.ca }] } }],
    });
  }

  /**
   * The CA (a self-signed root, kept ten years with the same key), the servers' certificate, and
   * the CA certificate published alone as `redis-ca-cert` for the services to copy.
   */
  private tls(props: RedisProps, meta: (name: string, component: string) => ApiObjectMetadata): void {
    const t = DEFAULTS.tls;
    const ns = props.namespace;
    new Issuer(this, 'issuer-selfsigned', { metadata: meta(t.selfSignedIssuer, 'tls'), spec: { selfSigned: {} } });
    new Certificate(this, 'certificate-ca', {
      metadata: meta(t.ca, 'tls'),
      spec: {
        isCa: true,
        commonName: t.ca,
        secretName: t.ca,
        duration: t.caDuration.toString(),
        renewBefore: t.caRenewBefore.toString(),
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.NEVER },
        issuerRef: { name: t.selfSignedIssuer, kind: 'Issuer', group: 'cert-manager.io' },
      },
    });
    new Issuer(this, 'issuer-ca', { metadata: meta(t.ca, 'tls'), spec: { ca: { secretName: t.ca } } });
    new Certificate(this, 'certificate-server', {
      metadata: meta(t.server, 'tls'),
      spec: {
        secretName: t.server,
        commonName: `${DEFAULTS.serviceName}.${ns}.svc`,
        dnsNames: serverDnsNames(ns, props.tierPolicy.highAvailability),
        duration: t.serverDuration.toString(),
        renewBefore: t.serverRenewBefore.toString(),
        // Servers, and clients of each other: replicas and Sentinels connect to the master with it.
        usages: [CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.KEY_ENCIPHERMENT, CertificateSpecUsages.SERVER_AUTH, CertificateSpecUsages.CLIENT_AUTH],
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
        issuerRef: { name: t.ca, kind: 'Issuer', group: 'cert-manager.io' },
      },
    });

    // The publisher: External Secrets reads the CA Secret here (Kubernetes provider, as this
    // ServiceAccount) and writes its certificate alone into `redis-ca-cert`.
    new k8s.KubeServiceAccount(this, 'serviceaccount-publisher', { metadata: meta(t.publisher, 'tls'), automountServiceAccountToken: false });
    this.secretGetter('publisher', meta(t.publisher, 'tls'), t.ca, [{ namespace: ns, serviceAccount: t.publisher }]);
    new SecretStore(this, 'secretstore-publisher', {
      metadata: meta(t.publisher, 'tls'),
      spec: { provider: inClusterSecretsProvider(ns, t.publisher) },
    });
    new ExternalSecret(this, 'externalsecret-ca-cert', {
      metadata: meta(REDIS_ACCESS.caSecret, 'tls'),
      spec: externalSecretSpec({
        store: t.publisher,
        target: REDIS_ACCESS.caSecret,
        refreshInterval: t.publishInterval.toString(),
        data: [{ secretKey: REDIS_ACCESS.caKey, remoteRef: remoteRef(t.ca, TLS.ca) }],
      }),
    });

    // The services' readers get the published certificate, nothing else.
    if (props.clients.length > 0) {
      const readers = [...props.clients].sort((a, b) => a.name.localeCompare(b.name)).map((c) => c.reader);
      this.secretGetter('clients', meta(t.clientRole, 'tls'), REDIS_ACCESS.caSecret, readers);
    }
  }

  /**
   * The ACL file: External Secrets reads the shared password (`redis-auth`) and every service's
   * (`redis-users`) in this namespace as the ServiceAccount `redis-acl` and writes `redis-acl`,
   * whose `user.acl` holds their SHA-256 hashes only (acl.ts, aclTemplate).
   */
  private acl(props: RedisProps, meta: (name: string, component: string) => ApiObjectMetadata): void {
    const a = DEFAULTS.acl;
    const ns = props.namespace;
    const m = meta(a.assembler, 'acl');
    new k8s.KubeServiceAccount(this, 'serviceaccount-acl', { metadata: m, automountServiceAccountToken: false });
    const sources = props.clients.length > 0 ? [DEFAULTS.passwordSecret.name, a.passwordsSecret] : [DEFAULTS.passwordSecret.name];
    this.secretGetter('acl', m, sources, [{ namespace: ns, serviceAccount: a.assembler }]);
    new SecretStore(this, 'secretstore-acl', { metadata: m, spec: { provider: inClusterSecretsProvider(ns, a.assembler) } });
    new ExternalSecret(this, 'externalsecret-acl', {
      metadata: meta(a.secret, 'acl'),
      // Redis keeps starting with the last file if a password disappears from OpenBao (RETAIN).
      spec: externalSecretSpec({
        store: a.assembler,
        target: a.secret,
        refreshInterval: a.refreshInterval.toString(),
        template: { data: { [a.key]: aclTemplate(props.clients) } },
        data: [
          { secretKey: DEFAULT_USER, remoteRef: remoteRef(DEFAULTS.passwordSecret.name, DEFAULTS.passwordSecret.key) },
          ...sortedClients(props.clients).map((c) => ({ secretKey: c.name, remoteRef: remoteRef(a.passwordsSecret, c.name) })),
        ],
      }),
    });
  }

  /** A Role that may `get` Secrets of this namespace, bound to `readers` (ServiceAccounts, in order). */
  private secretGetter(id: string, metadata: ApiObjectMetadata, secret: string | readonly string[], readers: readonly RedisClient['reader'][]): void {
    const names = typeof secret === 'string' ? [secret] : [...secret];
    new k8s.KubeRole(this, `role-${id}`, { metadata, rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: names, verbs: ['get'] }] });
    new k8s.KubeRoleBinding(this, `rolebinding-${id}`, {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: metadata.name! },
      subjects: readers.map((r) => ({ kind: 'ServiceAccount', name: r.serviceAccount, namespace: r.namespace })),
    });
  }

  /**
   * Who reaches the Redis and Sentinel pods: the services with `redis: true` (Redis only), the pods
   * of this component (replication, Sentinel, the snapshot and restore pods), the operator, and the
   * metrics scrape on the exporter's port. Everything else is dropped.
   */
  private networkPolicy(props: RedisProps, meta: (name: string, component: string) => ApiObjectMetadata): void {
    const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
    const ownPods = { matchLabels: { 'app.kubernetes.io/instance': 'redis' } };
    const byNamespace = new Map<string, string[]>();
    for (const c of props.clients) byNamespace.set(c.reader.namespace, [...(byNamespace.get(c.reader.namespace) ?? []), c.name]);
    const ingress: k8s.NetworkPolicyIngressRule[] = [
      { from: [{ podSelector: ownPods }, { podSelector: { matchLabels: { ...props.operatorPodLabels } } }], ports: [tcp(DEFAULTS.port), tcp(DEFAULTS.sentinelPort)] },
      ...[...byNamespace.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([ns, names]) => ({
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
              podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: [...names].sort() }] },
            },
          ],
          ports: [tcp(DEFAULTS.port)],
        })),
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': props.scrapeNamespace } } }], ports: [tcp(DEFAULTS.exporterPort)] },
    ];
    new k8s.KubeNetworkPolicy(this, 'networkpolicy', {
      metadata: meta('redis', 'network'),
      spec: {
        podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/instance', operator: 'In', values: ['redis'] }, { key: 'app.kubernetes.io/component', operator: 'In', values: ['server', 'sentinel'] }] },
        policyTypes: ['Ingress'],
        ingress,
      },
    });
  }
}

const sortedClients = (clients: readonly RedisClient[]) => [...clients].sort((a, b) => a.name.localeCompare(b.name));

/**
 * The ACL file as an External Secrets template (engine v2, sprig): each user's password hash is
 * `sha256sum` of the fetched key named after the user (`default` from `redis-auth`, each service
 * from `redis-users`).
 */
export function aclTemplate(clients: readonly RedisClient[]): string {
  const hash = (key: string) => `{{ index . "${key}" | sha256sum }}`;
  const users: AclUser[] = [defaultUser(hash(DEFAULT_USER)), ...sortedClients(clients).map((c) => serviceUser(c.name, c.keyPrefix, hash(c.name)))];
  return aclFile(users);
}

/** The Service the snapshot is copied from: ours in front of the replicas, or in front of the standalone. */
export function snapshotSource(props: Pick<RedisProps, 'tierPolicy'>): string {
  return props.tierPolicy.highAvailability ? DEFAULTS.replicaServiceName : DEFAULTS.serviceName;
}

/** The snapshot job's upload role: put objects under its prefix, nothing else. */
export function snapshotRole(props: Pick<RedisProps, 'namespace' | 'backup'>): IrsaRole {
  return irsaRole(props.backup.target, props.namespace, DEFAULTS.snapshot.serviceAccount, s3UploadPolicy(props.backup.bucket, DEFAULTS.snapshot.prefix));
}

/** Title of the restore runbook (bootstrap README, Operations). */
export const RESTORE_RUNBOOK = 'Redis: restoring a snapshot';

/** What the Redis resource declares about getting its data back. */
export function redisRecovery(props: Pick<RedisProps, 'backup'>): RecoveryObjective {
  const schedule = props.backup.schedule ?? DEFAULTS.snapshot.schedule;
  return {
    rpo: schedule.every,
    backedUp: true,
    mechanism: `an RDB snapshot every ${schedule.every} (CronJob ${DEFAULTS.snapshot.name}) to s3://${props.backup.bucket}/${DEFAULTS.snapshot.prefix}/, kept ${props.backup.retentionDays} days`,
    runbook: RESTORE_RUNBOOK,
  };
}

/** The pod the restore runbook applies (printed as YAML): restore.sh with the redis image, restricted. */
export function restorePod(props: RedisProps): object {
  const r = DEFAULTS.restore;
  const labels = standardLabels({ name: r.name, instance: 'redis', component: 'restore' });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: r.name, namespace: props.namespace, labels },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { ...POD_SECURITY },
      containers: [
        {
          name: 'restore',
          image: props.images.redis,
          command: ['/bin/sh', '-c', RESTORE_SCRIPT, 'restore'],
          env: [
            { name: 'RDB_FILE', value: `${r.dir}/${DEFAULTS.snapshot.fileName}` },
            { name: 'LOCAL_PORT', value: String(r.localPort) },
            { name: 'TARGET_HOST', value: `${DEFAULTS.serviceName}.${props.namespace}.svc` },
            { name: 'TARGET_PORT', value: String(DEFAULTS.port) },
            { name: 'TARGET_PASSWORD', valueFrom: { secretKeyRef: { name: DEFAULTS.passwordSecret.name, key: DEFAULTS.passwordSecret.key } } },
            { name: 'TLS_DIR', value: DEFAULTS.tls.mountPath },
          ],
          resources: r.resources.toK8s(),
          securityContext: { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT },
          volumeMounts: [
            { name: 'restore', mountPath: r.dir },
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'tls', mountPath: DEFAULTS.tls.mountPath, readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'restore', emptyDir: { sizeLimit: props.storageSize.toString() } },
        { name: 'tmp', emptyDir: { sizeLimit: r.tmpSize.toString() } },
        { name: 'tls', secret: { secretName: DEFAULTS.tls.server } },
      ],
    },
  };
}

function restoreRunbook(props: RedisProps): RunbookSection {
  const ns = props.namespace;
  const s = DEFAULTS.snapshot;
  const r = DEFAULTS.restore;
  const b = props.backup.bucket;
  const file = `${r.dir}/${s.fileName}`;
  return {
    phase: 'operations',
    title: RESTORE_RUNBOOK,
    body: `The \`${s.name}\` CronJob copies the dataset every ${(props.backup.schedule ?? s.schedule).every} with \`redis-cli --rdb\`${props.tierPolicy.highAvailability ? ' from a replica' : ''} to
\`s3://${b}/${s.prefix}/\` (kept ${props.backup.retentionDays} days), so a restore loses at most that much. The restore loads a snapshot into a
private redis-server in a pod of its own and copies every key to the live master through the \`${DEFAULTS.serviceName}\` Service
(MIGRATE with COPY REPLACE: values and TTLs as in the snapshot; keys written since are kept). Sentinel and the replicas
see ordinary writes, so nothing needs pausing.

1. Save this manifest as \`${r.name}.yaml\`:

\`\`\`yaml
${yaml.dump(restorePod(props), { lineWidth: -1, noRefs: true }).trimEnd()}
\`\`\`

2. Fetch a snapshot, start the pod, copy the snapshot in (renamed when complete, so the pod never reads half a file) and
   follow the copy; the pod ends Succeeded when every key was copied:

\`\`\`bash
aws s3 ls "s3://${b}/${s.prefix}/" | tail -n 5
SNAPSHOT="\${SNAPSHOT:?export SNAPSHOT as the object to restore, e.g. ${s.prefix}/20260501T094700Z-${s.fileName}}"
aws s3 cp "s3://${b}/$SNAPSHOT" ./${s.fileName}
kubectl apply -f ${r.name}.yaml
kubectl -n ${ns} wait pod/${r.name} --for=condition=Ready --timeout=300s
kubectl -n ${ns} cp ./${s.fileName} ${r.name}:${file}.upload -c restore
kubectl -n ${ns} exec ${r.name} -c restore -- mv ${file}.upload ${file}
kubectl -n ${ns} logs -f ${r.name}
kubectl -n ${ns} wait pod/${r.name} --for=jsonpath='{.status.phase}'=Succeeded --timeout=60s
kubectl -n ${ns} delete pod ${r.name}
\`\`\``,
  };
}

/** Title of the seeding runbook (bootstrap README, OpenBao phase). */
export const SEEDING_RUNBOOK = 'Seed OpenBao with the Redis passwords';

function seedingRunbook(props: RedisProps): RunbookSection {
  const ns = props.namespace;
  const a = DEFAULTS.acl;
  const clients = sortedClients(props.clients);
  const seedUsers = clients.length
    ? clients.map((c) => `bao kv put -mount=secret ${c.password.path} ${c.password.property}="$(openssl rand -base64 32 | tr -d '/+=')"`).join('\n')
    : '# no service sets redis: true';
  // The StatefulSet is named after the Redis resource. Where replicated: replicas first, one at a
  // time, then the master, so Sentinel promotes a replica that already has the new file.
  const sts = props.tierPolicy.highAvailability ? DEFAULTS.names.replication : DEFAULTS.names.standalone;
  const order = props.tierPolicy.highAvailability
    ? `$(kubectl -n ${ns} get pods -l app=${sts},redis-role=slave -o name) $(kubectl -n ${ns} get pods -l app=${sts},redis-role=master -o name)`
    : `$(kubectl -n ${ns} get pods -l app=${sts} -o name)`;
  const restarts = `for pod in ${order}; do
  kubectl -n ${ns} delete "$pod" --wait
  kubectl -n ${ns} rollout status statefulset/${sts} --timeout=300s
done`;
  return {
    phase: 'openbao',
    title: SEEDING_RUNBOOK,
    body: `Redis has one ACL user per service with \`redis: true\`, named after it, limited to its own keys and channels
(\`<service>:*\`) and without dangerous commands, plus the \`default\` user that replication, Sentinel, the operator, the
exporter and the backup jobs use. Every password lives only in OpenBao: \`default\`'s at \`secret/${DEFAULTS.openBaoPath}\`
(property \`password\`, copied to \`${ns}/${DEFAULTS.passwordSecret.name}\`), each service's at \`secret/${DEFAULTS.openBaoPath}/users/<service>\`
(read by \`${ns}\`, which hashes it into the ACL file \`${ns}/${a.secret}\`, and by the service's namespace, its
\`REDIS_PASSWORD\`). Seed them before \`redis\` syncs (and a service's whenever it later sets \`redis: true\`):

\`\`\`bash
bao kv put -mount=secret ${DEFAULTS.openBaoPath} password="$(openssl rand -base64 32 | tr -d '/+=')"
${seedUsers}
\`\`\`

The operator mounts the ACL file with \`subPath\`, which a running pod never sees change. After adding a service or
rotating a password, refresh \`${a.passwordsSecret}\` and then \`${a.secret}\` now (otherwise within External Secrets' refresh intervals),
and restart the Redis pods; until then Redis knows only the old users and passwords. A rotated password reaches the
service at its own next refresh and restart (the variable is read at start): restart it right after Redis, so its
reconnections use the new one.

\`\`\`bash
for es in ${a.passwordsSecret} ${a.secret}; do
  since="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  sleep 1
  kubectl -n ${ns} annotate externalsecrets.external-secrets.io "$es" force-sync="$(date +%s)" --overwrite
  until [[ "$(kubectl -n ${ns} get externalsecrets.external-secrets.io "$es" -o jsonpath='{.status.refreshTime}')" > "$since" ]]; do sleep 2; done
done
${restarts}
\`\`\`
`,
  };
}

/** Each client becomes an ACL user named after it: unique, not `default`, with a literal prefix of its own. */
function validateClients(clients: readonly RedisClient[]): void {
  const seen = new Set<string>();
  for (const c of clients) {
    if (c.name === DEFAULT_USER) throw new Error(`redis: a service named "${DEFAULT_USER}" would replace Redis' default user (replication, Sentinel, backups); rename the service`);
    if (seen.has(c.name)) throw new Error(`redis: two clients are named "${c.name}"; each service gets one ACL user, so service names must be unique`);
    seen.add(c.name);
    if (!/^[a-z0-9][-a-z0-9]*:$/.test(c.keyPrefix)) {
      throw new Error(`redis: client "${c.name}" has key prefix "${c.keyPrefix}"; use a literal prefix ending in ":" with no glob characters, e.g. "${c.name}:"`);
    }
  }
  for (const a of clients) {
    const b = clients.find((x) => x !== a && x.keyPrefix.startsWith(a.keyPrefix));
    if (b) throw new Error(`redis: client "${a.name}"'s key prefix "${a.keyPrefix}" also covers "${b.name}"'s "${b.keyPrefix}"; give every service its own prefix`);
  }
}

export function redisComponent(props: RedisProps): PlatformComponent {
  const replicas = props.replicas ?? DEFAULTS.replicas;
  if (props.tierPolicy.highAvailability && (!Number.isInteger(replicas) || replicas < 3 || replicas % 2 === 0)) {
    throw new Error(`redis: replicas must be an odd number of at least 3 for a Sentinel quorum, got ${replicas}`);
  }
  const days = props.backup.retentionDays;
  if (!Number.isInteger(days) || days < 1) throw new Error(`redis: backup.retentionDays ${days} is not a whole number of days; keep snapshots for at least 1 day, e.g. 30`);
  validateClients(props.clients);
  const secrets: SecretRequirement[] = [
    {
      namespace: props.namespace,
      name: DEFAULTS.passwordSecret.name,
      data: { [DEFAULTS.passwordSecret.key]: { path: DEFAULTS.openBaoPath, property: 'password' } },
      purpose: "Redis default user's password (requirepass and masterauth of every instance, Sentinel auth to the master, exporter, backup and restore)",
    },
  ];
  if (props.clients.length > 0) {
    // Brought here only to be hashed into the ACL file (RedisChart.acl); each path's other reader is its service's namespace.
    secrets.push({
      namespace: props.namespace,
      name: DEFAULTS.acl.passwordsSecret,
      data: Object.fromEntries(sortedClients(props.clients).map((c) => [c.name, c.password])),
      purpose: "every Redis service user's password, hashed into the ACL file redis-acl",
    });
  }
  const runbook: RunbookSection[] = [
    backupBucketRunbook({
      name: props.backup.bucket,
      region: props.backup.region,
      holds: 'Redis RDB snapshots',
      writers: [snapshotRole(props)],
      retention: { by: 'lifecycle', days: props.backup.retentionDays },
    }),
    seedingRunbook(props),
  ];
  return {
    id: ID,
    workflow: Workflow.Data,
    namespace: props.namespace,
    // cert-manager (ingress workflow, earlier) issues the certificates; External Secrets publishes the CA certificate.
    dependsOn: ['redis-operator', 'external-secrets'],
    source: manifests((scope) => new RedisChart(scope, 'redis', props)),
    irsa: [snapshotRole(props)],
    secrets,
    traffic: redisTraffic(props),
    runbook: [...runbook, restoreRunbook(props)],
  };
}
