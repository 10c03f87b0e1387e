/**
 * Per-tier defaults (the seed's "Environment-Specific Considerations") and their resolution with
 * an environment's overrides into one `EnvironmentSettings`, the only shape components see.
 */
import { LabelDomain } from '../lib/labels';
import { Resources } from '../lib/resources';
import { TierPolicy } from '../lib/tier-policy';
import { KUBERNETES_VERSION } from './versions';
// Types only: schema.ts imports this module's values, so a value import back would be a cycle.
import type { AlertReceiverConfig, AlertRouting, ArgoCdSsoConfig, EnvironmentConfig, PlatformConfig, ResourcesConfig, Tier } from './schema';

/** Sizes of one node group; where a role has one group per zone (eksctl/node-groups.ts), of each. */
export interface NodeGroupSettings {
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
}

export interface TierDefaults {
  readonly availabilityZones: readonly string[];
  readonly nat: 'Single' | 'HighlyAvailable';
  /** Lock the API endpoint to private-only after bootstrap. */
  readonly privateEndpointOnly: boolean;
  readonly nodeGroups: { readonly system: NodeGroupSettings; readonly spot: NodeGroupSettings; readonly onDemand: NodeGroupSettings };
  /** One spot node group per availability zone, so the autoscaler can add a node in the zone of an EBS volume. */
  readonly spotGroupPerZone: boolean;
  readonly highAvailability: boolean;
  readonly policyEnforcement: 'warn' | 'deny';
  readonly mtlsMode: 'STRICT' | 'PERMISSIVE';
  readonly accessLogs: boolean;
  readonly services: { readonly minReplicas: number; readonly maxReplicas: number; readonly resources: ResourcesConfig };
}

/**
 * Instance types from the efficiency guide's node groups, all built on the AWS Nitro System so VPC
 * CNI prefix delegation works. The guide's spot list is t3.large, t3a.large, t2.large; t2.large is
 * not Nitro and is replaced by m5.large (same 2 vCPU / 8 GiB): the reasoning is with
 * NON_NITRO_REPLACEMENTS in eksctl/node-groups.ts, which also rejects any non-Nitro type here.
 */
const SYSTEM_TYPES = ['t3.medium'];
const SPOT_TYPES = ['t3.large', 't3a.large', 'm5.large'];
const ON_DEMAND_TYPES = ['t3.large'];

// Minimum sizes: every tier starts with the nodes its requests need at rest (the capacity plan's
// "needed" size, lib/plan.ts; test/tools/plan.test.ts fails when a shipped environment's minimum
// does not hold them), so no pod waits for a scale-out after install or after a scale-down. The
// extra nodes are spot: the seed's system group stays at its 2-3, the on-demand fallback at 0,
// and spot is the cheapest capacity to hold the rest. The seed's workload group starts at 1, which
// would leave pods Pending until the autoscaler adds the difference. Dev needs its 3 (1 system,
// 2 spot) as they were. After changing replicas or requests, `npm run plan` shows "needed".

/**
 * Production values, which staging mirrors ("Production-like: Mirror production configuration"),
 * the API endpoint locked to private-only after bootstrap included: the guide's `endpoint_access:
 * "private"`, so staging rehearses the same operator access (a host inside the VPC) as prod.
 */
const PRODUCTION_LIKE: TierDefaults = {
  availabilityZones: ['a', 'b', 'c'],
  nat: 'HighlyAvailable',
  privateEndpointOnly: true,
  nodeGroups: {
    system: { instanceTypes: SYSTEM_TYPES, minSize: 2, maxSize: 3 },
    // Staging needs 7 nodes at rest: the 2 system nodes and 5 spot (the seed's group is 1-8).
    spot: { instanceTypes: SPOT_TYPES, minSize: 5, maxSize: 8 },
    // One on-demand group per zone (eksctl/node-groups.ts), 0-1 each: 0-3 over three zones.
    onDemand: { instanceTypes: ON_DEMAND_TYPES, minSize: 0, maxSize: 1 },
  },
  spotGroupPerZone: false,
  highAvailability: true,
  policyEnforcement: 'deny',
  mtlsMode: 'STRICT',
  accessLogs: true,
  // Seed: "5 services × 3 replicas × (300m CPU, 512Mi RAM)", plus headroom for traffic spikes.
  services: { minReplicas: 3, maxReplicas: 6, resources: { requests: { cpu: '300m', memory: '512Mi' }, limits: { cpu: '600m', memory: '1Gi' } } },
};

