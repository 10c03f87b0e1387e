import {
  BackupBucket,
  backupBucketName,
  backupBucketPolicy,
  backupBucketRunbook,
  backupLifecycleRules,
  BackupSchedule,
  recoveryAnnotations,
  recoveryKeys,
  recoveryObjectiveOf,
} from '../../lib/backup';
import { Duration } from '../../lib/duration';
import { irsaRole } from '../../lib/irsa';
import { LabelDomain } from '../../lib/labels';

const domain = LabelDomain.of('platform.example.com');
const writer = irsaRole({ clusterName: 'acme-prod', accountId: '123456789012' }, 'security', 'openbao-snapshot', {});
const bucket = (retention: BackupBucket['retention']): BackupBucket => ({ name: 'acme-prod-openbao-snapshots', region: 'eu-west-1', holds: 'OpenBao raft snapshots', writers: [writer], retention });

describe('backup schedules', () => {
  it('are a UTC cron and the interval that bounds what a restore loses', () => {
    expect(BackupSchedule.everyHours(1, 17)).toMatchObject({ cron: '17 * * * *' });
    expect(BackupSchedule.everyHours(1, 17).every.toString()).toBe('1h');
    expect(BackupSchedule.everyHours(6, 0).cron).toBe('0 */6 * * *');
    expect(BackupSchedule.everyHours(24, 30).cron).toBe('30 0 * * *');
  });

  it('refuse an interval that does not divide a day, naming the ones that do', () => {
    expect(() => BackupSchedule.everyHours(5, 0)).toThrow(/every 5 hours does not divide a day; use 1, 2, 3, 4, 6, 8, 12 or 24/);
    expect(() => BackupSchedule.everyHours(1, 60)).toThrow(/minute 60 is not 0-59/);
  });
});

describe('backup buckets', () => {
  it('are named <platform>-<environment>-<store>, and a name S3 refuses is an error', () => {
    expect(backupBucketName('acme', 'prod', 'redis-snapshots')).toBe('acme-prod-redis-snapshots');
    expect(() => backupBucketName('Acme', 'prod', 'redis-snapshots')).toThrow(/not a valid S3 bucket name/);
  });

  it('expire current versions by lifecycle where the writers cannot delete, and keep noncurrent versions for a week', () => {
    expect(backupLifecycleRules(bucket({ by: 'lifecycle', days: 30 }))).toEqual([
      { ID: 'abort-incomplete-uploads', Status: 'Enabled', Filter: {}, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
      { ID: 'retention', Status: 'Enabled', Filter: {}, Expiration: { Days: 30 } },
      { ID: 'expire-noncurrent-versions', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 7 } },
    ]);
  });

  it('never expire a current version where the writer keeps its own retention, only its deletions and their markers', () => {
    const rules = backupLifecycleRules(bucket({ by: 'writer', description: 'Barman' })) as { Expiration?: object }[];
    expect(rules.filter((r) => r.Expiration && 'Days' in r.Expiration)).toEqual([]);
    expect(rules).toContainEqual(expect.objectContaining({ Expiration: { ExpiredObjectDeleteMarker: true } }));
    expect(rules).toContainEqual(expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } }));
  });

  it('are created versioned, SSE-KMS encrypted, private and TLS-only by their runbook', () => {
    const r = backupBucketRunbook(bucket({ by: 'lifecycle', days: 14 }));
    expect(r.phase).toBe('aws');
    expect(r.body).toContain('aws s3api put-bucket-versioning --bucket acme-prod-openbao-snapshots --versioning-configuration Status=Enabled');
    expect(r.body).toContain('"SSEAlgorithm":"aws:kms"');
    expect(r.body).toContain('put-public-access-block');
    expect(r.body).toContain('"aws:SecureTransport":"false"');
    expect(r.body).toContain('`acme-prod-security-openbao-snapshot`');
    expect(JSON.stringify(backupBucketPolicy('b'))).toContain('"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}');
  });
});

describe('recovery objectives', () => {
  const object = (annotations: Record<string, string>) => ({ apiVersion: 'v1', kind: 'X', metadata: { name: 'x', annotations } });

  it('round-trip through the annotations of the object that holds the data', () => {
    const o = { rpo: Duration.hours(1), backedUp: true, mechanism: 'hourly snapshots', runbook: 'Restore X' };
    expect(recoveryObjectiveOf(domain, object(recoveryAnnotations(domain, o)))).toEqual(o);
    const accepted = { rpo: Duration.days(7), backedUp: false, mechanism: 'replication only', runbook: 'Rebuild X' };
    expect(recoveryObjectiveOf(domain, object(recoveryAnnotations(domain, accepted)))).toEqual(accepted);
    expect(recoveryObjectiveOf(domain, object({}))).toBeUndefined();
  });

  it('refuse a recovery annotation that says neither backup nor accepted loss', () => {
    const k = recoveryKeys(domain);
    expect(() => recoveryObjectiveOf(domain, object({ [k.rpo]: '1h', [k.recovery]: 'maybe' }))).toThrow(/must start with "backup: " or "accepted loss: "/);
  });
});
