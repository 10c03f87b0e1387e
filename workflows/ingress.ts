/**
 * Workflow 2, Ingress: cert-manager, external-dns, emissary-ingress, in the efficiency guide's
 * phases (certificates, DNS, gateway), plus the CRD and configuration components around them:
 *
 *   cert-manager ─┬─> external-dns ──> emissary-ingress ──> emissary-config
 *                 └─> cert-manager-config ──────────────────────┘
 *   emissary-crds ───────────────────> emissary-ingress
 *
 * The Cloudflare API token: Ingress runs before Security (OpenBao, External Secrets), so the
 * operator creates the token's two Secrets once at bootstrap from their environment; later the
 * ExternalSecrets rendered by external-secrets-config adopt them from OpenBao (runbook below).
 */
import { byTier, EnvironmentSettings } from '../config/defaults';
import { SIZING } from '../config/sizing';
import { certManagerComponent } from '../charts/cert-manager';
import { AcmeIssuer, certManagerConfigComponent, DEFAULTS as CERT_MANAGER_CONFIG } from '../charts/cert-manager-config';
import { emissaryConfigComponent, PublicRoute } from '../charts/emissary-config';
import { emissaryCrdsComponent } from '../charts/emissary-crds';
import { emissaryIngressComponent, emissaryIngressEndpoints, POD_LABELS as EMISSARY_POD_LABELS, PORTS } from '../charts/emissary-ingress';
import { DnsPolicy, externalDnsComponent, HOSTNAME_ANNOTATION } from '../charts/external-dns';
import { GUIDE_VALIDATIONS, readinessGateComponent } from '../charts/readiness-gates';
import { PlatformComponent, RunbookSection, SecretRequirement, Workflow } from '../lib/component';
import { selectorLabels } from '../lib/labels';
import { TrafficEdge, withTraffic } from '../lib/traffic';
import { publicRoutes } from './apps';
import { PlatformContext } from './context';
import { NS } from './namespaces';

/** The Cloudflare API token: one value in OpenBao, one Secret in each namespace that reads it. */
export const CLOUDFLARE_TOKEN = {
  secretName: 'cloudflare-api-token',
  key: 'api-token',
  openbao: { path: 'platform/cloudflare', property: 'api-token' },
  envVar: 'CLOUDFLARE_API_TOKEN',
} as const;

export function cloudflareTokenSecret(namespace: string, purpose: string): SecretRequirement {
  return {
    namespace,
    name: CLOUDFLARE_TOKEN.secretName,
    data: { [CLOUDFLARE_TOKEN.key]: CLOUDFLARE_TOKEN.openbao },
    purpose,
    bootstrap: { [CLOUDFLARE_TOKEN.key]: CLOUDFLARE_TOKEN.envVar },
  };
}

/** The Cloudflare zone holding the environment's names: `dns.domain` unless the environment has its own. */
export function cloudflareZone(env: Pick<EnvironmentSettings, 'domain' | 'apexDomain'>): string {
  return env.domain === env.apexDomain || env.domain.endsWith(`.${env.apexDomain}`) ? env.apexDomain : env.domain;
}

/**
 * Cloudflare proxies the environment's names only when they are the zone's first-level names:
 * Cloudflare's Universal SSL edge certificate covers `<zone>` and `*.<zone>` only, so proxied
 * `x.dev.<zone>` would fail TLS at Cloudflare's edge (without a paid Advanced Certificate).
 * Such environments publish DNS-only records, and their clients see the Let's Encrypt certificate.
 */
export function cloudflareProxied(env: Pick<EnvironmentSettings, 'domain' | 'apexDomain'>): boolean {
  return env.domain === cloudflareZone(env);
}

/**
 * The sources the load balancer admits: where Cloudflare proxies the environment's records, only
 * Cloudflare's published ranges (`dns.cloudflareIpRanges`), so no one reaches the origin around the
 * CDN's protections; elsewhere any source (DNS-only records: clients connect directly).
 */
export function loadBalancerSourceRanges(env: Pick<EnvironmentSettings, 'name' | 'domain' | 'apexDomain' | 'cloudflareIpRanges'>): readonly string[] | undefined {
  if (!cloudflareProxied(env)) return undefined;
  if (env.cloudflareIpRanges.length === 0) {
    throw new Error(
      `environment ${env.name}: its records in ${env.domain} are proxied by Cloudflare, so its load balancer admits only Cloudflare's ranges, ` +
        'but dns.cloudflareIpRanges is empty; set it to the list published at https://www.cloudflare.com/ips-v4',
    );
  }
  return env.cloudflareIpRanges;
}