export const TIER_DEFAULTS: Readonly<Record<Tier, TierDefaults>> = {
  dev: {
    availabilityZones: ['a', 'b'],
    nat: 'Single',
    privateEndpointOnly: false,
    nodeGroups: {
      system: { instanceTypes: SYSTEM_TYPES, minSize: 1, maxSize: 2 },
      spot: { instanceTypes: SPOT_TYPES, minSize: 2, maxSize: 4 },
      // One on-demand group per zone, 0-1 each: 0-2 over two zones.
      onDemand: { instanceTypes: ON_DEMAND_TYPES, minSize: 0, maxSize: 1 },
    },
    spotGroupPerZone: false,
    highAvailability: false,
    policyEnforcement: 'warn',
    mtlsMode: 'PERMISSIVE',
    accessLogs: false,
    services: { minReplicas: 1, maxReplicas: 3, resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '300m', memory: '256Mi' } } },
  },
  staging: PRODUCTION_LIKE,
  prod: {
    ...PRODUCTION_LIKE,
    // One spot group per zone (each 2-3, 6-9 in total against the guide's single 1-8 group): prod's
    // zone-spread StatefulSets (OpenBao, Postgres, Kafka) need a node in every zone, and EBS volumes
    // pin pods to their zone, so the autoscaler must be able to grow a specific zone. Prod needs 7
    // nodes at rest; one minSize applies to each of the three zones, so the minimum moves in steps
    // of three spot nodes: 2 per zone (8 with the 2 system nodes) is the smallest that holds them.
    nodeGroups: { ...PRODUCTION_LIKE.nodeGroups, spot: { instanceTypes: SPOT_TYPES, minSize: 2, maxSize: 3 } },
    spotGroupPerZone: true,
  },
};

/**
 * An environment's alerting: its routing (`environments.<env>.alerting`, else the platform's
 * `alerting`) and the receivers that routing names, nothing else.
 */
export interface AlertingSettings extends AlertRouting {
  readonly receivers: Readonly<Record<string, AlertReceiverConfig>>;
}

/** The capacity type each node group role runs as (eksctl/node-groups.ts: only the spot group is spot). */
export const NODE_GROUP_CAPACITY: Readonly<Record<keyof TierDefaults['nodeGroups'], 'ON_DEMAND' | 'SPOT'>> = {
  system: 'ON_DEMAND',
  spot: 'SPOT',
  onDemand: 'ON_DEMAND',
};

/** An environment's node group settings: its tier's, with the sizes it overrides. */
export function nodeGroupSettingsOf(tier: Tier, env: Pick<EnvironmentConfig, 'nodeGroups'>): TierDefaults['nodeGroups'] {
  const d = TIER_DEFAULTS[tier].nodeGroups;
  const groups = env.nodeGroups ?? {};
  return {
    system: { ...d.system, ...groups.system },
    spot: { ...d.spot, ...groups.spot },
    onDemand: { ...d.onDemand, ...groups.onDemand },
  };
}

export type OpenBaoSeal = { readonly kind: 'awskms'; readonly keyArn: string } | { readonly kind: 'static' };

