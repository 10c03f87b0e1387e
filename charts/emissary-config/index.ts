/**
 * emissary-config: what the shared gateway serves. Two Listeners (HTTP and HTTPS, the chart creates
 * none), the Hosts of the environment's wildcard domain with the wildcard certificate's Secret
 * (plain HTTP is redirected to HTTPS), the `ambassador` Module with the seed's
 * "performance_tuning": connection pooling, keep-alive and compression, and one Mapping per public
 * route.
 *
 * Every object lives in Emissary's own namespace, which is the only one Emissary watches: the
 * public routes are generated here from the services' config and owned by the ingress project, so
 * no tenant namespace holds (or may create) a Mapping, and Emissary needs no cluster-wide Secret
 * reads. A Mapping in this namespace reaches its Service in another one by `<name>.<namespace>`.
 */
import { Construct } from 'constructs';
import type { PlatformComponentId } from '../../config/ids';
import { PlatformComponent, manifests, Workflow } from '../../lib/component';
import { standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import {
  Host,
  HostSpecRequestPolicyInsecureAction,
  Listener,
  ListenerSpecHostBindingNamespaceFrom,
  ListenerSpecProtocol,
  ListenerSpecSecurityModel,
  Mapping,
  Module,
} from '../../imports/getambassador.io';
import { AmbassadorModuleConfig } from './module-config';

export type { AmbassadorModuleConfig, CircuitBreaker, GzipConfig, KeepaliveConfig } from './module-config';

export const ID = 'emissary-config' satisfies PlatformComponentId;

export interface EmissaryConfigProps {
  /** Emissary's namespace: the Listeners, Hosts, Module and the certificate's Secret live here. */
  readonly namespace: string;
  /** The environment's domain: Hosts for `*.<domain>` and `<domain>`. */
  readonly domain: string;
  /** The wildcard certificate's Secret (same namespace). */
  readonly tlsSecretName: string;
  /** The pod ports Emissary listens on. */
  readonly ports: { readonly http: number; readonly https: number };
  /**
   * Layer-7 proxies in front of the load balancer whose X-Forwarded-For/-Proto are trusted
   * (1 behind Cloudflare's proxy, 0 when clients reach the NLB directly).
   */
  readonly trustedProxyHops: number;
  /** @default DEFAULTS.module */
  readonly module?: AmbassadorModuleConfig;
  /** The public routes, one Mapping each (none: the gateway serves nothing yet). */
  readonly routes: readonly PublicRoute[];
}

/** One public route: a hostname under the wildcard domain to a Service, possibly in another namespace. */
export interface PublicRoute {
  /** The Mapping's name (the service's name: unique in Emissary's namespace). */
  readonly name: string;
  /** A name the wildcard Host covers: `<label>.<domain>`. */
  readonly hostname: string;
  /** The upstream Service and the port it serves on. */
  readonly service: { readonly name: string; readonly namespace: string; readonly port: number };
}

/** The in-mesh host of a Service: what a sidecar's outbound routes match on. */
export const meshHost = (service: { readonly name: string; readonly namespace: string }) => `${service.name}.${service.namespace}.svc.cluster.local`;

export const DEFAULTS = {
  /**
   * The seed's "performance_tuning" as Emissary Module settings:
   * - connection pooling: Envoy pools upstream connections per cluster; the circuit breakers size
   *   each pool (Envoy's defaults are 1024), idle pooled connections are kept 60 s for reuse, and
   *   every pooled connection is recycled after 10 min so new pods behind a Service get traffic;
   * - keep-alive: client connections stay open while idle for up to 300 s, just under the NLB's
   *   fixed 350 s TCP idle timeout (Envoy closes first, cleanly), and TCP keepalive probes find
   *   dead upstream peers of pooled connections;
   * - compression: gzip for text responses of 1 KiB and more (smaller ones cost more CPU than
   *   they save bytes).
   */
  module: {
    diagnostics: { enabled: false },
    circuit_breakers: [{ priority: 'default', max_connections: 2048, max_pending_requests: 1024, max_requests: 2048, max_retries: 3 }],
    cluster_idle_timeout_ms: 60_000,
    cluster_max_connection_lifetime_ms: 600_000,
    listener_idle_timeout_ms: 300_000,
    keepalive: { idle_time: 60, interval: 10, probes: 3 },
    gzip: {
      min_content_length: 1024,
      compression_level: 'DEFAULT',
      memory_level: 5,
      content_type: ['application/javascript', 'application/json', 'application/xml', 'image/svg+xml', 'text/css', 'text/html', 'text/plain'],
    },
  } satisfies AmbassadorModuleConfig,
  /** Emissary reads its global Module only under this name. */
  moduleName: 'ambassador',
} as const;

export class EmissaryConfigChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: EmissaryConfigProps) {
    super(scope, id);
    validate(props);
    const ns = props.namespace;
    const labels = (name: string, component: string) => standardLabels({ name, instance: id, component });

