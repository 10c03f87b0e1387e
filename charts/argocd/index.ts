/**
 * Argo CD, managing itself. Bootstrap installs the release with exactly these values
 * (bootstrap/argocd-values.yaml); the `argocd` Application then adopts it without a diff.
 *
 * HA (staging, prod): two application-controller shards, two repo-servers and API servers spread
 * over zones, and Redis through the chart's redis-ha subchart (three Redis + Sentinel pods behind
 * three HAProxy pods). Single replicas otherwise. Every component exports metrics with a
 * ServiceMonitor, and the notifications controller raises sync failures and degraded
 * Applications as alerts in Alertmanager.
 *
 * Access (./sso.ts): with `sso`, people log in through the OIDC provider, IdP groups map to roles in
 * policy.csv, and the local admin account is off; without it, only the local admin account exists.
 */
import { argoCdCmEntries, BOOTSTRAP_HEALTH_CHECKS, HealthCheck } from '../../argocd/health';
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, RunbookSection, SecretRequirement, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { TierPolicy, ZONE_TOPOLOGY_KEY } from '../../lib/tier-policy';
import { TrafficEdge } from '../../lib/traffic';
import { argoCdNotifications } from './notifications';
import { ArgoCdValues, MetricsValues, PdbValues } from './values';
import { ArgoCdSso, oidcClientSecret, oidcConfig, policyCsv, SSO, ssoRunbook, validateSso } from './sso';

/** This component's id: its Argo CD Application name. */
export const ID = 'argocd' satisfies PlatformComponentId;

export { alertmanagerService, argoCdNotifications } from './notifications';
export type { ArgoCdRbac, ArgoCdSso } from './sso';
export { policyCsv, projectRole, SSO } from './sso';

export type { ArgoCdValues, MetricsValues, PdbValues, RedisHaValues, TopologySpread } from './values';

export type ArgoCdWorkload =
  | 'controller' | 'server' | 'repoServer' | 'applicationSet' | 'notifications' | 'redis' | 'redisExporter'
  | 'redisHaRedis' | 'redisHaSentinel' | 'redisHaSplitBrain' | 'redisHaExporter' | 'redisHaInit' | 'haproxy' | 'redisSecretInit';

export interface ArgoCdProps {
  readonly namespace: string;
  /** Lua health checks by `resource.customizations.health.<group>_<kind>` key. */
  readonly healthChecks: Readonly<Record<string, string>>;
  /**
   * Health checks with their argocd-cm switches (`useOpenLibs`), added to `healthChecks`.
   * @default DEFAULTS.healthCustomizations
   */
  readonly healthCustomizations?: readonly HealthCheck[];
  /**
   * Replicated controller, repo-server, server and Redis (redis-ha) where the tier is highly
   * available, spread over zones as a stateless controller (preferred, never required).
   */
  readonly tierPolicy: TierPolicy;
  /** Alertmanager base URL (`http://host:port`) the notifications controller posts alerts to. */
  readonly alertmanagerUrl: string;
  /** Set as the `cluster` label on every alert. */
  readonly clusterName: string;
  /** The GitOps repository Argo CD reads; its credential is the `gitops-repo` Secret. */
  readonly repoURL: string;
  /** @default DEFAULTS.resources */
  readonly resources?: Partial<Record<ArgoCdWorkload, Resources>>;
  /**
   * Single sign-on and its RBAC (./sso.ts); disables the local admin account.
   * @default no SSO: the local admin account only, and no rights for anyone else
   */
  readonly sso?: ArgoCdSso;
}

/** Argo CD's own names for the release `argocd` (the chart's fullname and redis-ha's). */
const RELEASE = 'argocd';

