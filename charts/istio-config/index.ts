/**
 * istio-config: the mesh policy we author, after istiod.
 *
 * - Mesh-wide PeerAuthentication `default` in the root namespace: STRICT where the environment
 *   asks for full zero-trust, PERMISSIVE in dev.
 * - Telemetry `mesh-default`: spans to the OpenTelemetry provider of the mesh config, Envoy access
 *   logs on or off per environment.
 * - In the services' namespace: an allow-nothing AuthorizationPolicy plus one ALLOW policy per
 *   service naming exactly who may call it (the ingress for public services, the services whose
 *   `calls` list it), and a DestinationRule per service with connection pools and outlier
 *   detection (the guide's automatic circuit breaking).
 * - A PostSync Job that gives sidecars to pods that started before istiod existed, by a rolling
 *   restart of their workloads (see `SidecarRestartJob` and sidecar-restart.sh).
 */
import type { PlatformComponentId } from '../../config/ids';
import { IMAGES } from '../../config/versions';
import * as path from 'node:path';
import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PlatformComponent, manifests, Workflow } from '../../lib/component';
import { standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { PRIORITY } from '../../lib/priority';
import { Duration } from '../../lib/duration';
import { Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from '../../lib/security';
import {
  DestinationRule,
  DestinationRuleSpecTrafficPolicy,
  DestinationRuleSpecTrafficPolicyConnectionPoolHttp,
  DestinationRuleSpecTrafficPolicyConnectionPoolTcp,
  DestinationRuleSpecTrafficPolicyConnectionPoolTcpTcpKeepalive,
  DestinationRuleSpecTrafficPolicyOutlierDetection,
} from '../../imports/networking.istio.io';
import { AuthorizationPolicy, AuthorizationPolicySpecAction, AuthorizationPolicySpecRules, PeerAuthentication, PeerAuthenticationSpecMtlsMode } from '../../imports/security.istio.io';
import { Telemetry } from '../../imports/telemetry.istio.io';
import sidecarRestartScript from './sidecar-restart.sh';

/** This component's id: its Argo CD Application name. */
export const ID = 'istio-config' satisfies PlatformComponentId;

/** What the mesh needs to know about one service. */
export interface MeshService {
  readonly name: string;
  readonly port: number;
  /** Reached from the ingress gateway. */
  readonly public: boolean;
  /** Services this one calls: the only service-to-service allows. */
  readonly calls: readonly string[];
}

/** The mesh-wide mTLS mode, by name (as platform.yaml spells it). */
export type MtlsMode = keyof typeof PeerAuthenticationSpecMtlsMode;

/** A generated DestinationRule settings type with its duration strings typed as `Duration`. */
type WithDurations<T, K extends keyof T> = Omit<T, K> & { readonly [P in K]?: Duration };

/** TCP pool settings; keepalive `time` and `interval` are durations too. */
export type CircuitBreakerTcp = WithDurations<Omit<DestinationRuleSpecTrafficPolicyConnectionPoolTcp, 'tcpKeepalive'>, 'connectTimeout' | 'idleTimeout' | 'maxConnectionDuration'> & {
  readonly tcpKeepalive?: WithDurations<DestinationRuleSpecTrafficPolicyConnectionPoolTcpTcpKeepalive, 'time' | 'interval'>;
};
export type CircuitBreakerHttp = WithDurations<DestinationRuleSpecTrafficPolicyConnectionPoolHttp, 'idleTimeout'>;
export type OutlierDetection = WithDurations<DestinationRuleSpecTrafficPolicyOutlierDetection, 'interval' | 'baseEjectionTime'>;

/**
 * Connection pools and outlier detection of every service's DestinationRule: the generated
 * DestinationRule fields, with every timeout and interval a `Duration` (lib/duration.ts), written
 * as Istio's duration strings only when the DestinationRule is built (`trafficPolicy`).
 */
export interface CircuitBreaker {
  readonly connectionPool?: { readonly tcp?: CircuitBreakerTcp; readonly http?: CircuitBreakerHttp };
  readonly outlierDetection?: OutlierDetection;
}

/** Istio's protobuf duration string (`5s`, `1m`), or absent. */
const durationText = (d: Duration | undefined): string | undefined => d?.toString();

/** The DestinationRule traffic policy of a circuit breaker: durations converted at this boundary. */
export function trafficPolicy(cb: CircuitBreaker): DestinationRuleSpecTrafficPolicy {
  const pool = cb.connectionPool;
  const od = cb.outlierDetection;
  return {
    ...(pool ? { connectionPool: { ...(pool.tcp ? { tcp: tcpPool(pool.tcp) } : {}), ...(pool.http ? { http: { ...pool.http, idleTimeout: durationText(pool.http.idleTimeout) } } : {}) } } : {}),
    ...(od ? { outlierDetection: { ...od, interval: durationText(od.interval), baseEjectionTime: durationText(od.baseEjectionTime) } } : {}),
  };
}

function tcpPool({ tcpKeepalive, ...tcp }: CircuitBreakerTcp): DestinationRuleSpecTrafficPolicyConnectionPoolTcp {
  return {
    ...tcp,
    connectTimeout: durationText(tcp.connectTimeout),
    idleTimeout: durationText(tcp.idleTimeout),
    maxConnectionDuration: durationText(tcp.maxConnectionDuration),
    ...(tcpKeepalive ? { tcpKeepalive: { ...tcpKeepalive, time: durationText(tcpKeepalive.time), interval: durationText(tcpKeepalive.interval) } } : {}),
  };
}

export interface IstioConfigProps {
  /** The mesh root namespace (istio-system): mesh-wide policies and the hook live here. */
  readonly meshNamespace: string;
  /** The services' namespace. */
  readonly appsNamespace: string;
  readonly mtlsMode: MtlsMode;
  readonly services: readonly MeshService[];
  /** SPIFFE principal of the ingress gateway, e.g. `cluster.local/ns/emissary/sa/emissary-ingress`. */
  readonly ingressPrincipal: string;
  /** Name of the tracing extension provider in istiod's mesh config. */
  readonly tracingProvider: string;
  readonly accessLogs: boolean;
  /** Namespaces with sidecar injection whose workloads with un-injected pods the PostSync hook restarts. */
  readonly injectedNamespaces: readonly string[];
  /** Pinned kubectl image of the hook (the official one is distroless: kubectl and no shell). */
  readonly kubectlImage: string;
  /**
   * Image whose statically linked `/bin/busybox` the hook copies next to kubectl to run its script.
   * @default DEFAULTS.shellImage
   */
  readonly shellImage?: string;
  /** The hook's script. @default SIDECAR_RESTART_SCRIPT (the text of sidecar-restart.sh) */
  readonly hookScript?: string;
  /** Percentage of requests traced. @default DEFAULTS.samplingPercentage */
  readonly samplingPercentage?: number;
  /** @default DEFAULTS.trustDomain */
  readonly trustDomain?: string;
  /** @default DEFAULTS.circuitBreaker */
  readonly circuitBreaker?: CircuitBreaker;
  /** @default DEFAULTS.hookResources */
  readonly hookResources?: Resources;
}

export const DEFAULTS = {
  samplingPercentage: 10,
  trustDomain: 'cluster.local',
  /**
   * The guide's "service_degradation": detection under 30 s, automatic circuit breaker, traffic
   * rerouted within a minute. Five consecutive 5xx inside a 10 s sweep eject a pod for 30 s (up to
   * half the pods, so a bad rollout cannot eject everything); the pools cap what one caller can
   * queue against a struggling service instead of letting requests pile up.
   */
  circuitBreaker: {
    connectionPool: {
      tcp: { maxConnections: 100, connectTimeout: Duration.seconds(5) },
      http: { http1MaxPendingRequests: 100, http2MaxRequests: 1000, maxRequestsPerConnection: 0, maxRetries: 3, idleTimeout: Duration.seconds(60) },
    },
    outlierDetection: { consecutive5XxErrors: 5, consecutiveGatewayErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
  } satisfies CircuitBreaker,
  hookResources: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '128Mi' }),
  hookName: 'sidecar-restart',
  /**
   * A static busybox (the musl variant is statically linked): its `sh` runs the hook's script in
   * the distroless kubectl image.
   */
  shellImage: IMAGES.busybox,
  /** The built-in Envoy file access-log provider that `meshConfig.accessLogFile` configures. */
  accessLogProvider: 'envoy',
} as const;

/** Label the injector adds to every pod that got a sidecar. */
export const INJECTED_LABEL = 'security.istio.io/tlsMode';

/** The hook's script, kept as a shell file (shellchecked in CI), relative to the project root. */
export const SIDECAR_RESTART_SCRIPT_FILE = 'charts/istio-config/sidecar-restart.sh';
/** Its text, imported as text (lib/shell-text.d.ts): the chart reads no file at synth. */
export const SIDECAR_RESTART_SCRIPT: string = sidecarRestartScript;

export class IstioConfigChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: IstioConfigProps) {
    super(scope, id);
    validate(props);
    const trustDomain = props.trustDomain ?? DEFAULTS.trustDomain;
    const meta = (name: string, namespace: string, component: string): ApiObjectMetadata => ({
      name,
      namespace,
      labels: standardLabels({ name, instance: id, component }),
    });

