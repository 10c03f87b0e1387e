/**
 * The platform.yaml schema. It is the single definition of the input: runtime validation and the
 * TypeScript types (`PlatformConfig`) both come from it. Unknown keys are errors everywhere.
 */
import { z } from 'zod';
import { parseCaCertificate } from '../lib/ca-certificate';
import { Duration } from '../lib/duration';
import { ImageRef } from '../lib/image-ref';
import { Workflow } from '../lib/component';
import { labelDomainProblem } from '../lib/labels';
import { labelDomainName, labelDomainOf, NODE_GROUP_CAPACITY, nodeGroupSettingsOf, platformTags, policyEnforcementOf } from './defaults';
import { closest } from './did-you-mean';
import { OPTIONAL_COMPONENTS, PLATFORM_COMPONENT_IDS, RESERVED_NAMES } from './ids';
import { EKS_VERSIONS, KUBERNETES_VERSION, NODE_AMI_RELEASES } from './versions';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_HINT = 'expected a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters';

export const dnsLabel = (maxLength = 63) =>
  z
    .string({ error: 'expected a string (a DNS-1123 label)' })
    .max(maxLength, { error: `expected at most ${maxLength} characters` })
    .regex(DNS1123_LABEL, { error: DNS1123_HINT });

const intIn = (min: number, max: number) =>
  z
    .number({ error: `expected an integer ${min}-${max}` })
    .int({ error: `expected an integer ${min}-${max}` })
    .min(min, { error: `expected an integer ${min}-${max}` })
    .max(max, { error: `expected an integer ${min}-${max}` });

const domainName = z
  .string({ error: 'expected a DNS domain name' })
  .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/, {
    error: 'expected a lowercase DNS domain name such as example.com',
  });

const cpuQuantity = z.string({ error: 'expected a CPU quantity such as "300m" or "1"' }).regex(/^\d+(\.\d+)?m?$/, {
  error: 'expected a CPU quantity such as "300m" or "1"',
});
const memoryQuantity = z.string({ error: 'expected a memory quantity such as "512Mi"' }).regex(/^\d+(Ki|Mi|Gi|Ti)?$/, {
  error: 'expected a memory quantity such as "512Mi" or "2Gi"',
});
/** A Go duration in one unit of s, m or h (External Secrets' refreshInterval), parsed by lib/duration.ts. */
const duration = z.string({ error: 'expected a duration such as "1h" or "30s"' }).refine((text) => {
  try {
    // Go durations have no day unit.
    return !Duration.parse(text).toString().endsWith('d');
  } catch {
    return false;
  }
}, { error: 'expected a duration such as "1h", "15m" or "30s"' });
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** An IPv4 CIDR as its address (a 32-bit number) and prefix length. */
function parseCidr(cidr: string): { readonly address: number; readonly prefix: number } {
  const [ip, prefix] = cidr.split('/');
  return { address: ip.split('.').reduce((a, octet) => a * 256 + Number(octet), 0), prefix: Number(prefix) };
}

/** The network address of an IPv4 CIDR, its host bits cleared: `203.0.113.0/24` for `203.0.113.5/24`. */
export function networkOf(cidr: string): string {
  const { address, prefix } = parseCidr(cidr);
  const size = 2 ** (32 - prefix);
  const network = Math.floor(address / size) * size;
  return `${[24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.')}/${prefix}`;
}

/** An IPv4 CIDR without host bits: AWS and Kubernetes take only the network address. */
const cidr = z
  .string({ error: 'expected an IPv4 CIDR such as 203.0.113.0/24' })
  .regex(IPV4_CIDR, { error: 'expected an IPv4 CIDR such as 203.0.113.0/24' })
  .superRefine((value, ctx) => {
    if (!IPV4_CIDR.test(value)) return;
    const { address, prefix } = parseCidr(value);
    if (address % 2 ** (32 - prefix) !== 0) {
      ctx.addIssue({ code: 'custom', message: `"${value}" has host bits set; write the network address, ${networkOf(value)}` });
    }
  });

/** AWS tag keys and values: letters, digits, spaces and `_ . : / = + - @`; keys 1-128, values up to 256 characters. */
const AWS_TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const AWS_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
/** Tags AWS (CloudFormation, which eksctl creates everything with) allows on one resource. */
export const MAX_AWS_TAGS = 50;
const awsTagKey = z
  .string()
  .regex(AWS_TAG_KEY, { error: 'expected an AWS tag key: 1-128 letters, digits, spaces and _ . : / = + - @' })
  .refine((k) => !k.toLowerCase().startsWith('aws:'), { error: 'the aws: prefix is reserved for AWS; choose another key' });
const awsTagValue = z
  .string({ error: 'expected a string (quote numbers and booleans)' })
  .regex(AWS_TAG_VALUE, { error: 'expected an AWS tag value: up to 256 letters, digits, spaces and _ . : / = + - @' });

/**
 * Whether Gatekeeper's allowed-registries rule admits `image`: it must begin with one of the
 * prefixes, exactly as the library's K8sAllowedRepos template compares them.
 */
export function fromAllowedRegistry(image: string, allowedRegistries: readonly string[]): boolean {
  return allowedRegistries.some((prefix) => image.startsWith(prefix));
}

/** The registry and path of an image, up to its last "/" (`docker.io/library/` for `docker.io/library/nginx:1.27`). */
export function registryPrefixOf(image: string): string {
  return ImageRef.parse(image).registryPrefix;
}

/**
 * A service's container image, pinned by digest (what the cluster pulls), with a tag for the
 * reader where there is one, never `:latest`. Gatekeeper's require-image-digests rule denies
 * application pods whose images carry no digest (charts/gatekeeper-constraints), so a missing
 * digest is refused here, at config time, instead of at the first rollout. Renovate keeps tag and
 * digest together.
 */
export const pinnedImage = z
  .string({ error: 'expected an image reference such as ghcr.io/example/orders:1.4.2@sha256:<64 hex digits>' })
  .superRefine((image, ctx) => {
    let ref: ImageRef;
    try {
      ref = ImageRef.parse(image);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return;
    }
    const { tag, withoutDigest, name: repository } = ref;
    if (!tag && !image.includes('@')) {
      ctx.addIssue({ code: 'custom', message: `image "${image}" has no tag: pin an exact version, e.g. ${repository}:1.2.3@sha256:<digest>` });
    } else if (tag === 'latest') {
      ctx.addIssue({ code: 'custom', message: `image "${image}" uses :latest: pin an exact version, e.g. ${repository}:1.2.3@sha256:<digest>` });
    } else if (!ref.hasSha256Digest) {
      const problem = image.includes('@') ? 'its digest is not sha256: and 64 lowercase hex digits' : 'it has no digest';
      const example = tag ? `${withoutDigest}@sha256:<digest>` : `${repository}:1.2.3@sha256:<digest>`;
      ctx.addIssue({
        code: 'custom',
        message:
          `image "${image}": ${problem}, and Gatekeeper's require-image-digests rule admits only images pinned by digest in application namespaces; ` +
          `pin it as ${example} (\`docker buildx imagetools inspect ${tag ? withoutDigest : `${repository}:<tag>`}\` prints the digest)`,
      });
    }
  });