export const DEFAULTS = {
  resources: {
    // One shard owns the in-cluster destination and caches every managed object.
    controller: Resources.of({ cpu: '200m', memory: '320Mi' }, { cpu: '1', memory: '1Gi' }),
    server: Resources.of({ cpu: '25m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
    // Reads the rendered manifests (no Helm in the cluster). `npm run bench` measures manifest
    // generation of the largest Application (prometheus-operator-crds, 4.3 MiB in 10 files) at
    // +36 MiB over idle and the whole largest environment (17 MiB, 841 files) at +81 MiB. The
    // request holds one generation of the largest Application twice over (Go's heap headroom)
    // on top of ~120Mi idle; the limit holds every Application of the environment regenerating
    // at once after a push (+81 MiB, doubled, on the idle process), with room to spare.
    repoServer: Resources.of({ cpu: '50m', memory: '192Mi' }, { cpu: '1', memory: '512Mi' }),
    applicationSet: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '200m', memory: '128Mi' }),
    notifications: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '200m', memory: '128Mi' }),
    redis: Resources.of({ cpu: '20m', memory: '32Mi' }, { cpu: '200m', memory: '256Mi' }),
    redisExporter: Resources.of({ cpu: '5m', memory: '16Mi' }, { cpu: '50m', memory: '64Mi' }),
    redisHaRedis: Resources.of({ cpu: '20m', memory: '32Mi' }, { cpu: '200m', memory: '256Mi' }),
    redisHaSentinel: Resources.of({ cpu: '10m', memory: '16Mi' }, { cpu: '100m', memory: '64Mi' }),
    redisHaSplitBrain: Resources.of({ cpu: '5m', memory: '16Mi' }, { cpu: '50m', memory: '64Mi' }),
    redisHaExporter: Resources.of({ cpu: '5m', memory: '16Mi' }, { cpu: '50m', memory: '64Mi' }),
    redisHaInit: Resources.of({ cpu: '5m', memory: '16Mi' }, { cpu: '50m', memory: '64Mi' }),
    haproxy: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '200m', memory: '128Mi' }),
    redisSecretInit: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
  } satisfies Record<ArgoCdWorkload, Resources>,
  /** Replicas in HA; a single replica each otherwise. */
  haReplicas: { controller: 2, server: 2, repoServer: 2, redis: 3, haproxy: 3 },
  /** The Argo CD repository Secret: bootstrap creates it, `external-secrets-config` adopts it. */
  repositorySecret: {
    name: 'gitops-repo',
    openBaoPath: 'platform/gitops-repo',
    env: { url: 'GITOPS_REPO_URL', username: 'GITOPS_REPO_USERNAME', password: 'GITOPS_REPO_PASSWORD' },
  },
  /** Alertmanager receives these as alerts named after the trigger. */
  alerts: { syncFailedSeverity: 'warning', degradedSeverity: 'critical' },
  /**
   * What a fresh install needs to converge with only the bootstrap README's human steps: the
   * External Secrets objects wait (Progressing, naming the step) for OpenBao to be seeded instead
   * of failing the wave's sync, up to their wave's readiness gate (argocd/health.ts).
   */
  healthCustomizations: BOOTSTRAP_HEALTH_CHECKS,
} as const;

export const APPLICATION_HEALTH_CM_KEY_PREFIX = 'resource.customizations.health.';

/** The ServiceMonitor-enabled metrics block. */
const METRICS: MetricsValues = { enabled: true, serviceMonitor: { enabled: true } };

/** The repository credential Argo CD reads (label `argocd.argoproj.io/secret-type: repository`). */
export function repositorySecret(namespace: string): SecretRequirement {
  const s = DEFAULTS.repositorySecret;
  return {
    namespace,
    name: s.name,
    // `url` is not secret, but a SecretRequirement has no literal keys: it lives in OpenBao next
    // to the credential, so the ExternalSecret renders the whole Secret from one path.
    data: {
      url: { path: s.openBaoPath, property: 'url' },
      username: { path: s.openBaoPath, property: 'username' },
      password: { path: s.openBaoPath, property: 'password' },
    },
    labels: { 'argocd.argoproj.io/secret-type': 'repository' },
    purpose: 'Argo CD read access to the GitOps repository',
    bootstrap: { ...s.env },
  };
}

