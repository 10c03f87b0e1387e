/**
 * IAM roles for service accounts. One function computes both sides of the pairing: the role eksctl
 * creates (`iam.serviceAccounts` with `roleOnly: true` and a fixed `roleName`) and the
 * `eks.amazonaws.com/role-arn` annotation the chart puts on the ServiceAccount Argo CD owns.
 */
import { createHash } from 'node:crypto';

export const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** eksctl's `wellKnownPolicies` keys that we use. */
export interface WellKnownPolicies {
  readonly autoScaler?: boolean;
  readonly ebsCSIController?: boolean;
}

/** An IAM condition block: operator (`StringEquals`, ...) → condition key → value(s). */
export type PolicyCondition = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  /** Limits the statement, e.g. to resources carrying a tag (`aws:ResourceTag/<key>`). */
  readonly Condition?: PolicyCondition;
}

export interface IrsaPolicy {
  readonly wellKnownPolicies?: WellKnownPolicies;
  readonly attachPolicyARNs?: readonly string[];
  readonly statements?: readonly PolicyStatement[];
}

export interface IrsaRole {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly roleName: string;
  readonly roleArn: string;
  readonly policy: IrsaPolicy;
}

export interface IrsaTarget {
  readonly clusterName: string;
  readonly accountId: string;
}

/** IAM role names are at most 64 characters: longer names keep a stable hash suffix. */
export function irsaRoleName(clusterName: string, namespace: string, serviceAccount: string): string {
  const full = `${clusterName}-${namespace}-${serviceAccount}`;
  if (full.length <= 64) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 55)}-${hash}`;
}

export function irsaRole(target: IrsaTarget, namespace: string, serviceAccount: string, policy: IrsaPolicy): IrsaRole {
  const roleName = irsaRoleName(target.clusterName, namespace, serviceAccount);
  return { namespace, serviceAccount, roleName, roleArn: `arn:aws:iam::${target.accountId}:role/${roleName}`, policy };
}

/** The ServiceAccount annotations that bind a pod to its role. */
export function irsaAnnotations(role: IrsaRole): Record<string, string> {
  return { [ROLE_ARN_ANNOTATION]: role.roleArn };
}

/** Read/write access to one S3 bucket (Mimir, Loki, Tempo, Postgres backups). */
export function s3BucketPolicy(bucket: string): IrsaPolicy {
  return {
    statements: [
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: [`arn:aws:s3:::${bucket}`] },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ],
  };
}