/**
 * Who signs the wildcard certificate. Dev: Let's Encrypt staging (untrusted, but generous rate
 * limits for clusters that are torn down and rebuilt). Staging: production, because it mirrors prod
 * and load tests need a certificate clients trust; one wildcard per environment renewing every
 * 60 days stays far below production's limits.
 */
export function wildcardIssuer(env: Pick<EnvironmentSettings, 'tier'>): AcmeIssuer {
  return byTier(env, { dev: AcmeIssuer.STAGING, staging: AcmeIssuer.PRODUCTION, prod: AcmeIssuer.PRODUCTION });
}

/** external-dns deletes records whose source is gone only in dev; staging mirrors prod. */
export function dnsPolicy(env: Pick<EnvironmentSettings, 'tier'>): DnsPolicy {
  return byTier<DnsPolicy>(env, { dev: 'sync', staging: 'upsert-only', prod: 'upsert-only' });
}

export function ingressComponents(ctx: PlatformContext): PlatformComponent[] {
  const { env } = ctx;
  const zone = cloudflareZone(env);
  const proxied = cloudflareProxied(env);
  const { tierPolicy } = env;
  const emissarySize = tierPolicy.sized(SIZING['emissary-ingress']);

  const certManagerToken = cloudflareTokenSecret(NS.certManager, 'Cloudflare API token for the Let\'s Encrypt DNS01 solver (ClusterIssuers)');
  const externalDnsToken = cloudflareTokenSecret(NS.externalDns, 'Cloudflare API token for external-dns');

  const certManagerConfig = certManagerConfigComponent({
    namespace: NS.certManager,
    acmeEmail: env.acmeEmail,
    apiToken: { secret: certManagerToken, key: CLOUDFLARE_TOKEN.key },
    dnsZone: zone,
    domain: env.domain,
    certificateNamespace: NS.emissary,
    issuer: wildcardIssuer(env),
  });

  const components: PlatformComponent[] = [
    certManagerComponent({ namespace: NS.certManager, tierPolicy, controllerResources: tierPolicy.sized(SIZING['cert-manager']) }),
    { ...certManagerConfig, runbook: cloudflareRunbook(zone, [certManagerToken, externalDnsToken], proxied) },
    externalDnsComponent({
      namespace: NS.externalDns,
      txtOwnerId: env.clusterName,
      // The zone, not `<env>.<zone>`: the Cloudflare provider selects zones by the domain filter,
      // and a filter below the zone matches no zone at all. The records stay the environment's own
      // (one annotated Service as the only source; TXT ownership by the cluster name).
      domainFilters: [zone],
      policy: dnsPolicy(env),
      apiToken: { secret: externalDnsToken, key: CLOUDFLARE_TOKEN.key },
      cloudflareProxied: proxied,
      resources: tierPolicy.sized(SIZING['external-dns']),
    }),
    emissaryCrdsComponent({ namespace: NS.emissary }),
    emissaryIngressComponent({
      namespace: NS.emissary,
      tierPolicy,
      // One load balancer for every host: the wildcard and the bare domain point at it.
      serviceAnnotations: { [HOSTNAME_ANNOTATION]: `*.${env.domain},${env.domain}` },
      mesh: true,
      ...(proxied ? { sourceRanges: loadBalancerSourceRanges(env) } : {}),
      resources: emissarySize.gateway,
      sidecarResources: emissarySize.sidecar,
    }),
    emissaryConfigComponent({
      namespace: NS.emissary,
      domain: env.domain,
      tlsSecretName: CERT_MANAGER_CONFIG.secretName,
      ports: { http: PORTS.http, https: PORTS.https },
      trustedProxyHops: proxied ? 1 : 0,
      // The services' public routes live here, owned by this project, not in the services' namespace.
      routes: publicRoutes(ctx),
    }),
  ];
  // Emissary's upstream calls: the targets of the Mappings emissary-config renders.
  components.push(withTraffic(components.pop()!, routeTraffic(publicRoutes(ctx))));
  // The guide's ingress readiness gate: the load balancer is provisioned and the wildcard
  // certificate it serves is Ready, after everything above.
  const gate = readinessGateComponent({
    workflow: Workflow.Ingress,
    namespace: NS.emissary,
    check: {
      validation: GUIDE_VALIDATIONS[Workflow.Ingress],
      namespace: NS.emissary,
      // The gateway's load balancer Service (the chart's fullname: the release name).
      service: emissaryIngressEndpoints(NS.emissary).https.service,
      certificate: CERT_MANAGER_CONFIG.certificateName,
    },
    after: components.map((c) => c.id),
  });
  return [...components, gate];
}