/** A KMS key's own ARN, split into its parts. */
export interface KmsKeyArn {
  readonly region: string;
  readonly accountId: string;
  /** A key UUID, or `mrk-` and 32 hex digits for a multi-Region key. */
  readonly keyId: string;
}

const KMS_KEY_ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\/(.*)$/;
const KMS_KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const DESCRIBE_KEY = 'aws kms describe-key --key-id <key id or alias> --query KeyMetadata.Arn --output text';

/**
 * Parses a KMS key ARN (`arn:aws:kms:<region>:<account>:key/<key id>`), or says what is wrong with
 * it and how to fix it. An alias ARN is refused: IAM grants a key by its own ARN, so an IRSA policy
 * naming the alias would not let OpenBao use the key.
 */
export function parseKmsKeyArn(arn: string): { readonly ok: true; readonly value: KmsKeyArn } | { readonly ok: false; readonly problem: string } {
  if (/^arn:aws:kms:[^:]*:[^:]*:alias\//.test(arn)) {
    return { ok: false, problem: `"${arn}" is an alias ARN; an alias ARN cannot be granted in the IRSA policy, use the key's own ARN (${DESCRIBE_KEY})` };
  }
  const m = KMS_KEY_ARN.exec(arn);
  if (!m) {
    return { ok: false, problem: `"${arn}" is not a KMS key ARN; expected arn:aws:kms:<region>:<12-digit account>:key/<key id>, e.g. arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab` };
  }
  const [, region, accountId, keyId] = m;
  if (!KMS_KEY_ID.test(keyId)) {
    return {
      ok: false,
      problem:
        `key id "${keyId}" is neither a key UUID (e.g. 1234abcd-12ab-34cd-56ef-1234567890ab) nor a multi-Region key id (mrk- and 32 lowercase hex digits); ` +
        `copy the key's ARN from ${DESCRIBE_KEY}`,
    };
  }
  return { ok: true, value: { region, accountId, keyId } };
}

/** A KMS key ARN field: parsed by parseKmsKeyArn, its problem as the message. */
const kmsKeyArn = z
  .string({ error: 'expected a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' })
  .superRefine((arn, ctx) => {
    const parsed = parseKmsKeyArn(arn);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
  });

const IAM_ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const ROLE_ARN_HINT = 'expected an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admin';

/** The account an IAM role ARN belongs to (undefined when it is not a role ARN). */
export function roleAccountOf(arn: string): string | undefined {
  return IAM_ROLE_ARN.exec(arn)?.[1];
}

const roleArn = z.string({ error: ROLE_ARN_HINT }).regex(IAM_ROLE_ARN, { error: ROLE_ARN_HINT });

/**
 * Who may use a cluster's Kubernetes API: IAM roles that become EKS access entries (eksctl
 * `accessConfig`). The identity that creates the cluster gets no standing admin access
 * (`bootstrapClusterCreatorAdminPermissions: false`): it must assume one of the admin roles.
 */
const clusterAccessSchema = z
  .strictObject({
    /** AmazonEKSClusterAdminPolicy, cluster-wide. */
    admins: z.array(roleArn).min(1, {
      error:
        'list at least one IAM role ARN, e.g. [arn:aws:iam::123456789012:role/platform-admin]: the cluster creator gets no standing admin access, so without an admin role no one can administer the cluster',
    }),
    /** AmazonEKSViewPolicy, cluster-wide: reads every object except Secrets. */
    readOnly: z.array(roleArn).default([]),
  })
  .superRefine((access, ctx) => {
    access.readOnly.forEach((arn, i) => {
      if (access.admins.includes(arn)) {
        ctx.addIssue({ code: 'custom', path: ['readOnly', i], message: `"${arn}" is also in admins; EKS allows one access entry per principal, so list it once` });
      }
    });
    for (const list of ['admins', 'readOnly'] as const) {
      access[list].forEach((arn, i) => {
        if (access[list].indexOf(arn) !== i) ctx.addIssue({ code: 'custom', path: [list, i], message: `"${arn}" is listed twice; list each role once` });
      });
    }
  });

const resourcesSchema = z.strictObject({
  requests: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
  limits: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
});

export const TIERS = ['dev', 'staging', 'prod'] as const;

/** An environment's tier: its `tier`, else its name when that is a tier; undefined when neither. */
export function tierOf(name: string, env: Pick<EnvironmentConfig, 'tier'>): Tier | undefined {
  return env.tier ?? TIERS.find((t) => t === name);
}

const nodeGroupSize = z.strictObject({
  minSize: intIn(0, 100),
  maxSize: intIn(1, 100),
});

/** The severities the rules label alerts with and platform.yaml routes (`alerting.routes`). */
export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

const emailAddress = z.string({ error: 'expected an email address' }).regex(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/, { error: 'expected an email address' });
/** Alertmanager's own drop receiver; every alert no route sends elsewhere ends there. */
const NULL_RECEIVER = 'null';
const receiverName = dnsLabel(40).refine((n) => n !== NULL_RECEIVER, { error: '"null" is the receiver that drops alerts; choose another name' });

/**
 * One Alertmanager receiver: exactly one of slack, pagerduty, email, webhook, with its non-secret
 * settings. Its credential (Slack webhook URL, PagerDuty routing key, SMTP password, webhook URL) is
 * never here: it lives in OpenBao and reaches Alertmanager as a file (README, "Alerting").
 */