    new PeerAuthentication(this, 'peerauthentication-default', {
      metadata: meta('default', props.meshNamespace, 'mtls'),
      spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode[props.mtlsMode] } },
    });

    new Telemetry(this, 'telemetry-mesh-default', {
      metadata: meta('mesh-default', props.meshNamespace, 'telemetry'),
      spec: {
        tracing: [{ providers: [{ name: props.tracingProvider }], randomSamplingPercentage: props.samplingPercentage ?? DEFAULTS.samplingPercentage }],
        accessLogging: [{ providers: [{ name: DEFAULTS.accessLogProvider }], disabled: !props.accessLogs }],
      },
    });

    // No selector, no rules: nothing in the namespace is reachable unless an ALLOW policy says so.
    new AuthorizationPolicy(this, 'authorizationpolicy-default-deny', {
      metadata: meta('default-deny', props.appsNamespace, 'authorization'),
      spec: {},
    });
    const principal = (sa: string) => `${trustDomain}/ns/${props.appsNamespace}/sa/${sa}`;
    const callersOf = (name: string) => props.services.filter((s) => s.calls.includes(name)).map((s) => s.name).sort();
    for (const svc of [...props.services].sort((a, b) => a.name.localeCompare(b.name))) {
      const to = [{ operation: { ports: [String(svc.port)] } }];
      const rules: AuthorizationPolicySpecRules[] = [];
      if (svc.public) rules.push({ from: [{ source: { principals: [props.ingressPrincipal] } }], to });
      const callers = callersOf(svc.name);
      // Each service runs as the ServiceAccount named after it (the microservices' contract).
      if (callers.length > 0) rules.push({ from: [{ source: { principals: callers.map(principal) } }], to });
      if (rules.length > 0) {
        new AuthorizationPolicy(this, `authorizationpolicy-allow-${svc.name}`, {
          metadata: meta(`allow-${svc.name}`, props.appsNamespace, 'authorization'),
          spec: { selector: { matchLabels: { 'app.kubernetes.io/name': svc.name } }, action: AuthorizationPolicySpecAction.ALLOW, rules },
        });
      }
      new DestinationRule(this, `destinationrule-${svc.name}`, {
        metadata: meta(svc.name, props.appsNamespace, 'traffic'),
        spec: { host: `${svc.name}.${props.appsNamespace}.svc.cluster.local`, trafficPolicy: trafficPolicy(props.circuitBreaker ?? DEFAULTS.circuitBreaker) },
      });
    }

    new SidecarRestartJob(this, 'sidecar-restart', {
      namespace: props.meshNamespace,
      instance: id,
      targets: props.injectedNamespaces,
      kubectlImage: props.kubectlImage,
      shellImage: props.shellImage ?? DEFAULTS.shellImage,
      script: props.hookScript ?? SIDECAR_RESTART_SCRIPT,
      resources: props.hookResources ?? DEFAULTS.hookResources,
    });
  }
}

