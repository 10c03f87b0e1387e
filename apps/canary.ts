/**
 * Progressive delivery of a microservice: the canary steps of its Rollout and the Prometheus
 * analysis that aborts a bad release back to the stable version without a human (the seed's
 * "Application rollback: automated rollback on health check failures").
 *
 * The analysis measures only the canary's own pods: the PodMonitor copies the Rollout's
 * `rollouts-pod-template-hash` pod label onto every series it scrapes from the sidecar (Istio's
 * merged metrics, port 15020), and the Rollout passes the canary's hash (`podTemplateHashValue:
 * Latest`) into the template. `reporter="destination"` series are the requests each pod received.
 */
import {
  AnalysisTemplateSpec,
  AnalysisTemplateSpecMetrics,
  AnalysisTemplateSpecMetricsConsecutiveErrorLimit,
  AnalysisTemplateSpecMetricsFailureLimit,
  RolloutSpecStrategyCanary,
  RolloutSpecStrategyCanaryMaxSurge,
  RolloutSpecStrategyCanaryMaxUnavailable,
  RolloutSpecStrategyCanaryStepsPauseDuration,
} from '../imports/argoproj.io';
import { Duration } from '../lib/duration';
import { RECOVERY_TARGETS } from '../lib/rollout';

export interface CanaryStepSettings {
  /** Percentage of the replicas running the new version during this step. */
  readonly weight: number;
  /** How long the step holds before the next one (analysis keeps running meanwhile). */
  readonly pause: Duration;
}

export interface CanarySettings {
  readonly steps: readonly CanaryStepSettings[];
  /** Time between two measurements of each metric. */
  readonly interval: Duration;
  /** The analysis fails (and the rollout aborts) once more measurements than this have failed. */
  readonly failureLimit: number;
  /** PromQL rate window: how far back one measurement looks. */
  readonly window: Duration;
  /** Highest tolerated share of 5xx responses of the canary (0-1). */
  readonly maxErrorRate: number;
  /** Highest tolerated p95 latency of the canary, in milliseconds. */
  readonly maxP95LatencyMs: number;
  /**
   * A canary that is not progressing (pods never ready: failing probes, crash loops) aborts after
   * this. It must cover the slowest legitimate start of a canary pod (`podStartBound` with a node
   * scale-up), or a release that only waits for a node aborts itself.
   */
  readonly progressDeadline: Duration;
}

/** One term of a pod's start: how long, and where the number comes from. */
export interface StartTerm {
  readonly time: Duration;
  readonly source: string;
}

/**
 * The terms of a pod's start that are not our own settings, each with its source. The guide gives
 * only the node scale-up; the others are stated assumptions, to revisit with measured numbers
 * (Argo Rollouts' `rollout_info` and the pods' `kube_pod_*` timestamps in Prometheus give them).
 */
export const POD_START_FACTS = {
  nodeScaleUp: { time: RECOVERY_TARGETS.nodeScaleUp, source: 'efficiency guide, resource_exhaustion: scaling_response: "< 3 minutes"' },
  imagePull: {
    time: Duration.seconds(30),
    source: 'assumed (the guide gives no number): the service image and istio proxyv2, a few hundred MB, pulled from an in-region registry onto a fresh node',
  },
  sidecarStart: {
    time: Duration.seconds(10),
    source: "assumed: the istio-proxy's first configuration and workload certificate from istiod before the app container starts (holdApplicationUntilProxyStarts); `pilot-agent wait` gives up after 60 s, which is a failure, not a start",
  },
} as const satisfies Record<string, StartTerm>;

/** The pod's own settings that bound its start (apps/microservice.ts). */
export interface PodStartSettings {
  /** Startup probe period × failure threshold: the longest the app may take to answer its health path. */
  readonly startupProbe: Duration;
  /** Readiness probe period: the pod turns Ready at the first readiness probe after startup passed. */
  readonly readinessPeriod: Duration;
  /** The Rollout's minReadySeconds: Ready this long before the pod counts as available. */
  readonly minReady: Duration;
}

export interface PodStartBound {
  readonly terms: Readonly<Record<string, StartTerm>>;
  readonly total: Duration;
}

