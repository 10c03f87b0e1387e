/**
 * Backups of the stateful components, the pieces they share:
 *
 * - `BackupSchedule`: when a snapshot is taken, and so the recovery point objective it gives.
 * - `SnapshotCronJob`: a native CronJob (no snapshot scheduler is vendored) whose init container
 *   writes a snapshot into a scratch volume with the data store's own image and tool, and whose
 *   container uploads it to S3 with the AWS CLI through IRSA (s3-upload.sh). The upload role may
 *   only put objects under its prefix: the job can neither read nor delete a backup.
 * - `backupBucketRunbook`: the bucket, created by the operator (bootstrap README): versioned, so a
 *   writer that deletes or overwrites leaves the previous version behind; lifecycle rules for
 *   retention and for how long noncurrent versions stay; SSE-KMS; TLS only.
 * - `RecoveryObjective`: what every data store declares on its own rendered object (annotations),
 *   how its data comes back and what can be lost (RPO), or the loss that is accepted where nothing
 *   backs it up. PLAN.md's "Recovery" section and the tests read these annotations.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Tier } from '../config/schema';
import type { RunbookSection } from './component';
import { Duration } from './duration';
import { irsaAnnotations, IrsaPolicy, IrsaRole } from './irsa';
import { LabelDomain, standardLabels } from './labels';
import { PRIORITY } from './priority';
import type { K8sObject } from './render';
import { Resources } from './resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from './security';
import { Storage } from './storage';
import UPLOAD_SCRIPT from './s3-upload.sh';

/** When a snapshot is taken: a five-field cron (UTC) and the interval it repeats at. */
export class BackupSchedule {
  /** Every `hours` hours (1, 2, 3, 4, 6, 8, 12 or 24), at `minute` past the hour. */
  static everyHours(hours: number, minute: number): BackupSchedule {
    if (![1, 2, 3, 4, 6, 8, 12, 24].includes(hours)) throw new Error(`backup schedule: every ${hours} hours does not divide a day; use 1, 2, 3, 4, 6, 8, 12 or 24`);
    if (!Number.isInteger(minute) || minute < 0 || minute > 59) throw new Error(`backup schedule: minute ${minute} is not 0-59`);
    const hourField = hours === 1 ? '*' : hours === 24 ? '0' : `*/${hours}`;
    return new BackupSchedule(`${minute} ${hourField} * * *`, Duration.hours(hours));
  }
  private constructor(
    readonly cron: string,
    /** Time between two snapshots: the most data a restore from the latest one can lose. */
    readonly every: Duration,
  ) {}
}

/**
 * Days a backup is kept, per tier: Postgres's point-in-time recovery window and the snapshots'
 * lifecycle expiry alike.
 */
export const BACKUP_RETENTION_DAYS: Readonly<Record<Tier, number>> = { dev: 7, staging: 14, prod: 30 };

/** How long deleted or overwritten backups stay recoverable as noncurrent versions. */
export const NONCURRENT_VERSION_DAYS = 7;

/** `<platform>-<environment>-<store>`: the bucket one data store's backups go to. */
export function backupBucketName(platformName: string, envName: string, store: string): string {
  const name = `${platformName}-${envName}-${store}`;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw new Error(`backup bucket "${name}" is not a valid S3 bucket name; shorten the platform or environment name`);
  return name;
}

/**
 * Upload only, under one prefix: a snapshot job needs nothing else. Multipart uploads (large
 * snapshots) are PutObject too; aborting a failed one is its own action.
 */
export function s3UploadPolicy(bucket: string, prefix: string): IrsaPolicy {
  return { statements: [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: [`arn:aws:s3:::${bucket}/${prefix}/*`] }] };
}

/** Who removes old backups from a bucket. */
export type BackupRetention =
  /** The bucket's lifecycle: current versions expire after `days`; the writers cannot delete. */
  | { readonly by: 'lifecycle'; readonly days: number }
  /** The writer applies its own retention (Barman Cloud): no current version may expire under it. */
  | { readonly by: 'writer'; readonly description: string };

export interface BackupBucket {
  readonly name: string;
  readonly region: string;
  /** What it holds, in words ("OpenBao raft snapshots"). */
  readonly holds: string;
  /** The IRSA roles that write to it (eksctl creates them from the components' `irsa`). */
  readonly writers: readonly IrsaRole[];
  readonly retention: BackupRetention;
  /** @default NONCURRENT_VERSION_DAYS */
  readonly noncurrentDays?: number;
}