const receiverSchema = z
  .strictObject({
    /** A Slack incoming webhook (the URL is the credential). */
    slack: z.strictObject({ channel: z.string({ error: 'expected a Slack channel such as "#platform-alerts"' }).regex(/^[#@][-_.a-z0-9]{1,80}$/, { error: 'expected a Slack channel such as "#platform-alerts" (or "@user")' }) }).optional(),
    /** A PagerDuty Events API v2 integration (the routing key is the credential). */
    pagerduty: z.strictObject({ url: z.string().regex(/^https:\/\/[^/\s]+/, { error: 'expected an https URL such as https://events.eu.pagerduty.com/v2/enqueue' }).optional() }).optional(),
    /** Mail through an SMTP relay (the password, when `username` is set, is the credential). */
    email: z
      .strictObject({
        to: z.array(emailAddress).min(1, { error: 'list at least one address' }),
        from: emailAddress,
        smarthost: z.string({ error: 'expected host:port such as smtp.example.com:587' }).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:\d{1,5}$/, { error: 'expected host:port such as smtp.example.com:587' }),
        username: z.string().min(1).optional(),
        requireTls: z.boolean({ error: 'expected true or false' }).default(true),
      })
      .optional(),
    /** Any HTTP endpoint taking Alertmanager's webhook payload, e.g. a heartbeat service (the URL is the credential). */
    webhook: z.strictObject({}).optional(),
  })
  .superRefine((r, ctx) => {
    const kinds = (['slack', 'pagerduty', 'email', 'webhook'] as const).filter((k) => r[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `expected exactly one of slack, pagerduty, email, webhook, got ${kinds.length ? kinds.join(' and ') : 'none'}` });
    }
  });

/** Severity → receiver names. A severity with no receivers goes to the warning receivers. */
const alertRoutesSchema = z.strictObject(
  Object.fromEntries(ALERT_SEVERITIES.map((s) => [s, z.array(receiverName).default([])])) as Record<AlertSeverity, z.ZodDefault<z.ZodArray<typeof receiverName>>>,
);

/** Where an environment's alerts go: `alerting.routes` and `alerting.heartbeat`, or an environment's own. */
const alertRoutingSchema = z.strictObject({
  routes: alertRoutesSchema.prefault({}),
  /** Receives the always-firing Watchdog alert every few minutes (a dead man's switch); without one Watchdog is dropped. */
  heartbeat: receiverName.optional(),
});

const HOURLY_PRICE_HINT = 'expected an hourly price in US dollars such as 0.0912';
const hourlyPrice = z.number({ error: HOURLY_PRICE_HINT }).positive({ error: HOURLY_PRICE_HINT }).max(1000, { error: `${HOURLY_PRICE_HINT} (per hour, not per month)` });

/** What one EC2 instance type costs an hour in `aws.region`, on demand and (where a spot group runs it) as spot. */
const instancePriceSchema = z.strictObject({
  onDemand: hourlyPrice,
  spot: hourlyPrice.optional(),
});

/**
 * A git ref Argo CD syncs from: a branch, a tag or a commit, as `git check-ref-format` allows it
 * (no spaces, `..`, `~^:?*[\`, no leading or trailing `/` or `.`, no `.lock` ending).
 */
const gitRef = z
  .string({ error: 'expected a git branch, tag or commit such as main, release/prod or v1.4.0' })
  .min(1, { error: 'expected a git branch, tag or commit such as main, release/prod or v1.4.0' })
  .refine((r) => !/[\s~^:?*[\\]|\.\.|@\{|\/\/|^[/.]|[/.]$|\.lock$/.test(r), {
    error: 'expected a git branch, tag or commit such as main, release/prod or v1.4.0 (no spaces, "..", "~^:?*[\\", no leading or trailing "/" or ".")',
  });

/** An IdP group as the groups claim carries it; it becomes a field of Argo CD's policy.csv, so no comma, quote, `#` or `*`. */
const idpGroup = z
  .string({ error: 'expected an IdP group name as the groups claim carries it' })
  .regex(/^[^,"#*\s]([^,"#*\n]*[^,"#*\s])?$/, { error: 'expected an IdP group name as the groups claim carries it: no comma, quote, "#" or "*" (they break policy.csv), no leading or trailing space' });
const idpGroups = z.array(idpGroup).default([]);

/**
 * Argo CD single sign-on through an existing OIDC provider (no Dex), and who may do what. The
 * client secret is not here: it is the `argocd-oidc` Secret, created at bootstrap and adopted from
 * OpenBao (README, "Argo CD access").
 */
const argoCdSsoSchema = z
  .strictObject({
    /** The provider's issuer URL, exactly as its discovery document states it. */
    issuer: z.string({ error: 'expected the OIDC issuer URL such as https://login.example.com' }).regex(/^https:\/\/[^/\s]+(\/\S*)?$/, { error: 'expected an https issuer URL such as https://login.example.com' }),
    /** The OIDC client Argo CD's server uses. */
    clientID: z.string({ error: 'expected the OIDC client ID' }).min(1, { error: 'expected the OIDC client ID' }),
    /** A public client for the CLI (`argocd login --sso`), where the provider needs one. Default: the CLI uses `clientID`. */
    cliClientID: z.string().min(1, { error: 'expected the OIDC client ID of the CLI' }).optional(),
    /** Display name of the login button. */
    name: z.string().min(1).default('SSO'),
    /** Scopes requested at login; must include openid and whatever makes the provider send the groups claim. */
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, { error: 'expected an OAuth scope (no spaces or quotes)' }))
      .default(['openid', 'profile', 'email', 'groups'])
      .refine((s) => s.includes('openid'), { error: 'must include openid: without it the provider issues no ID token; add openid to the list' }),
    /** The ID token claim holding the user's groups, which the RBAC below matches. */
    groupsClaim: z.string().regex(/^[A-Za-z0-9_.:/-]+$/, { error: 'expected a claim name such as groups' }).default('groups'),
    /** The URL people reach Argo CD at; the provider must allow `<url>/auth/callback`. Default: the bootstrap README's port-forward. */
    url: z.string().regex(/^https:\/\/[^/\s]+$/, { error: 'expected https://host[:port] without a path, e.g. https://localhost:8080' }).default('https://localhost:8080'),
    /** IdP groups → Argo CD roles. Anyone else who logs in sees nothing (policy.default is empty). */
    rbac: z
      .strictObject({
        /** Argo CD's built-in role:admin: everything, every project. */
        admin: idpGroups,
        /** Argo CD's built-in role:readonly: read every Application, project, cluster and repository. */
        readonly: idpGroups,
        /** Rights in one project (a workflow's AppProject) only: `read` (Applications and their logs), `sync` (read, and sync). */
        projects: z.record(z.string(), z.strictObject({ read: idpGroups, sync: idpGroups })).default({}),
      })
      .prefault({}),
  })
  .superRefine((sso, ctx) => {
    const projects: string[] = Object.values(Workflow);
    for (const project of Object.keys(sso.rbac.projects)) {
      if (projects.includes(project)) continue;
      const near = closest(project, projects);
      ctx.addIssue({
        code: 'custom',
        path: ['rbac', 'projects', project],
        message: `no Argo CD project "${project}"${near ? ` (did you mean "${near}"?)` : ''}; use one of ${projects.join(', ')} (one per workflow)`,
      });
    }
    if (sso.rbac.admin.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['rbac', 'admin'],
        message: 'list at least one IdP group, e.g. admin: [platform-admins]: with SSO the local admin account is disabled, so without an admin group no one can administer Argo CD',
      });
    }
  });

/** Per-environment overrides of the tier defaults (config/defaults.ts). Every key is optional. */
const environmentSchema = z.strictObject({
  /** Which defaults apply (dev, staging or prod). Defaults to the environment's name when that is a tier. */
  tier: z.enum(TIERS, { error: 'expected one of dev, staging, prod' }).optional(),
  /** The environment's DNS zone. Default: `<env>.<dns.domain>`, and `dns.domain` itself for prod. */
  domain: domainName.optional(),
  /** Availability zone suffixes (a, b, c...) used in the region. */
  availabilityZones: z.array(z.string().regex(/^[a-f]$/, { error: 'expected a zone letter a-f' })).min(2, { error: 'EKS needs at least 2 availability zones' }).max(3).optional(),
  /** Public CIDRs allowed to reach the API endpoint (prod locks it to private-only after bootstrap). */
  publicAccessCidrs: z.array(cidr).min(1).optional(),
  nodeGroups: z
    .strictObject({
      system: nodeGroupSize.optional(),
      spot: nodeGroupSize.optional(),
      onDemand: nodeGroupSize.optional(),
    })
    .optional(),
  /** Replicate platform components (HA) instead of running single replicas. */
  highAvailability: z.boolean({ error: 'expected true or false' }).optional(),
  /** Gatekeeper enforcement on application namespaces. */
  policyEnforcement: z.enum(['warn', 'deny'], { error: 'expected warn or deny' }).optional(),
  /** Mesh-wide Istio mTLS mode. */
  mtlsMode: z.enum(['STRICT', 'PERMISSIVE'], { error: 'expected STRICT or PERMISSIVE' }).optional(),
  /** Envoy access logs through the mesh. */
  accessLogs: z.boolean({ error: 'expected true or false' }).optional(),
  /**
   * The AWS account this environment's cluster lives in, instead of `aws.accountId` (README,
   * "Cluster access and isolation": prod in an account of its own).
   */
  aws: z
    .strictObject({
      accountId: z.string({ error: 'expected a 12-digit AWS account id in quotes, e.g. "210987654321"' }).regex(/^\d{12}$/, {
        error: 'expected a 12-digit AWS account id in quotes, e.g. "210987654321"',
      }),
    })
    .optional(),
  /** The DNS zone (in Cloudflare) holding this environment's names, instead of `dns.domain`. */
  dns: z.strictObject({ zone: domainName }).optional(),
  /** Who may use this cluster's API, instead of `clusterAccess` (needed when the environment has its own account). */
  clusterAccess: clusterAccessSchema.optional(),
  /**
   * ARN of the customer-managed KMS key EKS envelope-encrypts this cluster's Secrets with
   * (eksctl `secretsEncryption`; required for the prod tier): the key's own ARN, in `aws.region`
   * and the environment's account.
   */
  secretsKmsKeyArn: kmsKeyArn.optional(),
  /**
   * ARN of the KMS key OpenBao auto-unseals with (required unless the tier uses the static seal): the
   * key's own ARN, in `aws.region` and `aws.accountId` (checked below).
   */
  openbaoKmsKeyArn: z
    .string({ error: 'expected a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' })
    .superRefine((arn, ctx) => {
      const parsed = parseKmsKeyArn(arn);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
    })
    .optional(),
  /**
   * The certificate (PEM) of the CA that signs OpenBao's serving certificate in this environment:
   * created at bootstrap (README, "OpenBao internal CA"), its key only in the password manager and
   * the bootstrap Secret. Required (checked below); clients get it inlined as their CA bundle.
   */
  openbaoCaCertificate: z
    .string({ error: 'expected the PEM certificate of the OpenBao CA (a block scalar starting with -----BEGIN CERTIFICATE-----)' })
    .superRefine((pem, ctx) => {
      const parsed = parseCaCertificate(pem);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
    })
    .optional(),
  /** This environment's alert routing instead of the platform's `alerting.routes` and `alerting.heartbeat` (receivers stay shared). */
  alerting: alertRoutingSchema.optional(),
  /** The git ref this environment's Argo CD syncs from instead of `gitops.targetRevision` (README, "Argo CD access"). */
  targetRevision: gitRef.optional(),
  /** Argo CD single sign-on for this environment instead of the platform's `argocd.sso`. */
  argocd: z.strictObject({ sso: argoCdSsoSchema.optional() }).optional(),
  /** Microservice sizing in this environment. */
  services: z
    .strictObject({
      minReplicas: intIn(1, 100).optional(),
      maxReplicas: intIn(1, 500).optional(),
      resources: resourcesSchema.optional(),
    })
    .optional(),
});

/** `components.<id>`: one platform component's overrides. */
const componentOverrideSchema = z.strictObject({
  /** Helm values merged last over the computed ones: maps merge, lists and scalars replace, null removes. */
  values: z.record(z.string(), z.unknown(), { error: 'expected a map of Helm values, as in the chart\'s values.yaml' }).optional(),
  /** false leaves the component out of every environment (optional components only). */
  enabled: z.boolean().optional(),
});

function componentOverrideProblems(overrides: Record<string, z.infer<typeof componentOverrideSchema>>, ctx: z.RefinementCtx): void {
  const ids: readonly string[] = PLATFORM_COMPONENT_IDS;
  for (const [id, o] of Object.entries(overrides)) {
    if (!ids.includes(id)) {
      const near = closest(id, ids);
      ctx.addIssue({
        code: 'custom',
        path: [id],
        message: `unknown component "${id}"${near ? `; did you mean "${near}"?` : ''} (components are the Argo CD Applications: ${ids.join(', ')})`,
      });
    } else if (o.enabled === false && !(id in OPTIONAL_COMPONENTS)) {
      ctx.addIssue({
        code: 'custom',
        path: [id, 'enabled'],
        message: `"${id}" cannot be turned off: other components or the platform's guarantees depend on it; optional components: ${Object.keys(OPTIONAL_COMPONENTS).join(', ')}`,
      });
    }
  }
}

/** A KV v2 path below the mount: lowercase segments joined by "/", no leading slash. */
const OPENBAO_PATH = /^[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$/;
const OPENBAO_PATH_HINT = 'expected an OpenBao KV path below the secret/ mount such as registry/ghcr: lowercase segments separated by "/", no leading slash, no mount name';

/** A Kubernetes minor EKS offers, with a node AMI release pinned for it (config/versions.ts). */
const kubernetesMinor = z
  .string({ error: 'expected a quoted Kubernetes minor version such as "1.35"' })
  .regex(/^1\.\d{2}$/, { error: 'expected a quoted Kubernetes minor version such as "1.35"' })
  .superRefine((v, ctx) => {
    const minor = (x: string) => Number(x.split('.')[1]);
    if (minor(v) > minor(EKS_VERSIONS.newest)) {
      ctx.addIssue({ code: 'custom', message: `${v} is newer than the newest EKS version, ${EKS_VERSIONS.newest} (config/versions.ts EKS_VERSIONS); remove the key to follow n-1 (${KUBERNETES_VERSION})` });
    } else if (!NODE_AMI_RELEASES[v]) {
      ctx.addIssue({
        code: 'custom',
        message:
          `no node AMI release is pinned for Kubernetes ${v}: add '${v}' to NODE_AMI_RELEASES in config/versions.ts ` +
          `(aws ssm get-parameter --name /aws/service/eks/optimized-ami/${v}/amazon-linux-2023/x86_64/standard/recommended/release_version), or remove the key to follow n-1 (${KUBERNETES_VERSION})`,
      });
    }
  });

const kafkaTopicName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
  error: 'expected a topic name of lowercase letters, digits, "." and "-"',
});

const serviceSchema = z.strictObject({
  name: dnsLabel(40),
  image: pinnedImage,
  port: intIn(1, 65535),
  /** Exposed through emissary at `<name>.<environment domain>`. */
  public: z.boolean({ error: 'expected true or false' }).default(false),
  /** HTTP path answering readiness and liveness probes. */
  healthPath: z.string().regex(/^\//, { error: 'expected an absolute path such as /healthz' }).default('/healthz'),
  /** HTTP path serving Prometheus metrics on the service port. */
  metricsPath: z.string().regex(/^\//, { error: 'expected an absolute path such as /metrics' }).default('/metrics'),
  /** Gets a database and a role of its own in the platform Postgres cluster. */
  database: z.boolean({ error: 'expected true or false' }).default(false),
  /** Gets the Redis connection (password from the Redis ExternalSecret). */
  redis: z.boolean({ error: 'expected true or false' }).default(false),
  kafka: z
    .strictObject({
      produces: z.array(kafkaTopicName).default([]),
      consumes: z.array(kafkaTopicName).default([]),
    })
    .optional(),
  /** Other services this one calls: these become the only service-to-service allows. */
  calls: z.array(dnsLabel()).default([]),
  /** Plain, non-secret environment variables. */
  env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an UPPER_SNAKE_CASE variable name' }), z.string()).default({}),
  /**
   * Pull credentials for an image in a private registry: a Docker config JSON kept in OpenBao,
   * delivered as a `kubernetes.io/dockerconfigjson` Secret that the service's ServiceAccount lists
   * in `imagePullSecrets`. Absent: the image is pulled anonymously (nothing is rendered).
   */
  registryCredentials: z
    .strictObject({
      /** KV path under the OpenBao `secret` mount, without the mount, e.g. `registry/ghcr`. */
      openbaoPath: z.string({ error: OPENBAO_PATH_HINT }).regex(OPENBAO_PATH, { error: OPENBAO_PATH_HINT }),
      /** Property at that path holding the whole Docker config JSON (`{"auths": {...}}`). */
      property: z
        .string()
        .regex(/^[-._a-zA-Z0-9]+$/, { error: 'expected a property name of letters, digits, ".", "_" and "-"' })
        .default('dockerconfigjson'),
    })
    .optional(),
});

export const platformSchema = z
  .strictObject({
    /** Short platform name; clusters are `<name>-<env>`. */
    name: dnsLabel(20),
    /**
     * Prefix of the platform's own label, annotation and AWS tag keys (`<labelDomain>/workflow`,
     * `<labelDomain>/source`, ...). Default: `platform.<dns.domain>` (config/defaults.ts `labelDomainOf`).
     */
    labelDomain: z
      .string({ error: 'expected a DNS subdomain such as platform.example.com' })
      .superRefine((domain, ctx) => {
        const problem = labelDomainProblem(domain);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    aws: z.strictObject({
      accountId: z.string({ error: 'expected a 12-digit AWS account id in quotes, e.g. "123456789012"' }).regex(/^\d{12}$/, {
        error: 'expected a 12-digit AWS account id in quotes, e.g. "123456789012"',
      }),
      region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: 'expected an AWS region such as eu-west-1' }),
      /**
       * Extra tags on every AWS resource eksctl creates, besides the two the platform sets itself:
       * `<labelDomain>/platform` (name) and `<labelDomain>/environment` (the environment's name).
       */
      tags: z.record(awsTagKey, awsTagValue, { error: (issue) => (issue.code === 'invalid_type' ? 'expected a map of tag key to value' : undefined) }).default({}),
    }),
    /**
     * Holds every cluster at this EKS minor instead of KUBERNETES_VERSION (config/versions.ts: one
     * behind the newest EKS offers, the guide's n-1). Absent, the clusters follow Renovate's bumps.
     */
    kubernetesVersion: kubernetesMinor.optional(),
    dns: z.strictObject({
      /** The apex zone in Cloudflare; environments live below it. */
      domain: domainName,
      /** Contact for Let's Encrypt. */
      acmeEmail: z.string().regex(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/, { error: 'expected an email address' }),
      /**
       * Cloudflare's published IPv4 ranges (https://www.cloudflare.com/ips-v4). Where an
       * environment's records are proxied, the load balancer accepts only these sources; Cloudflare
       * changes the list rarely, and it must be kept current (README, "Cluster access and isolation").
       */
      cloudflareIpRanges: z.array(cidr).default([]),
    }),
    gitops: z.strictObject({
      repoURL: z.string().regex(/^(https:\/\/|ssh:\/\/|git@)/, { error: 'expected a git URL (https://…, ssh://… or git@…)' }),
      targetRevision: z.string().min(1, { error: 'expected a branch, tag or commit' }),
    }),
    /** Argo CD access: single sign-on and its RBAC, for every environment that sets no `environments.<env>.argocd.sso`. */
    argocd: z.strictObject({ sso: argoCdSsoSchema.optional() }).prefault({}),
    /** CIDRs of the operators' networks: the only sources allowed on the public API endpoint. */
    operatorCidrs: z.array(cidr).min(1, { error: 'list at least one CIDR, e.g. [203.0.113.0/24]' }),
    /** Who may use the clusters' Kubernetes API (EKS access entries), for every environment that sets no `environments.<env>.clusterAccess`. */
    clusterAccess: clusterAccessSchema,
    /**
     * The Kubernetes audit log export: the control-plane log group keeps 7 days (the guide's
     * log_retention), a subscription to S3 keeps the audit stream this many days (bootstrap README).
     */
    auditLogs: z.strictObject({ exportRetentionDays: intIn(8, 3653).default(90) }).prefault({}),
    /** How often ExternalSecrets re-read OpenBao. */
    secrets: z.strictObject({ refreshInterval: duration.default('1h') }).default({ refreshInterval: '1h' }),
    policy: z
      .strictObject({
        /** Image registries (prefixes) workloads in enforced namespaces may pull from. */
        allowedRegistries: z.array(z.string().min(1)).min(1),
        /** Namespaces where constraints only audit (warn/dryrun) instead of enforcing. */
        auditOnlyNamespaces: z.array(dnsLabel()).default([]),
      }),
    environments: z
      .record(dnsLabel(20), environmentSchema, { error: 'expected a map of environment name to settings' })
      .refine((e) => Object.keys(e).length > 0, { error: 'define at least one environment, e.g. environments: { dev: {} }' }),
    services: z.array(serviceSchema).default([]),
    /**
     * Per-component overrides (README, "Per-component overrides"): `values` deep-merged last over the
     * Helm values a component computes, `enabled: false` for the optional components.
     */
    components: z
      .record(z.string(), componentOverrideSchema, { error: 'expected a map of component id to { values, enabled }' })
      .superRefine(componentOverrideProblems)
      .default({}),
    /**
     * Alertmanager receivers (shared by every environment, by name) and the routing by severity that
     * every environment uses unless it sets its own `environments.<env>.alerting`.
     */
    alerting: z
      .strictObject({
        receivers: z.record(receiverName, receiverSchema, { error: (issue) => (issue.code === 'invalid_type' ? 'expected a map of receiver name to settings' : undefined) }).default({}),
        ...alertRoutingSchema.shape,
      })
      .prefault({}),
    /**
     * Hourly EC2 prices (US dollars, Linux) in `aws.region` for the instance types the node groups
     * run: the cost KPIs are derived from them and the node metrics (no cost tool runs). List prices
     * change; keep them current (README, "KPIs and cost").
     */
    pricing: z
      .strictObject({
        instanceTypes: z
          .record(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'expected an EC2 instance type such as t3.large' }), instancePriceSchema, {
            error: (issue) => (issue.code === 'invalid_type' ? 'expected a map of instance type to { onDemand, spot } prices' : undefined),
          })
          .default({}),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const reserved = new Set<string>([...PLATFORM_COMPONENT_IDS, ...RESERVED_NAMES]);
    const seen = new Map<string, number>();
    cfg.services.forEach((s, i) => {
      if (reserved.has(s.name)) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], message: `"${s.name}" is the name of a platform component; rename the service` });
      }
      const first = seen.get(s.name);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], message: `duplicate service name "${s.name}" (also services[${first}]); service names must be unique` });
      } else {
        seen.set(s.name, i);
      }
    });
    cfg.services.forEach((s, i) =>
      s.calls.forEach((callee, j) => {
        if (!seen.has(callee)) {
          const near = closest(callee, [...seen.keys()].filter((n) => n !== s.name));
          const hint = near ? ` (did you mean "${near}"?)` : '';
          ctx.addIssue({ code: 'custom', path: ['services', i, 'calls', j], message: `unknown service "${callee}"${hint}; calls must name services defined in services[]` });
        } else if (callee === s.name) {
          ctx.addIssue({ code: 'custom', path: ['services', i, 'calls', j], message: `a service cannot call itself; remove "${callee}"` });
        }
      }),
    );
    checkImageRegistries(cfg, ctx);
    checkLabelDomainAndTags(cfg, ctx);
    checkAlerting(cfg, ctx);
    checkPricing(cfg, ctx);
    checkArgoCdAccess(cfg, ctx);
    for (const [name, env] of Object.entries(cfg.environments)) {
      const tier = tierOf(name, env);
      if (!tier) {
        ctx.addIssue({ code: 'custom', path: ['environments', name, 'tier'], message: `required because "${name}" is not one of ${TIERS.join(', ')}; set tier: dev, staging or prod` });
      } else if (tier !== 'dev' && !env.openbaoKmsKeyArn) {
        ctx.addIssue({ code: 'custom', path: ['environments', name, 'openbaoKmsKeyArn'], message: `required for the ${tier} tier: OpenBao auto-unseals with AWS KMS there; create a symmetric KMS key and set its ARN` });
      }
      if (!env.openbaoCaCertificate) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'openbaoCaCertificate'],
          message: 'required: OpenBao serves TLS from an internal CA of this environment; create the CA with the openssl commands of the bootstrap README ("OpenBao internal CA") and paste its ca.crt here as a block scalar (openbaoCaCertificate: |)',
        });
      }
      const account = env.aws?.accountId ?? cfg.aws.accountId;
      const accountKey = env.aws ? `environments.${name}.aws.accountId` : 'aws.accountId';
      if (tier === 'prod' && !env.secretsKmsKeyArn) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'secretsKmsKeyArn'],
          message:
            `required for the prod tier: EKS envelope-encrypts the cluster's Secrets with a customer-managed KMS key; create a symmetric key in ${cfg.aws.region} ` +
            `(aws kms create-key --description "${cfg.name}-${name} EKS secrets") and set its ARN`,
        });
      }
      checkKeyPlacement(cfg, ctx, name, 'secretsKmsKeyArn', env.secretsKmsKeyArn, account, accountKey, 'where EKS uses it for the cluster');
      checkDnsZone(cfg, ctx, name, env);
      checkClusterAccess(cfg, ctx, name, env, account, accountKey);
      const kms = env.openbaoKmsKeyArn ? parseKmsKeyArn(env.openbaoKmsKeyArn) : undefined;
      if (kms?.ok && kms.value.region !== cfg.aws.region) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'openbaoKmsKeyArn'],
          message:
            `the key is in ${kms.value.region} but the cluster runs in aws.region ${cfg.aws.region}; use a key in ${cfg.aws.region}` +
            (kms.value.keyId.startsWith('mrk-')
              ? ` (this multi-Region key's replica there: arn:aws:kms:${cfg.aws.region}:${kms.value.accountId}:key/${kms.value.keyId}, after aws kms replicate-key)`
              : ''),
        });
      }
      if (kms?.ok && kms.value.accountId !== account) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'openbaoKmsKeyArn'],
          message: `the key belongs to account ${kms.value.accountId} but ${accountKey} is ${account}; create the key in ${account}, where eksctl creates OpenBao's IRSA role`,
        });
      }
      for (const [groupName, group] of Object.entries(env.nodeGroups ?? {})) {
        if (group && group.minSize > group.maxSize) {
          ctx.addIssue({ code: 'custom', path: ['environments', name, 'nodeGroups', groupName, 'minSize'], message: `minSize ${group.minSize} is above maxSize ${group.maxSize}` });
        }
      }
    }
  });