interface SidecarRestartJobProps {
  readonly namespace: string;
  readonly instance: string;
  readonly targets: readonly string[];
  readonly kubectlImage: string;
  readonly shellImage: string;
  readonly script: string;
  readonly resources: Resources;
}

/** The size limit of each of the hook's scratch volumes (kubectl's cache, the copied busybox). */
const HOOK_SCRATCH = Storage.mebibytes(16);

/** Where the hook mounts its pieces. */
const HOOK_PATHS = { tools: '/tools', scripts: '/scripts', tmp: '/tmp' } as const;

/**
 * What the hook may do in each injected namespace: find the un-injected pods, resolve their
 * ReplicaSets to Deployments, and `kubectl rollout restart` (a get and a patch of the pod
 * template) the workloads. Never delete a pod.
 */
export const SIDECAR_RESTART_RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get'] },
  { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'statefulsets'], verbs: ['get', 'patch'] },
] as const satisfies readonly k8s.PolicyRule[];

/**
 * Emissary (Ingress workflow) starts long before istiod exists, so its pods come up without a
 * sidecar and, under STRICT mTLS, could never reach a service. This Argo CD PostSync hook runs
 * once istio-config (and therefore istiod, the injector webhook and the CNI agent in earlier
 * waves) is in place and runs sidecar-restart.sh over the injected namespaces: for every running
 * pod without the injector's `security.istio.io/tlsMode` label (and not opted out with the
 * `sidecar.istio.io/inject=false` label) it resolves the owning Deployment, StatefulSet or
 * DaemonSet and runs `kubectl rollout restart` on it once. A rolling restart replaces the pods
 * within the workload's maxSurge/maxUnavailable, so a Deployment never loses all of its pods at
 * once (deleting the pods, as this hook used to, took every replica away together). It is
 * idempotent: on every later sync the selector matches nothing and nothing restarts.
 *
 * The script is a file (shellchecked), delivered in a ConfigMap synced before the hook runs. The
 * pinned kubectl image is distroless, so an init container copies a static busybox next to it and
 * the script runs under busybox's `sh` using only shell builtins and kubectl. RBAC is a Role per
 * injected namespace (SIDECAR_RESTART_RULES): list pods, get ReplicaSets, get and patch the
 * workloads; no delete, no ClusterRole.
 */
