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
 */
import { parseKmsKeyArn } from '../../config/schema';
import { CHARTS } from '../../config/versions';
import { Component, helm, RunbookSection, SecretRequirement, Workflow } from '../../lib/component';
import { irsaAnnotations, irsaRole, IrsaRole, IrsaTarget } from '../../lib/irsa';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT } from '../../lib/security';
import { HclBlock, hclBlock, initializeBlock, InitRequest, PolicyRule, policyDocument } from './hcl';
import { OpenBaoValues } from './values';

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
} as const;

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
  /** Lifetime of the tokens the role issues (OpenBao duration, e.g. `1h`). */
  readonly tokenTtl: string;
  readonly tokenMaxTtl: string;
}

export interface OpenBaoProps {
  readonly namespace: string;
  /** For the raft `cluster_name` and the IRSA role. */
  readonly target: IrsaTarget;
  readonly seal: OpenBaoSealSpec;
  /** Raft voters: 1 (dev) or an odd number of at least 3. */
  readonly replicas: number;
  /**
   * Zone spread is a hard rule (DoNotSchedule) where every zone has its own node group the
   * autoscaler can grow; otherwise a preference (ScheduleAnyway) so a pod never stays Pending.
   */
  readonly strictZoneSpread: boolean;
  /** Who reads secrets: External Secrets' controller ServiceAccount. */
  readonly secretReader: { readonly serviceAccount: string; readonly namespace: string };
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
  /** @default DEFAULTS.storageSize */
  readonly storageSize?: string;
}

