/**
 * Typed L1 constructs for the External Secrets Operator resources we emit (external-secrets.io/v1),
 * limited to the fields we use. Checked against crds/external-secrets.io/{externalsecret,clustersecretstore}_v1.json.
 *
 * Fields the API server would default (`conversionStrategy`, `decodingStrategy`, `metadataPolicy`,
 * `nullBytePolicy`, `engineVersion`, `mergePolicy`, `creationPolicy`, `deletionPolicy`) are required
 * here, so every rendered object already carries them and Argo CD sees no drift after apply.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

export const EXTERNAL_SECRETS_API_VERSION = 'external-secrets.io/v1';

export interface SecretStoreRef {
  /** The CRD has no default for it (the controller assumes SecretStore), so it is always written. */
  readonly kind: 'SecretStore' | 'ClusterSecretStore';
  readonly name: string;
}

export interface ExternalSecretRemoteRef {
  /** Path of the secret in the provider (for Vault/OpenBao KV v2: the path under the mount). */
  readonly key: string;
  readonly property?: string;
  readonly conversionStrategy: 'Default' | 'Unicode';
  readonly decodingStrategy: 'Auto' | 'Base64' | 'Base64URL' | 'None';
  readonly metadataPolicy: 'None' | 'Fetch';
  readonly nullBytePolicy: 'Ignore' | 'Fail';
}

export interface ExternalSecretData {
  readonly secretKey: string;
  readonly remoteRef: ExternalSecretRemoteRef;
}

export interface ExternalSecretTemplate {
  readonly engineVersion: 'v2';
  readonly mergePolicy: 'Replace' | 'Merge';
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
}

export interface ExternalSecretTarget {
  readonly name: string;
  readonly creationPolicy: 'Owner' | 'Orphan' | 'Merge' | 'None';
  readonly deletionPolicy: 'Delete' | 'Merge' | 'Retain';
  readonly template?: ExternalSecretTemplate;
}

export interface ExternalSecretSpec {
  readonly refreshInterval: string;
  readonly refreshPolicy: 'CreatedOnce' | 'Periodic' | 'OnChange';
  readonly secretStoreRef: SecretStoreRef;
  readonly target: ExternalSecretTarget;
  readonly data: readonly ExternalSecretData[];
}

export class ExternalSecret extends ApiObject {
  static readonly GVK = { apiVersion: EXTERNAL_SECRETS_API_VERSION, kind: 'ExternalSecret' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: ExternalSecretSpec }) {
    super(scope, id, { ...ExternalSecret.GVK, metadata: props.metadata, spec: props.spec });
  }
}

export interface ServiceAccountRef {
  readonly name: string;
  readonly namespace: string;
  /** `aud` claims of the token the controller requests for this ServiceAccount. */
  readonly audiences?: readonly string[];
}

/** The `vault` provider (also used for OpenBao: components.md, "ClusterSecretStore for OpenBao"). */
export interface VaultProvider {
  readonly server: string;
  /** The KV mount. */
  readonly path: string;
  readonly version: 'v1' | 'v2';
  readonly auth: {
    readonly kubernetes: {
      readonly mountPath: string;
      readonly role: string;
      readonly serviceAccountRef: ServiceAccountRef;
    };
  };
}

export interface ClusterSecretStoreSpec {
  readonly provider: { readonly vault: VaultProvider };
}

export class ClusterSecretStore extends ApiObject {
  static readonly GVK = { apiVersion: EXTERNAL_SECRETS_API_VERSION, kind: 'ClusterSecretStore' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: ClusterSecretStoreSpec }) {
    super(scope, id, { ...ClusterSecretStore.GVK, metadata: props.metadata, spec: props.spec });
  }
}
