/**
 * The microservices: one component (one Argo CD Application, named after the service) per entry
 * of `services` in platform.yaml, all built from the same `Microservice` construct.
 */
import { Construct } from 'constructs';
import { Component, manifests, SecretRequirement, serviceComponentId, Workflow } from '../lib/component';
import { PlatformChart } from '../lib/platform-chart';
import { Resources } from '../lib/resources';
import { Duration } from '../lib/duration';
import { RECOVERY_TARGETS } from '../lib/rollout';
import { CanarySettings, describeStart, podStartBound, PodStartSettings, rollbackBounds, RollbackBounds } from './canary';
import { Microservice, MicroserviceProps, MicroserviceWiring, MIN_READY_SECONDS, READINESS_PROBE, redisCredentials, RegistryCredentials, secretNames, ServiceSpec, Sizing } from './microservice';
import { Peer } from './network';

// The tier policy the services spread by: one definition (lib/tier-policy.ts), re-exported for callers of apps/.
export { TierPolicy, ZoneSpread } from '../lib/tier-policy';
export { Duration, podStartBound, rollbackBounds };
export type { CanarySettings, MicroserviceWiring, Peer, RegistryCredentials, RollbackBounds, ServiceSpec, Sizing };

/** The pod settings that bound a service pod's start, from its startup probe. */
export function podStartSettings(startup: MicroserviceProps['startup']): PodStartSettings {
  return {
    startupProbe: Duration.seconds(startup.periodSeconds * startup.failureThreshold),
    readinessPeriod: Duration.seconds(READINESS_PROBE.periodSeconds),
    minReady: Duration.seconds(MIN_READY_SECONDS),
  };
}

/** A pod may take 5 s × 12 = 60 s to start before liveness applies. */
const STARTUP = { periodSeconds: 5, failureThreshold: 12 } as const;

export const DEFAULTS = {
  /**
   * The istio-proxy sidecar of each pod. Istio's default (100m/128Mi) would add 1.5 CPU to the
   * seed's 5 services × 3 replicas; 30m/64Mi keeps the services within their ~5 CPU share, and
   * the 500m limit lets Envoy burst under load.
   */
  sidecarResources: Resources.of({ cpu: '30m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
  /** The seed's pod auto-scaling trigger. */
  targetCpuUtilization: 70,
  startup: STARTUP,
  /**
   * 20% then 50% of the replicas on the new version, a minute each, with the analysis running
   * throughout.
   *
   * The progress deadline is the slowest legitimate start of a canary pod (podStartBound): node
   * scale-up 180 s (guide) + image pull 30 s + sidecar 10 s (assumed) + startup probe 60 s +
   * readiness 10 s + minReadySeconds 10 s = 300 s. Rollback (rollbackBounds, the stable pod's start
   * up to Ready without a node being 110 s):
   * - a canary serving errors or slow: 60 s window + 3 × 30 s measurements + 110 s = 260 s, inside
   *   the guide's "rollback_time < 5 minutes";
   * - a canary that never becomes ready: 300 s deadline + 110 s = 410 s. This is the one that gives:
   *   a shorter deadline would abort releases that only wait for a node, and meanwhile nobody is
   *   served by the canary and the stable version keeps its capacity (maxUnavailable 0).
   */
  canary: {
    steps: [
      { weight: 20, pause: Duration.minutes(1) },
      { weight: 50, pause: Duration.minutes(1) },
    ],
    interval: Duration.seconds(30),
    failureLimit: 2,
    window: Duration.minutes(1),
    maxErrorRate: 0.05,
    maxP95LatencyMs: 500,
    progressDeadline: podStartBound(podStartSettings(STARTUP), { nodeScaleUp: true, untilAvailable: true }).total,
  } satisfies CanarySettings,
  /** The efficiency guide's recovery target for a failing release: "rollback_time: < 5 minutes". */
  rollbackBudget: RECOVERY_TARGETS.rollback,
} as const;

/**
 * Checks a service's canary timing: the progress deadline covers the slowest legitimate canary
 * start, and a canary users see failing is rolled back within the guide's five minutes. Returns
 * the rollback bounds.
 */
export function checkCanaryTiming(service: string, canary: CanarySettings, startup: MicroserviceProps['startup']): RollbackBounds {
  const pod = podStartSettings(startup);
  const canaryStart = podStartBound(pod, { nodeScaleUp: true, untilAvailable: true });
  if (canary.progressDeadline.totalSeconds < canaryStart.total.totalSeconds) {
    throw new Error(
      `service ${service}: canary.progressDeadline ${canary.progressDeadline.totalSeconds} s is shorter than the slowest legitimate canary pod start, ` +
        `${canaryStart.total.totalSeconds} s (${describeStart(canaryStart)}); a release waiting for a node would abort itself. ` +
        `Raise progressDeadline to at least ${canaryStart.total.totalSeconds}s or shorten the startup probe`,
    );
  }
  const bounds = rollbackBounds(canary, podStartBound(pod, { nodeScaleUp: false, untilAvailable: false }).total);
  if (bounds.failingCanary.totalSeconds > DEFAULTS.rollbackBudget.totalSeconds) {
    throw new Error(
      `service ${service}: a failing canary could take ${bounds.failingCanary.totalSeconds} s to roll back, over the ${DEFAULTS.rollbackBudget.totalSeconds} s budget; shorten canary.interval, failureLimit or window, or the startup probe`,
    );
  }
  return bounds;
}

/** The defaulted settings of a service; everything else comes from the config. */
type Defaulted = 'sidecarResources' | 'canary' | 'startup' | 'targetCpuUtilization';

/**
 * `MicroserviceProps` with the tunables optional.
 * Defaults: `DEFAULTS.sidecarResources`, `DEFAULTS.canary`, `DEFAULTS.startup`, `DEFAULTS.targetCpuUtilization`.
 */
export type MicroserviceComponentProps = Omit<MicroserviceProps, Defaulted> & Partial<Pick<MicroserviceProps, Defaulted>>;

export class MicroserviceChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    super(scope, id, { namespace: props.namespace });
    new Microservice(this, props.service.name, props);
  }
}

