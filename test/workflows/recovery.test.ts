/**
 * Every stateful component can be restored, checked on the rendered output of each environment:
 * the recovery objective each data store declares, the backup CronJobs, their IRSA roles against
 * the eksctl config, the bucket and restore runbooks of the bootstrap README, and PLAN.md.
 */
import * as yaml from 'js-yaml';
import { declaredRecoveries, recoveryKeys } from '../../lib/backup';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { K8sObject } from '../../lib/render';
import { ENVIRONMENTS, hydratedFixture, renderedFixture } from '../support';

jest.setTimeout(120_000);

/** The data stores that hold state nothing else can rebuild. */
const STATEFUL = ['postgres', 'openbao', 'redis', 'kafka'];

type Pod = { spec: { serviceAccountName: string; priorityClassName?: string; initContainers?: any[]; containers: any[] } };
const podOf = (cron: K8sObject): Pod => (cron.spec as any).jobTemplate.spec.template;

describe.each(ENVIRONMENTS)('recovery in %s', (env) => {
  it('has every stateful data store declare on its rendered object either a backup or an accepted loss, with an RPO and a restore runbook in the README', async () => {
    const m = await hydratedFixture(env);
    const readme = (await renderedFixture(env)).get(`${env}/bootstrap/README.md`)!;
    const declared = declaredRecoveries(m.components, m.objects, m.env.labelDomain);
    expect(declared.map((d) => d.component).sort()).toEqual([...STATEFUL].sort());
    for (const d of declared) {
      expect([d.component, d.rpo.totalSeconds > 0, d.mechanism.length > 20]).toEqual([d.component, true, true]);
      expect([d.component, readme.includes(`### ${d.runbook} (${d.component})`)]).toEqual([d.component, true]);
    }
    // Only Kafka stands on an accepted loss; everything else has a backup behind its RPO.
    expect(declared.filter((d) => !d.backedUp).map((d) => d.component)).toEqual(['kafka']);
    expect(Math.max(...declared.filter((d) => d.backedUp).map((d) => d.rpo.totalSeconds))).toBeLessThanOrEqual(3600);
  });

  it('runs each snapshot CronJob restricted, with requests and limits and the platform-critical priority, under a ServiceAccount whose IRSA role eksctl creates', async () => {
    const m = await hydratedFixture(env);
    const tree = await renderedFixture(env);
    const cluster = yaml.load(tree.get(`${env}/eksctl/cluster.yaml`)!) as { iam: { serviceAccounts: { metadata: { name: string; namespace: string }; roleName: string }[] } };
    const eksctlRoles = new Map(cluster.iam.serviceAccounts.map((sa) => [`${sa.metadata.namespace}/${sa.metadata.name}`, sa.roleName]));
    const all = [...m.objects.values()].flat();
    const crons = all.filter((o) => o.kind === 'CronJob' && (o.metadata.labels as Record<string, string>)?.['app.kubernetes.io/component'] === 'backup');
    expect(crons.map((c) => c.metadata.name).sort()).toEqual(['openbao-snapshot', 'redis-snapshot']);
    for (const cron of crons) {
      const pod = podOf(cron);
      expect([cron.metadata.name, pod.spec.priorityClassName]).toEqual([cron.metadata.name, 'platform-critical']);
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
        expect([c.name, c.securityContext]).toEqual([c.name, expect.objectContaining({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })]);
        expect([c.name, c.resources?.requests && c.resources?.limits ? 'set' : 'missing']).toEqual([c.name, 'set']);
      }
      const sa = all.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === pod.spec.serviceAccountName && o.metadata.namespace === cron.metadata.namespace)!;
      const arn = (sa.metadata.annotations as Record<string, string>)[ROLE_ARN_ANNOTATION];
      const roleName = eksctlRoles.get(`${cron.metadata.namespace}/${pod.spec.serviceAccountName}`);
      expect([cron.metadata.name, roleName && arn.endsWith(`:role/${roleName}`)]).toEqual([cron.metadata.name, true]);
    }
  });

  it('lets each snapshot job out where its namespace denies egress by default', async () => {
    const m = await hydratedFixture(env);
    const all = [...m.objects.values()].flat();
    const policies = all.filter((o) => o.kind === 'NetworkPolicy');
    const denies = (ns: string) => policies.some((p) => p.metadata.namespace === ns && JSON.stringify((p.spec as any).podSelector) === '{}' && (p.spec as any).policyTypes?.includes('Egress') && !(p.spec as any).egress?.length);
    const allows = (ns: string, labels: Record<string, string>) =>
      policies.some((p) => {
        const spec = p.spec as any;
        const match = spec.podSelector?.matchLabels ?? {};
        return p.metadata.namespace === ns && Object.entries(match).every(([k, v]) => labels[k] === v) && Object.keys(match).length > 0 && spec.egress?.length;
      });
    const backups = all.filter((o) => o.kind === 'CronJob' && (o.metadata.labels as Record<string, string>)?.['app.kubernetes.io/component'] === 'backup');
    expect(backups.length).toBeGreaterThan(0);
    for (const cron of backups) {
      const ns = cron.metadata.namespace!;
      const labels = ((cron.spec as any).jobTemplate.spec.template.metadata?.labels ?? {}) as Record<string, string>;
      expect([cron.metadata.name, !denies(ns) || allows(ns, labels)]).toEqual([cron.metadata.name, true]);
    }
  });

  it('creates every backup bucket versioned, SSE-KMS encrypted and with a lifecycle for noncurrent versions', async () => {
    const readme = (await renderedFixture(env)).get(`${env}/bootstrap/README.md`)!;
    const buckets = [...readme.matchAll(/^### S3 bucket (\S+-(?:postgres-backups|openbao-snapshots|redis-snapshots)) /gm)].map((x) => x[1]);
    expect(buckets.length).toBe(3);
    for (const b of buckets) {
      expect([b, readme.includes(`put-bucket-versioning --bucket ${b} --versioning-configuration Status=Enabled`)]).toEqual([b, true]);
      const section = readme.slice(readme.indexOf(`### S3 bucket ${b} `)).split('\n### ')[0];
      expect([b, section.includes('"SSEAlgorithm":"aws:kms"'), section.includes('NoncurrentVersionExpiration')]).toEqual([b, true, true]);
    }
  });

  it('lists the RPO of every data store in PLAN.md, the accepted loss marked', async () => {
    const m = await hydratedFixture(env);
    const plan = (await renderedFixture(env)).get(`${env}/PLAN.md`)!;
    const section = plan.slice(plan.indexOf('## Recovery'));
    expect(section.startsWith('## Recovery')).toBe(true);
    for (const d of declaredRecoveries(m.components, m.objects, m.env.labelDomain)) {
      expect(section).toContain(`| ${d.component} | ${d.object} | ${d.rpo} |`);
    }
    expect(section).toMatch(/\| kafka \| Kafka kafka \| \d+d \| \*\*no: accepted loss\*\* \|/);
    expect(recoveryKeys(m.env.labelDomain).rpo).toBe(`${m.env.labelDomain.domain}/recovery-point-objective`);
  });
});
