/**
 * Falco: runtime detection on every node with the modern eBPF driver (CO-RE, built into the Falco
 * binary: no kernel module or probe download on EKS), in least-privileged mode (the BPF, PERFMON,
 * SYS_RESOURCE and SYS_PTRACE capabilities instead of a privileged container). Falcosidekick
 * forwards every event to Loki and those of WARNING and above to Alertmanager.
 *
 * Named exception to the restricted security context: the Falco container runs as root with those
 * capabilities and host mounts (/proc, the container runtime socket), which is what inspecting
 * every process on the node takes; its namespace is `privileged` for it (workflows/namespaces.ts).
 */
import type { PlatformComponentId } from '../../config/ids';
import { K8sObject } from '../../lib/render';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { NON_ROOT_UID, RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from '../../lib/security';
import { TrafficEdge } from '../../lib/traffic';
import { FalcoPriority, platformRules, rulesFile } from './rules';
import { FalcoValues } from './values';

/** This component's id: its Argo CD Application name. */
export const ID = 'falco' satisfies PlatformComponentId;

export type { FalcoValues } from './values';

export const FALCO = {
  release: 'falco',
  /** The Falco DaemonSet's pods (the chart's selector labels). */
  podLabels: { 'app.kubernetes.io/name': 'falco', 'app.kubernetes.io/instance': 'falco' },
  /** Falcosidekick's pods and its HTTP port (the falcosidekick subchart's selector labels and `config.listenport`). */
  sidekickPodLabels: { 'app.kubernetes.io/name': 'falcosidekick', 'app.kubernetes.io/instance': 'falco' },
  sidekickPort: 2801,
  rulesFileName: 'platform-rules.yaml',
  /** Falcosidekick's default Alertmanager path is the v1 API, which Alertmanager 0.27+ removed. */
  alertmanagerPath: '/api/v2/alerts',
} as const;

export interface FalcoProps {
  readonly namespace: string;
  /** Loki's push URL (`.../loki/api/v1/push`). */
  readonly lokiPushUrl: string;
  /** Alertmanager's base URL (`http://host:port`). */
  readonly alertmanagerUrl: string;
  /** Namespace of the data services, watched for unexpected egress. */
  readonly dataNamespace: string;
  /** Falcosidekick replicas, e.g. two (one may drain) or one. */
  readonly sidekickReplicas: number;
  /** @default DEFAULTS.resources */
  readonly resources?: Partial<Record<'falco' | 'falcoctl' | 'sidekick', Resources>>;
  /** @default DEFAULTS.alertPriority */
  readonly alertPriority?: FalcoPriority;
  /** @default DEFAULTS.dataEgressProcesses */
  readonly dataEgressProcesses?: readonly string[];
}

export const DEFAULTS = {
  resources: {
    // Per node. The chart's 512Mi request assumes large buffers; bufSizePreset 4 (8 MiB per CPU pair) fits 256Mi on t3 nodes.
    falco: Resources.of({ cpu: '100m', memory: '256Mi' }, { cpu: '1', memory: '1Gi' }),
    falcoctl: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
    sidekick: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
  },
  alertPriority: 'WARNING' as FalcoPriority,
  /** The Barman Cloud plugin's WAL archiving and base backups to S3 (process names as Falco truncates them, 15 chars). */
  dataEgressProcesses: ['barman-cloud-wa', 'barman-cloud-ba', 'barman-cloud-ch', 'plugin-barman-c'] as readonly string[],
} as const;

/** `http://host[:port]` and the path, as Falcosidekick takes them. */
function splitUrl(url: string, what: string): { hostport: string; path: string } {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new Error(`falco: ${what} "${url}" is not an http(s) URL such as http://loki.observability.svc.cluster.local:3100/loki/api/v1/push`);
  }
  return { hostport: u.origin, path: u.pathname };
}

/**
 * falcoctl needs no privileges, but keeps the index cache it downloads under its home directory,
 * so its root filesystem stays writable (named exception); everything else is restricted.
 */
const FALCOCTL_SECURITY_CONTEXT = {
  ...RESTRICTED_CONTAINER_SECURITY_CONTEXT,
  readOnlyRootFilesystem: false,
  runAsUser: NON_ROOT_UID,
  runAsGroup: NON_ROOT_UID,
} as const;

/**
 * falcosidekick's chart always renders its whole configuration (about 400 output settings, nearly
 * all empty) as a Secret, with no value to turn that off, and the Deployment reads it with
 * `envFrom`. Here it holds no credential: only the in-cluster Loki and Alertmanager addresses and
 * priorities. A Secret with data must not be committed, so the post-render moves the non-empty
 * settings into a ConfigMap of the same name and points the `envFrom` at it. Credentials for a
 * future output go through `config.existingSecret` (an ExternalSecret), never through this map.
 */
