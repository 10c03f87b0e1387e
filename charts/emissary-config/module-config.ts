/**
 * The `ambassador` Module's `config`, typed for the keys we set. The CRD leaves it free-form
 * (`x-kubernetes-preserve-unknown-fields`), so the generated `ModuleSpec.config`
 * (imports/getambassador.io.ts) is `any`; this keeps our settings typed.
 * Keys from Emissary's IRAmbassador (python/ambassador/ir/irambassador.py, AModTransparentKeys,
 * plus `gzip`) and the Emissary docs (running/ambassador, using/timeouts, using/keepalive, running/gzip).
 */

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

export interface AmbassadorModuleConfig {
  readonly diagnostics?: { readonly enabled: boolean };
  readonly gzip?: GzipConfig;
  readonly keepalive?: KeepaliveConfig;
  readonly circuit_breakers?: readonly CircuitBreaker[];
  readonly cluster_idle_timeout_ms?: number;
  readonly cluster_max_connection_lifetime_ms?: number;
  readonly listener_idle_timeout_ms?: number;
}