/** Everything a component may know about the environment it renders for. */
export interface EnvironmentSettings {
  readonly name: string;
  readonly tier: Tier;
  readonly platformName: string;
  readonly clusterName: string;
  readonly accountId: string;
  readonly region: string;
  readonly kubernetesVersion: string;
  /** The environment's DNS zone; the wildcard certificate covers `*.<domain>`. */
  readonly domain: string;
  /** The Cloudflare zone holding `domain`: `environments.<env>.dns.zone`, else `dns.domain`. */
  readonly apexDomain: string;
  /** Cloudflare's IPv4 ranges (`dns.cloudflareIpRanges`): the load balancer's only sources where records are proxied. */
  readonly cloudflareIpRanges: readonly string[];
  /** IAM roles with EKS access entries: `environments.<env>.clusterAccess`, else `clusterAccess`. */
  readonly clusterAccess: { readonly admins: readonly string[]; readonly readOnly: readonly string[] };
  /** The customer-managed KMS key EKS envelope-encrypts Secrets with; absent: EKS's default encryption only. */
  readonly secretsKmsKeyArn?: string;
  /** Days the exported Kubernetes audit log is kept (`auditLogs.exportRetentionDays`). */
  readonly auditLogExportRetentionDays: number;
  readonly acmeEmail: string;
  /** Prefix of the platform's own label, annotation and tag keys (`labelDomainOf`). */
  readonly labelDomain: LabelDomain;
  /** Tags on every AWS resource eksctl creates for the environment (`awsTagsOf`), sorted by key. */
  readonly awsTags: Readonly<Record<string, string>>;
  /** Full availability zone names, e.g. eu-west-1a. */
  readonly availabilityZones: readonly string[];
  readonly nat: 'Single' | 'HighlyAvailable';
  readonly publicAccessCidrs: readonly string[];
  readonly privateEndpointOnly: boolean;
  readonly nodeGroups: TierDefaults['nodeGroups'];
  readonly spotGroupPerZone: boolean;
  readonly highAvailability: boolean;
  /**
   * Replicas, zone spread and sizing for this environment, decided once (lib/tier-policy.ts):
   * every chart and workflow applies it instead of deciding per component.
   */
  readonly tierPolicy: TierPolicy;
  readonly policyEnforcement: 'warn' | 'deny';
  readonly mtlsMode: 'STRICT' | 'PERMISSIVE';
  readonly accessLogs: boolean;
  readonly openbaoSeal: OpenBaoSeal;
  /** PEM certificate of the CA that signs OpenBao's serving certificate (`openbaoCaCertificate`), ending with one newline. */
  readonly openbaoCaCertificate: string;
  readonly services: { readonly minReplicas: number; readonly maxReplicas: number; readonly resources: Resources };
  readonly gitops: PlatformConfig['gitops'];
  readonly secretRefreshInterval: string;
  readonly policy: PlatformConfig['policy'];
  /** Hourly EC2 prices per instance type (`pricing`): the cost KPIs' only source of cost. */
  readonly pricing: PlatformConfig['pricing'];
  readonly alerting: AlertingSettings;
  /**
   * This environment's Argo CD: the git ref every Application and the root app sync from
   * (`environments.<env>.targetRevision`, else `gitops.targetRevision`), and its single sign-on
   * (`environments.<env>.argocd.sso`, else `argocd.sso`; absent: the local admin account only).
   */
  readonly argocd: { readonly targetRevision: string; readonly sso?: ArgoCdSsoConfig };
}

/** The subdomain of `dns.domain` the platform's keys live under when platform.yaml sets no `labelDomain`. */
export const DEFAULT_LABEL_SUBDOMAIN = 'platform';

/** The configured label domain, without validating it: `labelDomain`, else `platform.<dns.domain>`. */
export function labelDomainName(cfg: Pick<PlatformConfig, 'labelDomain' | 'dns'>): string {
  return cfg.labelDomain ?? `${DEFAULT_LABEL_SUBDOMAIN}.${cfg.dns.domain}`;
}

/** The prefix of the platform's label, annotation and tag keys: `labelDomain`, default `platform.<dns.domain>`. */
export function labelDomainOf(cfg: Pick<PlatformConfig, 'labelDomain' | 'dns'>): LabelDomain {
  return LabelDomain.of(labelDomainName(cfg));
}

/** The tags the platform sets itself: the platform's name and the environment's, under the label domain. */
export function platformTags(domain: LabelDomain, platformName: string, envName: string): Record<string, string> {
  return { [domain.environment]: envName, [domain.platform]: platformName };
}

