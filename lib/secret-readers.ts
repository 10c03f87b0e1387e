/**
 * Who may read which OpenBao path: one source, derived from the SecretRequirements the components
 * declare (lib/component.ts). A path's readers are the namespaces of the requirements that name it;
 * a path shared on purpose (the Cloudflare token of cert-manager and external-dns, a service's
 * Postgres password in `data` and in the service's namespace) is declared by each consumer, so
 * each of them is a reader and no one else is.
 *
 * Both ends are generated from this table: external-secrets-config renders one SecretStore per
 * reader namespace (role `eso-<namespace>`, ServiceAccount SECRET_STORE.serviceAccount there), and
 * charts/openbao declares that role and a policy reading exactly the namespace's paths (applied by
 * reconcile.sh). Nothing reads `secret/data/*`.
 */
import {
  ExternalSecretSpec,
  ExternalSecretSpecData,
  ExternalSecretSpecDataFrom,
  ExternalSecretSpecDataRemoteRef,
  ExternalSecretSpecDataRemoteRefConversionStrategy,
  ExternalSecretSpecDataRemoteRefDecodingStrategy,
  ExternalSecretSpecDataRemoteRefMetadataPolicy,
  ExternalSecretSpecDataRemoteRefNullBytePolicy,
  ExternalSecretSpecRefreshPolicy,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
  ExternalSecretSpecTargetTemplate,
  ExternalSecretSpecTargetTemplateEngineVersion,
  ExternalSecretSpecTargetTemplateMergePolicy,
  SecretStoreSpecProvider,
  SecretStoreSpecProviderKubernetesServerCaProviderType,
} from '../imports/external-secrets.io';
import { SecretRequirement } from './component';

/** The per-namespace store: its name, and the ServiceAccount whose token logs in to OpenBao. */
export const SECRET_STORE = {
  name: 'openbao',
  serviceAccount: 'openbao-secret-reader',
  rolePrefix: 'eso-',
} as const;

/** What one namespace may read: the OpenBao paths (under the KV mount) of its requirements. */
export interface SecretReadAccess {
  readonly namespace: string;
  /** Paths under the KV v2 mount, e.g. `platform/cloudflare`; sorted, no duplicates. */
  readonly paths: readonly string[];
}

/** The OpenBao Kubernetes-auth role (and policy) of a namespace's store. */
export function readerRoleName(namespace: string): string {
  return `${SECRET_STORE.rolePrefix}${namespace}`;
}

/** Path → the namespaces that may read it (sorted). */
export function pathReaders(requirements: readonly SecretRequirement[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const r of requirements) {
    for (const ref of Object.values(r.data)) {
      const readers = out.get(ref.path) ?? new Set<string>();
      readers.add(r.namespace);
      out.set(ref.path, readers);
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([p, ns]) => [p, [...ns].sort()]));
}

/** Namespace → the paths it may read: the same table, by reader; only namespaces that read something. */
export function secretReadAccess(requirements: readonly SecretRequirement[]): SecretReadAccess[] {
  const byNamespace = new Map<string, Set<string>>();
  for (const [p, readers] of pathReaders(requirements)) {
    for (const ns of readers) byNamespace.set(ns, (byNamespace.get(ns) ?? new Set<string>()).add(p));
  }
  return [...byNamespace.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([namespace, paths]) => ({ namespace, paths: [...paths].sort() }));
}

/**
 * A SecretStore provider that copies Secrets from another namespace of this cluster (External
 * Secrets' Kubernetes provider) as `serviceAccount`, which a Role there allows `get` on exactly the
 * Secrets it may copy. The in-cluster API server is verified with the root CA every namespace has.
 */
export function inClusterSecretsProvider(remoteNamespace: string, serviceAccount: string): SecretStoreSpecProvider {
  return {
    kubernetes: {
      remoteNamespace,
      server: { caProvider: { type: SecretStoreSpecProviderKubernetesServerCaProviderType.CONFIG_MAP, name: 'kube-root-ca.crt', key: 'ca.crt' } },
      auth: { serviceAccount: { name: serviceAccount } },
    },
  };
}

/**
 * An ExternalSecret's remote reference with every field the API server would default written out,
 * so Argo CD sees no drift after apply. The generated type makes them optional, as the CRD does;
 * this keeps them required.
 */
export type RemoteRef = ExternalSecretSpecDataRemoteRef &
  Required<Pick<ExternalSecretSpecDataRemoteRef, 'conversionStrategy' | 'decodingStrategy' | 'metadataPolicy' | 'nullBytePolicy'>>;

/** The remote reference to `key` (and its `property`, if given) with the defaults written out. */
export function remoteRef(key: string, property?: string): RemoteRef {
  return {
    key,
    ...(property !== undefined ? { property } : {}),
    conversionStrategy: ExternalSecretSpecDataRemoteRefConversionStrategy.DEFAULT,
    decodingStrategy: ExternalSecretSpecDataRemoteRefDecodingStrategy.NONE,
    metadataPolicy: ExternalSecretSpecDataRemoteRefMetadataPolicy.NONE,
    nullBytePolicy: ExternalSecretSpecDataRemoteRefNullBytePolicy.IGNORE,
  };
}

/** What one ExternalSecret copies: from which store of its namespace, into which Secret, how. */
export interface ExternalSecretCopy {
  /** The SecretStore in the ExternalSecret's own namespace. */
  readonly store: string;
  /** The Secret it writes (and owns). */
  readonly target: string;
  readonly refreshInterval: string;
  /** Template fields beyond the engine and merge policy: `data`, `type`, `metadata`. */
  readonly template?: Omit<ExternalSecretSpecTargetTemplate, 'engineVersion' | 'mergePolicy'>;
  readonly data?: ExternalSecretSpecData[];
  readonly dataFrom?: ExternalSecretSpecDataFrom[];
}

/**
 * The spec of every ExternalSecret the platform renders: refreshed periodically from a namespaced
 * store, writing a Secret it owns and keeps when the source disappears (a credential deleted
 * upstream, or a cluster being rebuilt, stays until its replacement arrives), with the template
 * engine v2 replacing the data. Every field the API server would default is written out.
 */
export function externalSecretSpec(c: ExternalSecretCopy): ExternalSecretSpec {
  return {
    refreshInterval: c.refreshInterval,
    refreshPolicy: ExternalSecretSpecRefreshPolicy.PERIODIC,
    secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.SECRET_STORE, name: c.store },
    target: {
      name: c.target,
      creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
      deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
      template: {
        engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2,
        mergePolicy: ExternalSecretSpecTargetTemplateMergePolicy.REPLACE,
        ...c.template,
      },
    },
    ...(c.data ? { data: c.data } : {}),
    ...(c.dataFrom ? { dataFrom: c.dataFrom } : {}),
  };
}
