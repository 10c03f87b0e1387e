/**
 * OpenBao: integrated raft storage, auto-unseal, declarative self-initialization.
 *
 * Argo CD's waves wait on health, so OpenBao must come up initialized without a person in the
 * middle of a sync. The server configuration therefore carries:
 * - a `seal` stanza: AWS KMS through IRSA in staging and prod, the `static` seal in dev (a key the
 *   operator creates once at bootstrap, mounted from a Secret). Self-initialization needs an
 *   auto-unseal seal: with Shamir keys there is nowhere to put the key shares.
 * - `initialize` blocks (OpenBao 2.4+) that, on the very first start only, enable the Kubernetes
 *   auth method, mount the KV v2 engine `secret`, and write the policies and roles External Secrets
 *   and the break-glass administrator use. Self-init revokes its root token and creates no
 *   recovery keys, so administrative access is that break-glass role (runbook below).
 * - the `audit` stanza: OpenBao refuses to create audit devices through the API.
 *
 * HA: a raft node that starts with an `initialize` stanza and empty storage can bootstrap its own
 * cluster while its `retry_join` is still in flight (openbao/openbao#2274, #3652; openbao-helm#164).
 * Pods start one by one (OrderedReady) and openbao-0 only serves, and so only turns Ready, after
 * self-init finished; every other pod strips the `initialize` blocks from its copy of the
 * configuration before the server starts, so only openbao-0 can ever initialize.
 *
 * Readiness says what a pod is: Ready only when initialized and unsealed (active, or a standby that
 * forwards to the active node). A sealed (503) or uninitialized (501) server is not Ready, so the
 * client Services never send External Secrets to it, the PodDisruptionBudget counts it as down, a
 * rolling update waits for each restarted pod to unseal, and Argo CD's StatefulSet health (ready
 * replicas) keeps the `openbao` Application Progressing until every voter is unsealed. Only the
 * liveness probe tolerates sealed and uninitialized (a pod waiting to join must not be restarted).
 * A pod that is not Ready can still join: `retry_join` and the cluster address go through the
 * chart's headless `openbao-internal` Service, which always publishes not-ready addresses, and with
 * OrderedReady the next pod starts only once the previous one has joined and unsealed.
 *
 * TLS: the API listener (8200) serves a certificate that cert-manager issues from an internal CA
 * (Issuer `openbao-ca` in this namespace, whose key the operator creates at bootstrap into the
 * Secret `openbao-ca`; the CA's certificate is committed as `openbaoCaCertificate` and inlined
 * where clients need it, since no trust distributor is vendored). The certificate covers every
 * address a client uses (`openBaoDnsNames`). OpenBao reads its certificate only at start and on
 * SIGHUP, and neither the chart nor OpenBao watches the files, so the server container's start
 * script also starts tls-reload.sh in the background: it sends SIGHUP to the server when the
 * kubelet swaps the renewed Secret in. That keeps the reload inside the server's own container (a
 * sidecar would need `shareProcessNamespace`, which would let it read the server's memory) and
 * restarts nothing: a restart would seal nothing here (auto-unseal) but would fail over the active
 * node on every renewal. Raft (8201) keeps OpenBao's own cluster TLS.
 *
 * Backups: a CronJob (`openbao-snapshot`) saves a raft snapshot from the active node with the
 * chart's own image and `bao operator raft snapshot save`, and uploads it to S3 through IRSA
 * (lib/backup.ts); the bucket's lifecycle keeps it for the retention period. The job logs in with
 * a Kubernetes-auth role of its own whose policy reads `sys/storage/raft/snapshot` only. Since
 * self-initialization runs once, that role and policy (with every other declared one) are applied
 * by reconcile.sh, which the operator runs with the break-glass token (bootstrap README). A
 * snapshot is only as good as the seal: restoring it needs the same KMS key (or dev's static key).
 */
import { k8s } from 'cdk8s-plus-28';
import type { PlatformComponentId } from '../../config/ids';
import { parseKmsKeyArn } from '../../config/schema';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy, CertificateSpecUsages, Issuer } from '../../imports/cert-manager.io';
import { parseCaCertificate } from '../../lib/ca-certificate';
import { CHARTS } from '../../config/versions';
import { Duration } from '../../lib/duration';
import { Endpoint } from '../../lib/endpoint';
import { helmComponent } from '../../lib/helm-component';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';
import { TrafficEdge } from '../../lib/traffic';
import {
  BackupSchedule,
  backupBucketRunbook,
  recoveryAnnotations,
  RecoveryObjective,
  s3UploadPolicy,
  SnapshotBackupProps,
  SnapshotCronJob,
} from '../../lib/backup';
import { PlatformComponent, manifests, RunbookSection, SecretRequirement, Workflow } from '../../lib/component';
import { irsaAnnotations, irsaRole, IrsaRole, IrsaTarget } from '../../lib/irsa';
import { LabelDomain } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { PRIORITY } from '../../lib/priority';
import { K8sObject, synthObjects } from '../../lib/render';
import { Resources } from '../../lib/resources';
import { readerRoleName, SECRET_STORE, SecretReadAccess } from '../../lib/secret-readers';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT } from '../../lib/security';
import { HclBlock, hclBlock, HclValue, initializeBlock, InitRequest, PolicyRule, policyDocument } from './hcl';
import RECONCILE_SCRIPT from './reconcile.sh';
import SNAPSHOT_SCRIPT from './snapshot.sh';
import TLS_RELOAD_SCRIPT from './tls-reload.sh';
import { breakGlassFlags, guardName, namespaceGuardObjects } from './namespace-guard';
import { OpenBaoValues } from './values';

/** This component's id: its Argo CD Application name. */
export const ID = 'openbao' satisfies PlatformComponentId;

/** Fixed names the rest of the platform relies on (release, ports, mounts, the token audience). */
export const OPENBAO = {
  release: 'openbao',
  serviceAccount: 'openbao',
  apiPort: 8200,
  clusterPort: 8201,
  /** The chart's headless service for pod-to-pod (raft) traffic. */
  internalService: 'openbao-internal',
  dataPath: '/openbao/data',
  kvMount: 'secret',
  kubernetesAuthMount: 'kubernetes',
  /** `aud` of the ServiceAccount tokens OpenBao's Kubernetes auth accepts. */
  audience: 'openbao',
  /**
   * Readiness: 200 when initialized and unsealed, active or standby (`standbyok`); sealed answers
   * 503 and uninitialized 501, so neither is Ready.
   */
  readinessPath: '/v1/sys/health?standbyok=true',
  /**
   * Liveness: the server answers, whatever its state. Sealed and uninitialized answer 204, so a
   * pod still joining or waiting to be unsealed is not restarted.
   */
  livenessPath: '/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204',
  /** The chart's server pod labels (its selector). */
  podSelector: { 'app.kubernetes.io/name': 'openbao', 'app.kubernetes.io/instance': 'openbao', component: 'server' },
  selfInitBegin: '# BEGIN self-init',
  selfInitEnd: '# END self-init',
  /** The chart copies the configuration here and starts the server from the copy. */
  renderedConfig: '/tmp/storageconfig.hcl',
  /** The image's `openbao` user and group. */
  uid: 100,
  gid: 1000,
  /** The other client Services the chart renders (HA): the active node and the standbys. */
  activeService: 'openbao-active',
  standbyService: 'openbao-standby',
  tls: {
    /** The bootstrap Secret with the CA's tls.crt and tls.key (cert-manager's CA Issuer reads it). */
    caSecret: 'openbao-ca',
    /** The Issuer (namespaced: only this namespace can have certificates signed by the CA). */
    issuer: 'openbao-ca',
    /** The ConfigMap with the committed CA certificate (`ca.crt`): what in-cluster clients mount. */
    caConfigMap: 'openbao-ca-certificate',
    caKey: 'ca.crt',
    /** The serving Certificate and its Secret (tls.crt, tls.key, ca.crt). */
    secret: 'openbao-tls',
    /** Where the server container mounts that Secret. */
    dir: '/openbao/tls',
    /** The ConfigMap with tls-reload.sh and where the server container mounts it. */
    reloadConfigMap: 'openbao-tls-reload',
    reloadDir: '/openbao/tls-reload',
    reloadScript: 'tls-reload.sh',
  },
} as const;

