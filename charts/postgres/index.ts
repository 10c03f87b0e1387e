/**
 * postgres: the platform's PostgreSQL, one CloudNativePG Cluster named `postgres` (Service
 * `postgres-rw` for writes).
 *
 * - One database and one login role per service that asks for one, both named after the service.
 *   CloudNativePG generates a password only for the bootstrap owner, so each managed role reads
 *   its password from the Secret `postgres-role-<service>`, which External Secrets fills from
 *   OpenBao (declared here as a secret requirement; the component therefore waits for
 *   external-secrets-config).
 * - Backups and continuous WAL archiving to S3 through the Barman Cloud plugin, authenticated with
 *   IRSA on the instance pods' ServiceAccount, a daily base backup and a retention window: together
 *   they allow point-in-time recovery to any moment inside the window (bootstrap README).
 * - Instances spread across zones as the tier policy says (lib/tier-policy.ts); a PodMonitor for the metrics.
 */
import { ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import * as yaml from 'js-yaml';
import type { PlatformComponentId } from '../../config/ids';
import { backupBucketRunbook, recoveryAnnotations, RecoveryObjective } from '../../lib/backup';
import { PlatformComponent, manifests, RunbookSection, SecretRequirement, Workflow } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { Endpoint } from '../../lib/endpoint';
import { irsaAnnotations, IrsaPolicy, irsaRole, IrsaRole, IrsaTarget, s3BucketPolicy } from '../../lib/irsa';
import { LabelDomain, standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { PRIORITY } from '../../lib/priority';
import { crdQuantities, K8sResources, Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';
import { TrafficEdge } from '../../lib/traffic';
import {
  ObjectStore,
  ObjectStoreSpecConfigurationDataCompression,
  ObjectStoreSpecConfigurationDataEncryption,
  ObjectStoreSpecConfigurationWalCompression,
  ObjectStoreSpecConfigurationWalEncryption,
  ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits,
  ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests,
} from '../../imports/barmancloud.cnpg.io';
import {
  Cluster,
  ClusterSpec,
  ClusterSpecManagedRolesEnsure,
  ClusterSpecPrimaryUpdateStrategy,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
  Database,
  DatabaseSpecDatabaseReclaimPolicy,
  DatabaseSpecEnsure,
  ScheduledBackup,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
  ScheduledBackupSpecTarget,
} from '../../imports/postgresql.cnpg.io';
import { PodMonitor } from '../../imports/monitoring.coreos.com';

export const ID = 'postgres' satisfies PlatformComponentId;

export interface PostgresProps {
  readonly namespace: string;
  /** For the IRSA roles (eksctl creates them; the pods' ServiceAccount carries the ARN). */
  readonly target: IrsaTarget;
  readonly region: string;
  /** S3 bucket for base backups and WAL (created by the operator, bootstrap README). */
  readonly bucket: string;
  readonly image: string;
  /**
   * Instances and zone spread: `DEFAULTS.instances` spread across zones where the tier is highly
   * available, one unspread instance otherwise.
   */
  readonly tierPolicy: TierPolicy;
  /** Each instance's volume. */
  readonly storageSize: Storage;
  readonly resources: Resources;
  /** Services that get a database and a login role, both named after the service. */
  readonly databases: readonly string[];
  /** How long backups and WAL are kept: the point-in-time recovery window, in whole days. */
  readonly retentionPolicy: Duration;
  /** Prefix of the platform's annotation keys (the recovery objective on the Cluster). */
  readonly labelDomain: LabelDomain;
  /** Resources of the Barman Cloud sidecar in every instance pod. @default DEFAULTS.sidecarResources */
  readonly sidecarResources?: Resources;
  /** Six-field cron (seconds first) of the base backup. @default DEFAULTS.schedule */
  readonly schedule?: string;
  /** @default DEFAULTS.storageClass */
  readonly storageClass?: string;
  /** Instances where the tier is highly available (a primary and standbys to promote). @default DEFAULTS.instances */
  readonly instances?: number;
}

export const DEFAULTS = {
  clusterName: 'postgres',
  /** One per zone: a zone outage costs one replica, and a standby is promoted. */
  instances: 3,
  /** CloudNativePG's read-write Service (`<cluster>-rw`) and the port it serves. */
  port: 5432,
  objectStore: 'postgres-backups',
  /** Daily at 03:00 UTC (seconds, minutes, hours, day of month, month, day of week). */
  schedule: '0 0 3 * * *',
  storageClass: 'gp3',
  sidecarResources: Resources.of({ cpu: '20m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
  /** OpenBao KV path of a service's role credentials: `<prefix>/<service>`, properties username and password. */
  openBaoPrefix: 'data/postgres',
  /** The side cluster point-in-time recovery restores into (bootstrap README). */
  recoveryClusterName: 'postgres-pitr',
  /**
   * CloudNativePG's `archive_timeout`: a WAL segment is archived at the latest this long after
   * its first write, so at most this much committed data is not yet in the bucket.
   */
  walArchiveTimeout: Duration.minutes(5),
} as const;

/** Title of the restore runbook (bootstrap README, Operations). */
export const RESTORE_RUNBOOK = 'Postgres point-in-time recovery (database rollback)';

/** What the Cluster declares about getting its data back. */
export function postgresRecovery(props: Pick<PostgresProps, 'bucket' | 'retentionPolicy' | 'schedule'>): RecoveryObjective {
  return {
    rpo: DEFAULTS.walArchiveTimeout,
    backedUp: true,
    mechanism: `WAL archived continuously (archive_timeout ${DEFAULTS.walArchiveTimeout}) and a base backup daily (${props.schedule ?? DEFAULTS.schedule}) by Barman Cloud to s3://${props.bucket}/; point-in-time recovery within ${retentionWindow(props)}`,
    runbook: RESTORE_RUNBOOK,
  };
}

/** The Barman retention policy of a whole number of days (`30d`): Barman counts in days, weeks or months only. */
function retentionWindow(props: Pick<PostgresProps, 'retentionPolicy'>): string {
  return `${props.retentionPolicy.totalSeconds / 86_400}d`;
}

/**
 * The addresses the Cluster serves in `namespace`: CloudNativePG's read-write Service
 * `<cluster>-rw`, which always points at the primary.
 */
export function postgresEndpoints(namespace: string): { readonly rw: Endpoint } {
  return { rw: Endpoint.service(`${DEFAULTS.clusterName}-rw`, namespace, DEFAULTS.port) };
}

/**
 * What CloudNativePG puts on the pods it creates and the ports of an instance pod: every pod of a
 * Cluster (instances and the initdb, join and recovery Jobs) carries `cnpg.io/cluster: <cluster>`,
 * the instances also `cnpg.io/podRole: instance`; an instance serves PostgreSQL, the instance
 * manager's status API (the operator's and the other instances' calls) and the metrics exporter.
 */
export const CNPG = {
  clusterLabel: 'cnpg.io/cluster',
  podRoleLabel: 'cnpg.io/podRole',
  ports: { postgresql: 5432, status: 8000, metrics: 9187 },
} as const;

/** Every pod CloudNativePG creates for `cluster`: its instances and its Jobs. */
export function clusterPods(cluster: string): Record<string, string> {
  return { [CNPG.clusterLabel]: cluster };
}

/** The instance pods of `cluster`, or of every Cluster in the namespace. */
export function instancePods(cluster?: string): Record<string, string> {
  return { ...(cluster ? clusterPods(cluster) : {}), [CNPG.podRoleLabel]: 'instance' };
}

/**
 * The flows inside the Postgres clusters (lib/traffic.ts; the operator's and the services' calls are
 * declared in workflows/data.ts, the scrape is derived from the PodMonitor): replication between the
 * live cluster's pods, and S3 (and STS, for IRSA) for the Barman Cloud sidecar of every instance
 * and of the recovery side cluster the runbook creates. Cilium has no FQDN policies, so S3 is the
 * world on 443 for exactly these pods.
 */
export function postgresTraffic(namespace: string): TrafficEdge[] {
  const live = DEFAULTS.clusterName;
  const pitr = DEFAULTS.recoveryClusterName;
  return [
    {
      name: 'postgres-replication',
      from: { namespace, pods: clusterPods(live) },
      to: { namespace, pods: instancePods(live) },
      ports: [{ port: CNPG.ports.postgresql }, { port: CNPG.ports.status }],
      reason: `Standbys of ${live} stream WAL from the primary, a join Job clones it (pg_basebackup), and the instance managers reach each other's status API.`,
    },
    {
      name: 'postgres-backups-s3',
      from: { namespace, pods: instancePods(live) },
      to: { entity: 'world' },
      ports: [{ port: 443 }],
      reason: `The Barman Cloud sidecar of each ${live} instance archives WAL and base backups to S3 (IRSA through STS); no FQDN policies, so the world on 443.`,
    },
    {
      name: 'postgres-pitr-s3',
      from: { namespace, pods: clusterPods(pitr) },
      to: { entity: 'world' },
      ports: [{ port: 443 }],
      reason: `The point-in-time recovery side cluster ${pitr} (runbook) restores the base backup and WAL from S3, read-only (IRSA through STS).`,
    },
  ];
}

/** The plugin name the Barman Cloud plugin registers with the operator. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/**
 * Requests and limits in the generated types: imports/*.cnpg.io.ts wrap each quantity in a class
 * of its own per field (an IntOrString with a private constructor), which only the construct's
 * toJson unwraps; this builds them from one K8sResources with that field's factories.
 */

/**
 * The recovery Cluster as the runbook prints it: plain YAML (js-yaml), not through the construct's
 * toJson, so resources stay plain quantity strings and only fields whose TypeScript and JSON names
 * agree may be used (the generated names differ for a few, e.g. `isWalArchiver` for `isWALArchiver`).
 */
type PrintedClusterSpec = Omit<ClusterSpec, 'resources'> & { readonly resources: K8sResources };

/** The Secret holding a service's role credentials, in the Cluster's namespace. */
export function roleSecretName(service: string): string {
  return `postgres-role-${service}`;
}

export class PostgresChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: PostgresProps, role: IrsaRole) {
    super(scope, id);
    const name = DEFAULTS.clusterName;
    const meta = (n: string, component: string): ApiObjectMetadata => ({
      name: n,
      namespace: props.namespace,
      labels: standardLabels({ name: n, instance: id, component }),
    });

    new Cluster(this, 'cluster', {
      metadata: { ...meta(name, 'database'), annotations: recoveryAnnotations(props.labelDomain, postgresRecovery(props)) },
      spec: clusterSpec(props, role),
    });

    new ObjectStore(this, 'objectstore', {
      metadata: meta(DEFAULTS.objectStore, 'backup'),
      spec: {
        configuration: {
          destinationPath: `s3://${props.bucket}/`,
          s3Credentials: { inheritFromIamRole: true },
          // SSE-KMS, as the bucket's default and its policy require (the account's aws/s3 key: no grant needed).
          wal: { compression: ObjectStoreSpecConfigurationWalCompression.GZIP, encryption: ObjectStoreSpecConfigurationWalEncryption.AWS_KMS, maxParallel: 2 },
          data: { compression: ObjectStoreSpecConfigurationDataCompression.GZIP, encryption: ObjectStoreSpecConfigurationDataEncryption.AWS_KMS, jobs: 2 },
        },
        retentionPolicy: retentionWindow(props),
        instanceSidecarConfiguration: {
          resources: crdQuantities(
            (props.sidecarResources ?? DEFAULTS.sidecarResources).toK8s(),
            ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests.fromString,
            ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits.fromString,
          ),
        },
      },
    });

    new ScheduledBackup(this, 'scheduledbackup', {
      metadata: meta(`${name}-daily`, 'backup'),
      spec: {
        cluster: { name },
        schedule: props.schedule ?? DEFAULTS.schedule,
        method: ScheduledBackupSpecMethod.PLUGIN,
        pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
        // A base backup right after the first sync: recovery is possible from day one.
        immediate: true,
        target: ScheduledBackupSpecTarget.PREFER_HYPHEN_STANDBY,
      },
    });

    for (const db of props.databases) {
      new Database(this, `database-${db}`, {
        metadata: meta(db, 'database'),
        spec: { cluster: { name }, name: db, owner: db, ensure: DatabaseSpecEnsure.PRESENT, databaseReclaimPolicy: DatabaseSpecDatabaseReclaimPolicy.RETAIN },
      });
    }

    new PodMonitor(this, 'podmonitor', {
      metadata: meta(name, 'monitoring'),
      spec: {
        selector: { matchLabels: instancePods(name) },
        podMetricsEndpoints: [{ port: 'metrics' }],
      },
    });
  }
}

function clusterSpec(props: PostgresProps, role: IrsaRole): ClusterSpec {
  const memory = props.resources.requests.memory.mebibytes;
  const spread = props.tierPolicy.zoneSpreadConstraints({ 'cnpg.io/cluster': DEFAULTS.clusterName });
  return {
    instances: instances(props),
    imageName: props.image,
    enableSuperuserAccess: false,
    primaryUpdateStrategy: ClusterSpecPrimaryUpdateStrategy.UNSUPERVISED,
    storage: { storageClass: props.storageClass ?? DEFAULTS.storageClass, size: props.storageSize.toString(), resizeInUseVolumes: true },
    resources: crdQuantities(props.resources.toK8s(), ClusterSpecResourcesRequests.fromString, ClusterSpecResourcesLimits.fromString),
    priorityClassName: PRIORITY.platformCritical,
    affinity: { enablePodAntiAffinity: true, topologyKey: 'kubernetes.io/hostname', podAntiAffinityType: 'preferred' },
    // One instance per zone: a zone outage costs one replica, and a standby is promoted.
    ...(spread.length > 0 ? { topologySpreadConstraints: spread } : {}),
    // A quarter of the memory request for shared buffers, the usual starting point.
    postgresql: { parameters: { shared_buffers: `${Math.floor(memory / 4)}MB` } },
    plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWalArchiver: true, parameters: { barmanObjectName: DEFAULTS.objectStore } }],
    serviceAccountTemplate: { metadata: { annotations: irsaAnnotations(role) } },
    managed: {
      roles: props.databases.map((db) => ({
        name: db,
        ensure: ClusterSpecManagedRolesEnsure.PRESENT,
        login: true,
        inherit: true,
        passwordSecret: { name: roleSecretName(db) },
        comment: `Owner of database ${db}`,
      })),
    },
  };
}

/** Read-only access for the recovery side cluster: it restores from the archive, never writes to it. */
function s3ReadPolicy(bucket: string): IrsaPolicy {
  return {
    statements: [
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: [`arn:aws:s3:::${bucket}`] },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ],
  };
}

