/**
 * The "Detection" section of the bootstrap README: the Kubernetes audit log exported beyond the
 * control-plane log group's 7 days, and GuardDuty's EKS protection. eksctl can express neither
 * (its `cloudWatch.clusterLogging` sets only the log group's retention), so both are aws cli
 * commands run once per environment after the control plane exists. The documents' 7 days stay on
 * the log group (LOG_RETENTION_DAYS); the export's retention is platform.yaml's
 * `auditLogs.exportRetentionDays` (a deviation in PLAN.md).
 */
import { EnvironmentSettings } from '../config/defaults';
import { LOG_RETENTION_DAYS } from './cluster-config';

/** The log group EKS writes the control-plane logs of a cluster to. */
export function controlPlaneLogGroup(clusterName: string): string {
  return `/aws/eks/${clusterName}/cluster`;
}

/** The export's names, all derived from the cluster's. */
export function auditExport(env: Pick<EnvironmentSettings, 'clusterName' | 'accountId' | 'region' | 'auditLogExportRetentionDays'>) {
  const name = `${env.clusterName}-audit-logs`;
  return {
    /** One bucket per cluster, in its account and region (bucket names are global: the account id keeps it unique). */
    bucket: `${name}-${env.accountId}`,
    deliveryStream: name,
    firehoseRole: `${env.clusterName}-audit-firehose`,
    logsRole: `${env.clusterName}-audit-logs-subscription`,
    filterName: 'kubernetes-audit-to-s3',
    /** Only the audit stream's events: every audit.k8s.io event is a JSON object of kind Event. */
    filterPattern: '{ $.kind = "Event" && $.apiVersion = "audit.k8s.io/v1" }',
    retentionDays: env.auditLogExportRetentionDays,
    prefix: 'kubernetes-audit/',
  } as const;
}

/** How long a deleted or overwritten audit object stays recoverable (a noncurrent version). */
export const RECOVERABLE_DAYS = 30;

const json = (value: unknown) => `'${JSON.stringify(value)}'`;

/** The EKS protection features of a GuardDuty detector this platform turns on. */
export const GUARDDUTY_FEATURES = [{ Name: 'EKS_AUDIT_LOGS', Status: 'ENABLED' }] as const;