/** Tags on the environment's AWS resources: the platform's own (`platformTags`) and `aws.tags`, sorted by key. */
export function awsTagsOf(cfg: PlatformConfig, envName: string): Record<string, string> {
  const all = { ...cfg.aws.tags, ...platformTags(labelDomainOf(cfg), cfg.name, envName) };
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Gatekeeper's action on application namespaces: the environment's override, else its tier's default. */
export function policyEnforcementOf(tier: Tier, env: Pick<EnvironmentConfig, 'policyEnforcement'>): 'warn' | 'deny' {
  return env.policyEnforcement ?? TIER_DEFAULTS[tier].policyEnforcement;
}

export function resolveEnvironment(cfg: PlatformConfig, name: string): EnvironmentSettings {
  const env: EnvironmentConfig = cfg.environments[name];
  if (!env) throw new Error(`unknown environment "${name}"; defined: ${Object.keys(cfg.environments).join(', ')}`);
  const tier = (env.tier ?? name) as Tier;
  const d = TIER_DEFAULTS[tier];
  const svc = { ...d.services, ...env.services };
  const resources = svc.resources ?? d.services.resources;
  const zone = env.dns?.zone ?? cfg.dns.domain;
  return {
    name,
    tier,
    platformName: cfg.name,
    clusterName: `${cfg.name}-${name}`,
    accountId: env.aws?.accountId ?? cfg.aws.accountId,
    region: cfg.aws.region,
    kubernetesVersion: cfg.kubernetesVersion ?? KUBERNETES_VERSION,
    domain: env.domain ?? (tier === 'prod' ? zone : `${name}.${zone}`),
    apexDomain: zone,
    cloudflareIpRanges: cfg.dns.cloudflareIpRanges,
    clusterAccess: env.clusterAccess ?? cfg.clusterAccess,
    ...(env.secretsKmsKeyArn ? { secretsKmsKeyArn: env.secretsKmsKeyArn } : {}),
    auditLogExportRetentionDays: cfg.auditLogs.exportRetentionDays,
    acmeEmail: cfg.dns.acmeEmail,
    labelDomain: labelDomainOf(cfg),
    awsTags: awsTagsOf(cfg, name),
    availabilityZones: (env.availabilityZones ?? d.availabilityZones).map((z) => `${cfg.aws.region}${z}`),
    nat: d.nat,
    publicAccessCidrs: env.publicAccessCidrs ?? cfg.operatorCidrs,
    privateEndpointOnly: d.privateEndpointOnly,
    nodeGroups: nodeGroupSettingsOf(tier, env),
    spotGroupPerZone: d.spotGroupPerZone,
    highAvailability: env.highAvailability ?? d.highAvailability,
    tierPolicy: TierPolicy.of({ tier, highAvailability: env.highAvailability ?? d.highAvailability, nodeGroupPerZone: d.spotGroupPerZone }),
    policyEnforcement: policyEnforcementOf(tier, env),
    mtlsMode: env.mtlsMode ?? d.mtlsMode,
    accessLogs: env.accessLogs ?? d.accessLogs,
    openbaoSeal: env.openbaoKmsKeyArn ? { kind: 'awskms', keyArn: env.openbaoKmsKeyArn } : { kind: 'static' },
    openbaoCaCertificate: openbaoCaCertificateOf(name, env.openbaoCaCertificate),
    services: {
      minReplicas: svc.minReplicas,
      maxReplicas: Math.max(svc.maxReplicas, svc.minReplicas),
      resources: Resources.of(resources.requests, resources.limits),
    },
    gitops: cfg.gitops,
    secretRefreshInterval: cfg.secrets.refreshInterval,
    policy: cfg.policy,
    pricing: cfg.pricing,
    alerting: alertingOf(cfg, env),
    argocd: {
      targetRevision: env.targetRevision ?? cfg.gitops.targetRevision,
      ...((env.argocd?.sso ?? cfg.argocd.sso) ? { sso: env.argocd?.sso ?? cfg.argocd.sso } : {}),
    },
  };
}

/** The routing an environment uses and the receivers it names (sorted by name). */
export function alertingOf(cfg: Pick<PlatformConfig, 'alerting'>, env: Pick<EnvironmentConfig, 'alerting'>): AlertingSettings {
  const routing = env.alerting ?? cfg.alerting;
  const used = new Set([...Object.values(routing.routes).flat(), ...(routing.heartbeat ? [routing.heartbeat] : [])]);
  const receivers = Object.fromEntries(Object.entries(cfg.alerting.receivers).filter(([name]) => used.has(name)).sort(([a], [b]) => a.localeCompare(b)));
  return { routes: routing.routes, ...(routing.heartbeat ? { heartbeat: routing.heartbeat } : {}), receivers };
}

/** Picks the value for the environment's tier. */
export function byTier<T>(env: Pick<EnvironmentSettings, 'tier'>, values: Readonly<Record<Tier, T>>): T {
  return values[env.tier];
}

/** The committed OpenBao CA certificate (the schema has checked it parses): required in every environment. */
function openbaoCaCertificateOf(name: string, pem: string | undefined): string {
  if (!pem) throw new Error(`environments.${name}.openbaoCaCertificate: required; create the OpenBao CA (bootstrap README, "OpenBao internal CA") and paste its ca.crt`);
  return `${pem.trim()}\n`;
}