/** The CA bundle file in the server container (the Certificate's ca.crt: the issuing CA). */
export const OPENBAO_CA_FILE = `${OPENBAO.tls.dir}/${OPENBAO.tls.caKey}`;

/**
 * The addresses OpenBao serves in `namespace`: the API through the chart's client Service (named
 * after the release), over TLS from the internal CA, so clients also need `openbaoCaCertificate`.
 */
export function openbaoEndpoints(namespace: string): { readonly api: Endpoint } {
  return { api: Endpoint.service(OPENBAO.release, namespace, OPENBAO.apiPort, 'https') };
}

/** Where the seal key comes from. */
export type OpenBaoSealSpec =
  /** AWS KMS through IRSA. */
  | { readonly kind: 'awskms'; readonly keyArn: string }
  /** A static AES-256 key created once at bootstrap (dev), mounted from a Secret. */
  | { readonly kind: 'static' };

/** A Kubernetes ServiceAccount bound to an OpenBao role and policy by self-initialization. */
export interface KubernetesAuthBinding {
  readonly role: string;
  readonly policy: string;
  readonly rules: readonly PolicyRule[];
  readonly serviceAccount: string;
  readonly namespace: string;
  /** Lifetime of the tokens the role issues (in s, m or h: OpenBao takes no day unit). */
  readonly tokenTtl: Duration;
  readonly tokenMaxTtl: Duration;
}

export interface OpenBaoProps {
  readonly namespace: string;
  /** For the raft `cluster_name` and the IRSA role. */
  readonly target: IrsaTarget;
  readonly seal: OpenBaoSealSpec;
  /** Raft voters: 1 (dev) or an odd number of at least 3. */
  readonly replicas: number;
  /** The environment's tier policy: how the voters spread over zones (a replicated store). */
  readonly tierPolicy: TierPolicy;
  /** The server's requests and limits (config/sizing.ts). */
  readonly resources: Resources;
  /** The raft data volume of each voter (config/sizing.ts); a snapshot's scratch space too. */
  readonly storageSize: Storage;
  /** Prefix of the platform's annotation keys (the recovery objective on the StatefulSet). */
  readonly labelDomain: LabelDomain;
  /** Where and when raft snapshots go. */
  readonly backup: OpenBaoBackupProps;
  /**
   * PEM certificate of the internal CA that signs OpenBao's serving certificate (`openbaoCaCertificate`):
   * its key is the bootstrap Secret `openbao-ca`, the certificate is committed and given to clients.
   */
  readonly caCertificate: string;
  /**
   * Usernames that deploy this namespace from git (Argo CD's application controller): with the
   * workload controllers, the only ones the namespace guard lets create pods and workloads here.
   */
  readonly deployers: readonly string[];
  /** @default DEFAULTS.breakGlassGroup */
  readonly breakGlassGroup?: string;
}

/** Scheduled raft snapshots to S3. */
export type OpenBaoBackupProps = SnapshotBackupProps;

export const DEFAULTS = {
  /**
   * The per-namespace store readers (lib/secret-readers.ts): role and policy `eso-<namespace>`.
   * External Secrets re-authenticates when its token expires.
   */
  storeReader: { tokenTtl: Duration.hours(1), tokenMaxTtl: Duration.hours(4) },
  /** Break-glass administrator: a ServiceAccount that exists only while someone needs it. */
  admin: { role: 'platform-admin', policy: 'platform-admin', serviceAccount: 'openbao-admin', tokenTtl: Duration.minutes(15), tokenMaxTtl: Duration.hours(1) },
  /** The raft snapshot CronJob and its OpenBao role: it may read `sys/storage/raft/snapshot`, nothing else. */
  snapshot: {
    name: 'openbao-snapshot',
    role: 'openbao-snapshot',
    policy: 'openbao-snapshot',
    serviceAccount: 'openbao-snapshot',
    tokenTtl: Duration.minutes(5),
    tokenMaxTtl: Duration.minutes(15),
    /** Hourly, at 17 past (away from the top of the hour, when other jobs start). */
    schedule: BackupSchedule.everyHours(1, 17),
    /** Key prefix in the bucket and the object name suffix. */
    prefix: 'openbao',
    fileName: 'openbao.snap',
    resources: Resources.of({ cpu: '20m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
    /** Where the ServiceAccount token for OpenBao's audience is projected. */
    tokenDir: '/var/run/secrets/openbao',
    /** Where the CA certificate is mounted (BAO_CACERT). */
    caDir: '/etc/openbao-ca',
  },
  /** The group a cluster administrator impersonates to pass the namespace guard (break-glass). */
  breakGlassGroup: 'platform:security-break-glass',
  tls: {
    /** 90 days, renewed 30 days before the end: a renewal exercises the reload every two months. */
    duration: Duration.hours(2160),
    renewBefore: Duration.hours(720),
    /** How often tls-reload.sh compares the mounted certificate (seconds). */
    reloadIntervalSeconds: 60,
    /** The operator's variables the bootstrap Secret `openbao-ca` is created from. */
    certEnvVar: 'OPENBAO_CA_CERT',
    keyEnvVar: 'OPENBAO_CA_KEY',
  },
  unsealKey: {
    secretName: 'openbao-unseal-key',
    key: 'key',
    envVar: 'OPENBAO_UNSEAL_KEY',
    /** A new key needs a new id (and the old one as `previous_key`): the id names the key material. */
    keyId: 'bootstrap-1',
  },
} as const;

/** Tokens the chart's start script substitutes in the configuration; they must not occur by accident. */
const CHART_PLACEHOLDERS = ['HOST_IP', 'POD_IP', 'HOSTNAME', 'API_ADDR', 'TRANSIT_ADDR', 'RAFT_ADDR'] as const;

function validate(props: OpenBaoProps): void {
  const ca = parseCaCertificate(props.caCertificate);
  if (!ca.ok) throw new Error(`openbao: caCertificate (openbaoCaCertificate) ${ca.problem}`);
  const days = props.backup.retentionDays;
  if (!Number.isInteger(days) || days < 1) throw new Error(`openbao: backup.retentionDays ${days} is not a whole number of days; keep snapshots for at least 1 day, e.g. 30`);
  const n = props.replicas;
  if (!Number.isInteger(n) || n < 1 || (n > 1 && (n < 3 || n % 2 === 0))) {
    throw new Error(`openbao: replicas ${n} is not a raft quorum size; use 1 (no HA) or an odd number >= 3 (3 survives one zone down)`);
  }
  if (props.seal.kind === 'awskms') {
    const parsed = parseKmsKeyArn(props.seal.keyArn);
    if (!parsed.ok) throw new Error(`openbao: seal.keyArn: ${parsed.problem}`);
    if (parsed.value.accountId !== props.target.accountId) {
      throw new Error(`openbao: seal.keyArn "${props.seal.keyArn}" belongs to account ${parsed.value.accountId}, not the cluster's ${props.target.accountId}; use a key in ${props.target.accountId}`);
    }
  }
}

/** The KMS key's region comes from its ARN: the key may live outside the cluster's region. */
function kmsRegion(keyArn: string): string {
  return keyArn.split(':')[3];
}

function kmsRole(props: OpenBaoProps): IrsaRole | undefined {
  if (props.seal.kind !== 'awskms') return undefined;
  return irsaRole(props.target, props.namespace, OPENBAO.serviceAccount, {
    statements: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: [props.seal.keyArn] }],
  });
}