function repositoryRunbook(repoURL: string): RunbookSection {
  const s = DEFAULTS.repositorySecret;
  return {
    phase: 'openbao',
    title: 'Argo CD repository credential',
    body: `\`${s.env.url}\` (bootstrap Secret \`${s.name}\` and \`secret/${s.openBaoPath}\` in OpenBao) must be
exactly the repository in platform.yaml (Argo CD matches credentials to Applications by URL):

\`\`\`bash
export ${s.env.url}="${repoURL}"
\`\`\`

\`${s.env.username}\` / \`${s.env.password}\`: a read-only deploy token of that repository.`,
  };
}

export function argoCdComponent(props: ArgoCdProps): PlatformComponent {
  const r: Record<ArgoCdWorkload, Resources> = { ...DEFAULTS.resources, ...props.resources };
  const ns = props.namespace;
  const policy = props.tierPolicy;
  const ha = policy.highAvailability;
  if (!/^(https:\/\/|ssh:\/\/|git@)/.test(props.repoURL)) {
    throw new Error(`argocd: repoURL "${props.repoURL}" is not a git URL; expected https://…, ssh://… or git@…`);
  }
  if (props.sso) validateSso(props.sso);
  const sso = props.sso;
  const h = DEFAULTS.haReplicas;
  const n = {
    controller: policy.replicas(h.controller),
    server: policy.replicas(h.server),
    repoServer: policy.replicas(h.repoServer),
    redis: policy.replicas(h.redis),
    haproxy: policy.replicas(h.haproxy, 0),
  };
  // The zone rule of a stateless controller; redis-ha's constraint is only read where it is on.
  const whenUnsatisfiable = policy.whenUnsatisfiable('controller');
  const pdb = (replicas: number): PdbValues => ({ enabled: replicas > 1, minAvailable: 1 });


  const values: ArgoCdValues = {
    global: {
      // Installed at bootstrap, before platform-base's PriorityClasses exist.
      priorityClassName: PRIORITY.systemCluster,
      // Multi-AZ: replicas of one component prefer different zones (the chart adds each
      // component's own label selector).
      topologySpreadConstraints: policy
        .zoneSpreadConstraints({}, 'controller')
        .map((c) => ({ maxSkew: c.maxSkew, topologyKey: c.topologyKey, whenUnsatisfiable: c.whenUnsatisfiable })),
      // The namespace is default-deny with declared traffic (argoCdTraffic): the chart's policies
      // would only add allows, and the server's admits every pod of every namespace on every port.
      networkPolicy: { create: false },
    },
    crds: { install: true, keep: true },
    configs: {
      cm: {
        // Annotation tracking: Argo CD does not claim objects through the app.kubernetes.io/instance label.
        'application.resourceTrackingMethod': 'annotation',
        ...argoCdCmEntries(props.healthCustomizations ?? DEFAULTS.healthCustomizations),
        ...props.healthChecks,
        // With SSO the local admin account is off: deleting argocd-initial-admin-secret alone
        // leaves it enabled (its password hash is in argocd-secret).
        ...(sso ? { url: sso.url, 'oidc.config': oidcConfig(sso), 'admin.enabled': 'false' } : {}),
      },
      params: { 'server.insecure': false },
      rbac: {
        'policy.csv': sso ? policyCsv(sso.rbac) : '',
        'policy.default': SSO.policyDefault,
        // The ID token claim the policy's group subjects are matched against.
        scopes: `[${sso?.groupsClaim ?? 'groups'}]`,
      },
    },
    // More than one replica shards the managed clusters over the controllers; the chart sets
    // ARGOCD_CONTROLLER_REPLICAS from `controller.replicas` so each shard knows the count.
    controller: { replicas: n.controller, resources: r.controller.toK8s(), metrics: METRICS, pdb: pdb(n.controller) },
    server: { replicas: n.server, resources: r.server.toK8s(), metrics: METRICS, pdb: pdb(n.server) },
    repoServer: { replicas: n.repoServer, resources: r.repoServer.toK8s(), metrics: METRICS, pdb: pdb(n.repoServer) },
    // Nothing in the platform generates Applications; one replica.
    applicationSet: { replicas: 1, resources: r.applicationSet.toK8s(), metrics: METRICS },
    // Single Redis (dev); the chart disables it when redis-ha is on.
    redis: { resources: r.redis.toK8s(), exporter: { enabled: true, resources: r.redisExporter.toK8s() }, metrics: METRICS },
    'redis-ha': {
      enabled: ha,
      replicas: ha ? n.redis : 3,
      redis: { resources: r.redisHaRedis.toK8s() },
      sentinel: { resources: r.redisHaSentinel.toK8s() },
      splitBrainDetection: { resources: r.redisHaSplitBrain.toK8s() },
      init: { resources: r.redisHaInit.toK8s() },
      exporter: { enabled: true, resources: r.redisHaExporter.toK8s(), serviceMonitor: { enabled: true } },
      haproxy: {
        replicas: ha ? n.haproxy : 3,
        resources: r.haproxy.toK8s(),
        init: { resources: r.redisHaInit.toK8s() },
        metrics: { enabled: true, serviceMonitor: { enabled: true } },
      },
      // Redis pods already repel each other per node (hardAntiAffinity); also prefer distinct zones.
      topologySpreadConstraints: { enabled: true, topologyKey: ZONE_TOPOLOGY_KEY, maxSkew: 1, whenUnsatisfiable: whenUnsatisfiable ?? 'ScheduleAnyway' },
    },
    redisSecretInit: { resources: r.redisSecretInit.toK8s() },
    dex: { enabled: false },
    notifications: {
      resources: r.notifications.toK8s(),
      metrics: METRICS,
      ...argoCdNotifications(props.alertmanagerUrl, props.clusterName, DEFAULTS.alerts),
    },
  };
  return helmComponent({
    id: ID,
    workflow: Workflow.GitOps,
    namespace: ns,
    dependsOn: [],
    chart: CHARTS.argocd,
    values,
    releaseName: RELEASE,
    secrets: [repositorySecret(ns), ...(sso ? [oidcClientSecret(ns)] : [])],
    runbook: [repositoryRunbook(props.repoURL), ...(sso ? [ssoRunbook(sso)] : [])],
    traffic: argoCdTraffic(ns, { repoURL: props.repoURL, highAvailability: ha, ...(sso ? { oidcIssuer: sso.issuer } : {}) }),
  });
}