/** The lifecycle rules of a backup bucket (put-bucket-lifecycle-configuration). */
export function backupLifecycleRules(b: BackupBucket): object[] {
  const noncurrent = b.noncurrentDays ?? NONCURRENT_VERSION_DAYS;
  return [
    { ID: 'abort-incomplete-uploads', Status: 'Enabled', Filter: {}, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    ...(b.retention.by === 'lifecycle'
      ? [{ ID: 'retention', Status: 'Enabled', Filter: {}, Expiration: { Days: b.retention.days } }]
      : // The writer's deletions leave delete markers; once their noncurrent versions are gone, the markers go too.
        [{ ID: 'remove-expired-delete-markers', Status: 'Enabled', Filter: {}, Expiration: { ExpiredObjectDeleteMarker: true } }]),
    { ID: 'expire-noncurrent-versions', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: noncurrent } },
  ];
}

/**
 * The bucket policy: TLS only, and no upload that asks for an encryption other than SSE-KMS (an
 * upload that names none gets the bucket default, SSE-KMS).
 */
export function backupBucketPolicy(bucket: string): object {
  const bucketArn = `arn:aws:s3:::${bucket}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [bucketArn, `${bucketArn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      {
        Sid: 'DenyOtherEncryption',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: `${bucketArn}/*`,
        Condition: { Null: { 's3:x-amz-server-side-encryption': 'false' }, StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      },
    ],
  };
}

/** SSE-KMS with the account's AWS managed key `aws/s3` and S3 Bucket Keys (fewer KMS calls). */
export const BACKUP_BUCKET_ENCRYPTION = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] };

/** The AWS-phase runbook section that creates a backup bucket. */
export function backupBucketRunbook(b: BackupBucket): RunbookSection {
  const location = b.region === 'us-east-1' ? '' : ` \\\n  --create-bucket-configuration LocationConstraint=${b.region}`;
  const noncurrent = b.noncurrentDays ?? NONCURRENT_VERSION_DAYS;
  const writers = b.writers.map((r) => `\`${r.roleName}\` (ServiceAccount \`${r.namespace}/${r.serviceAccount}\`)`).join(', ');
  const retention =
    b.retention.by === 'lifecycle'
      ? `Retention is the lifecycle's: a backup expires after ${b.retention.days} days. The writers may only upload, never delete.`
      : `Retention is the writer's own (${b.retention.description}), so no lifecycle rule expires a current object under it; the writer's deletions become noncurrent versions.`;
  return {
    phase: 'aws',
    title: `S3 bucket ${b.name}`,
    body: [
      `${b.holds}, written through IRSA by ${writers} (eksctl creates the roles). The bucket is versioned, so whatever a writer`,
      `deletes or overwrites stays recoverable as a noncurrent version for ${noncurrent} days, and no IRSA role may delete a version.`,
      `${retention} Objects are encrypted with SSE-KMS (the account's \`aws/s3\` key, so the IRSA roles need no KMS grant); the bucket`,
      'policy refuses plain HTTP and uploads that ask for another encryption.',
      '',
      '```bash',
      `aws s3api create-bucket --bucket ${b.name} --region ${b.region}${location}`,
      `aws s3api put-public-access-block --bucket ${b.name} \\\n  --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
      `aws s3api put-bucket-versioning --bucket ${b.name} --versioning-configuration Status=Enabled`,
      `aws s3api put-bucket-encryption --bucket ${b.name} \\\n  --server-side-encryption-configuration '${JSON.stringify(BACKUP_BUCKET_ENCRYPTION)}'`,
      `aws s3api put-bucket-lifecycle-configuration --bucket ${b.name} \\\n  --lifecycle-configuration '${JSON.stringify({ Rules: backupLifecycleRules(b) })}'`,
      `aws s3api put-bucket-policy --bucket ${b.name} \\\n  --policy '${JSON.stringify(backupBucketPolicy(b.name))}'`,
      `test "$(aws s3api get-bucket-versioning --bucket ${b.name} --query Status --output text)" = Enabled`,
      '```',
    ].join('\n'),
  };
}

/** What a data store declares about getting its data back. */
export interface RecoveryObjective {
  /**
   * The most recent data a restore can lose (recovery point objective). Where nothing backs the
   * store up, the loss that is accepted instead.
   */
  readonly rpo: Duration;
  /** Whether a backup exists; false: `rpo` is an accepted loss and `mechanism` says why. */
  readonly backedUp: boolean;
  /** How the data comes back, or why there is no backup, in one sentence. */
  readonly mechanism: string;
  /** Title of the restore runbook in the bootstrap README (Operations). */
  readonly runbook: string;
}