/** The Cluster's instances under the tier policy. */
function instances(props: PostgresProps): number {
  return props.tierPolicy.replicas(props.instances ?? DEFAULTS.instances);
}

function validate(props: PostgresProps): void {
  const ha = props.instances ?? DEFAULTS.instances;
  if (!Number.isInteger(ha) || ha < 2) {
    throw new Error(`postgres: instances must be a whole number of at least 2 (a primary and a standby to promote), got ${ha}; use 3 (one per zone)`);
  }
  const schedule = props.schedule ?? DEFAULTS.schedule;
  if (schedule.trim().split(/\s+/).length !== 6) {
    throw new Error(`postgres: schedule "${schedule}" must be a six-field cron with seconds first (CloudNativePG), e.g. "0 0 3 * * *"`);
  }
  const seconds = props.retentionPolicy.totalSeconds;
  if (seconds <= 0 || seconds % 86_400 !== 0) {
    throw new Error(`postgres: retentionPolicy ${props.retentionPolicy} must be a whole number of days (Barman's recovery window), e.g. Duration.days(30)`);
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucket)) {
    throw new Error(`postgres: bucket "${props.bucket}" is not a valid S3 bucket name`);
  }
  const seen = new Set<string>();
  for (const db of props.databases) {
    if (seen.has(db)) throw new Error(`postgres: database "${db}" is listed twice`);
    seen.add(db);
  }
}