/** The pods of release `argocd`, by the chart's selector labels (and redis-ha's). */
export const ARGOCD_PODS = {
  controller: { 'app.kubernetes.io/name': 'argocd-application-controller', 'app.kubernetes.io/instance': RELEASE },
  server: { 'app.kubernetes.io/name': 'argocd-server', 'app.kubernetes.io/instance': RELEASE },
  repoServer: { 'app.kubernetes.io/name': 'argocd-repo-server', 'app.kubernetes.io/instance': RELEASE },
  applicationSet: { 'app.kubernetes.io/name': 'argocd-applicationset-controller', 'app.kubernetes.io/instance': RELEASE },
  notifications: { 'app.kubernetes.io/name': 'argocd-notifications-controller', 'app.kubernetes.io/instance': RELEASE },
  /** The single Redis (no high availability). */
  redis: { 'app.kubernetes.io/name': 'argocd-redis', 'app.kubernetes.io/instance': RELEASE },
  /** redis-ha: Redis and Sentinel pods, and the HAProxy in front of them. */
  redisHa: { app: 'redis-ha', release: RELEASE },
  haproxy: { app: 'redis-ha-haproxy', release: RELEASE },
} as const;

/** The ports those pods serve on. */
export const ARGOCD_PORTS = { repoServer: 8081, redis: 6379, sentinel: 26379 } as const;

