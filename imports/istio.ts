/**
 * Typed L1 constructs for the Istio custom resources we emit, limited to the fields we use:
 * PeerAuthentication and AuthorizationPolicy (security.istio.io/v1), DestinationRule
 * (networking.istio.io/v1) and Telemetry (telemetry.istio.io/v1). Checked against
 * crds/<group>/<kind>_v1.json.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface WorkloadSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
}

export interface PeerAuthenticationSpec {
  readonly selector?: WorkloadSelector;
  readonly mtls: { readonly mode: MtlsMode };
}

export class PeerAuthentication extends ApiObject {
  static readonly GVK = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: PeerAuthenticationSpec }) {
    super(scope, id, { ...PeerAuthentication.GVK, ...props });
  }
}

export interface AuthorizationSource {
  readonly principals?: readonly string[];
  readonly namespaces?: readonly string[];
}

export interface AuthorizationOperation {
  readonly ports?: readonly string[];
  readonly methods?: readonly string[];
  readonly paths?: readonly string[];
}

export interface AuthorizationRule {
  readonly from?: readonly { readonly source: AuthorizationSource }[];
  readonly to?: readonly { readonly operation: AuthorizationOperation }[];
}

/**
 * An empty spec (no action, no rules) is Istio's "allow nothing": with it in a namespace, only
 * what another ALLOW policy names gets through.
 */
export interface AuthorizationPolicySpec {
  readonly selector?: WorkloadSelector;
  readonly action?: 'ALLOW' | 'DENY' | 'AUDIT';
  readonly rules?: readonly AuthorizationRule[];
}

export class AuthorizationPolicy extends ApiObject {
  static readonly GVK = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: AuthorizationPolicySpec }) {
    super(scope, id, { ...AuthorizationPolicy.GVK, ...props });
  }
}

export interface ConnectionPoolSettings {
  readonly tcp?: { readonly maxConnections?: number; readonly connectTimeout?: string };
  readonly http?: {
    readonly http1MaxPendingRequests?: number;
    readonly http2MaxRequests?: number;
    readonly maxRequestsPerConnection?: number;
    readonly maxRetries?: number;
    readonly idleTimeout?: string;
  };
}

export interface OutlierDetection {
  readonly consecutive5xxErrors?: number;
  readonly consecutiveGatewayErrors?: number;
  readonly interval?: string;
  readonly baseEjectionTime?: string;
  readonly maxEjectionPercent?: number;
  readonly minHealthPercent?: number;
}

export interface DestinationRuleSpec {
  readonly host: string;
  readonly trafficPolicy: {
    readonly connectionPool?: ConnectionPoolSettings;
    readonly outlierDetection?: OutlierDetection;
  };
}

export class DestinationRule extends ApiObject {
  static readonly GVK = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: DestinationRuleSpec }) {
    super(scope, id, { ...DestinationRule.GVK, ...props });
  }
}

export interface ProviderRef {
  readonly name: string;
}

export interface TelemetrySpec {
  readonly tracing?: readonly { readonly providers: readonly ProviderRef[]; readonly randomSamplingPercentage?: number }[];
  readonly accessLogging?: readonly { readonly providers: readonly ProviderRef[]; readonly disabled?: boolean }[];
}

export class Telemetry extends ApiObject {
  static readonly GVK = { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: TelemetrySpec }) {
    super(scope, id, { ...Telemetry.GVK, ...props });
  }
}
