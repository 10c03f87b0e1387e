/**
 * The microservices: one component (one Argo CD Application, named after the service) per entry
 * of `services` in platform.yaml, all built from the same `Microservice` construct.
 */
import { Construct } from 'constructs';
import { Component, manifests, SecretRequirement, Workflow } from '../lib/component';
import { PlatformChart } from '../lib/platform-chart';
import { Resources } from '../lib/resources';
import { Duration } from '../imports/monitoring';
import { CanarySettings, worstCaseRollbackSeconds } from './canary';
import { Microservice, MicroserviceProps, MicroserviceWiring, secretNames, ServiceSpec, Sizing, ZoneSpread } from './microservice';
import { Peer } from './network';

export { Duration, worstCaseRollbackSeconds, ZoneSpread };
export type { CanarySettings, MicroserviceWiring, Peer, ServiceSpec, Sizing };

export const DEFAULTS = {
  /**
   * The istio-proxy sidecar of each pod. Istio's default (100m/128Mi) would add 1.5 CPU to the
   * seed's 5 services × 3 replicas; 30m/64Mi keeps the services within their ~5 CPU share, and
   * the 500m limit lets Envoy burst under load.
   */
  sidecarResources: Resources.of({ cpu: '30m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
  /** The seed's pod auto-scaling trigger. */
  targetCpuUtilization: 70,
  /** A pod may take 5 s × 12 = 60 s to start before liveness applies. */
  startup: { periodSeconds: 5, failureThreshold: 12 },
  /**
   * 20% then 50% of the replicas on the new version, a minute each, with the analysis running
   * throughout. Worst case to stable (worstCaseRollbackSeconds): max(60 s window + 3 × 30 s
   * measurements, 150 s progress deadline) + 60 s pod start = 210 s, inside the guide's "rollback
   * time < 5 minutes".
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
    progressDeadline: Duration.seconds(150),
  } satisfies CanarySettings,
  /** The efficiency guide's recovery target: "rollback_time: < 5 minutes". */
  rollbackBudgetSeconds: 300,
} as const;

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
    // One Secret per service (not a shared redis-auth): each component owns exactly the
    // ExternalSecrets it declares, so two services never claim the same object.
    out.push({
      namespace,
      name: names.redis,
      data: { password: { path: 'data/redis', property: 'password' } },
      purpose: `Redis password for the ${service.name} service`,
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
  const rollback = worstCaseRollbackSeconds(props.canary, props.startup.periodSeconds * props.startup.failureThreshold);
  if (rollback > DEFAULTS.rollbackBudgetSeconds) {
    throw new Error(
      `service ${props.service.name}: a failed canary could take ${rollback} s to roll back, over the ${DEFAULTS.rollbackBudgetSeconds} s budget; shorten canary.interval, failureLimit, window or progressDeadline`,
    );
  }
  return {
    id: props.service.name,
    workflow: Workflow.Apps,
    namespace: props.namespace,
    // Argo Rollouts (CRDs, controller) and the data services are earlier workflows: implied.
    dependsOn: [],
    source: manifests((scope) => new MicroserviceChart(scope, props.service.name, props)),
    secrets: serviceSecrets(props.service, props.namespace),
  };
}