/** The port a git URL is fetched on: https (443 or its own), ssh:// (22 or its own), scp-like `git@host:path` (22). */
export function gitPort(url: string): number {
  const m = /^(https|ssh):\/\/(?:[^@/]+@)?[^/:]+(?::(\d+))?/.exec(url);
  if (m) return m[2] ? Number(m[2]) : m[1] === 'https' ? 443 : 22;
  if (/^[^@\s]+@[^:\s]+:/.test(url)) return 22;
  throw new Error(`not a git URL: "${url}"`);
}

/**
 * Argo CD's traffic inside its namespace and out of it (lib/traffic.ts; the API server for every
 * pod and Prometheus's scrapes are derived): the controllers and the server ask the repo-server for
 * manifests and cache in Redis; Redis replicates and its Sentinels vote (redis-ha); the repo-server
 * fetches the GitOps repository from its git host; the server talks to the OIDC provider. The
 * application controller manages only the cluster it runs in, so it reaches nothing outside.
 */
export function argoCdTraffic(namespace: string, p: { readonly repoURL: string; readonly highAvailability: boolean; readonly oidcIssuer?: string }): TrafficEdge[] {
  const pods = (labels: Readonly<Record<string, string>>) => ({ namespace, pods: labels });
  const P = ARGOCD_PODS;
  const repoClients = [
    ['controller', P.controller, 'The application controller asks the repo-server for the manifests it compares and applies.'],
    ['server', P.server, 'The API server asks the repo-server for manifests and repository details.'],
    ['applicationset', P.applicationSet, 'The ApplicationSet controller asks the repo-server for its generators.'],
    ['notifications', P.notifications, 'The notifications controller asks the repo-server for application details in its templates.'],
  ] as const;
  const redisClients = [
    ['controller', P.controller, 'The application controller caches the cluster state in Redis.'],
    ['server', P.server, 'The API server reads the cached state from Redis.'],
    ['repo-server', P.repoServer, 'The repo-server caches generated manifests in Redis.'],
  ] as const;
  const redis = p.highAvailability ? P.haproxy : P.redis;
  const edges: TrafficEdge[] = [
    ...repoClients.map(([name, from, reason]) => ({ name: `argocd-${name}-repo-server`, from: pods(from), to: pods(P.repoServer), ports: [{ port: ARGOCD_PORTS.repoServer }], reason })),
    ...redisClients.map(([name, from, reason]) => ({
      name: `argocd-${name}-redis`,
      from: pods(from),
      to: pods(redis),
      ports: [{ port: ARGOCD_PORTS.redis }],
      reason: p.highAvailability ? `${reason} (through HAProxy, which follows the Sentinels' master)` : reason,
    })),
    {
      name: 'argocd-repo-server-git',
      from: pods(P.repoServer),
      to: { entity: 'world' },
      ports: [{ port: gitPort(p.repoURL) }],
      reason: `The repo-server fetches the GitOps repository ${p.repoURL} from its git host (no FQDN policies: the world on that port).`,
    },
  ];
  if (p.highAvailability) {
    edges.push(
      {
        name: 'argocd-haproxy-redis-ha',
        from: pods(P.haproxy),
        to: pods(P.redisHa),
        ports: [{ port: ARGOCD_PORTS.redis }, { port: ARGOCD_PORTS.sentinel }],
        reason: 'HAProxy checks each Redis for the master role (and the Sentinels) and forwards to the master.',
      },
      {
        name: 'argocd-redis-ha-peers',
        from: pods(P.redisHa),
        to: pods(P.redisHa),
        ports: [{ port: ARGOCD_PORTS.redis }, { port: ARGOCD_PORTS.sentinel }],
        reason: 'The Redis replicas follow the master and the Sentinels watch every Redis and vote with each other (quorum).',
      },
    );
  }
  if (p.oidcIssuer) {
    edges.push({
      name: 'argocd-server-oidc',
      from: pods(P.server),
      to: { entity: 'world' },
      ports: [{ port: Number(new URL(p.oidcIssuer).port || 443) }],
      reason: `The API server reads the OIDC provider's discovery document and keys and redeems login codes at ${p.oidcIssuer}.`,
    });
  }
  return edges;
}