export function detectionRunbook(env: EnvironmentSettings, controlPlaneStep: number): string {
  const x = auditExport(env);
  const logGroup = controlPlaneLogGroup(env.clusterName);
  const bucketArn = `arn:aws:s3:::${x.bucket}`;
  const firehoseArn = `arn:aws:firehose:${env.region}:${env.accountId}:deliverystream/${x.deliveryStream}`;
  const roleArn = (role: string) => `arn:aws:iam::${env.accountId}:role/${role}`;
  const trust = (service: string, condition?: object) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) }],
  });
  const lifecycle = {
    Rules: [
      {
        ID: 'audit-retention',
        Status: 'Enabled',
        Filter: { Prefix: x.prefix },
        Expiration: { Days: x.retentionDays },
        NoncurrentVersionExpiration: { NoncurrentDays: RECOVERABLE_DAYS },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ],
  };
  const firehoseWrite = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: [bucketArn, `${bucketArn}/*`] },
    ],
  };
  const logsPut = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: [firehoseArn] }] };
  const s3Destination = [
    `RoleARN=${roleArn(x.firehoseRole)}`,
    `BucketARN=${bucketArn}`,
    `Prefix=${x.prefix}`,
    `ErrorOutputPrefix=kubernetes-audit-errors/`,
    // CloudWatch Logs delivers gzip-compressed batches already.
    'CompressionFormat=UNCOMPRESSED',
  ].join(',');

  return `## Detection: audit log export and GuardDuty

Once per environment, after step ${controlPlaneStep} (the control plane writes its logs to \`${logGroup}\`). eksctl
keeps that log group ${LOG_RETENTION_DAYS} days (the efficiency guide's \`log_retention\`), too short to investigate an
incident found later, so the audit stream alone is also delivered to S3 and kept ${x.retentionDays} days
(\`auditLogs.exportRetentionDays\` in platform.yaml; PLAN.md lists it among the deviations). A CloudWatch Logs
subscription filter passes only the \`audit.k8s.io\` events to an Amazon Data Firehose stream, which writes them
to a versioned bucket with public access blocked; a lifecycle rule expires them after ${x.retentionDays} days, and
keeps an object deleted or overwritten before then recoverable for ${RECOVERABLE_DAYS} days.

\`\`\`bash
aws s3api create-bucket --bucket ${x.bucket} --region ${env.region} --create-bucket-configuration LocationConstraint=${env.region}
aws s3api put-public-access-block --bucket ${x.bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
aws s3api put-bucket-encryption --bucket ${x.bucket} --server-side-encryption-configuration ${json({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] })}
aws s3api put-bucket-versioning --bucket ${x.bucket} --versioning-configuration Status=Enabled
aws s3api put-bucket-lifecycle-configuration --bucket ${x.bucket} --lifecycle-configuration ${json(lifecycle)}
aws iam create-role --role-name ${x.firehoseRole} --assume-role-policy-document ${json(trust('firehose.amazonaws.com', { StringEquals: { 'sts:ExternalId': env.accountId } }))}
aws iam put-role-policy --role-name ${x.firehoseRole} --policy-name write-audit-bucket --policy-document ${json(firehoseWrite)}
aws firehose create-delivery-stream --delivery-stream-name ${x.deliveryStream} --delivery-stream-type DirectPut \\
  --extended-s3-destination-configuration ${s3Destination}
wait_for 300 10 'audit Firehose stream ACTIVE' 'test "$(aws firehose describe-delivery-stream --delivery-stream-name ${x.deliveryStream} --query DeliveryStreamDescription.DeliveryStreamStatus --output text)" = ACTIVE'
aws iam create-role --role-name ${x.logsRole} --assume-role-policy-document ${json(trust(`logs.${env.region}.amazonaws.com`, { StringLike: { 'aws:SourceArn': `arn:aws:logs:${env.region}:${env.accountId}:*` } }))}
aws iam put-role-policy --role-name ${x.logsRole} --policy-name put-audit-firehose --policy-document ${json(logsPut)}
aws logs put-subscription-filter --log-group-name ${logGroup} --filter-name ${x.filterName} \\
  --filter-pattern '${x.filterPattern}' --destination-arn ${firehoseArn} --role-arn ${roleArn(x.logsRole)}
wait_for 600 30 'audit events arriving in S3' 'test -n "$(aws s3api list-objects-v2 --bucket ${x.bucket} --prefix ${x.prefix} --max-items 1 --query "Contents[0].Key" --output text | grep -v None)"'
\`\`\`

The bucket outlives the cluster like step 0's buckets; Teardown leaves it. IAM may take a few seconds to
propagate a new role: if \`create-delivery-stream\` or \`put-subscription-filter\` reports that it cannot assume
the role, run it again.

GuardDuty's EKS protection reads the same audit stream from EKS directly (no agent in the cluster) and reports
credential misuse, anonymous access, privileged pods and known-malicious callers as findings. GuardDuty is per
account and region: in an account that already has a detector this only adds the feature.

\`\`\`bash
DETECTOR_ID="$(aws guardduty list-detectors --query 'DetectorIds[0]' --output text)"
if [ "$DETECTOR_ID" = None ]; then DETECTOR_ID="$(aws guardduty create-detector --enable --query DetectorId --output text)"; fi
aws guardduty update-detector --detector-id "$DETECTOR_ID" --features ${json(GUARDDUTY_FEATURES)}
test "$(aws guardduty get-detector --detector-id "$DETECTOR_ID" --query "Features[?Name=='EKS_AUDIT_LOGS'].Status | [0]" --output text)" = ENABLED
\`\`\`

Findings go to EventBridge (source \`aws.guardduty\`); route them to the on-call receiver the way the
organisation routes other AWS alarms (an EventBridge rule to SNS, subscribed by PagerDuty's or Slack's AWS
integration). GuardDuty Runtime Monitoring is left off: it installs its own agent add-on and namespace outside
this repository, and Falco already watches syscalls and sends its events through Alertmanager to the receivers.
`;
}
