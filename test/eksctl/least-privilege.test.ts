/**
 * Issue 10, points 4, 6 (KMS), 9 and 10 on the rendered eksctl ClusterConfig, the rendered manifests
 * and the config's errors: pods cannot borrow the node's identity, cluster access is by access
 * entries only, the autoscaler writes only to its cluster's groups, the load balancer admits only
 * the CDN where it proxies, Secrets are envelope-encrypted, and the audit log outlives 7 days.
 */
import * as yaml from 'js-yaml';
import { parseConfig } from '../../config/load';
import { resolveEnvironment } from '../../config/defaults';
import { ACCESS_POLICIES, CNI_POLICY_ARN, clusterConfig, LOG_RETENTION_DAYS, NODE_POLICY_ARNS } from '../../eksctl/cluster-config';
import { auditExport, controlPlaneLogGroup } from '../../eksctl/detection-runbook';
import { documentDeviations } from '../../eksctl/deviations';
import { ownershipTag, WRITE_ACTIONS } from '../../charts/cluster-autoscaler';
import { IMDS_CIDR } from '../../charts/platform-base/imds';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { buildEnvironment } from '../../platform';
import { cloudflareProxied, loadBalancerSourceRanges } from '../../workflows/ingress';
import { configProblems as problems, configVariant as variant, ENVIRONMENTS, fixtureConfig, fixtureEnvironment, helmValues, renderedFixture } from '../support';

jest.setTimeout(120_000);

const cluster = (env: string): any => {
  const m = fixtureEnvironment(env);
  return clusterConfig(m.env, m.components.flatMap((c) => c.irsa ?? []));
};

/** Every object of a rendered environment's manifests. */
async function manifests(env: string): Promise<any[]> {
  const tree = await renderedFixture(env);
  return [...tree.entries()].filter(([f]) => f.startsWith(`${env}/manifests/`) && f.endsWith('.yaml')).flatMap(([, text]) => yaml.loadAll(text) as any[]);
}

