/**
 * external-secrets-config: one ExternalSecret per Secret the platform consumes (every component's
 * `secrets`), each in the consumer's namespace, and in every namespace that reads one a
 * SecretStore `openbao` with its own OpenBao identity.
 *
 * Secrets per reader: each namespace's store logs in with a ServiceAccount of that namespace
 * (`openbao-secret-reader`) to the OpenBao role `eso-<namespace>`, whose policy reads exactly the
 * paths that namespace's requirements name (lib/secret-readers.ts; the roles and policies are
 * charts/openbao `reconcileBindings`). An ExternalSecret can only use a store of its own namespace,
 * so one in `apps` cannot reach the CI's GitOps token. There is no ClusterSecretStore: its
 * `spec.conditions` would only limit which namespaces may use it, not what its one identity reads.
 *
 * The stores use the `vault` provider with Kubernetes auth: the dedicated `openBao` provider
 * (chart >= 2.7) supports only AppRole, Token and UserPass (components.md). External Secrets'
 * controller requests each token for the store's ServiceAccount (TokenRequest, OpenBao's audience,
 * short-lived); the ServiceAccount mounts nothing into any pod.
 *
 * `creationPolicy: Owner` adopts a Secret created at bootstrap without a gap: a target Secret
 * with no owner reference is taken over in place (ESO adds its owner reference and label and
 * updates the data; it never deletes and recreates it; external-secrets#1419, #2416), and a Secret
 * that does not exist yet is created. `Merge` would never create the non-bootstrap Secrets and
 * would leave the adopted ones unowned, so Argo CD could not show or garbage-collect them.
 * `deletionPolicy: Retain` keeps the Secret if its value disappears from OpenBao: a consumer
 * keeps running on the last value instead of losing its credential.
 *
 * Every field the API server would default is written out, so Argo CD sees no drift.
 */
import { Construct } from 'constructs';
import type { PlatformComponentId } from '../../config/ids';
import { PlatformComponent, manifests, RunbookSection, SecretRequirement, Workflow } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { Endpoint } from '../../lib/endpoint';
import { standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { k8s } from 'cdk8s-plus-28';
import { externalSecretSpec, readerRoleName, remoteRef, SECRET_STORE, secretReadAccess } from '../../lib/secret-readers';
import {
  ExternalSecret,
  ExternalSecretSpecData,
  SecretStore,
  SecretStoreSpecProviderVaultVersion,
} from '../../imports/external-secrets.io';

/** This component's id: its Argo CD Application name. */
export const ID = 'external-secrets-config' satisfies PlatformComponentId;


export interface OpenBaoConnection {
  /** OpenBao's API (charts/openbao `openbaoEndpoints`): https, from the internal CA. */
  readonly server: Endpoint;
  /** KV v2 mount. */
  readonly kvMount: string;
  readonly kubernetesAuthMount: string;
  /** `aud` of the ServiceAccount token the roles accept. */
  readonly audience: string;
  /** PEM certificate of the CA that signs OpenBao's serving certificate: every store trusts it (`caBundle`). */
  readonly caCertificate: string;
}

export interface ExternalSecretsConfigProps {
  /** Where the component lives (External Secrets' namespace); its stores and ExternalSecrets are in the readers' namespaces. */
  readonly namespace: string;
  readonly openbao: OpenBaoConnection;
  /** Every Secret the platform consumes. */
  readonly requirements: readonly SecretRequirement[];
  /** How often each ExternalSecret re-reads OpenBao, in s, m or h (a Go duration: no day unit). */
  readonly refreshInterval: Duration;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** Secret types whose data keys the API server fixes: the ExternalSecret must deliver exactly these. */
const TYPED_KEYS: Readonly<Record<string, readonly string[]>> = {
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
};

function validate(props: ExternalSecretsConfigProps): void {
  if (props.openbao.server.scheme !== 'https') {
    throw new Error(`external-secrets-config: openbao.server "${props.openbao.server}" is not https; OpenBao serves TLS from its internal CA, use https://`);
  }
  if (!props.openbao.caCertificate.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error('external-secrets-config: openbao.caCertificate is not a PEM certificate; pass the committed openbaoCaCertificate');
  }
  if (props.refreshInterval.toString().endsWith('d')) {
    throw new Error(`external-secrets-config: refreshInterval "${props.refreshInterval}" is in days, which External Secrets (a Go duration) does not take; use hours, e.g. ${props.refreshInterval.toHours()}`);
  }
  const seen = new Map<string, string>();
  for (const r of props.requirements) {
    const id = `${r.namespace}/${r.name}`;
    if (!DNS_LABEL.test(r.namespace) || !DNS_LABEL.test(r.name)) {
      throw new Error(`external-secrets-config: Secret ${id} needs a DNS-1123 namespace and name`);
    }
    const previous = seen.get(id);
    if (previous !== undefined) {
      throw new Error(`external-secrets-config: Secret ${id} is declared twice ("${previous}" and "${r.purpose}"); one ExternalSecret owns one Secret, declare it once and share it`);
    }
    seen.set(id, r.purpose);
    const keys = Object.keys(r.data);
    if (keys.length === 0) throw new Error(`external-secrets-config: Secret ${id} has no data keys; map at least one key to an OpenBao path`);
    const typed = r.type ? TYPED_KEYS[r.type] : undefined;
    if (typed && [...keys].sort().join(',') !== [...typed].sort().join(',')) {
      throw new Error(`external-secrets-config: Secret ${id} of type ${r.type} has data keys ${keys.join(', ')}; that type takes exactly ${typed.join(', ')}`);
    }
    for (const [key, ref] of Object.entries(r.data)) {
      if (!SECRET_KEY.test(key)) throw new Error(`external-secrets-config: Secret ${id} data key "${key}" is not a valid Secret key (letters, digits, "-", "_", ".")`);
      if (!ref.path || ref.path.startsWith('/') || ref.path.startsWith(`${props.openbao.kvMount}/`)) {
        throw new Error(`external-secrets-config: Secret ${id} key "${key}" has OpenBao path "${ref.path}"; give the path under the ${props.openbao.kvMount}/ mount, e.g. platform/cloudflare`);
      }
    }
    for (const [key, envVar] of Object.entries(r.bootstrap ?? {})) {
      if (!(key in r.data)) throw new Error(`external-secrets-config: Secret ${id} bootstrap key "${key}" (from $${envVar}) is not one of its data keys`);
    }
  }
}

export class ExternalSecretsConfigChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: ExternalSecretsConfigProps) {
    super(scope, id);
    validate(props);
    const labels = (name: string, component: string) => standardLabels({ name, instance: id, component });
    const o = props.openbao;
    const store = SECRET_STORE;

    for (const { namespace } of secretReadAccess(props.requirements)) {
      new k8s.KubeServiceAccount(this, `serviceaccount-${namespace}`, {
        metadata: { name: store.serviceAccount, namespace, labels: labels(store.serviceAccount, 'secret-store') },
        // Only External Secrets' controller uses it, through TokenRequest: no pod mounts its token.
        automountServiceAccountToken: false,
      });
      new SecretStore(this, `secretstore-${namespace}`, {
        metadata: { name: store.name, namespace, labels: labels(store.name, 'secret-store') },
        spec: {
          provider: {
            vault: {
              server: o.server.url(),
              // The committed internal CA, inlined: no trust distributor is vendored.
              caBundle: Buffer.from(o.caCertificate, 'utf8').toString('base64'),
              path: o.kvMount,
              version: SecretStoreSpecProviderVaultVersion.V2,
              auth: {
                kubernetes: {
                  mountPath: o.kubernetesAuthMount,
                  role: readerRoleName(namespace),
                  serviceAccountRef: { name: store.serviceAccount, audiences: [o.audience] },
                },
              },
            },
          },
        },
      });
    }

    for (const r of sortedRequirements(props.requirements)) {
      const data: ExternalSecretSpecData[] = Object.entries(r.data)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([secretKey, ref]) => ({ secretKey, remoteRef: remoteRef(ref.path, ref.property) }));
      new ExternalSecret(this, `externalsecret-${r.namespace}-${r.name}`, {
        metadata: { name: r.name, namespace: r.namespace, labels: labels(r.name, 'external-secret') },
        // The store of the ExternalSecret's own namespace: it can read only that namespace's paths.
        spec: externalSecretSpec({
          store: store.name,
          target: r.name,
          refreshInterval: props.refreshInterval.toString(),
          // No template data: the Secret's data is the fetched keys; the template only adds type and labels.
          template: {
            ...(r.type ? { type: r.type } : {}),
            ...(r.labels && Object.keys(r.labels).length ? { metadata: { labels: { ...r.labels } } } : {}),
          },
          data,
        }),
      });
    }
  }
}