/** A KMS key of an environment lives in `aws.region` and the environment's account. */
function checkKeyPlacement(
  cfg: Pick<PlatformConfig, 'aws'>,
  ctx: z.RefinementCtx,
  envName: string,
  key: string,
  arn: string | undefined,
  account: string,
  accountKey: string,
  where: string,
): void {
  const kms = arn ? parseKmsKeyArn(arn) : undefined;
  if (!kms?.ok) return;
  const path = ['environments', envName, key];
  if (kms.value.region !== cfg.aws.region) {
    ctx.addIssue({ code: 'custom', path, message: `the key is in ${kms.value.region} but the cluster runs in aws.region ${cfg.aws.region}; use a key in ${cfg.aws.region}` });
  }
  if (kms.value.accountId !== account) {
    ctx.addIssue({ code: 'custom', path, message: `the key belongs to account ${kms.value.accountId} but ${accountKey} is ${account}; create the key in ${account}, ${where}` });
  }
}

/** An environment's own zone must hold its domain. */
function checkDnsZone(cfg: Pick<PlatformConfig, 'dns'>, ctx: z.RefinementCtx, envName: string, env: EnvironmentConfig): void {
  const zone = env.dns?.zone;
  if (!zone || !env.domain) return;
  if (env.domain !== zone && !env.domain.endsWith(`.${zone}`)) {
    ctx.addIssue({
      code: 'custom',
      path: ['environments', envName, 'domain'],
      message: `"${env.domain}" is not in the environment's zone ${zone} (environments.${envName}.dns.zone); use ${zone} or a name below it, e.g. ${envName}.${zone}`,
    });
  }
}