/** The annotation keys a data store's object carries its recovery objective under. */
export function recoveryKeys(domain: LabelDomain): { readonly rpo: string; readonly recovery: string; readonly runbook: string } {
  return { rpo: `${domain.domain}/recovery-point-objective`, recovery: `${domain.domain}/recovery`, runbook: `${domain.domain}/restore-runbook` };
}

const BACKED_UP = 'backup: ';
const ACCEPTED = 'accepted loss: ';

export function recoveryAnnotations(domain: LabelDomain, o: RecoveryObjective): Record<string, string> {
  const k = recoveryKeys(domain);
  return { [k.recovery]: `${o.backedUp ? BACKED_UP : ACCEPTED}${o.mechanism}`, [k.rpo]: o.rpo.toString(), [k.runbook]: o.runbook };
}

/** The recovery objective a rendered object declares, or undefined when it declares none. */
export function recoveryObjectiveOf(domain: LabelDomain, o: K8sObject): RecoveryObjective | undefined {
  const k = recoveryKeys(domain);
  const a = (o.metadata as { annotations?: Record<string, string> }).annotations ?? {};
  if (a[k.rpo] === undefined && a[k.recovery] === undefined) return undefined;
  const recovery = a[k.recovery] ?? '';
  const backedUp = recovery.startsWith(BACKED_UP);
  if (!backedUp && !recovery.startsWith(ACCEPTED)) {
    throw new Error(`${o.kind} ${o.metadata.name}: annotation ${k.recovery} must start with "${BACKED_UP}" or "${ACCEPTED}", got "${recovery}"`);
  }
  return {
    rpo: Duration.parse(a[k.rpo] ?? ''),
    backedUp,
    mechanism: recovery.slice((backedUp ? BACKED_UP : ACCEPTED).length),
    runbook: a[k.runbook] ?? '',
  };
}

/** Where a component's scheduled snapshots go and how long they stay: the props every backup shares. */
export interface SnapshotBackupProps {
  /** The S3 bucket (created by the operator, bootstrap README). */
  readonly bucket: string;
  readonly region: string;
  /** Days a snapshot is kept (the bucket's lifecycle). */
  readonly retentionDays: number;
  /** Pinned AWS CLI image of the upload step. */
  readonly uploaderImage: string;
  /** @default the component's DEFAULTS.snapshot.schedule */
  readonly schedule?: BackupSchedule;
}

/** The step that writes the snapshot, with the data store's own image and tool. */
export interface SnapshotStep {
  readonly image: string;
  /** Text of a .sh file, run with `sh -c`; it writes the file named by `SNAPSHOT_FILE`. */
  readonly script: string;
  readonly env: readonly k8s.EnvVar[];
  readonly resources: Resources;
  readonly volumeMounts?: readonly k8s.VolumeMount[];
}

export interface SnapshotCronJobProps {
  /** Name of the CronJob. */
  readonly name: string;
  readonly namespace: string;
  /** The component id (`app.kubernetes.io/instance`). */
  readonly instance: string;
  readonly schedule: BackupSchedule;
  /** The upload role; its ServiceAccount is created here with the role's annotation. */
  readonly role: IrsaRole;
  readonly bucket: string;
  /** Key prefix in the bucket (the role may only write below it). */
  readonly prefix: string;
  readonly region: string;
  /** Object name suffix and file name, e.g. `openbao.snap`. */
  readonly fileName: string;
  readonly snapshot: SnapshotStep;
  /** Pinned AWS CLI image of the upload step. */
  readonly uploaderImage: string;
  /** Size limit of the scratch volume: at least the data a snapshot holds. */
  readonly scratchSize: Storage;
  /** Volumes the snapshot step mounts besides the scratch volume. */
  readonly volumes?: readonly k8s.Volume[];
  /** @default SNAPSHOT_DEFAULTS.uploaderResources */
  readonly uploaderResources?: Resources;
}

export const SNAPSHOT_DEFAULTS = {
  uploaderResources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
  /** Where the snapshot is written and read. */
  scratchPath: '/backup',
  tmpPath: '/tmp',
  /** A run that has not finished by then is stopped (and counts as failed). */
  activeDeadlineSeconds: 1800,
  backoffLimit: 2,
} as const;