export function sidekickSettingsAsConfigMap(objects: readonly K8sObject[]): K8sObject[] {
  const name = `${FALCO.release}-falcosidekick`;
  const isSettings = (o: K8sObject) => o.kind === 'Secret' && o.metadata.name === name;
  const secret = objects.find(isSettings);
  if (!secret) throw new Error(`falco: the chart no longer renders the Secret ${name}; revisit sidekickSettingsAsConfigMap`);
  const data = Object.fromEntries(
    Object.entries((secret.data as Record<string, string>) ?? {})
      .map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')] as const)
      .filter(([, v]) => v !== ''),
  );
  const configMap: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: secret.metadata.namespace, labels: secret.metadata.labels }, data };
  return objects.map((o) => {
    if (isSettings(o)) return configMap;
    if (o.kind !== 'Deployment' || o.metadata.name !== name) return o;
    const text = JSON.stringify(o);
    const rewritten = text.replace(JSON.stringify({ secretRef: { name } }), JSON.stringify({ configMapRef: { name } }));
    if (rewritten === text) throw new Error(`falco: Deployment ${name} no longer reads the settings with envFrom secretRef; revisit sidekickSettingsAsConfigMap`);
    return JSON.parse(rewritten) as K8sObject;
  });
}

export function falcoComponent(props: FalcoProps): PlatformComponent {
  const r = { ...DEFAULTS.resources, ...props.resources };
  const ns = props.namespace;
  const loki = splitUrl(props.lokiPushUrl, 'lokiPushUrl');
  const am = splitUrl(props.alertmanagerUrl, 'alertmanagerUrl');
  if (loki.path === '/') throw new Error(`falco: lokiPushUrl "${props.lokiPushUrl}" has no push path; expected .../loki/api/v1/push`);
  const sidekickReplicas = props.sidekickReplicas;
  if (!Number.isInteger(sidekickReplicas) || sidekickReplicas < 1) throw new Error(`falco: sidekickReplicas ${sidekickReplicas} must be a positive whole number, e.g. 2 (one may drain) or 1`);
  const alertPriority = (props.alertPriority ?? DEFAULTS.alertPriority).toLowerCase();
  const values: FalcoValues = {
    driver: { kind: 'modern_ebpf', modernEbpf: { leastPrivileged: true } },
    podPriorityClassName: PRIORITY.platformCritical,
    resources: r.falco.toK8s(),
    tolerations: [{ operator: 'Exists' }],
    customRules: {
      [FALCO.rulesFileName]: rulesFile(platformRules({ dataNamespace: props.dataNamespace, dataEgressProcesses: props.dataEgressProcesses ?? DEFAULTS.dataEgressProcesses })),
    },
    metrics: { enabled: true },
    serviceMonitor: { create: true },
    falcoctl: {
      artifact: {
        // falcoctl fetches and follows the upstream ruleset (falco-rules) into the pod's shared emptyDirs.
        install: { resources: r.falcoctl.toK8s(), securityContext: FALCOCTL_SECURITY_CONTEXT },
        follow: { resources: r.falcoctl.toK8s(), securityContext: FALCOCTL_SECURITY_CONTEXT },
      },
    },
    falcosidekick: {
      enabled: true,
      replicaCount: sidekickReplicas,
      resources: r.sidekick.toK8s(),
      priorityClassName: PRIORITY.platformCritical,
      podSecurityContext: RESTRICTED_POD_SECURITY_CONTEXT,
      securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
      serviceMonitor: { enabled: true },
      webui: { enabled: false },
      config: {
        loki: { hostport: loki.hostport, endpoint: loki.path, minimumpriority: 'debug' },
        alertmanager: { hostport: am.hostport, endpoint: FALCO.alertmanagerPath, minimumpriority: alertPriority },
      },
    },
  };
  return helmComponent<FalcoValues>({
    id: ID,
    workflow: Workflow.Security,
    namespace: ns,
    dependsOn: [],
    chart: CHARTS.falco,
    values,
    releaseName: FALCO.release,
    postRender: sidekickSettingsAsConfigMap,
    traffic: falcoTraffic(ns),
  });
}

/**
 * The calls inside Falco's release (lib/traffic.ts; its scrapes, DNS and API access are derived):
 * Falco's http_output posts events to Falcosidekick, and falcoctl, in Falco's pods, downloads and
 * follows the upstream rules over HTTPS (an OCI registry: `world`, no FQDN policies under chaining).
 * Falcosidekick's own calls (Alertmanager, Loki) go to other components and are declared where both
 * are known (workflows/security.ts).
 */
export function falcoTraffic(namespace: string): TrafficEdge[] {
  const falco = { namespace, pods: FALCO.podLabels };
  return [
    { name: 'falco-events', from: falco, to: { namespace, pods: FALCO.sidekickPodLabels }, ports: [{ port: FALCO.sidekickPort }], reason: 'Falco posts its events to Falcosidekick.' },
    { name: 'falcoctl-rules', from: falco, to: { entity: 'world' }, ports: [{ port: 443 }], reason: 'falcoctl downloads and follows the upstream Falco rules from their OCI registry.' },
  ];
}