/**
 * An environment's access entries name roles of the cluster's own account: an environment in an
 * account of its own needs its own `clusterAccess`.
 */
function checkClusterAccess(cfg: Pick<PlatformConfig, 'clusterAccess'>, ctx: z.RefinementCtx, envName: string, env: EnvironmentConfig, account: string, accountKey: string): void {
  const access = env.clusterAccess ?? cfg.clusterAccess;
  const at = env.clusterAccess ? ['environments', envName, 'clusterAccess'] : ['clusterAccess'];
  for (const list of ['admins', 'readOnly'] as const) {
    access[list].forEach((arn, i) => {
      const roleAccount = roleAccountOf(arn);
      if (!roleAccount || roleAccount === account) return;
      ctx.addIssue({
        code: 'custom',
        path: [...at, list, i],
        message:
          `"${arn}" is a role of account ${roleAccount}, but environment ${envName}'s cluster is in ${account} (${accountKey}); an EKS access entry names a principal of the cluster's account: ` +
          (env.clusterAccess ? `use a role in ${account}` : `set environments.${envName}.clusterAccess with roles in ${account}`),
      });
    });
  }
}

/** The environments where Gatekeeper denies what breaks a policy in application namespaces (`deny`), and where it only warns. */
export function enforcementByEnvironment(cfg: Pick<PlatformConfig, 'environments'>): { readonly deny: readonly string[]; readonly warn: readonly string[] } {
  const deny: string[] = [];
  const warn: string[] = [];
  for (const [name, env] of Object.entries(cfg.environments).sort(([a], [b]) => a.localeCompare(b))) {
    const tier = tierOf(name, env);
    if (tier) (policyEnforcementOf(tier, env) === 'deny' ? deny : warn).push(name);
  }
  return { deny, warn };
}