export function postgresComponent(props: PostgresProps): PlatformComponent {
  validate(props);
  const role = irsaRole(props.target, props.namespace, DEFAULTS.clusterName, s3BucketPolicy(props.bucket));
  const recoveryRole = irsaRole(props.target, props.namespace, DEFAULTS.recoveryClusterName, s3ReadPolicy(props.bucket));
  const secrets: SecretRequirement[] = props.databases.map((db) => ({
    namespace: props.namespace,
    name: roleSecretName(db),
    data: {
      username: { path: `${DEFAULTS.openBaoPrefix}/${db}`, property: 'username' },
      password: { path: `${DEFAULTS.openBaoPrefix}/${db}`, property: 'password' },
    },
    // The operator re-applies a managed role's password when its Secret changes.
    labels: { 'cnpg.io/reload': 'true' },
    // CloudNativePG's managed roles take a basic-auth Secret.
    type: 'kubernetes.io/basic-auth',
    purpose: `password of the Postgres role ${db} (CloudNativePG managed role)`,
  }));
  return {
    id: ID,
    workflow: Workflow.Data,
    namespace: props.namespace,
    // The operator serves the CRDs and the plugin archives the WAL from the first instance on.
    dependsOn: ['cloudnative-pg', 'barman-cloud'],
    source: manifests((scope) => new PostgresChart(scope, 'postgres', props, role)),
    irsa: [role, recoveryRole],
    secrets,
    traffic: postgresTraffic(props.namespace),
    runbook: runbook(props, role, recoveryRole),
  };
}