    for (const [name, port, protocol] of [
      ['http', props.ports.http, ListenerSpecProtocol.HTTP],
      ['https', props.ports.https, ListenerSpecProtocol.HTTPS],
    ] as const) {
      new Listener(this, `listener-${name}`, {
        metadata: { name, namespace: ns, labels: labels(name, 'listener') },
        spec: {
          port,
          protocol,
          // Secure or not by X-Forwarded-Proto: plain HTTP becomes a redirect (the Hosts' insecure
          // action), HTTPS is routed.
          securityModel: ListenerSpecSecurityModel.XFP,
          l7Depth: props.trustedProxyHops,
          // Only the Hosts below: a team cannot bind a Host of its own to the shared listeners.
          hostBinding: { namespace: { from: ListenerSpecHostBindingNamespaceFrom.SELF } },
        },
      });
    }

    for (const [name, hostname] of [
      ['wildcard', `*.${props.domain}`],
      ['apex', props.domain],
    ] as const) {
      new Host(this, `host-${name}`, {
        metadata: { name, namespace: ns, labels: labels(name, 'host') },
        spec: {
          hostname,
          // cert-manager issues the certificate; Emissary must not try ACME itself.
          acmeProvider: { authority: 'none' },
          tlsSecret: { name: props.tlsSecretName },
          tls: { minTlsVersion: 'v1.2', alpnProtocols: 'h2,http/1.1' },
          requestPolicy: { insecure: { action: HostSpecRequestPolicyInsecureAction.REDIRECT } },
        },
      });
    }

    new Module(this, 'module-ambassador', {
      metadata: { name: DEFAULTS.moduleName, namespace: ns, labels: labels(DEFAULTS.moduleName, 'module') },
      spec: { config: props.module ?? DEFAULTS.module },
    });

    for (const route of [...props.routes].sort((a, b) => a.name.localeCompare(b.name))) {
      new Mapping(this, `mapping-${route.name}`, {
        metadata: { name: route.name, namespace: ns, labels: labels(route.name, 'route') },
        spec: {
          hostname: route.hostname,
          prefix: '/',
          service: `${route.service.name}.${route.service.namespace}:${route.service.port}`,
          // Emissary runs with an Istio sidecar, which routes outbound HTTP by the Host header. The
          // public host matches no mesh service there, so the request would leave as plaintext
          // passthrough (reset under STRICT mTLS, refused by the AuthorizationPolicy that expects
          // Emissary's identity in PERMISSIVE). Rewriting Host to the Service's in-mesh name makes
          // the sidecar route it to that Service and originate mTLS as Emissary.
          hostRewrite: meshHost(route.service),
        },
      });
    }
  }
}

function validate(props: EmissaryConfigProps): void {
  if (!Number.isInteger(props.trustedProxyHops) || props.trustedProxyHops < 0) {
    throw new Error(`emissary-config: trustedProxyHops must be a whole number of at least 0, got ${props.trustedProxyHops}`);
  }
  if (props.ports.http === props.ports.https) throw new Error(`emissary-config: the HTTP and HTTPS listeners both use port ${props.ports.http}`);
  if (!props.tlsSecretName) throw new Error('emissary-config: tlsSecretName is empty; name the wildcard certificate\'s Secret');
  const byHostname = new Map<string, string>();
  const names = new Set<string>();
  for (const r of props.routes) {
    const label = r.hostname.endsWith(`.${props.domain}`) ? r.hostname.slice(0, -props.domain.length - 1) : undefined;
    if (!label || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(label)) {
      throw new Error(`emissary-config: route ${r.name}: hostname "${r.hostname}" is not <name>.${props.domain}, the only names the wildcard Host and certificate cover; use one DNS label under ${props.domain}`);
    }
    if (names.has(r.name)) throw new Error(`emissary-config: two routes are named ${r.name}; each Mapping needs its own name`);
    const other = byHostname.get(r.hostname);
    if (other) throw new Error(`emissary-config: routes ${other} and ${r.name} both claim hostname ${r.hostname}; give each public service its own hostname`);
    names.add(r.name);
    byHostname.set(r.hostname, r.name);
  }
}

export function emissaryConfigComponent(props: EmissaryConfigProps): PlatformComponent {
  validate(props);
  return {
    id: ID,
    workflow: Workflow.Ingress,
    namespace: props.namespace,
    // The gateway that serves these, and the certificate whose Secret the Hosts use.
    dependsOn: ['emissary-ingress', 'cert-manager-config'],
    source: manifests((scope) => new EmissaryConfigChart(scope, ID, props)),
  };
}