/**
 * A service image outside `policy.allowedRegistries` renders fine, but where Gatekeeper denies
 * (staging and prod by default) the cluster rejects its pods: refused here, naming the image and the fix.
 */
function checkImageRegistries(cfg: Pick<PlatformConfig, 'services' | 'policy' | 'environments'>, ctx: z.RefinementCtx): void {
  const { deny } = enforcementByEnvironment(cfg);
  // An empty list is reported by its own schema; every image would be "outside" it.
  if (deny.length === 0 || cfg.policy.allowedRegistries.length === 0) return;
  cfg.services.forEach((s, i) => {
    if (fromAllowedRegistry(s.image, cfg.policy.allowedRegistries)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['services', i, 'image'],
      message:
        `image "${s.image}" is not from policy.allowedRegistries (${cfg.policy.allowedRegistries.join(', ')}), so Gatekeeper denies its pods in ${deny.join(', ')} ` +
        `(policyEnforcement: deny); push the image to an allowed registry, or add "${registryPrefixOf(s.image)}" to policy.allowedRegistries`,
    });
  });
}

/**
 * Routes and heartbeats name receivers that exist, and every prod-tier environment has a receiver
 * for critical and for warning alerts (every other severity falls back to the warning receivers), so
 * no prod alert ends in the null receiver. Dev and staging may run without one; PLAN.md says so.
 */