/**
 * The slowest legitimate time from a pod's creation until it is available (`untilAvailable`) or
 * Ready (serving): optionally a node scale-up, then the image pull, the sidecar, the startup probe,
 * the first readiness probe and minReadySeconds.
 */
export function podStartBound(s: PodStartSettings, opts: { readonly nodeScaleUp: boolean; readonly untilAvailable: boolean }): PodStartBound {
  const terms: Record<string, StartTerm> = {};
  if (opts.nodeScaleUp) terms.nodeScaleUp = POD_START_FACTS.nodeScaleUp;
  terms.imagePull = POD_START_FACTS.imagePull;
  terms.sidecarStart = POD_START_FACTS.sidecarStart;
  terms.startupProbe = { time: s.startupProbe, source: 'startup probe: period × failureThreshold' };
  terms.readiness = { time: s.readinessPeriod, source: 'readiness probe period: the first Ready after the startup probe' };
  if (opts.untilAvailable) terms.minReady = { time: s.minReady, source: 'Rollout minReadySeconds' };
  return { terms, total: Object.values(terms).reduce((t, x) => t.plus(x.time), Duration.seconds(0)) };
}

const TERM_NAMES: Readonly<Record<string, string>> = { nodeScaleUp: 'node scale-up', minReady: 'minReadySeconds' };

/** `node scale-up 180 s + image pull 30 s + …`, for error messages. */
export function describeStart(b: PodStartBound): string {
  const words = (k: string) => TERM_NAMES[k] ?? k.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
  return Object.entries(b.terms).map(([k, t]) => `${words(k)} ${t.time.totalSeconds} s`).join(' + ');
}

/** Name of the analysis argument carrying the canary's pod-template hash. */
export const CANARY_HASH_ARG = 'canary-hash';
/** The pod label Argo Rollouts puts on every pod it creates, and its Prometheus form. */
export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';
export const POD_TEMPLATE_HASH_SERIES_LABEL = 'rollouts_pod_template_hash';

export function validateCanary(service: string, s: CanarySettings): void {
  const fail = (field: string, value: unknown, fix: string) => {
    throw new Error(`service ${service}: canary.${field} is ${JSON.stringify(value)}; ${fix}`);
  };
  if (s.steps.length === 0) fail('steps', [], 'give at least one step, e.g. { weight: 20, pause: Duration.minutes(1) }');
  s.steps.forEach((step, i) => {
    if (!Number.isInteger(step.weight) || step.weight <= 0 || step.weight >= 100) fail(`steps[${i}].weight`, step.weight, 'use a whole percentage between 1 and 99 (100% is the promotion itself)');
    if (i > 0 && step.weight <= s.steps[i - 1].weight) fail(`steps[${i}].weight`, step.weight, 'weights must increase from step to step');
  });
  if (!Number.isInteger(s.failureLimit) || s.failureLimit < 0) fail('failureLimit', s.failureLimit, 'use a whole number >= 0');
  if (!(s.maxErrorRate > 0 && s.maxErrorRate < 1)) fail('maxErrorRate', s.maxErrorRate, 'use a fraction between 0 and 1, e.g. 0.05');
  if (!(s.maxP95LatencyMs > 0)) fail('maxP95LatencyMs', s.maxP95LatencyMs, 'use a positive number of milliseconds');
  for (const field of ['interval', 'window', 'progressDeadline'] as const) {
    if (s[field].totalSeconds === 0) fail(field, s[field].toString(), 'use a positive duration, e.g. Duration.seconds(30)');
  }
  s.steps.forEach((step, i) => {
    if (step.pause.totalSeconds === 0) fail(`steps[${i}].pause`, step.pause.toString(), 'use a positive duration: a step without a pause hands no time to the analysis');
  });
}

