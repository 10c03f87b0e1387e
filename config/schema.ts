/**
 * The platform.yaml schema. It is the single definition of the input: runtime validation and the
 * TypeScript types (`PlatformConfig`) both come from it. Unknown keys are errors everywhere.
 */
import { z } from 'zod';
import { labelDomainProblem } from '../lib/labels';
import { labelDomainName, labelDomainOf, platformTags, policyEnforcementOf } from './defaults';
import { closest } from './did-you-mean';
import { PLATFORM_COMPONENT_IDS, RESERVED_NAMES } from './ids';

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
const duration = z.string({ error: 'expected a duration such as "1h" or "30s"' }).regex(/^\d+(s|m|h)$/, {
  error: 'expected a duration such as "1h", "15m" or "30s"',
});
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
  const repository = image.split('@')[0];
  const slash = repository.lastIndexOf('/');
  return slash >= 0 ? repository.slice(0, slash + 1) : repository.replace(/:[^:]*$/, '');
}

/** A container image with an explicit, pinned tag (or digest); never `:latest`. */
export const pinnedImage = z
  .string({ error: 'expected an image reference such as ghcr.io/example/orders:1.4.2' })
  .superRefine((image, ctx) => {
    const withoutDigest = image.split('@')[0];
    const lastSegment = withoutDigest.split('/').pop() ?? '';
    const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
    const digest = image.includes('@sha256:');
    if (!tag && !digest) {
      ctx.addIssue({ code: 'custom', message: `image "${image}" has no tag: pin an exact version, e.g. ${withoutDigest}:1.2.3` });
    } else if (tag === 'latest') {
      ctx.addIssue({ code: 'custom', message: `image "${image}" uses :latest: pin an exact version, e.g. ${withoutDigest.replace(/:latest$/, '')}:1.2.3` });
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
  /** Microservice sizing in this environment. */
  services: z
    .strictObject({
      minReplicas: intIn(1, 100).optional(),
      maxReplicas: intIn(1, 500).optional(),
      resources: resourcesSchema.optional(),
    })
    .optional(),
});

/** A KV v2 path below the mount: lowercase segments joined by "/", no leading slash. */
const OPENBAO_PATH = /^[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$/;
const OPENBAO_PATH_HINT = 'expected an OpenBao KV path below the secret/ mount such as registry/ghcr: lowercase segments separated by "/", no leading slash, no mount name';

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
    /** Exact EKS Kubernetes version, one minor behind the newest (the guide's n-1 strategy). */
    kubernetesVersion: z.string().regex(/^1\.\d{2}$/, { error: 'expected a Kubernetes minor version such as "1.35"' }).default('1.35'),
    dns: z.strictObject({
      /** The apex zone in Cloudflare; environments live below it. */
      domain: domainName,
      /** Contact for Let's Encrypt. */
      acmeEmail: z.string().regex(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/, { error: 'expected an email address' }),
    }),
    gitops: z.strictObject({
      repoURL: z.string().regex(/^(https:\/\/|ssh:\/\/|git@)/, { error: 'expected a git URL (https://…, ssh://… or git@…)' }),
      targetRevision: z.string().min(1, { error: 'expected a branch, tag or commit' }),
    }),
    /** CIDRs of the operators' networks: the only sources allowed on the public API endpoint. */
    operatorCidrs: z.array(cidr).min(1, { error: 'list at least one CIDR, e.g. [203.0.113.0/24]' }),
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
    for (const [name, env] of Object.entries(cfg.environments)) {
      const tier = tierOf(name, env);
      if (!tier) {
        ctx.addIssue({ code: 'custom', path: ['environments', name, 'tier'], message: `required because "${name}" is not one of ${TIERS.join(', ')}; set tier: dev, staging or prod` });
      } else if (tier !== 'dev' && !env.openbaoKmsKeyArn) {
        ctx.addIssue({ code: 'custom', path: ['environments', name, 'openbaoKmsKeyArn'], message: `required for the ${tier} tier: OpenBao auto-unseals with AWS KMS there; create a symmetric KMS key and set its ARN` });
      }
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
      if (kms?.ok && kms.value.accountId !== cfg.aws.accountId) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'openbaoKmsKeyArn'],
          message: `the key belongs to account ${kms.value.accountId} but aws.accountId is ${cfg.aws.accountId}; create the key in ${cfg.aws.accountId}, where eksctl creates OpenBao's IRSA role`,
        });
      }
      for (const [groupName, group] of Object.entries(env.nodeGroups ?? {})) {
        if (group && group.minSize > group.maxSize) {
          ctx.addIssue({ code: 'custom', path: ['environments', name, 'nodeGroups', groupName, 'minSize'], message: `minSize ${group.minSize} is above maxSize ${group.maxSize}` });
        }
      }
    }
  });

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