function checkAlerting(cfg: Pick<PlatformConfig, 'alerting' | 'environments'>, ctx: z.RefinementCtx): void {
  const names = Object.keys(cfg.alerting.receivers);
  const checkRouting = (routing: AlertRouting, at: readonly (string | number)[]) => {
    const known = (name: string, path: readonly (string | number)[]) => {
      if (names.includes(name)) return;
      const near = closest(name, names);
      ctx.addIssue({
        code: 'custom',
        path: [...path],
        message: `unknown receiver "${name}"${near ? ` (did you mean "${near}"?)` : ''}; name one of alerting.receivers${names.length ? ` (${names.join(', ')})` : ', or define it there'}`,
      });
    };
    for (const severity of ALERT_SEVERITIES) {
      routing.routes[severity].forEach((name, i) => {
        known(name, [...at, 'routes', severity, i]);
        if (routing.routes[severity].indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: [...at, 'routes', severity, i], message: `"${name}" is listed twice; list each receiver once` });
      });
    }
    if (routing.heartbeat !== undefined) known(routing.heartbeat, [...at, 'heartbeat']);
  };
  checkRouting(cfg.alerting, ['alerting']);
  for (const [name, env] of Object.entries(cfg.environments)) {
    if (env.alerting) checkRouting(env.alerting, ['environments', name, 'alerting']);
    if (tierOf(name, env) !== 'prod') continue;
    const routing = env.alerting ?? cfg.alerting;
    const at = env.alerting ? ['environments', name, 'alerting', 'routes'] : ['alerting', 'routes'];
    for (const severity of ['critical', 'warning'] as const) {
      if (routing.routes[severity].length > 0) continue;
      ctx.addIssue({
        code: 'custom',
        path: [...at, severity],
        message:
          `required for the prod tier (environment ${name}): no receiver gets its ${severity} alerts, which would end in the null receiver; ` +
          `list a receiver from alerting.receivers, e.g. ${severity}: [${names[0] ?? 'platform-oncall'}]${names.length ? '' : ', after defining it under alerting.receivers (slack, pagerduty, email or webhook)'}`,
      });
    }
  }
}

