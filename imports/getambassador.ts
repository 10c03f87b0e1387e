/**
 * Typed L1 constructs for the Emissary-ingress custom resources we emit (getambassador.io/v3alpha1,
 * the only version the v4 CRD chart serves without legacy versions), limited to the fields we use.
 * Checked against crds/getambassador.io/{listener,host,module}_v3alpha1.json.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

export const GETAMBASSADOR_API_VERSION = 'getambassador.io/v3alpha1';

export interface ListenerSpec {
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS' | 'HTTPPROXY' | 'HTTPSPROXY' | 'TCP' | 'TLS' | 'UDP';
  /** How Emissary decides whether a request is secure: XFP trusts X-Forwarded-Proto. */
  readonly securityModel: 'XFP' | 'SECURE' | 'INSECURE';
  /** Layer-7 proxies in front of Emissary whose X-Forwarded-For entries are trusted. */
  readonly l7Depth?: number;
  readonly hostBinding: { readonly namespace: { readonly from: 'SELF' | 'ALL' | 'SELECTOR' } };
  readonly statsPrefix?: string;
}

export class Listener extends ApiObject {
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: ListenerSpec }) {
    super(scope, id, { apiVersion: GETAMBASSADOR_API_VERSION, kind: 'Listener', ...props });
  }
}

export interface HostSpec {
  readonly hostname: string;
  /** Emissary-ingress does no ACME itself; certificates come from cert-manager. */
  readonly acmeProvider?: { readonly authority: string };
  readonly tlsSecret?: { readonly name: string; readonly namespace?: string };
  readonly requestPolicy?: { readonly insecure: { readonly action: 'Redirect' | 'Reject' | 'Route'; readonly additionalPort?: number } };
  readonly tls?: { readonly min_tls_version?: string; readonly alpn_protocols?: string };
}

export class Host extends ApiObject {
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: HostSpec }) {
    super(scope, id, { apiVersion: GETAMBASSADOR_API_VERSION, kind: 'Host', ...props });
  }
}

/** Upstream TCP keepalive (Envoy `upstream_connection_options.tcp_keepalive`), in seconds. */
export interface KeepaliveConfig {
  readonly idle_time: number;
  readonly interval: number;
  readonly probes: number;
}

/** Envoy circuit-breaker thresholds: the limits of each upstream connection pool. */
export interface CircuitBreaker {
  readonly priority: 'default' | 'high';
  readonly max_connections: number;
  readonly max_pending_requests: number;
  readonly max_requests: number;
  readonly max_retries: number;
}

export interface GzipConfig {
  readonly min_content_length: number;
  readonly compression_level: 'BEST' | 'SPEED' | 'DEFAULT';
  readonly memory_level?: number;
  readonly content_type: readonly string[];
}

/**
 * The `ambassador` Module's `config` (free-form in the CRD: `x-kubernetes-preserve-unknown-fields`).
 * Keys from Emissary's IRAmbassador (python/ambassador/ir/irambassador.py, AModTransparentKeys,
 * plus `gzip`) and the Emissary docs (running/ambassador, using/timeouts, using/keepalive, running/gzip).
 */
export interface AmbassadorModuleConfig {
  readonly diagnostics?: { readonly enabled: boolean };
  readonly gzip?: GzipConfig;
  readonly keepalive?: KeepaliveConfig;
  readonly circuit_breakers?: readonly CircuitBreaker[];
  readonly cluster_idle_timeout_ms?: number;
  readonly cluster_max_connection_lifetime_ms?: number;
  readonly listener_idle_timeout_ms?: number;
}

export class Module extends ApiObject {
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: { readonly config: AmbassadorModuleConfig } }) {
    super(scope, id, { apiVersion: GETAMBASSADOR_API_VERSION, kind: 'Module', ...props });
  }
}