/**
 * Emissary calls each route's Service (a Mapping's `service`) on its port, through its sidecar over
 * mTLS; the mesh delivers on the service's own port. The called side's ingress is the services'
 * own policy (apps/network.ts admits the ingress namespace on the service's port).
 */
export function routeTraffic(routes: readonly PublicRoute[]): TrafficEdge[] {
  return routes.map((r) => ({
    name: `emissary-route-${r.name}`,
    from: { namespace: NS.emissary, pods: EMISSARY_POD_LABELS },
    to: { namespace: r.service.namespace, pods: selectorLabels({ name: r.service.name, instance: r.service.name }) },
    ports: [{ port: r.service.port }],
    reason: `Emissary routes ${r.hostname} to ${r.service.name}.${r.service.namespace} (Mapping ${r.name}).`,
  }));
}


/** Creating the token, and handing its Secrets from the bootstrap step over to External Secrets. */
function cloudflareRunbook(zone: string, secrets: readonly SecretRequirement[], proxied: boolean): RunbookSection[] {
  const { envVar, openbao, key, secretName } = CLOUDFLARE_TOKEN;
  const namespaces = secrets.map((s) => s.namespace);
  const compare = namespaces
    .map((ns) => `kubectl -n ${ns} get secret ${secretName} -o jsonpath='{.data.${key}}' | base64 -d | sha256sum`)
    .join('\n');
  const waitEso = namespaces
    .map((ns) => `kubectl -n ${ns} wait externalsecret/${secretName} --for=condition=Ready --timeout=10m`)
    .join('\n');
  return [
    {
      phase: 'aws',
      title: 'Cloudflare API token',
      body: `cert-manager (DNS01 challenges) and external-dns (records) share one Cloudflare API token.
In the Cloudflare dashboard create a custom token with **Zone → Zone → Read** and
**Zone → DNS → Edit**, limited to the zone \`${zone}\`, and keep it in your password manager.
${proxied ? `Set the zone's SSL/TLS mode to **Full (strict)**: this environment's records are proxied and
the origin presents the Let's Encrypt wildcard certificate.` : `This environment's records are DNS-only (not proxied): its names are below the zone's first level,
which Cloudflare's Universal SSL certificate does not cover.`}

\`\`\`bash
export ${envVar}=...   # from the password manager; never commit it
curl -fsS -H "Authorization: Bearer $${envVar}" https://api.cloudflare.com/client/v4/user/tokens/verify
\`\`\``,
    },
    {
      phase: 'openbao',
      title: 'Cloudflare API token: hand over to OpenBao',
      body: `Bootstrap step 4 created \`${secretName}\` in ${namespaces.map((n) => `\`${n}\``).join(' and ')} from \`$${envVar}\`.
Once \`external-secrets-config\` syncs, an ExternalSecret of the same name in each namespace takes
those Secrets over and rewrites them from OpenBao (\`secret/${openbao.path}\`, property \`${openbao.property}\`).
Write the same token into OpenBao **as soon as OpenBao is initialised and unsealed, before
external-secrets-config syncs**, so the adoption changes nothing. (Should the ExternalSecret
run first, it reports an error and leaves the bootstrap Secret as it is until the value exists.)

\`\`\`bash
bao kv put secret/${openbao.path} ${openbao.property}="$${envVar}"
${waitEso}
# The same hash twice, and equal to: printf %s "$${envVar}" | sha256sum
${compare}
\`\`\`

To rotate the token later, write the new value to OpenBao only; External Secrets refreshes both
Secrets within its refresh interval. Never edit the Kubernetes Secrets by hand after the handover.`,
    },
  ];
}