export class SidecarRestartJob extends Construct {
  constructor(scope: Construct, id: string, props: SidecarRestartJobProps) {
    super(scope, id);
    const name = DEFAULTS.hookName;
    const labels = standardLabels({ name, instance: props.instance, component: 'sidecar-restart' });
    new k8s.KubeServiceAccount(this, 'serviceaccount', {
      metadata: { name, namespace: props.namespace, labels },
      automountServiceAccountToken: true,
    });
    for (const ns of props.targets) {
      new k8s.KubeRole(this, `role-${ns}`, {
        metadata: { name, namespace: ns, labels },
        rules: SIDECAR_RESTART_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
      });
      new k8s.KubeRoleBinding(this, `rolebinding-${ns}`, {
        metadata: { name, namespace: ns, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: props.namespace }],
      });
    }
    const scriptKey = path.basename(SIDECAR_RESTART_SCRIPT_FILE);
    new k8s.KubeConfigMap(this, 'configmap', {
      metadata: { name, namespace: props.namespace, labels },
      data: { [scriptKey]: props.script },
    });
    const resources = props.resources.toK8s();
    const quantities = (q: { cpu: string; memory: string }) => ({ cpu: k8s.Quantity.fromString(q.cpu), memory: k8s.Quantity.fromString(q.memory) });
    const containerResources = { requests: quantities(resources.requests), limits: quantities(resources.limits) };
    const busybox = `${HOOK_PATHS.tools}/busybox`;
    new k8s.KubeJob(this, 'job', {
      metadata: {
        name,
        namespace: props.namespace,
        labels,
        annotations: {
          'argocd.argoproj.io/hook': 'PostSync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
        },
      },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 300,
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            restartPolicy: 'Never',
            priorityClassName: PRIORITY.platformCritical,
            securityContext: RESTRICTED_POD_SECURITY_CONTEXT,
            initContainers: [
              {
                name: 'shell',
                image: props.shellImage,
                command: ['/bin/cp', '/bin/busybox', busybox],
                volumeMounts: [{ name: 'tools', mountPath: HOOK_PATHS.tools }],
                resources: containerResources,
                securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
              },
            ],
            containers: [
              {
                name: 'restart',
                image: props.kubectlImage,
                command: [busybox, 'sh', `${HOOK_PATHS.scripts}/${scriptKey}`],
                args: [...props.targets],
                env: [
                  // kubectl keeps its discovery cache under $HOME; the root filesystem is read-only.
                  { name: 'HOME', value: HOOK_PATHS.tmp },
                  // Where the kubectl image keeps its binary; the distroless image may set no PATH.
                  { name: 'PATH', value: '/usr/local/bin:/usr/bin:/bin' },
                ],
                volumeMounts: [
                  { name: 'tmp', mountPath: HOOK_PATHS.tmp },
                  { name: 'tools', mountPath: HOOK_PATHS.tools, readOnly: true },
                  { name: 'scripts', mountPath: HOOK_PATHS.scripts, readOnly: true },
                ],
                resources: containerResources,
                securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
              },
            ],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(HOOK_SCRATCH.toString()) } },
              { name: 'tools', emptyDir: { sizeLimit: k8s.Quantity.fromString(HOOK_SCRATCH.toString()) } },
              { name: 'scripts', configMap: { name, defaultMode: 0o444 } },
            ],
          },
        },
      },
    });
  }
}

