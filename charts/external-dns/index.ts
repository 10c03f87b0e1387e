/**
 * external-dns with the Cloudflare provider: publishes the environment's names, read from the
 * hostname annotation on the shared load balancer's Service (the `service` source), every 60 s
 * (the seed's "sync_interval", traded against Cloudflare API calls).
 *
 * The `ambassador-host` source is not used: it reads the old `getambassador.io/v2` Hosts, which the
 * v4 CRD chart does not serve without its legacy versions.
 *
 * No TTL is set anywhere: Cloudflare forces TTL 1 ("automatic") on proxied records, so any other
 * TTL would differ from what the provider reads back and external-dns would rewrite the record on
 * every loop.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, SecretRequirement, Workflow } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { helmComponent } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { TrafficEdge } from '../../lib/traffic';
import { DnsPolicy, ExternalDnsValues } from './values';

export type { DnsPolicy } from './values';

export const ID = 'external-dns' satisfies PlatformComponentId;

/** The Service annotation external-dns reads names from (comma-separated). */
export const HOSTNAME_ANNOTATION = 'external-dns.alpha.kubernetes.io/hostname';

export interface ExternalDnsProps {
  readonly namespace: string;
  /** `--txt-owner-id`: the cluster's name, so environments sharing a zone never touch each other's records. */
  readonly txtOwnerId: string;
  /** `--domain-filter`: the Cloudflare zones external-dns may manage. */
  readonly domainFilters: readonly string[];
  /** `sync` deletes records whose source is gone; `upsert-only` never deletes. */
  readonly policy: DnsPolicy;
  /** The Cloudflare API token (Zone:Read, DNS:Edit), as the Secret requirement that delivers it. */
  readonly apiToken: { readonly secret: SecretRequirement; readonly key: string };
  /** Records go through Cloudflare's proxy (`--cloudflare-proxied`). */
  readonly cloudflareProxied: boolean;
  /** @default DEFAULTS.interval */
  readonly interval?: Duration;
  /** Requests and limits (per tier: config/sizing.ts). */
  readonly resources: Resources;
}

export const DEFAULTS = {
  /** Seed: "sync_interval: 60s". */
  interval: Duration.seconds(60),
  releaseName: 'external-dns',
  /** The token's environment variable, as the Cloudflare provider reads it. */
  tokenEnvVar: 'CF_API_TOKEN',
} as const;

const POLICIES: readonly DnsPolicy[] = ['sync', 'upsert-only', 'create-only'];

export function externalDnsComponent(props: ExternalDnsProps): PlatformComponent {
  const ns = props.namespace;
  const { secret, key } = props.apiToken;
  if (!POLICIES.includes(props.policy)) throw new Error(`external-dns: policy "${props.policy}" is not one of ${POLICIES.join(', ')}`);
  if (!props.txtOwnerId) throw new Error('external-dns: txtOwnerId is empty; use the cluster name so two clusters never claim the same records');
  if (props.domainFilters.length === 0) throw new Error('external-dns: domainFilters is empty; it would manage every zone the token can see');
  if (secret.namespace !== ns) throw new Error(`external-dns: the token Secret ${secret.namespace}/${secret.name} must be in external-dns's namespace "${ns}"`);
  if (!(key in secret.data)) throw new Error(`external-dns: apiToken.key "${key}" is not a data key of Secret ${secret.name} (has: ${Object.keys(secret.data).join(', ')})`);
  const interval = props.interval ?? DEFAULTS.interval;
  if (interval.totalSeconds === 0) throw new Error('external-dns: interval is 0s; give a sync period such as Duration.seconds(60)');
  // `--interval` is a Go duration, which has no day unit.
  if (interval.toString().endsWith('d')) throw new Error(`external-dns: interval ${interval} is in days, which Go durations lack; give it in hours (Duration.hours)`);

  const values: ExternalDnsValues = {
    provider: { name: 'cloudflare' },
    env: [{ name: DEFAULTS.tokenEnvVar, valueFrom: { secretKeyRef: { name: secret.name, key } } }],
    sources: ['service'],
    policy: props.policy,
    registry: 'txt',
    txtOwnerId: props.txtOwnerId,
    domainFilters: [...props.domainFilters],
    interval: interval.toString(),
    extraArgs: [
      // Only the shared load balancer's Service is a source: skip watching every ClusterIP Service.
      '--service-type-filter=LoadBalancer',
      // The ownership TXT record of `*.<domain>` would be named `cname-*.<domain>`, which DNS
      // providers reject (the asterisk must be a whole leftmost label).
      '--txt-wildcard-replacement=wildcard',
      // One API call lists the whole zone: fewer requests every 60 s.
      '--cloudflare-dns-records-per-page=5000',
      ...(props.cloudflareProxied ? ['--cloudflare-proxied'] : []),
    ],
    resources: props.resources.toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    serviceMonitor: { enabled: true },
  };
  return helmComponent({
    id: ID,
    workflow: Workflow.Ingress,
    namespace: ns,
    // The efficiency guide's phases: certificates, then DNS, then the gateway.
    dependsOn: ['cert-manager'],
    chart: CHARTS.externalDns,
    values,
    releaseName: DEFAULTS.releaseName,
    secrets: [secret],
    traffic: [cloudflareApi(ns)],
  });
}

/** external-dns calls Cloudflare's API over HTTPS (lib/traffic.ts: `world`, no FQDN policies under chaining). */
function cloudflareApi(namespace: string): TrafficEdge {
  return {
    name: 'external-dns-cloudflare',
    from: { namespace, pods: { 'app.kubernetes.io/name': 'external-dns', 'app.kubernetes.io/instance': DEFAULTS.releaseName } },
    to: { entity: 'world' },
    ports: [{ port: 443 }],
    reason: "external-dns writes the records through Cloudflare's API.",
  };
}