/**
 * Upper bounds from a bad release to the stable version serving every replica again. The abort
 * scales the stable ReplicaSet back up first (maxUnavailable 0) and that pod needs no new node:
 * it takes the room the stable pod it replaced left (the release never holds more than one extra
 * pod, maxSurge 1), so it costs one pod start up to Ready, without a node scale-up (`stablePodStart`).
 *
 * - `failingCanary`: a canary that serves errors or is slow. Users get its answers until the
 *   analysis fails: one rate window until the errors show in the series, then at most
 *   `failureLimit + 1` measurements `interval` apart. The guide's rollback_time ("< 5 minutes")
 *   is checked against this one.
 * - `stuckCanary`: a canary that never becomes ready, aborted at `progressDeadline`. Users never
 *   see it (an unready pod gets no traffic) and the stable version keeps its capacity until the
 *   canary is available (maxUnavailable 0). The deadline must outlast a node scale-up, so this
 *   bound is over the 5 minutes, and that is what gives: a release that cannot start is cleaned
 *   up after the guide's rollback time, while nobody is served by it.
 */
export interface RollbackBounds {
  readonly failingCanary: Duration;
  readonly stuckCanary: Duration;
}

export function rollbackBounds(s: CanarySettings, stablePodStart: Duration): RollbackBounds {
  const analysis = s.window.plus(s.interval.times(s.failureLimit + 1));
  return { failingCanary: analysis.plus(stablePodStart), stuckCanary: s.progressDeadline.plus(stablePodStart) };
}

/** The canary strategy of a Rollout whose analysis template is named `template`. */
export function canaryStrategy(s: CanarySettings, template: string): RolloutSpecStrategyCanary {
  return {
    // One extra pod at a time and none taken away before its replacement is ready: the stable
    // version keeps full capacity until each canary pod is Ready.
    maxSurge: RolloutSpecStrategyCanaryMaxSurge.fromNumber(1),
    maxUnavailable: RolloutSpecStrategyCanaryMaxUnavailable.fromNumber(0),
    analysis: {
      templates: [{ templateName: template }],
      args: [{ name: CANARY_HASH_ARG, valueFrom: { podTemplateHashValue: 'Latest' } }],
      // From the first pause on, i.e. as soon as canary pods serve traffic.
      startingStep: 1,
    },
    steps: s.steps.flatMap((step) => [{ setWeight: step.weight }, { pause: { duration: RolloutSpecStrategyCanaryStepsPauseDuration.fromString(step.pause.toString()) } }]),
  };
}

export interface AnalysisTarget {
  readonly service: string;
  readonly namespace: string;
  readonly prometheusUrl: string;
}

/**
 * Error rate and p95 latency of the canary's pods from Istio's standard metrics. With no
 * requests in the window both report 0 (`or on() vector(0)`): a canary nobody calls passes, and
 * the progress deadline still catches one that never becomes ready.
 */
export function analysisTemplateSpec(s: CanarySettings, t: AnalysisTarget): AnalysisTemplateSpec {
  const selector = (extra = '') =>
    `reporter="destination",destination_service_name="${t.service}",destination_service_namespace="${t.namespace}",` +
    `${POD_TEMPLATE_HASH_SERIES_LABEL}="{{args.${CANARY_HASH_ARG}}}"${extra}`;
  const w = s.window.toString();
  const errorRate =
    `(sum(rate(istio_requests_total{${selector(',response_code=~"5.."')}}[${w}]))` +
    ` / (sum(rate(istio_requests_total{${selector()}}[${w}])) > 0)) or on() vector(0)`;
  // `>= 0` drops the NaN histogram_quantile returns for an empty window.
  const p95 =
    `(histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${selector()}}[${w}]))) >= 0)` +
    ` or on() vector(0)`;
  const metric = (name: string, query: string, condition: string): AnalysisTemplateSpecMetrics => ({
    name,
    interval: s.interval.toString(),
    failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(s.failureLimit),
    // Prometheus unreachable this many times in a row errors the run, which aborts the rollout too.
    consecutiveErrorLimit: AnalysisTemplateSpecMetricsConsecutiveErrorLimit.fromNumber(4),
    successCondition: condition,
    provider: { prometheus: { address: t.prometheusUrl, query, timeout: 10 } },
  });
  return {
    args: [{ name: CANARY_HASH_ARG }],
    metrics: [
      metric('error-rate', errorRate, `result[0] <= ${s.maxErrorRate}`),
      metric('p95-latency', p95, `result[0] <= ${s.maxP95LatencyMs}`),
    ],
  };
}
