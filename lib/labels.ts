/**
 * The recommended `app.kubernetes.io/*` labels, computed once per object. Selectors use
 * `selectorLabels`, which never include the version (a version bump must not orphan pods).
 */
export const PART_OF = 'eks-platform';
export const MANAGED_BY = 'cdk8s';

export interface LabelProps {
  /** `app.kubernetes.io/name`: what the thing is. */
  readonly name: string;
  /** `app.kubernetes.io/instance`: this installation of it (the component id). */
  readonly instance: string;
  readonly version?: string;
  readonly component?: string;
}

export function selectorLabels(p: Pick<LabelProps, 'name' | 'instance'>): Record<string, string> {
  return { 'app.kubernetes.io/instance': p.instance, 'app.kubernetes.io/name': p.name };
}

export function standardLabels(p: LabelProps): Record<string, string> {
  return {
    ...selectorLabels(p),
    ...(p.version ? { 'app.kubernetes.io/version': p.version } : {}),
    ...(p.component ? { 'app.kubernetes.io/component': p.component } : {}),
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/part-of': PART_OF,
  };
}

/** A label-key prefix: a DNS subdomain (lowercase labels joined by dots), at most 253 characters. */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Prefixes Kubernetes reserves for its own components. */
const RESERVED_DOMAINS = ['kubernetes.io', 'k8s.io'];

/** What is wrong with `domain` as the prefix of the platform's keys, or undefined when it is fine. */
export function labelDomainProblem(domain: string): string | undefined {
  if (!DNS_SUBDOMAIN.test(domain)) {
    return `"${domain}" is not a DNS subdomain; label and annotation keys take a prefix of lowercase letters, digits, "-" and ".", at most 253 characters, e.g. platform.example.com`;
  }
  const reserved = RESERVED_DOMAINS.find((r) => domain === r || domain.endsWith(`.${r}`));
  if (reserved) return `"${domain}" is under ${reserved}, which Kubernetes reserves for its own components; use a domain you own, e.g. platform.example.com`;
  return undefined;
}

/**
 * The platform's own label, annotation and AWS tag keys, each `<domain>/<name>`. The names are
 * fixed here; the domain is the configured one (platform.yaml `labelDomain`, default
 * `platform.<dns.domain>`, resolved by config/defaults.ts), handed to whatever writes or reads a
 * key through `EnvironmentSettings.labelDomain` and props.
 */
export class LabelDomain {
  /** @throws naming the domain and the fix when it cannot prefix a label key */
  static of(domain: string): LabelDomain {
    const problem = labelDomainProblem(domain);
    if (problem) throw new Error(`labelDomain: ${problem}`);
    return new LabelDomain(domain);
  }

  /** Argo CD Applications and AppProjects: the workflow they belong to. */
  readonly workflow: string;
  /** Argo CD Applications: what their objects were rendered from (`npm run diff` reads it). */
  readonly source: string;
  /** Tekton Pipelines: how many of their PipelineRuns may run at once (lib/workloads.ts reads it). */
  readonly concurrentRuns: string;
  /** Gatekeeper constraints: the rule, in words. */
  readonly policy: string;
  /** Namespaces whose Pod Security level is not `restricted`: why. */
  readonly podSecurityException: string;
  /** EKS node groups: the role of their nodes. */
  readonly nodeRole: string;
  /** AWS tag: the environment a resource belongs to. */
  readonly environment: string;
  /** AWS tag: the platform a resource belongs to. */
  readonly platform: string;
  /** Network policies of declared traffic: why the edge exists (lib/traffic.ts). */
  readonly trafficReason: string;

  private constructor(readonly domain: string) {
    this.workflow = this.key('workflow');
    this.source = this.key('source');
    this.concurrentRuns = this.key('concurrent-runs');
    this.policy = this.key('policy');
    this.podSecurityException = this.key('pod-security-exception');
    this.nodeRole = this.key('node-role');
    this.environment = this.key('environment');
    this.platform = this.key('platform');
    this.trafficReason = this.key('traffic-reason');
  }

  /** `<domain>/<name>`. */
  private key(name: string): string {
    return `${this.domain}/${name}`;
  }

  toString(): string {
    return this.domain;
  }
}