/** The Secret type and data key image pull credentials must have (the kubelet reads only these). */
export const DOCKER_CONFIG_JSON = { type: 'kubernetes.io/dockerconfigjson', key: '.dockerconfigjson' } as const;

/** The Secrets a service reads, each delivered by an ExternalSecret from OpenBao (never bootstrapped). */
export function serviceSecrets(service: ServiceSpec, namespace: string): SecretRequirement[] {
  const names = secretNames(service.name);
  const out: SecretRequirement[] = [];
  if (service.database) {
    const path = `data/postgres/${service.name}`;
    out.push({
      namespace,
      name: names.postgres,
      data: { username: { path, property: 'username' }, password: { path, property: 'password' } },
      purpose: `Postgres role of the ${service.name} service (the same values as its CloudNativePG managed role)`,
    });
  }
  if (service.redis) {
    // The service's own ACL user's password; the same path's other reader is the data namespace,
    // which hashes it into Redis' ACL file (charts/redis).
    out.push({
      namespace,
      name: names.redis,
      data: { password: redisCredentials(service.name).password },
      purpose: `password of the ${service.name} service's Redis ACL user`,
    });
  }
  if (service.registryCredentials) {
    // One per service, like the Redis password: the service's own component owns it.
    const { openbaoPath: path, property } = service.registryCredentials;
    out.push({
      namespace,
      name: names.registry,
      type: DOCKER_CONFIG_JSON.type,
      data: { [DOCKER_CONFIG_JSON.key]: { path, property } },
      purpose: `pull credentials (Docker config JSON) for the ${service.name} image's private registry`,
    });
  }
  return out;
}

export function microserviceComponent(input: MicroserviceComponentProps): Component {
  const props: MicroserviceProps = {
    ...input,
    sidecarResources: input.sidecarResources ?? DEFAULTS.sidecarResources,
    canary: input.canary ?? DEFAULTS.canary,
    startup: input.startup ?? DEFAULTS.startup,
    targetCpuUtilization: input.targetCpuUtilization ?? DEFAULTS.targetCpuUtilization,
  };
  checkCanaryTiming(props.service.name, props.canary, props.startup);
  return {
    id: serviceComponentId(props.service.name),
    workflow: Workflow.Apps,
    namespace: props.namespace,
    // Argo Rollouts (CRDs, controller) and the data services are earlier workflows: implied.
    dependsOn: [],
    source: manifests((scope) => new MicroserviceChart(scope, props.service.name, props)),
    secrets: serviceSecrets(props.service, props.namespace),
  };
}