function sortedRequirements(requirements: readonly SecretRequirement[]): SecretRequirement[] {
  return [...requirements].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** The operator writes every value into OpenBao once; bootstrap Secrets get the same values they were created with. */
function seedingRunbook(props: ExternalSecretsConfigProps): RunbookSection {
  const byPath = new Map<string, { properties: Set<string>; consumers: Set<string>; bootstrap: Map<string, string> }>();
  for (const r of sortedRequirements(props.requirements)) {
    for (const [key, ref] of Object.entries(r.data)) {
      const entry = byPath.get(ref.path) ?? { properties: new Set<string>(), consumers: new Set<string>(), bootstrap: new Map<string, string>() };
      entry.properties.add(ref.property);
      entry.consumers.add(`${r.namespace}/${r.name}`);
      const envVar = r.bootstrap?.[key];
      if (envVar) entry.bootstrap.set(ref.property, envVar);
      byPath.set(ref.path, entry);
    }
  }
  const commands = [...byPath.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, e]) => {
      const args = [...e.properties].sort().map((p) => {
        const envVar = e.bootstrap.get(p);
        return envVar ? `${p}="$${envVar}"` : `${p}="<${p}>"`;
      });
      return `bao kv put -mount=${props.openbao.kvMount} ${path} ${args.join(' ')}   # ${[...e.consumers].join(', ')}`;
    });
  return {
    phase: 'openbao',
    title: 'Seed OpenBao with the platform secrets',
    body: `Right after \`openbao\` turns Healthy, with the break-glass token ("OpenBao administrative access" under Operations), write every value the platform
consumes. Until a value exists its ExternalSecret reports SecretSyncedError and \`external-secrets-config\` stays
Degraded, which holds the later waves; Argo CD retries on its own once the value is there. Values created at
bootstrap must be written with the same value (the exported variable), so the adoption changes nothing;
replace every \`<placeholder>\` with a generated value.
${commands.length ? '' : '\nNo component declares a secret yet.\n'}
\`\`\`bash
${commands.join('\n')}
\`\`\``,
  };
}

export function externalSecretsConfigComponent(props: ExternalSecretsConfigProps): PlatformComponent {
  validate(props);
  return {
    id: ID,
    workflow: Workflow.Security,
    namespace: props.namespace,
    dependsOn: ['external-secrets', 'openbao'],
    source: manifests((scope) => new ExternalSecretsConfigChart(scope, 'external-secrets-config', props)),
    runbook: [seedingRunbook(props)],
  };
}