function validate(props: IstioConfigProps): void {
  const names = new Set<string>();
  for (const s of props.services) {
    if (names.has(s.name)) throw new Error(`istio-config: service "${s.name}" is listed twice; service names must be unique`);
    names.add(s.name);
  }
  for (const s of props.services) {
    for (const callee of s.calls) {
      if (!names.has(callee)) {
        throw new Error(`istio-config: service "${s.name}" calls "${callee}", which is not a service; fix its calls list (known: ${[...names].sort().join(', ')})`);
      }
    }
  }
  const cb: CircuitBreaker = props.circuitBreaker ?? DEFAULTS.circuitBreaker;
  const durations: Record<string, Duration | undefined> = {
    'connectionPool.tcp.connectTimeout': cb.connectionPool?.tcp?.connectTimeout,
    'connectionPool.tcp.idleTimeout': cb.connectionPool?.tcp?.idleTimeout,
    'connectionPool.tcp.maxConnectionDuration': cb.connectionPool?.tcp?.maxConnectionDuration,
    'connectionPool.tcp.tcpKeepalive.time': cb.connectionPool?.tcp?.tcpKeepalive?.time,
    'connectionPool.tcp.tcpKeepalive.interval': cb.connectionPool?.tcp?.tcpKeepalive?.interval,
    'connectionPool.http.idleTimeout': cb.connectionPool?.http?.idleTimeout,
    'outlierDetection.interval': cb.outlierDetection?.interval,
    'outlierDetection.baseEjectionTime': cb.outlierDetection?.baseEjectionTime,
  };
  for (const [field, d] of Object.entries(durations)) {
    // Istio rejects durations under 1 ms; a zero here is a typo, not "off" (leave the field out for that).
    if (d && d.totalSeconds === 0) throw new Error(`istio-config: circuitBreaker.${field} is 0s; Istio needs at least 1ms (omit the field for Istio's default)`);
  }
  const pct = props.samplingPercentage ?? DEFAULTS.samplingPercentage;
  if (!(pct >= 0 && pct <= 100)) throw new Error(`istio-config: samplingPercentage ${pct} is outside 0-100`);
  if (props.injectedNamespaces.includes(props.meshNamespace)) {
    throw new Error(`istio-config: injectedNamespaces contains the mesh namespace ${props.meshNamespace}; istio-system must never be injected`);
  }
}

export function istioConfigComponent(props: IstioConfigProps): PlatformComponent {
  validate(props);
  return {
    id: ID,
    workflow: Workflow.Mesh,
    namespace: props.meshNamespace,
    dependsOn: ['istiod', 'istio-cni'],
    source: manifests((scope) => new IstioConfigChart(scope, 'istio-config', props)),
  };
}