/** The path a snapshot step writes to (its `SNAPSHOT_FILE`). */
export function snapshotFile(fileName: string): string {
  return `${SNAPSHOT_DEFAULTS.scratchPath}/${fileName}`;
}

/**
 * A ServiceAccount (with its IRSA annotation) and a CronJob: the snapshot step as an init
 * container, then the upload. One run at a time; a run that misses its slot by more than a quarter
 * hour is skipped, not queued. Both containers run restricted: non-root, read-only root
 * filesystem, no capabilities, requests and limits.
 */
export class SnapshotCronJob extends Construct {
  constructor(scope: Construct, id: string, props: SnapshotCronJobProps) {
    super(scope, id);
    const d = SNAPSHOT_DEFAULTS;
    const labels = standardLabels({ name: props.name, instance: props.instance, component: 'backup' });
    const file = snapshotFile(props.fileName);
    new k8s.KubeServiceAccount(this, 'serviceaccount', {
      metadata: { name: props.role.serviceAccount, namespace: props.namespace, labels, annotations: irsaAnnotations(props.role) },
      // No Kubernetes API access; a step that needs a token for another audience mounts it itself.
      automountServiceAccountToken: false,
    });
    const env = (vars: Record<string, string>): k8s.EnvVar[] => Object.entries(vars).map(([name, value]) => ({ name, value }));
    const scratch = { name: 'scratch', mountPath: d.scratchPath };
    const tmp = { name: 'tmp', mountPath: d.tmpPath };
    new k8s.KubeCronJob(this, 'cronjob', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        schedule: props.schedule.cron,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 900,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: d.backoffLimit,
            activeDeadlineSeconds: d.activeDeadlineSeconds,
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: props.role.serviceAccount,
                // No Kubernetes API token (EKS still injects the web identity token IRSA uses).
                automountServiceAccountToken: false,
                restartPolicy: 'Never',
                priorityClassName: PRIORITY.platformCritical,
                securityContext: RESTRICTED_POD_SECURITY_CONTEXT,
                initContainers: [
                  {
                    name: 'snapshot',
                    image: props.snapshot.image,
                    command: ['/bin/sh', '-c', props.snapshot.script, 'snapshot'],
                    env: [...env({ SNAPSHOT_FILE: file, HOME: d.tmpPath }), ...props.snapshot.env],
                    volumeMounts: [scratch, tmp, ...(props.snapshot.volumeMounts ?? [])],
                    resources: props.snapshot.resources.toRequirements(),
                    securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
                  },
                ],
                containers: [
                  {
                    name: 'upload',
                    image: props.uploaderImage,
                    command: ['/bin/sh', '-c', UPLOAD_SCRIPT, 'upload'],
                    env: env({
                      BACKUP_FILE: file,
                      BACKUP_NAME: props.fileName,
                      S3_BUCKET: props.bucket,
                      S3_PREFIX: props.prefix,
                      AWS_REGION: props.region,
                      // The CLI keeps its cache under $HOME; the root filesystem is read-only.
                      HOME: d.tmpPath,
                    }),
                    volumeMounts: [{ ...scratch, readOnly: true }, tmp],
                    resources: (props.uploaderResources ?? d.uploaderResources).toRequirements(),
                    securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
                  },
                ],
                volumes: [
                  { name: 'scratch', emptyDir: { sizeLimit: k8s.Quantity.fromString(props.scratchSize.toString()) } },
                  { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
                  ...(props.volumes ?? []),
                ],
              },
            },
          },
        },
      },
    });
  }
}

/** One data store's declared recovery objective, with the component and object that declare it. */
export interface DeclaredRecovery extends RecoveryObjective {
  readonly component: string;
  /** `<Kind> <name>` of the declaring object. */
  readonly object: string;
}

/** Every recovery objective the rendered objects declare, in the components' order. */
export function declaredRecoveries(
  components: readonly { readonly id: string }[],
  objects: ReadonlyMap<string, readonly K8sObject[]>,
  domain: LabelDomain,
): DeclaredRecovery[] {
  return components.flatMap((c) =>
    (objects.get(c.id) ?? []).flatMap((o) => {
      const r = recoveryObjectiveOf(domain, o);
      return r ? [{ ...r, component: c.id, object: `${o.kind} ${o.metadata.name}` }] : [];
    }),
  );
}