describe('pods cannot borrow the node identity (issue 10, point 4)', () => {
  it.each(ENVIRONMENTS)('%s: every node group blocks pod access to IMDS and attaches only the worker and ECR pull policies', (env) => {
    const groups: any[] = cluster(env).managedNodeGroups;
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) {
      expect([g.name, g.disablePodIMDS]).toEqual([g.name, true]);
      // eksctl refuses disablePodIMDS together with any withAddonPolicies.
      expect([g.name, g.iam.withAddonPolicies]).toEqual([g.name, undefined]);
      expect(g.iam.attachPolicyARNs).toEqual(NODE_POLICY_ARNS);
    }
    expect(NODE_POLICY_ARNS).toEqual(['arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy', 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly']);
  });

  it('puts the VPC CNI policy on the aws-node IRSA role, and the EBS CSI controller on its own role, not on the nodes', () => {
    const addons: any[] = cluster('prod').addons;
    expect(addons.find((a) => a.name === 'vpc-cni').attachPolicyARNs).toEqual([CNI_POLICY_ARN]);
    expect(addons.find((a) => a.name === 'aws-ebs-csi-driver').wellKnownPolicies).toEqual({ ebsCSIController: true });
    expect(cluster('prod').iam.withOIDC).toBe(true);
    expect(NODE_POLICY_ARNS).not.toContain(CNI_POLICY_ARN);
  });

  it('gives every component that calls AWS an IRSA role its ServiceAccount is annotated with', () => {
    const m = fixtureEnvironment('prod');
    const roles = m.components.flatMap((c) => c.irsa ?? []);
    // The components that once leaned on node-role permissions: the autoscaler (node groups), the backups and object stores (S3), OpenBao (KMS).
    for (const sa of ['cluster-autoscaler', 'loki', 'mimir', 'tempo', 'openbao']) {
      expect(roles.map((r) => r.serviceAccount)).toContain(sa);
    }
    for (const r of roles) expect(r.roleArn).toBe(`arn:aws:iam::${m.env.accountId}:role/${r.roleName}`);
  });

  it.each(ENVIRONMENTS)('%s: denies every pod egress to the IMDS address without putting any pod into default-deny', async (env) => {
    const policies = (await manifests(env)).filter((o) => o?.kind === 'CiliumClusterwideNetworkPolicy');
    const imds = policies.filter((p) => (p.spec.egressDeny ?? []).some((r: any) => (r.toCIDR ?? []).includes(IMDS_CIDR)));
    expect(imds).toHaveLength(1);
    const [policy] = imds;
    expect(policy.apiVersion).toBe('cilium.io/v2');
    // Every endpoint of every namespace.
    expect(policy.spec.endpointSelector).toEqual({});
    expect(policy.spec.enableDefaultDeny).toEqual({ egress: false, ingress: false });
    // Deny only: no allow rule that could widen what another policy keeps closed.
    expect(policy.spec.egress).toBeUndefined();
    expect(policy.spec.ingress).toBeUndefined();
    expect(IMDS_CIDR).toBe('169.254.169.254/32');
  });
});

describe('cluster access and isolation (issue 10, point 9)', () => {
  it.each(ENVIRONMENTS)('%s: admits only access entries, with no standing admin for the cluster creator', (env) => {
    const cfg = fixtureConfig();
    const access = cluster(env).accessConfig;
    expect(access.authenticationMode).toBe('API');
    expect(access.bootstrapClusterCreatorAdminPermissions).toBe(false);
    const byPolicy = (policy: string) => access.accessEntries.filter((e: any) => e.accessPolicies[0].policyARN === policy).map((e: any) => e.principalARN);
    expect(byPolicy(ACCESS_POLICIES.admin)).toEqual(cfg.clusterAccess.admins);
    expect(byPolicy(ACCESS_POLICIES.readOnly)).toEqual(cfg.clusterAccess.readOnly);
    expect(cfg.clusterAccess.admins.length).toBeGreaterThan(0);
    for (const e of access.accessEntries) expect(e.accessPolicies).toEqual([{ policyARN: expect.any(String), accessScope: { type: 'cluster' } }]);
    // The read-only policy does not read Secrets.
    expect(ACCESS_POLICIES.readOnly).toMatch(/AmazonEKSViewPolicy$/);
  });

  it('refuses cluster access without an admin role, with a role listed twice, or with roles of another account', () => {
    expect(problems(variant((c) => (c.clusterAccess.admins = [])))).toEqual([
      'clusterAccess.admins: list at least one IAM role ARN, e.g. [arn:aws:iam::123456789012:role/platform-admin]: the cluster creator gets no standing admin access, so without an admin role no one can administer the cluster, got a list',
    ]);
    const admin = 'arn:aws:iam::123456789012:role/platform-admin';
    expect(problems(variant((c) => (c.clusterAccess.readOnly = [admin])))).toEqual([
      `clusterAccess.readOnly[0]: "${admin}" is also in admins; EKS allows one access entry per principal, so list it once`,
    ]);
    expect(problems(variant((c) => (c.clusterAccess.admins = ['arn:aws:iam::123456789012:user/alice'])))).toEqual([
      'clusterAccess.admins[0]: expected an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admin, got "arn:aws:iam::123456789012:user/alice"',
    ]);
    // prod moves to an account of its own but keeps the shared roles: named, with the fix.
    const text = variant((c) => {
      c.environments.prod.aws = { accountId: '210987654321' };
      c.environments.prod.openbaoKmsKeyArn = c.environments.prod.openbaoKmsKeyArn.replace('123456789012', '210987654321');
      c.environments.prod.secretsKmsKeyArn = c.environments.prod.secretsKmsKeyArn.replace('123456789012', '210987654321');
    });
    expect(problems(text)).toEqual([
      `clusterAccess.admins[0]: "${admin}" is a role of account 123456789012, but environment prod's cluster is in 210987654321 (environments.prod.aws.accountId); an EKS access entry names a principal of the cluster's account: set environments.prod.clusterAccess with roles in 210987654321`,
      `clusterAccess.readOnly[0]: "arn:aws:iam::123456789012:role/platform-readonly" is a role of account 123456789012, but environment prod's cluster is in 210987654321 (environments.prod.aws.accountId); an EKS access entry names a principal of the cluster's account: set environments.prod.clusterAccess with roles in 210987654321`,
    ]);
  });

  it('renders an environment in its own account and DNS zone: its roles, keys, access entries and zone', () => {
    const cfg = parseConfig(
      variant((c) => {
        c.environments.prod.aws = { accountId: '210987654321' };
        c.environments.prod.dns = { zone: 'acme-prod.example.net' };
        c.environments.prod.clusterAccess = { admins: ['arn:aws:iam::210987654321:role/prod-admin'] };
        c.environments.prod.openbaoKmsKeyArn = c.environments.prod.openbaoKmsKeyArn.replace('123456789012', '210987654321');
        c.environments.prod.secretsKmsKeyArn = c.environments.prod.secretsKmsKeyArn.replace('123456789012', '210987654321');
      }),
    );
    const m = buildEnvironment(cfg, 'prod');
    expect(m.env.accountId).toBe('210987654321');
    expect(m.env.domain).toBe('acme-prod.example.net');
    expect(m.env.apexDomain).toBe('acme-prod.example.net');
    const c: any = clusterConfig(m.env, m.components.flatMap((x) => x.irsa ?? []));
    expect(c.accessConfig.accessEntries.map((e: any) => e.principalARN)).toEqual(['arn:aws:iam::210987654321:role/prod-admin']);
    expect(helmValues(m, 'cluster-autoscaler').rbac.serviceAccount.annotations[ROLE_ARN_ANNOTATION]).toMatch(/^arn:aws:iam::210987654321:role\//);
    expect(helmValues(m, 'external-dns').domainFilters).toEqual(['acme-prod.example.net']);
    // The other environments stay in aws.accountId and dns.domain.
    expect(resolveEnvironment(cfg, 'staging')).toMatchObject({ accountId: '123456789012', domain: 'staging.acme.example.com', apexDomain: 'acme.example.com' });
  });

  it('refuses an environment domain outside its own zone, naming the zone', () => {
    const text = variant((c) => {
      c.environments.staging.dns = { zone: 'acme-staging.example.net' };
      c.environments.staging.domain = 'staging.acme.example.com';
    });
    expect(problems(text)).toEqual([
      'environments.staging.domain: "staging.acme.example.com" is not in the environment\'s zone acme-staging.example.net (environments.staging.dns.zone); use acme-staging.example.net or a name below it, e.g. staging.acme-staging.example.net',
    ]);
  });

  it("conditions the autoscaler's writes on its own cluster's ownership tag, instead of eksctl's unconditioned autoScaler policy", () => {
    const entry = cluster('prod').iam.serviceAccounts.find((s: any) => s.metadata.name === 'cluster-autoscaler');
    expect(entry.wellKnownPolicies).toBeUndefined();
    const statements: any[] = entry.attachPolicy.Statement;
    const writes = statements.filter((s) => s.Action.some((a: string) => WRITE_ACTIONS.includes(a)));
    expect(writes).toEqual([
      {
        Effect: 'Allow',
        Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        Resource: ['*'],
        Condition: { StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/acme-prod': 'owned' } },
      },
    ]);
    // Every other statement only reads.
    for (const s of statements.filter((x) => !writes.includes(x))) {
      for (const a of s.Action) expect(a).toMatch(/^(autoscaling|ec2|eks):(Describe|Get)/);
    }
    // The tag the policy names is the one auto-discovery finds the groups by.
    expect(helmValues(fixtureEnvironment('prod'), 'cluster-autoscaler').autoDiscovery.clusterName).toBe('acme-prod');
    expect(ownershipTag('acme-prod')).toEqual({ key: 'k8s.io/cluster-autoscaler/acme-prod', value: 'owned' });
  });

  it.each(ENVIRONMENTS)("%s: the emissary load balancer admits only Cloudflare's ranges where records are proxied, any source where they are not", async (env) => {
    const m = fixtureEnvironment(env);
    const service = (await manifests(env)).find((o) => o?.kind === 'Service' && o.spec?.type === 'LoadBalancer' && o.metadata.namespace === 'emissary');
    expect(service).toBeDefined();
    if (cloudflareProxied(m.env)) {
      expect(service.spec.loadBalancerSourceRanges).toEqual(fixtureConfig().dns.cloudflareIpRanges);
      expect(service.spec.loadBalancerSourceRanges.length).toBeGreaterThan(0);
    } else {
      expect(service.spec.loadBalancerSourceRanges).toBeUndefined();
    }
  });

  it('the fixture proxies prod only, and a proxied environment without the CDN ranges fails naming dns.cloudflareIpRanges', () => {
    expect(ENVIRONMENTS.filter((e) => cloudflareProxied(fixtureEnvironment(e).env))).toEqual(['prod']);
    const cfg = parseConfig(variant((c) => delete c.dns.cloudflareIpRanges));
    expect(() => loadBalancerSourceRanges(resolveEnvironment(cfg, 'prod'))).toThrow(
      "environment prod: its records in acme.example.com are proxied by Cloudflare, so its load balancer admits only Cloudflare's ranges, but dns.cloudflareIpRanges is empty; set it to the list published at https://www.cloudflare.com/ips-v4",
    );
    expect(loadBalancerSourceRanges(resolveEnvironment(cfg, 'dev'))).toBeUndefined();
  });
});

describe("the cluster's Secrets are envelope-encrypted with a customer-managed key (issue 10, point 6)", () => {
  it.each(ENVIRONMENTS)('%s: sets secretsEncryption.keyARN exactly where platform.yaml gives a key', (env) => {
    const key = fixtureConfig().environments[env].secretsKmsKeyArn;
    expect(cluster(env).secretsEncryption).toEqual(key ? { keyARN: key } : undefined);
    if (env === 'prod') expect(key).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
  });

  it('requires the key for the prod tier and refuses an alias, another region or another account, naming the fix', () => {
    expect(problems(variant((c) => delete c.environments.prod.secretsKmsKeyArn))).toEqual([
      'environments.prod.secretsKmsKeyArn: required for the prod tier: EKS envelope-encrypts the cluster\'s Secrets with a customer-managed KMS key; create a symmetric key in eu-west-1 (aws kms create-key --description "acme-prod EKS secrets") and set its ARN',
    ]);
    expect(problems(variant((c) => (c.environments.prod.secretsKmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:alias/eks'))))
      .toEqual([expect.stringMatching(/^environments\.prod\.secretsKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias\/eks" is an alias ARN/)]);
    const other = 'arn:aws:kms:us-east-1:999999999999:key/3c9e7a41-5b2d-4e8f-a1c6-9d0b2e4f7a83';
    expect(problems(variant((c) => (c.environments.prod.secretsKmsKeyArn = other)))).toEqual([
      'environments.prod.secretsKmsKeyArn: the key is in us-east-1 but the cluster runs in aws.region eu-west-1; use a key in eu-west-1',
      'environments.prod.secretsKmsKeyArn: the key belongs to account 999999999999 but aws.accountId is 123456789012; create the key in 123456789012, where EKS uses it for the cluster',
    ]);
  });
});

describe('detection that reaches someone (issue 10, point 10)', () => {
  it.each(ENVIRONMENTS)('%s: the bootstrap README exports the audit stream to S3 for the configured days and turns on GuardDuty EKS protection', async (env) => {
    const m = fixtureEnvironment(env);
    const readme = (await renderedFixture(env)).get(`${env}/bootstrap/README.md`)!;
    const section = readme.slice(readme.indexOf('## Detection: audit log export and GuardDuty'));
    expect(section.length).toBeGreaterThan(100);
    const x = auditExport(m.env);
    expect(x.retentionDays).toBe(fixtureConfig().auditLogs.exportRetentionDays);
    expect(section).toContain(`aws logs put-subscription-filter --log-group-name ${controlPlaneLogGroup(m.env.clusterName)} --filter-name ${x.filterName}`);
    expect(section).toContain(`--filter-pattern '{ $.kind = "Event" && $.apiVersion = "audit.k8s.io/v1" }'`);
    expect(section).toContain(`"Expiration":{"Days":${x.retentionDays}}`);
    expect(section).toContain('aws s3api put-bucket-versioning --bucket');
    expect(section).toContain('aws guardduty update-detector --detector-id "$DETECTOR_ID" --features \'[{"Name":"EKS_AUDIT_LOGS","Status":"ENABLED"}]\'');
    // The control-plane log group keeps the guide's 7 days.
    expect(cluster(env).cloudWatch.clusterLogging.logRetentionInDays).toBe(LOG_RETENTION_DAYS);
    expect(LOG_RETENTION_DAYS).toBe(7);
  });

  it.each(ENVIRONMENTS)("%s: PLAN.md records the export's retention as a deviation from the guide's 7 days", async (env) => {
    const m = fixtureEnvironment(env);
    const row = documentDeviations(m.env).find((d) => d.topic === 'audit log retention');
    expect(row).toMatchObject({ seed: expect.stringContaining('log_retention: "7_days"') });
    expect(row!.rendered).toContain(`kept ${m.env.auditLogExportRetentionDays} days`);
    const plan = (await renderedFixture(env)).get(`${env}/PLAN.md`)!;
    expect(plan).toContain(`| audit log retention | Workflow Efficiency Guide | ${row!.seed} | ${row!.rendered} |`);
  });

  it('defaults the export to 90 days and refuses one no longer than the log group keeps', () => {
    expect(parseConfig(variant((c) => delete c.auditLogs)).auditLogs.exportRetentionDays).toBe(90);
    expect(problems(variant((c) => (c.auditLogs.exportRetentionDays = 7)))).toEqual(['auditLogs.exportRetentionDays: expected an integer 8-3653, got number 7']);
  });
});