/**
 * Every instance type a node group of some environment runs has a price for the capacity type it
 * runs as: an on-demand price always (the baseline spot savings are measured against), a spot price
 * where the spot group runs it. A spot price above the on-demand one is a typo.
 */
function checkPricing(cfg: Pick<PlatformConfig, 'pricing' | 'environments' | 'aws'>, ctx: z.RefinementCtx): void {
  const prices = cfg.pricing.instanceTypes;
  const missing = new Map<string, { path: (string | number)[]; users: string[] }>();
  for (const [name, env] of Object.entries(cfg.environments).sort(([a], [b]) => a.localeCompare(b))) {
    const tier = tierOf(name, env);
    if (!tier) continue;
    const groups = nodeGroupSettingsOf(tier, env);
    for (const role of Object.keys(groups) as (keyof typeof groups)[]) {
      const capacity = NODE_GROUP_CAPACITY[role];
      for (const type of groups[role].instanceTypes) {
        const fields = capacity === 'SPOT' ? (['onDemand', 'spot'] as const) : (['onDemand'] as const);
        for (const field of fields) {
          if (prices[type]?.[field] !== undefined) continue;
          const path = prices[type] ? ['pricing', 'instanceTypes', type, field] : ['pricing', 'instanceTypes', type];
          const key = path.join('\u0000');
          const entry = missing.get(key) ?? { path, users: [] };
          const user = `${name} ${role} (${capacity})`;
          if (!entry.users.includes(user)) entry.users.push(user);
          missing.set(key, entry);
        }
      }
    }
  }
  for (const { path, users } of missing.values()) {
    const type = String(path[2]);
    ctx.addIssue({
      code: 'custom',
      path,
      message:
        `no ${path.length === 4 ? `${path[3]} ` : ''}price for instance type ${type}, which these node groups run: ${users.join(', ')}; ` +
        `add pricing.instanceTypes."${type}": { onDemand: <USD per hour>${users.some((u) => u.endsWith('(SPOT)')) ? ', spot: <USD per hour>' : ''} } with ${cfg.aws.region}'s current Linux price`,
    });
  }
  for (const [type, p] of Object.entries(prices)) {
    if (p.spot !== undefined && p.spot > p.onDemand) {
      ctx.addIssue({ code: 'custom', path: ['pricing', 'instanceTypes', type, 'spot'], message: `spot price ${p.spot} is above the on-demand price ${p.onDemand}; spot is sold below on-demand, check both numbers` });
    }
  }
}

/**
 * A prod-tier environment needs single sign-on: without it the only login is the shared local admin
 * account. Dev and staging may run without it (admin stays enabled there; README, "Argo CD access").
 */
function checkArgoCdAccess(cfg: Pick<PlatformConfig, 'argocd' | 'environments'>, ctx: z.RefinementCtx): void {
  for (const [name, env] of Object.entries(cfg.environments)) {
    if (tierOf(name, env) !== 'prod' || env.argocd?.sso || cfg.argocd.sso) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['environments', name, 'argocd', 'sso'],
      message:
        `required for the prod tier (environment ${name}): without single sign-on the only Argo CD login is the shared local admin account; ` +
        `set argocd.sso (or environments.${name}.argocd.sso) with the OIDC issuer, clientID and the IdP groups of rbac.admin`,
    });
  }
}

/** The label domain (set or default) must prefix a label key; `aws.tags` must leave room for, and not redefine, the platform's own tags. */
function checkLabelDomainAndTags(cfg: Pick<PlatformConfig, 'labelDomain' | 'dns' | 'aws'>, ctx: z.RefinementCtx): void {
  const domain = labelDomainName(cfg);
  if (cfg.labelDomain === undefined) {
    const problem = labelDomainProblem(domain);
    if (problem) ctx.addIssue({ code: 'custom', path: ['labelDomain'], message: `the default, platform.<dns.domain>, cannot prefix a label key: ${problem}; set labelDomain` });
  }
  if (labelDomainProblem(domain)) return;
  // The platform's own tags, each with what it is set to, in words.
  const own = platformTags(labelDomainOf(cfg), 'name', "the environment's name");
  const tags = Object.keys(cfg.aws.tags);
  for (const key of tags) {
    if (key in own) ctx.addIssue({ code: 'custom', path: ['aws', 'tags', key], message: `the platform sets this tag itself (to ${own[key]}); remove it` });
  }
  const room = MAX_AWS_TAGS - Object.keys(own).length;
  if (tags.length > room) {
    ctx.addIssue({ code: 'custom', path: ['aws', 'tags'], message: `${tags.length} tags, but AWS allows ${MAX_AWS_TAGS} on a resource and the platform sets ${Object.keys(own).length}; keep at most ${room}` });
  }
}

export type PlatformConfig = z.infer<typeof platformSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type ResourcesConfig = z.infer<typeof resourcesSchema>;
export type Tier = (typeof TIERS)[number];
export type AlertReceiverConfig = z.infer<typeof receiverSchema>;
export type AlertRouting = z.infer<typeof alertRoutingSchema>;
export type ArgoCdSsoConfig = z.infer<typeof argoCdSsoSchema>;