/**
 * The Secret holding the dev static seal key: created at bootstrap and only there. It names no
 * OpenBao value (`data` is empty), so no ExternalSecret ever manages it (workflows/security.ts):
 * delivering the key from the OpenBao it unseals would be a cycle, since a sealed OpenBao cannot
 * serve its own key, and an ExternalSecret rewriting the Secret could replace the key with another
 * value and leave the raft data unreadable. The operator keeps the only other copy (runbook).
 */
export function unsealKeySecret(namespace: string): SecretRequirement {
  const k = DEFAULTS.unsealKey;
  return {
    namespace,
    name: k.secretName,
    data: {},
    purpose: 'OpenBao static seal key (dev only): 32 random bytes as 64 hex characters; bootstrap only, never stored in or delivered from OpenBao, kept in the password manager',
    bootstrap: { [k.key]: k.envVar },
  };
}

/**
 * The role of one namespace's SecretStore: bound to the store's ServiceAccount in that namespace
 * only, with a policy that reads exactly the namespace's paths (KV v2 data, nothing else: no
 * metadata, no list, no wildcard). External Secrets reads `<mount>/data/<path>` and nothing more.
 */
export function storeReaderBinding(access: SecretReadAccess): KubernetesAuthBinding {
  const r = DEFAULTS.storeReader;
  if (access.paths.length === 0) throw new Error(`openbao: the store reader of namespace ${access.namespace} has no paths; a namespace that reads nothing gets no role`);
  const bad = access.paths.find((p) => !p || p.includes('*') || p.includes('+') || p.startsWith('/') || p.endsWith('/'));
  if (bad !== undefined) throw new Error(`openbao: namespace ${access.namespace} reads path "${bad}"; give one exact path under the ${OPENBAO.kvMount}/ mount (no wildcard, no leading or trailing "/"), e.g. platform/cloudflare`);
  const name = readerRoleName(access.namespace);
  const rules = [...access.paths].sort().map((p): PolicyRule => ({ path: `${OPENBAO.kvMount}/data/${p}`, capabilities: ['read'] }));
  return { ...r, role: name, policy: name, serviceAccount: SECRET_STORE.serviceAccount, namespace: access.namespace, rules };
}

/** One of the fixed bindings of DEFAULTS (its role, policy, ServiceAccount and TTLs) in `namespace`. */
function fixedBinding(d: Omit<KubernetesAuthBinding, 'rules' | 'namespace'>, namespace: string, rules: readonly PolicyRule[]): KubernetesAuthBinding {
  return { role: d.role, policy: d.policy, serviceAccount: d.serviceAccount, tokenTtl: d.tokenTtl, tokenMaxTtl: d.tokenMaxTtl, namespace, rules };
}