function runbook(props: PostgresProps, role: IrsaRole, recoveryRole: IrsaRole): RunbookSection[] {
  const b = props.bucket;
  const services = props.databases.length > 0 ? props.databases.join(' ') : '<service>';
  const recovery: { apiVersion: string; kind: string; metadata: object; spec: PrintedClusterSpec } = {
    apiVersion: Cluster.GVK.apiVersion,
    kind: Cluster.GVK.kind,
    metadata: { name: DEFAULTS.recoveryClusterName, namespace: props.namespace },
    spec: {
      instances: 1,
      imageName: props.image,
      storage: { storageClass: props.storageClass ?? DEFAULTS.storageClass, size: props.storageSize.toString() },
      resources: props.resources.toK8s(),
      serviceAccountTemplate: { metadata: { annotations: irsaAnnotations(recoveryRole) } },
      // No WAL archiver: the side cluster must never write into the live cluster's archive.
      bootstrap: { recovery: { source: 'origin', recoveryTarget: { targetTime: 'TARGET_TIME' } } },
      externalClusters: [
        { name: 'origin', plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: DEFAULTS.objectStore, serverName: DEFAULTS.clusterName } } },
      ],
    },
  };
  return [
    backupBucketRunbook({
      name: b,
      region: props.region,
      holds: 'Postgres base backups and WAL (Barman Cloud)',
      writers: [role],
      retention: { by: 'writer', description: `Barman deletes base backups and WAL older than the ${retentionWindow(props)} recovery window` },
    }),
    {
      phase: 'openbao',
      title: 'Seed OpenBao with the Postgres role passwords',
      body: `Each service with a database logs in as the role named after it. Its password lives only in
OpenBao (\`secret/${DEFAULTS.openBaoPrefix}/<service>\`, properties \`username\` and \`password\`); External Secrets
copies it to \`${props.namespace}/postgres-role-<service>\` for CloudNativePG and to the service's own namespace. Seed
them before \`postgres\` syncs (and again for every service that later sets \`database: true\`):

\`\`\`bash
for svc in ${services}; do
  bao kv put -mount=secret ${DEFAULTS.openBaoPrefix}/$svc username=$svc password="$(openssl rand -base64 32 | tr -d '/+=')"
done
\`\`\`

To rotate a password, write a new one to the same path: the Secrets refresh and the operator updates the role.
`,
    },
    {
      phase: 'operations',
      title: RESTORE_RUNBOOK,
      body: `Backups run daily (\`${props.schedule ?? DEFAULTS.schedule}\`, seconds first) and WAL is archived continuously, so any
moment inside the retention window (\`${retentionWindow(props)}\`) can be restored. Recovery goes into a side cluster,
\`${DEFAULTS.recoveryClusterName}\` (its own ServiceAccount, read-only IRSA role \`${recoveryRole.roleName}\`), so the live cluster
and its archive are never touched; the databases to roll back are then copied over.

1. Pick the target time (RFC 3339, UTC) and check a base backup older than it exists:
   \`kubectl -n ${props.namespace} get backups.postgresql.cnpg.io\`.
2. Save this manifest as \`postgres-pitr.yaml\`, replace \`TARGET_TIME\` (e.g. \`2026-05-01T09:30:00Z\`) and apply it:

\`\`\`yaml
${yaml.dump(recovery, { lineWidth: -1, noRefs: true }).trimEnd()}
\`\`\`

\`\`\`bash
kubectl apply -f postgres-pitr.yaml
kubectl -n ${props.namespace} wait cluster.postgresql.cnpg.io/${DEFAULTS.recoveryClusterName} --for=condition=Ready --timeout=60m
\`\`\`

3. Stop the service that writes to the database (pause auto-sync of its Argo CD Application and scale it to 0),
   then copy the database back into the live cluster:

\`\`\`bash
DB="\${DB:?export DB as the service whose database you restore}"
PRIMARY=$(kubectl -n ${props.namespace} get cluster.postgresql.cnpg.io ${DEFAULTS.clusterName} -o jsonpath='{.status.currentPrimary}')
kubectl -n ${props.namespace} exec ${DEFAULTS.recoveryClusterName}-1 -c postgres -- pg_dump -Fc -d "$DB" > "$DB.dump"
kubectl -n ${props.namespace} exec -i "$PRIMARY" -c postgres -- pg_restore --clean --if-exists --no-owner --role="$DB" -d "$DB" < "$DB.dump"
\`\`\`

4. Resume the service (re-enable auto-sync), then delete the side cluster:
   \`kubectl -n ${props.namespace} delete cluster.postgresql.cnpg.io ${DEFAULTS.recoveryClusterName}\`.
`,
    },
  ];
}
