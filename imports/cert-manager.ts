/**
 * Typed L1 constructs for the cert-manager custom resources we emit (cert-manager.io/v1), limited
 * to the fields we use. Checked against crds/cert-manager.io/{clusterissuer,certificate}_v1.json.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

export const CERT_MANAGER_API_VERSION = 'cert-manager.io/v1';

export interface SecretKeySelector {
  readonly name: string;
  readonly key: string;
}

export interface AcmeDns01Solver {
  readonly selector?: { readonly dnsZones?: readonly string[] };
  readonly dns01: { readonly cloudflare: { readonly apiTokenSecretRef: SecretKeySelector } };
}

export interface ClusterIssuerSpec {
  readonly acme: {
    readonly server: string;
    readonly email: string;
    /** Where cert-manager keeps the ACME account key it generates (in the cluster-resource namespace). */
    readonly privateKeySecretRef: { readonly name: string };
    readonly solvers: readonly AcmeDns01Solver[];
  };
}

export interface ClusterIssuerProps {
  readonly metadata: ApiObjectMetadata;
  readonly spec: ClusterIssuerSpec;
}

export class ClusterIssuer extends ApiObject {
  constructor(scope: Construct, id: string, props: ClusterIssuerProps) {
    super(scope, id, { apiVersion: CERT_MANAGER_API_VERSION, kind: 'ClusterIssuer', ...props });
  }
}

export interface CertificateSpec {
  readonly secretName: string;
  readonly dnsNames: readonly string[];
  readonly issuerRef: { readonly name: string; readonly kind: 'ClusterIssuer' | 'Issuer'; readonly group: 'cert-manager.io' };
  readonly duration?: string;
  readonly renewBefore?: string;
  readonly privateKey?: {
    readonly algorithm: 'RSA' | 'ECDSA' | 'Ed25519';
    readonly size?: number;
    readonly rotationPolicy?: 'Never' | 'Always';
  };
  readonly secretTemplate?: { readonly labels?: Record<string, string> };
}

export interface CertificateProps {
  readonly metadata: ApiObjectMetadata;
  readonly spec: CertificateSpec;
}

export class Certificate extends ApiObject {
  constructor(scope: Construct, id: string, props: CertificateProps) {
    super(scope, id, { apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', ...props });
  }
}