/** The break-glass administrator's role: everything. */
export function adminBinding(namespace: string): KubernetesAuthBinding {
  return fixedBinding(DEFAULTS.admin, namespace, [{ path: '*', capabilities: ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'] }]);
}

/** The raft snapshot job's role: its policy reads the snapshot endpoint and nothing else. */
export function snapshotBinding(namespace: string): KubernetesAuthBinding {
  return fixedBinding(DEFAULTS.snapshot, namespace, [{ path: 'sys/storage/raft/snapshot', capabilities: ['read'] }]);
}

/**
 * Every role and policy the platform declares, in the order reconcile.sh applies them: the one
 * self-initialization created on the first start (the break-glass administrator), then those only
 * the reconcile step brings to a cluster: the raft snapshot job's, and one store reader per
 * namespace that reads secrets (`readers`, from lib/secret-readers.ts).
 */
export function reconcileBindings(namespace: string, readers: readonly SecretReadAccess[]): KubernetesAuthBinding[] {
  return [adminBinding(namespace), snapshotBinding(namespace), ...[...readers].sort((a, b) => a.namespace.localeCompare(b.namespace)).map(storeReaderBinding)];
}

/**
 * The roles and policies of earlier releases that the platform no longer declares and the reconcile
 * step deletes: the catch-all External Secrets reader (`secret/data/*` for one ServiceAccount that
 * served every namespace), replaced by the per-namespace store readers.
 */
export const RETIRED_BINDINGS: readonly { readonly role: string; readonly policy: string }[] = [{ role: 'external-secrets', policy: 'external-secrets-read' }];

/** The fields of `auth/<mount>/role/<name>` for a binding (self-init request and reconcile file alike). */
export function roleFields(b: KubernetesAuthBinding): { readonly [key: string]: HclValue } {
  for (const d of [b.tokenTtl, b.tokenMaxTtl]) if (d.toString().endsWith('d')) throw new Error(`openbao: token TTL "${d}" of role ${b.role} is in days, which OpenBao does not take; give it in hours, e.g. ${d.toHours()}`);
  return {
    bound_service_account_names: [b.serviceAccount],
    bound_service_account_namespaces: [b.namespace],
    audience: OPENBAO.audience,
    token_policies: [b.policy],
    token_ttl: b.tokenTtl.toString(),
    token_max_ttl: b.tokenMaxTtl.toString(),
  };
}

function bindingRequests(b: KubernetesAuthBinding): InitRequest[] {
  return [
    { name: `policy-${b.policy}`, operation: 'update', path: `sys/policies/acl/${b.policy}`, data: { policy: policyDocument(b.rules) } },
    { name: `role-${b.role}`, operation: 'update', path: `auth/${OPENBAO.kubernetesAuthMount}/role/${b.role}`, data: roleFields(b) },
  ];
}

/** The `initialize` stanzas: run once, on the first start of an empty cluster. */
export function selfInitBlocks(bindings: readonly KubernetesAuthBinding[]): HclBlock[] {
  return [
    initializeBlock('kubernetes-auth', [
      { name: 'enable', operation: 'update', path: `sys/auth/${OPENBAO.kubernetesAuthMount}`, data: { type: 'kubernetes', description: 'Kubernetes ServiceAccount tokens' } },
      // In-cluster defaults: OpenBao reviews tokens with its own ServiceAccount (system:auth-delegator, the chart's authDelegator).
      { name: 'configure', operation: 'update', path: `auth/${OPENBAO.kubernetesAuthMount}/config`, data: { kubernetes_host: 'https://kubernetes.default.svc' } },
    ]),
    initializeBlock('kv', [
      {
        name: 'mount-secret',
        operation: 'update',
        path: `sys/mounts/${OPENBAO.kvMount}`,
        data: { type: 'kv', description: 'Platform secrets (KV v2), read by External Secrets', options: { version: '2' } },
      },
    ]),
    ...bindings.map((b) => initializeBlock(`binding-${b.role}`, bindingRequests(b))),
  ];
}

/** The complete server configuration (`server.ha.raft.config`). */
export function serverConfig(props: OpenBaoProps): string {
  const seal: HclBlock =
    props.seal.kind === 'awskms'
      ? { type: 'seal', labels: ['awskms'], attributes: { region: kmsRegion(props.seal.keyArn), kms_key_id: props.seal.keyArn } }
      : {
          type: 'seal',
          labels: ['static'],
          attributes: {
            current_key_id: DEFAULTS.unsealKey.keyId,
            current_key: `file://${unsealKeyMountPath()}/${DEFAULTS.unsealKey.key}`,
          },
        };
  const retryJoin: HclBlock[] =
    props.replicas > 1
      ? Array.from({ length: props.replicas }, (_, i) => ({
          type: 'retry_join',
          attributes: { leader_api_addr: `https://${OPENBAO.release}-${i}.${OPENBAO.internalService}:${OPENBAO.apiPort}`, leader_ca_cert_file: OPENBAO_CA_FILE },
        }))
      : [];
  const blocks: HclBlock[] = [
    {
      type: 'listener',
      labels: ['tcp'],
      attributes: {
        address: `[::]:${OPENBAO.apiPort}`,
        cluster_address: `[::]:${OPENBAO.clusterPort}`,
        tls_disable: false,
        tls_cert_file: `${OPENBAO.tls.dir}/tls.crt`,
        tls_key_file: `${OPENBAO.tls.dir}/tls.key`,
        tls_min_version: 'tls12',
      },
      // Prometheus scrapes /v1/sys/metrics without a token.
      blocks: [{ type: 'telemetry', attributes: { unauthenticated_metrics_access: true } }],
    },
    { type: 'storage', labels: ['raft'], attributes: { path: OPENBAO.dataPath }, blocks: retryJoin },
    { type: 'service_registration', labels: ['kubernetes'] },
    seal,
    { type: 'telemetry', attributes: { prometheus_retention_time: '30s', disable_hostname: true } },
    // Declarative audit device: every request, HMAC'd, to stdout, where the log collector ships it to Loki.
    {
      type: 'audit',
      labels: ['file', 'stdout'],
      attributes: { description: 'Every request and response (secrets HMAC-ed) to stdout, shipped to Loki' },
      blocks: [{ type: 'options', attributes: { file_path: 'stdout', log_raw: 'false' } }],
    },
  ];
  // Only the administrator: every other role (store readers, snapshot) comes from the reconcile step.
  const init = selfInitBlocks([adminBinding(props.namespace)]);
  const text = [
    `cluster_name = ${JSON.stringify(props.target.clusterName)}`,
    'ui = false',
    ...blocks.map((b) => hclBlock(b)),
    OPENBAO.selfInitBegin,
    ...init.map((b) => hclBlock(b)),
    OPENBAO.selfInitEnd,
    '',
  ].join('\n');
  const accidental = CHART_PLACEHOLDERS.find((p) => text.includes(p));
  if (accidental) throw new Error(`openbao: the server configuration contains "${accidental}", which the chart's start script would replace; rename it`);
  return text;
}

function unsealKeyMountPath(): string {
  // The chart mounts `server.extraVolumes` entries at /openbao/userconfig/<name>.
  return `/openbao/userconfig/${DEFAULTS.unsealKey.secretName}`;
}

/**
 * Shell words the chart appends to `bao server -config=/tmp/storageconfig.hcl` in its `sh -ec`
 * start script: on every pod but ordinal 0, delete the self-init section from the copied config
 * first. Expands to nothing.
 */
export function selfInitGate(): string {
  const b = OPENBAO.selfInitBegin;
  const e = OPENBAO.selfInitEnd;
  return `$([ "\${HOSTNAME##*-}" = "0" ] || sed -i '/^${b}$/,/^${e}$/d' ${OPENBAO.renderedConfig})`;
}

/**
 * Shell words for the chart's start script that start tls-reload.sh in the background, its output
 * on the container's stderr (the command substitution's own output is nothing, so the words expand
 * to nothing and the substitution returns at once).
 */
export function tlsReloadStart(): string {
  const t = OPENBAO.tls;
  return `$(sh ${t.reloadDir}/${t.reloadScript} ${t.dir} ${DEFAULTS.tls.reloadIntervalSeconds} bao >&2 &)`;
}

/**
 * Every name a client reaches OpenBao by, for the serving certificate: the client Services
 * (`openbao`, `-active`, `-standby`) in each short and qualified form, each pod through the
 * headless Service (raft's `retry_join` and cluster addresses), and `localhost` (the chart's
 * in-pod BAO_ADDR and port-forwards use 127.0.0.1, an IP address of the certificate).
 */
export function openBaoDnsNames(namespace: string, replicas: number): string[] {
  const forms = (host: string) => [host, `${host}.${namespace}`, `${host}.${namespace}.svc`, `${host}.${namespace}.svc.cluster.local`];
  const pods = Array.from({ length: replicas }, (_, i) => `${OPENBAO.release}-${i}.${OPENBAO.internalService}`);
  return [
    ...forms(OPENBAO.release),
    ...forms(OPENBAO.activeService),
    ...forms(OPENBAO.standbyService),
    ...forms(OPENBAO.internalService),
    ...pods.flatMap(forms),
    'localhost',
  ];
}

/** The IP addresses of the serving certificate: loopback, for the in-pod BAO_ADDR and port-forwards. */
export const OPENBAO_IP_ADDRESSES = ['127.0.0.1'] as const;

/** The bootstrap Secret with the CA's key: created by the operator, never stored in OpenBao (it serves OpenBao's TLS). */
export function caKeySecret(namespace: string): SecretRequirement {
  const t = DEFAULTS.tls;
  return {
    namespace,
    name: OPENBAO.tls.caSecret,
    data: {},
    purpose: "OpenBao's internal CA (certificate and private key, PEM) for cert-manager's CA Issuer; bootstrap only, the key kept in the password manager",
    bootstrap: { 'tls.crt': t.certEnvVar, 'tls.key': t.keyEnvVar },
  };
}

/**
 * The CA Issuer, OpenBao's serving Certificate, the committed CA certificate as a ConfigMap for the
 * in-cluster clients, and tls-reload.sh as a ConfigMap for the server container.
 */
export function tlsObjects(props: OpenBaoProps): K8sObject[] {
  const t = OPENBAO.tls;
  const ns = props.namespace;
  return synthObjects(
    manifests((scope) => {
      const chart = new PlatformChart(scope, 'openbao-tls');
      const meta = (name: string) => ({ name, namespace: ns, labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': OPENBAO.release, 'app.kubernetes.io/component': 'tls' } });
      new Issuer(chart, 'issuer', { metadata: meta(t.issuer), spec: { ca: { secretName: t.caSecret } } });
      new Certificate(chart, 'certificate', {
        metadata: meta(t.secret),
        spec: {
          secretName: t.secret,
          commonName: `${OPENBAO.release}.${ns}.svc`,
          dnsNames: openBaoDnsNames(ns, props.replicas),
          ipAddresses: [...OPENBAO_IP_ADDRESSES],
          duration: DEFAULTS.tls.duration.toString(),
          renewBefore: DEFAULTS.tls.renewBefore.toString(),
          usages: [CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.KEY_ENCIPHERMENT, CertificateSpecUsages.SERVER_AUTH],
          // A new key with every renewal: a leaked key is worth one certificate's lifetime at most.
          privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
          issuerRef: { name: t.issuer, kind: 'Issuer', group: 'cert-manager.io' },
        },
      });
      new k8s.KubeConfigMap(chart, 'ca', { metadata: meta(t.caConfigMap), data: { [t.caKey]: props.caCertificate } });
      new k8s.KubeConfigMap(chart, 'reload', { metadata: meta(t.reloadConfigMap), data: { [t.reloadScript]: TLS_RELOAD_SCRIPT } });
      return chart;
    }),
  );
}

function probe(path: string, initialDelaySeconds: number): OpenBaoValues['server']['readinessProbe'] {
  return {
    enabled: true,
    path,
    port: OPENBAO.apiPort,
    failureThreshold: 3,
    initialDelaySeconds,
    periodSeconds: 10,
    successThreshold: 1,
    timeoutSeconds: 3,
  };
}

/** The snapshot job's upload role: put objects under its prefix, nothing else. */
export function snapshotRole(props: Pick<OpenBaoProps, 'target' | 'namespace' | 'backup'>): IrsaRole {
  return irsaRole(props.target, props.namespace, DEFAULTS.snapshot.serviceAccount, s3UploadPolicy(props.backup.bucket, DEFAULTS.snapshot.prefix));
}

/** Title of the restore runbook (bootstrap README, Operations). */
export const RESTORE_RUNBOOK = 'OpenBao: restoring a raft snapshot';
const RECONCILE_RUNBOOK = 'Reconcile OpenBao roles and policies';

/** What the StatefulSet declares about getting OpenBao's data back. */
export function openBaoRecovery(props: Pick<OpenBaoProps, 'backup'>): RecoveryObjective {
  const schedule = props.backup.schedule ?? DEFAULTS.snapshot.schedule;
  return {
    rpo: schedule.every,
    backedUp: true,
    mechanism: `a raft snapshot every ${schedule.every} (CronJob ${DEFAULTS.snapshot.name}) to s3://${props.backup.bucket}/${DEFAULTS.snapshot.prefix}/, kept ${props.backup.retentionDays} days; restoring needs the same seal key`,
    runbook: RESTORE_RUNBOOK,
  };
}

/**
 * The snapshot CronJob and its ServiceAccount, added to the chart's rendering: the chart has no
 * value for extra objects, and the job must run the OpenBao the StatefulSet runs, so its image is
 * read from the rendered StatefulSet rather than pinned a second time.
 */
export function snapshotObjects(props: OpenBaoProps, rendered: readonly K8sObject[]): K8sObject[] {
  type Pod = { spec?: { template?: { spec?: { containers?: { name: string; image?: string }[] } } } };
  const sts = rendered.find((o) => o.kind === 'StatefulSet' && o.metadata.name === OPENBAO.release) as (K8sObject & Pod) | undefined;
  const image = sts?.spec?.template?.spec?.containers?.find((c) => c.name === OPENBAO.release)?.image;
  if (!image) throw new Error(`openbao: the chart rendered no StatefulSet ${OPENBAO.release} with an ${OPENBAO.release} container, whose image the snapshot job runs; check the chart's server settings`);
  const s = DEFAULTS.snapshot;
  const role = snapshotRole(props);
  const tokenFile = 'token';
  return synthObjects(
    manifests((scope) => {
      const chart = new PlatformChart(scope, s.name);
      new SnapshotCronJob(chart, 'snapshot', {
        name: s.name,
        namespace: props.namespace,
        instance: OPENBAO.release,
        schedule: props.backup.schedule ?? s.schedule,
        role,
        bucket: props.backup.bucket,
        prefix: s.prefix,
        region: props.backup.region,
        fileName: s.fileName,
        uploaderImage: props.backup.uploaderImage,
        // A snapshot holds at most the raft data.
        scratchSize: props.storageSize,
        snapshot: {
          image,
          script: SNAPSHOT_SCRIPT,
          env: [
            // The active node serves the snapshot; a standby would only forward the request.
            { name: 'BAO_ADDR', value: `https://${OPENBAO.activeService}.${props.namespace}.svc:${OPENBAO.apiPort}` },
            { name: 'BAO_CACERT', value: `${s.caDir}/${OPENBAO.tls.caKey}` },
            { name: 'BAO_AUTH_MOUNT', value: OPENBAO.kubernetesAuthMount },
            { name: 'BAO_ROLE', value: s.role },
            { name: 'BAO_JWT_FILE', value: `${s.tokenDir}/${tokenFile}` },
          ],
          resources: s.resources,
          volumeMounts: [
            { name: 'openbao-token', mountPath: s.tokenDir, readOnly: true },
            { name: 'openbao-ca', mountPath: s.caDir, readOnly: true },
          ],
        },
        volumes: [
          {
            name: 'openbao-token',
            // A short-lived token for OpenBao's audience only: it is no Kubernetes API credential.
            projected: { sources: [{ serviceAccountToken: { audience: OPENBAO.audience, expirationSeconds: 600, path: tokenFile } }] },
          },
          // The committed CA certificate only: the job never sees the CA's key or the server's.
          { name: 'openbao-ca', configMap: { name: OPENBAO.tls.caConfigMap } },
        ],
      });
      return chart;
    }),
  );
}

/** Where the reconcile step has the operator save reconcile.sh. */
const RECONCILE_FILE = 'openbao-reconcile.sh';

/**
 * The reconcile step: the declared policies and roles as files, the retired ones as names, then
 * reconcile.sh over them. It needs every namespace's store reader, which only the whole platform
 * knows, so the workflow that has every secret requirement adds it (workflows/security.ts).
 */
export function reconcileRunbook(namespace: string, readers: readonly SecretReadAccess[]): RunbookSection {
  const dir = '$OPENBAO_DESIRED';
  const heredoc = (file: string, delimiter: string, text: string): string => {
    if (text.split('\n').includes(delimiter)) throw new Error(`openbao: ${file} contains a line "${delimiter}", which would end its here-document early`);
    return `cat > "${dir}/${file}" <<'${delimiter}'\n${text.endsWith('\n') ? text : `${text}\n`}${delimiter}`;
  };
  const bindings = reconcileBindings(namespace, readers);
  const files = [
    ...bindings.flatMap((b) => [
      heredoc(`policies/${b.policy}.hcl`, 'POLICY', policyDocument(b.rules)),
      heredoc(`roles/${b.role}.json`, 'ROLE', JSON.stringify(roleFields(b))),
    ]),
    heredoc('retired-policies', 'RETIRED', RETIRED_BINDINGS.map((r) => r.policy).join('\n')),
    heredoc('retired-roles', 'RETIRED', RETIRED_BINDINGS.map((r) => r.role).join('\n')),
  ];
  const s = DEFAULTS.snapshot;
  return {
    phase: 'openbao',
    title: RECONCILE_RUNBOOK,
    body: `Self-initialization created the administrator's role once, on OpenBao's first start. Every role and policy the platform
declares (${bindings.map((b) => `\`${b.role}\``).join(', ')}) is applied by an idempotent reconcile script (charts/openbao/reconcile.sh):
it rewrites a policy only where it differs, writes each role, deletes the retired ones (${RETIRED_BINDINGS.map((r) => `\`${r.role}\``).join(', ')}:
the catch-all reader of earlier releases), and lists roles and policies OpenBao has that are neither declared nor retired
without deleting them. Run it now, and again whenever this block changes (a namespace that starts reading a secret, or a
new path, arrives with a platform change; on a running cluster nothing else applies it). Each \`eso-<namespace>\` role is
bound to the ServiceAccount \`${SECRET_STORE.serviceAccount}\` of its namespace's SecretStore and reads exactly that
namespace's paths; until it has run, those SecretStores cannot log in (their ExternalSecrets wait), and the
\`${s.name}\` CronJob's runs fail.

1. Save the script as \`${RECONCILE_FILE}\`:

\`\`\`sh
${RECONCILE_SCRIPT.trimEnd()}
\`\`\`

2. In the administrative session, write the declared policies and roles and reconcile:

\`\`\`bash
OPENBAO_DESIRED="$(mktemp -d)"
mkdir -p "${dir}/policies" "${dir}/roles"
${files.join('\n')}
sh ${RECONCILE_FILE} "${dir}" ${OPENBAO.kubernetesAuthMount}
\`\`\``,
  };
}

function restoreRunbook(props: OpenBaoProps): RunbookSection {
  const ns = props.namespace;
  const s = DEFAULTS.snapshot;
  const b = props.backup.bucket;
  const seal = props.seal.kind === 'awskms' ? `the KMS key \`${props.seal.keyArn}\`` : `the static key in \`${ns}/${DEFAULTS.unsealKey.secretName}\` (the password manager's copy)`;
  return {
    phase: 'operations',
    title: RESTORE_RUNBOOK,
    body: `The \`${s.name}\` CronJob saves a snapshot every ${(props.backup.schedule ?? s.schedule).every} to \`s3://${b}/${s.prefix}/\` (kept
${props.backup.retentionDays} days), so a restore loses at most that much. A snapshot is encrypted with OpenBao's keyring, which the
seal protects: it can only be restored into an OpenBao that unseals with ${seal}.

1. Check the job runs: \`kubectl -n ${ns} get jobs -l app.kubernetes.io/name=${s.name}\` (the last one Complete).
2. Pick a snapshot and fetch it:

\`\`\`bash
aws s3 ls "s3://${b}/${s.prefix}/" | tail -n 5
SNAPSHOT="\${SNAPSHOT:?export SNAPSHOT as the object to restore, e.g. ${s.prefix}/20260501T091700Z-${s.fileName}}"
aws s3 cp "s3://${b}/$SNAPSHOT" ./${s.fileName}
\`\`\`

3. Open an administrative session ("OpenBao administrative access (break-glass)" above) and restore. Into the
   same cluster (data deleted or damaged) a plain restore is enough; into a cluster that started empty (every raft volume
   lost, or a new cluster) it self-initialized with a keyring of its own, so the restore needs \`-force\`:

\`\`\`bash
bao operator raft snapshot restore ./${s.fileName}            # add -force when the cluster started empty
bao operator raft list-peers
\`\`\`

The restored data replaces everything, tokens included: the break-glass token ends with it, so log in again (same
role) and rerun "${RECONCILE_RUNBOOK}" to bring the roles and policies added since the snapshot back. External
Secrets re-authenticates by itself.`,
  };
}

/** Title of the CA section (bootstrap README, prerequisites); config errors point here. */
export const CA_RUNBOOK = 'OpenBao internal CA';

function caRunbook(props: OpenBaoProps): RunbookSection {
  const ns = props.namespace;
  const t = DEFAULTS.tls;
  const ca = parseCaCertificate(props.caCertificate);
  if (!ca.ok) throw new Error(`openbao: caCertificate ${ca.problem}`);
  return {
    phase: 'aws',
    title: CA_RUNBOOK,
    body: `OpenBao serves TLS with a certificate cert-manager issues from an internal CA of this environment (Issuer
\`${ns}/${OPENBAO.tls.issuer}\`, reading the CA's key from the Secret \`${ns}/${OPENBAO.tls.caSecret}\`). The CA's certificate is committed
(\`openbaoCaCertificate\` of this environment in platform.yaml) and inlined where clients need it: every SecretStore's
\`caBundle\`, the ConfigMap \`${ns}/${OPENBAO.tls.caConfigMap}\` (the snapshot job, Prometheus, the break-glass session). The
key never enters git or OpenBao. Create the CA once, before the first synth of the environment (the committed
certificate is \`${ca.value.subject}\`, valid until ${ca.value.validTo.toISOString().slice(0, 10)}; an environment copied from the example
carries a certificate whose key nobody has, so create your own):

\`\`\`bash
( umask 077
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 3650 \\
    -keyout openbao-ca.key -out openbao-ca.crt -subj "/CN=openbao-ca (${props.target.clusterName})" \\
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" )
openssl x509 -in openbao-ca.crt -noout -subject -enddate
${t.certEnvVar}="$(cat openbao-ca.crt)" ${t.keyEnvVar}="$(cat openbao-ca.key)"
export ${t.certEnvVar} ${t.keyEnvVar}
\`\`\`

Paste \`openbao-ca.crt\` into platform.yaml as \`openbaoCaCertificate: |\` of this environment, synth and commit; store
\`openbao-ca.key\` in the password manager (an entry named after the cluster and \`${OPENBAO.tls.caSecret}\`), then delete the file
(\`shred -u openbao-ca.key\`). The Secret is created from the two variables with the other bootstrap Secrets. Before
that, check that the variable holds the committed certificate (SHA-256 fingerprint
\`${ca.value.fingerprint256}\`):

\`\`\`bash
printf '%s\\n' "$${t.certEnvVar}" | openssl x509 -noout -fingerprint -sha256   # must print the fingerprint above
\`\`\`

cert-manager renews OpenBao's certificate ${t.renewBefore} before it ends (every ${t.duration} a new key) and OpenBao picks it up without a
restart (charts/openbao/tls-reload.sh sends it SIGHUP). The CA itself lasts ten years: replacing it is the migration
below with a new CA.`,
  };
}

function tlsMigrationRunbook(props: OpenBaoProps): RunbookSection {
  const ns = props.namespace;
  const t = DEFAULTS.tls;
  return {
    phase: 'operations',
    title: 'OpenBao: moving a running cluster to TLS (or to a new CA)',
    body: `Clusters bootstrapped while OpenBao served plain http move in this order; External Secrets keeps working
throughout, because an ExternalSecret whose store cannot reach OpenBao keeps its Secret as it is (\`deletionPolicy: Retain\`,
nothing is rewritten on a failed refresh), and consumers run on the last values.

1. Create the CA ("${CA_RUNBOOK}" above), paste its certificate into platform.yaml, synth, but do not push yet.
2. Create the Secret with the CA's key first: without it the Issuer is not Ready, no serving certificate is issued, and
   the restarted OpenBao pods wait for their \`${OPENBAO.tls.secret}\` volume.

\`\`\`bash
kubectl -n ${ns} create secret generic ${OPENBAO.tls.caSecret} \\
  --from-literal=tls.crt="$${t.certEnvVar}" --from-literal=tls.key="$${t.keyEnvVar}"
\`\`\`

   (A new CA replaces the Secret: \`kubectl -n ${ns} delete secret ${OPENBAO.tls.caSecret}\` first, then after step 3
   \`kubectl -n ${ns} delete secret ${OPENBAO.tls.secret}\` so cert-manager issues from the new CA at once.)
3. Push. Argo CD syncs \`openbao\` first: the Issuer and Certificate, then a rolling restart of the StatefulSet onto https,
   one pod at a time (raft keeps its own TLS on 8201, so the cluster keeps quorum). \`external-secrets-config\` syncs after
   it and switches every SecretStore to https with the CA; until both are done some refreshes fail (SecretStores and
   ExternalSecrets show errors for a few minutes) and the snapshot job may miss one run.
4. Check:

\`\`\`bash
kubectl -n ${ns} get certificate ${OPENBAO.tls.secret}          # READY True
kubectl get secretstores -A                                      # every store Valid
kubectl get externalsecrets -A | grep -v SecretSynced || true    # nothing left but the header
\`\`\``,
  };
}

function runbook(props: OpenBaoProps): RunbookSection[] {
  const ns = props.namespace;
  const a = DEFAULTS.admin;
  const bg = props.breakGlassGroup ?? DEFAULTS.breakGlassGroup;
  const sections: RunbookSection[] = [
    backupBucketRunbook({
      name: props.backup.bucket,
      region: props.backup.region,
      holds: 'OpenBao raft snapshots',
      writers: [snapshotRole(props)],
      retention: { by: 'lifecycle', days: props.backup.retentionDays },
    }),
  ];
  if (props.seal.kind === 'awskms') {
    sections.push({
      phase: 'aws',
      title: 'KMS key for OpenBao auto-unseal',
      body: `OpenBao unseals itself with the symmetric KMS key \`${props.seal.keyArn}\` (platform.yaml \`openbaoKmsKeyArn\`).
eksctl creates the IRSA role \`${kmsRole(props)!.roleName}\` with Encrypt/Decrypt/DescribeKey on it; the key policy must let
the account's IAM policies grant access (the default key policy does). Never delete or disable the key: the
raft data is unreadable without it.

\`\`\`bash
aws kms describe-key --key-id ${props.seal.keyArn} --query KeyMetadata.KeyState --output text   # Enabled
\`\`\``,
    });
  } else {
    const k = DEFAULTS.unsealKey;
    sections.push({
      phase: 'aws',
      title: 'OpenBao static seal key (dev)',
      body: `Dev has no KMS key: OpenBao auto-unseals with a static key the Secret \`${ns}/${k.secretName}\` holds (bootstrap step 4).
Generate it once and keep it in the password manager (an entry named after the cluster and \`${k.secretName}\`): that entry
and the Secret are its only copies, and losing both makes the raft data unreadable.

\`\`\`bash
${k.envVar}="$(openssl rand -hex 32)"
export ${k.envVar}
\`\`\`

The key is bootstrap-only: never store it in OpenBao, and no ExternalSecret manages the Secret (a sealed OpenBao cannot
hand out the key that unseals it). Should the Secret be lost, export \`${k.envVar}\` from the password manager and rerun
the step-4 command for \`${k.secretName}\` before OpenBao restarts.`,
    });
  }
  sections.push(caRunbook(props), tlsMigrationRunbook(props));
  sections.push({
    phase: 'operations',
    title: 'OpenBao administrative access (break-glass)',
    body: `Self-initialization keeps no root token and creates no recovery keys. Administrative access is the Kubernetes auth
role \`${a.role}\` (policy \`${a.policy}\`, everything), bound to the ServiceAccount \`${ns}/${a.serviceAccount}\`, which exists only
while someone needs it. The namespace guard (ValidatingAdmissionPolicy \`${guardName(ns)}\`) lets no one but kubelets request a
token in \`${ns}\`, so the token is requested as a member of the break-glass group \`${bg}\`, by impersonation, which only
cluster administrators may do; the audit log names the impersonator, and every OpenBao request is in OpenBao's audit log.

\`\`\`bash
kubectl -n ${ns} create serviceaccount ${a.serviceAccount}
kubectl -n ${ns} port-forward svc/${OPENBAO.release} ${OPENBAO.apiPort}:${OPENBAO.apiPort} &
# The server's certificate is signed by the internal CA and names 127.0.0.1; trust that CA only.
BAO_CACERT="$(mktemp)"
kubectl -n ${ns} get configmap ${OPENBAO.tls.caConfigMap} -o jsonpath='{.data.ca\\.crt}' > "$BAO_CACERT"
export BAO_ADDR=https://127.0.0.1:${OPENBAO.apiPort} BAO_CACERT
BAO_TOKEN="$(bao write -field=token auth/${OPENBAO.kubernetesAuthMount}/login role=${a.role} \\
  jwt="$(kubectl ${breakGlassFlags(bg)} -n ${ns} create token ${a.serviceAccount} --audience ${OPENBAO.audience} --duration 15m)")"
export BAO_TOKEN
# ... administrative work; the token expires after ${a.tokenTtl} (at most ${a.tokenMaxTtl}) ...
kubectl -n ${ns} delete serviceaccount ${a.serviceAccount}
\`\`\`

To hold recovery keys as well (needed for \`bao operator generate-root\` and some seal operations), create them once
with this token through the authenticated recovery-key rotation endpoint (\`sys/rotate/recovery\`) and store the shares offline.`,
  });
  if (props.replicas > 1) {
    sections.push({
      phase: 'operations',
      title: 'OpenBao: replacing a lost raft volume',
      body: `A pod whose volume is gone rejoins through \`retry_join\`. openbao-0 is the one pod that keeps the \`initialize\` blocks:
if its volume is lost, remove it from the peers first and let it rejoin before it could bootstrap a second cluster:

\`\`\`bash
bao operator raft remove-peer ${OPENBAO.release}-0            # with the break-glass token, against a healthy pod
kubectl -n ${ns} delete pvc data-${OPENBAO.release}-0 && kubectl -n ${ns} delete pod ${OPENBAO.release}-0
bao operator raft list-peers                                  # ${OPENBAO.release}-0 is back as a follower
\`\`\``,
    });
  }
  sections.push(restoreRunbook(props));
  return sections;
}

/**
 * The traffic OpenBao's pods make and take beyond what its objects imply (lib/traffic.ts: the
 * API server, the ServiceMonitor's scrape and DNS are derived): raft and request forwarding
 * between the voters, the snapshot CronJob's call to the active node, and HTTPS to AWS (KMS
 * auto-unseal and STS where the seal is awskms, S3 and STS for the snapshot upload).
 */
export function openBaoTraffic(props: Pick<OpenBaoProps, 'namespace' | 'seal'>): TrafficEdge[] {
  const server = { namespace: props.namespace, pods: OPENBAO.podSelector };
  const snapshot = { namespace: props.namespace, pods: { 'app.kubernetes.io/name': DEFAULTS.snapshot.name, 'app.kubernetes.io/component': 'backup' } };
  const https = [{ port: 443 }];
  return [
    { name: 'openbao-cluster', from: server, to: server, ports: [{ port: OPENBAO.apiPort }, { port: OPENBAO.clusterPort }], reason: 'Raft replication and request forwarding between the OpenBao voters.' },
    ...(props.seal.kind === 'awskms'
      ? [{ name: 'openbao-aws', from: server, to: { entity: 'world' as const }, ports: https, reason: 'AWS KMS auto-unseal and STS (IRSA) over HTTPS; Cilium has no FQDN policies under chaining (lib/traffic.ts).' }]
      : []),
    { name: 'openbao-snapshot', from: snapshot, to: server, ports: [{ port: OPENBAO.apiPort }], reason: 'The snapshot CronJob saves a raft snapshot from the active node.' },
    { name: 'openbao-snapshot-upload', from: snapshot, to: { entity: 'world' }, ports: https, reason: 'The snapshot upload to S3, and STS for its IRSA role.' },
  ];
}

export function openBaoComponent(props: OpenBaoProps): PlatformComponent {
  validate(props);
  const resources = props.resources;
  const role = kmsRole(props);
  const snapshot = snapshotRole(props);
  const ha = props.replicas > 1;
  const staticSeal = props.seal.kind === 'static';
  const values: OpenBaoValues = {
    // https everywhere the chart spells a scheme (probes, BAO_ADDR, port names); raft (8201) is always TLS with OpenBao's own keyring.
    global: { tlsDisable: false },
    injector: { enabled: false },
    csi: { enabled: false },
    ui: { enabled: false },
    server: {
      // One pod at a time, each after the previous is Ready (see the self-init note above).
      podManagementPolicy: 'OrderedReady',
      // A config change reaches the pods without someone deleting them; the active node's restart fails over.
      updateStrategyType: 'RollingUpdate',
      logFormat: 'json',
      resources: resources.toK8s(),
      priorityClassName: PRIORITY.platformCritical,
      readinessProbe: probe(OPENBAO.readinessPath, 5),
      livenessProbe: probe(OPENBAO.livenessPath, 60),
      // The client Services (openbao, -active, -standby) list Ready, i.e. unsealed, pods only. Raft
      // traffic uses the headless openbao-internal, which the chart always publishes unready.
      service: { publishNotReadyAddresses: false },
      extraArgs: [tlsReloadStart(), ...(ha ? [selfInitGate()] : [])].join(' '),
      // `bao` inside the pod (BAO_ADDR https://127.0.0.1:8200, the chart's) trusts the internal CA.
      extraEnvironmentVars: { BAO_CACERT: OPENBAO_CA_FILE },
      extraVolumes: staticSeal ? [{ type: 'secret', name: DEFAULTS.unsealKey.secretName }] : [],
      // The start script writes the rendered config to /tmp; the root filesystem stays read-only.
      volumes: [
        { name: 'tmp', emptyDir: {} },
        // The serving certificate, its key and the CA (the Certificate's Secret), readable by the openbao group only.
        { name: 'tls', secret: { secretName: OPENBAO.tls.secret, defaultMode: 0o440 } },
        { name: 'tls-reload', configMap: { name: OPENBAO.tls.reloadConfigMap, defaultMode: 0o444 } },
      ],
      volumeMounts: [
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'tls', mountPath: OPENBAO.tls.dir, readOnly: true },
        { name: 'tls-reload', mountPath: OPENBAO.tls.reloadDir, readOnly: true },
      ],
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: OPENBAO.podSelector }, topologyKey: 'kubernetes.io/hostname' }],
        },
      },
      // A quorum store: the tier policy's rule for replicated stores (none where one voter runs).
      topologySpreadConstraints: props.tierPolicy.zoneSpreadConstraints(OPENBAO.podSelector, 'replicated'),
      statefulSet: {
        securityContext: {
          pod: {
            runAsNonRoot: true,
            runAsUser: OPENBAO.uid,
            runAsGroup: OPENBAO.gid,
            fsGroup: OPENBAO.gid,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          container: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
        },
        annotations: recoveryAnnotations(props.labelDomain, openBaoRecovery(props)),
      },
      serviceAccount: { create: true, name: OPENBAO.serviceAccount, annotations: role ? irsaAnnotations(role) : {} },
      dataStorage: { enabled: true, size: props.storageSize.toString() },
      auditStorage: { enabled: false },
      ha: {
        enabled: true,
        replicas: props.replicas,
        // Advertised to clients redirected by a standby: a name the certificate carries, not the pod IP
        // (BAO_K8S_POD_NAME is set before BAO_API_ADDR in the chart's env list, so Kubernetes expands it).
        apiAddr: `https://$(BAO_K8S_POD_NAME).${OPENBAO.internalService}:${OPENBAO.apiPort}`,
        raft: { enabled: true, setNodeId: true, config: serverConfig(props) },
        // A single voter gets no PDB: maxUnavailable 0 would block every node drain.
        disruptionBudget: { enabled: ha },
      },
    },
    serverTelemetry: {
      serviceMonitor: {
        enabled: true,
        interval: '30s',
        // Verified against the internal CA (the chart's default would skip verification).
        tlsConfig: { ca: { configMap: { name: OPENBAO.tls.caConfigMap, key: OPENBAO.tls.caKey } }, serverName: `${OPENBAO.release}.${props.namespace}.svc` },
      },
    },
  };
  return helmComponent<OpenBaoValues>({
    id: ID,
    workflow: Workflow.Security,
    namespace: props.namespace,
    // Its ServiceMonitor needs the monitoring CRDs (a Foundation prerequisite anyway); its Issuer and
    // Certificate need cert-manager, which depends on nothing of the security namespace.
    dependsOn: ['cert-manager'],
    chart: CHARTS.openbao,
    values,
    releaseName: OPENBAO.release,
    traffic: openBaoTraffic(props),
    postRender: (rendered) => [
      ...rendered,
      ...tlsObjects(props),
      ...snapshotObjects(props, rendered),
      ...namespaceGuardObjects({ namespace: props.namespace, deployers: props.deployers, breakGlassGroup: props.breakGlassGroup ?? DEFAULTS.breakGlassGroup }),
    ],
    irsa: [...(role ? [role] : []), snapshot],
    secrets: [caKeySecret(props.namespace), ...(staticSeal ? [unsealKeySecret(props.namespace)] : [])],
    runbook: runbook(props),
  });
}