export const DEFAULTS = {
  resources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
  storageSize: '10Gi',
  /** External Secrets re-authenticates when its token expires. */
  readerRole: { role: 'external-secrets', policy: 'external-secrets-read', tokenTtl: '1h', tokenMaxTtl: '4h' },
  /** Break-glass administrator: a ServiceAccount that exists only while someone needs it. */
  admin: { role: 'platform-admin', policy: 'platform-admin', serviceAccount: 'openbao-admin', tokenTtl: '15m', tokenMaxTtl: '1h' },
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

const DURATION = /^\d+[smh]$/;

function validate(props: OpenBaoProps): void {
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

export function secretReaderBinding(props: OpenBaoProps): KubernetesAuthBinding {
  const r = DEFAULTS.readerRole;
  const m = OPENBAO.kvMount;
  return {
    role: r.role,
    policy: r.policy,
    rules: [
      { path: `${m}/data/*`, capabilities: ['read'] },
      { path: `${m}/metadata/*`, capabilities: ['read', 'list'] },
    ],
    serviceAccount: props.secretReader.serviceAccount,
    namespace: props.secretReader.namespace,
    tokenTtl: r.tokenTtl,
    tokenMaxTtl: r.tokenMaxTtl,
  };
}

export function adminBinding(namespace: string): KubernetesAuthBinding {
  const a = DEFAULTS.admin;
  return {
    role: a.role,
    policy: a.policy,
    rules: [{ path: '*', capabilities: ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'] }],
    serviceAccount: a.serviceAccount,
    namespace,
    tokenTtl: a.tokenTtl,
    tokenMaxTtl: a.tokenMaxTtl,
  };
}

function bindingRequests(b: KubernetesAuthBinding): InitRequest[] {
  for (const d of [b.tokenTtl, b.tokenMaxTtl]) if (!DURATION.test(d)) throw new Error(`openbao: token TTL "${d}" of role ${b.role} is not a duration such as 15m or 1h`);
  return [
    { name: `policy-${b.policy}`, operation: 'update', path: `sys/policies/acl/${b.policy}`, data: { policy: policyDocument(b.rules) } },
    {
      name: `role-${b.role}`,
      operation: 'update',
      path: `auth/${OPENBAO.kubernetesAuthMount}/role/${b.role}`,
      data: {
        bound_service_account_names: [b.serviceAccount],
        bound_service_account_namespaces: [b.namespace],
        audience: OPENBAO.audience,
        token_policies: [b.policy],
        token_ttl: b.tokenTtl,
        token_max_ttl: b.tokenMaxTtl,
      },
    },
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
          attributes: { leader_api_addr: `http://${OPENBAO.release}-${i}.${OPENBAO.internalService}:${OPENBAO.apiPort}` },
        }))
      : [];
  const blocks: HclBlock[] = [
    {
      type: 'listener',
      labels: ['tcp'],
      attributes: { address: `[::]:${OPENBAO.apiPort}`, cluster_address: `[::]:${OPENBAO.clusterPort}`, tls_disable: true },
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
  const init = selfInitBlocks([secretReaderBinding(props), adminBinding(props.namespace)]);
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

function runbook(props: OpenBaoProps): RunbookSection[] {
  const ns = props.namespace;
  const a = DEFAULTS.admin;
  const sections: RunbookSection[] = [];
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
  sections.push({
    phase: 'operations',
    title: 'OpenBao administrative access (break-glass)',
    body: `Self-initialization keeps no root token and creates no recovery keys. Administrative access is the Kubernetes auth
role \`${a.role}\` (policy \`${a.policy}\`, everything), bound to the ServiceAccount \`${ns}/${a.serviceAccount}\`, which exists only
while someone needs it: creating a token for it requires cluster-admin rights in \`${ns}\`, and every request is in the audit log.

\`\`\`bash
kubectl -n ${ns} create serviceaccount ${a.serviceAccount}
kubectl -n ${ns} port-forward svc/${OPENBAO.release} ${OPENBAO.apiPort}:${OPENBAO.apiPort} &
export BAO_ADDR=http://127.0.0.1:${OPENBAO.apiPort}
BAO_TOKEN="$(bao write -field=token auth/${OPENBAO.kubernetesAuthMount}/login role=${a.role} \\
  jwt="$(kubectl -n ${ns} create token ${a.serviceAccount} --audience ${OPENBAO.audience} --duration 15m)")"
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
  return sections;
}

export function openBaoComponent(props: OpenBaoProps): Component {
  validate(props);
  const resources = props.resources ?? DEFAULTS.resources;
  const role = kmsRole(props);
  const ha = props.replicas > 1;
  const staticSeal = props.seal.kind === 'static';
  const values: OpenBaoValues = {
    // TLS ends at the pod; raft (8201) is always TLS with OpenBao's own keyring.
    global: { tlsDisable: true },
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
      extraArgs: ha ? selfInitGate() : '',
      extraVolumes: staticSeal ? [{ type: 'secret', name: DEFAULTS.unsealKey.secretName }] : [],
      // The start script writes the rendered config to /tmp; the root filesystem stays read-only.
      volumes: [{ name: 'tmp', emptyDir: {} }],
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: OPENBAO.podSelector }, topologyKey: 'kubernetes.io/hostname' }],
        },
      },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: props.strictZoneSpread ? 'DoNotSchedule' : 'ScheduleAnyway',
          labelSelector: { matchLabels: OPENBAO.podSelector },
        },
      ],
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
      },
      serviceAccount: { create: true, name: OPENBAO.serviceAccount, annotations: role ? irsaAnnotations(role) : {} },
      dataStorage: { enabled: true, size: props.storageSize ?? DEFAULTS.storageSize },
      auditStorage: { enabled: false },
      ha: {
        enabled: true,
        replicas: props.replicas,
        raft: { enabled: true, setNodeId: true, config: serverConfig(props) },
        // A single voter gets no PDB: maxUnavailable 0 would block every node drain.
        disruptionBudget: { enabled: ha },
      },
    },
    serverTelemetry: { serviceMonitor: { enabled: true, interval: '30s' } },
  };
  return {
    id: 'openbao',
    workflow: Workflow.Security,
    namespace: props.namespace,
    // Its ServiceMonitor needs the monitoring CRDs (a Foundation prerequisite anyway).
    dependsOn: [],
    source: helm(CHARTS.openbao, values, OPENBAO.release),
    irsa: role ? [role] : [],
    secrets: staticSeal ? [unsealKeySecret(props.namespace)] : [],
    runbook: runbook(props),
  };
}
