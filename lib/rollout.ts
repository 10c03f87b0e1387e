/**
 * The rollout plan of one environment: its sync waves, the components in each, and a predicted
 * rollout time from the efficiency guide's execution-time ranges. Pure: reads the component graph.
 *
 * The model. Every component belongs to one phase of the guide (COMPONENT_PHASE, else its
 * workflow's default phase). Argo CD syncs the app-of-apps wave by wave: a wave starts when every
 * Application of the previous one is healthy. A phase whose components occupy k waves spends
 * 1/k of its guide time in each of them; a wave lasts as long as its slowest phase share; the
 * rollout is the cluster's creation by eksctl (guide phases 1 and 2 of the Foundation) plus the
 * sum of the waves. The slowest component of each wave, in order, is the critical path.
 */
import { Duration } from '../lib/duration';
import { Component, Workflow } from './component';
import { ComponentGraph } from './graph';

/** A range of minutes, as the guide writes them ("8-10 minutes"). */
export interface Minutes {
  readonly min: number;
  readonly max: number;
}

const m = (min: number, max: number): Minutes => ({ min, max });
const plus = (a: Minutes, b: Minutes): Minutes => m(a.min + b.min, a.max + b.max);
const larger = (a: Minutes, b: Minutes): Minutes => m(Math.max(a.min, b.min), Math.max(a.max, b.max));
const ZERO = m(0, 0);

export interface GuidePhase {
  readonly key: string;
  readonly workflow: Workflow;
  /** The guide's component names for the phase. */
  readonly guideComponents: readonly string[];
  readonly time: Minutes;
}

/**
 * The efficiency guide's execution times ("Optimized Workflow Execution Patterns"), quoted. One
 * typed constant: the rollout model reads nothing else.
 */
export const EFFICIENCY_GUIDE = {
  foundation: {
    /** phase_1_parallel: components: ["vpc", "iam"], execution_time: "8-10 minutes" */
    vpcIam: { key: 'foundation.phase_1_parallel', workflow: Workflow.Foundation, guideComponents: ['vpc', 'iam'], time: m(8, 10) },
    /** phase_2_sequential: components: ["eks"], execution_time: "12-15 minutes" */
    eks: { key: 'foundation.phase_2_sequential', workflow: Workflow.Foundation, guideComponents: ['eks'], time: m(12, 15) },
    /** phase_3_parallel: components: ["node_groups", "add_ons"], execution_time: "5-8 minutes" */
    addOns: { key: 'foundation.phase_3_parallel', workflow: Workflow.Foundation, guideComponents: ['node_groups', 'add_ons'], time: m(5, 8) },
    /** total_optimized_time: "25-33 minutes"  # Reduced from 45-60 minutes */
    total: m(25, 33),
  },
  ingress: {
    /** phase_1_certificates: components: ["cert-manager"], execution_time: "3-5 minutes" */
    certificates: { key: 'ingress.phase_1_certificates', workflow: Workflow.Ingress, guideComponents: ['cert-manager'], time: m(3, 5) },
    /** phase_2_dns: components: ["external-dns"], execution_time: "2-3 minutes" */
    dns: { key: 'ingress.phase_2_dns', workflow: Workflow.Ingress, guideComponents: ['external-dns'], time: m(2, 3) },
    /** phase_3_gateway: components: ["ambassador"], execution_time: "5-7 minutes" */
    gateway: { key: 'ingress.phase_3_gateway', workflow: Workflow.Ingress, guideComponents: ['ambassador'], time: m(5, 7) },
    /** total_optimized_time: "10-15 minutes"  # Reduced from 20-30 minutes */
    total: m(10, 15),
  },
  observability: {
    /** phase_1_storage: components: ["mimir", "loki_storage"], execution_time: "5-7 minutes" */
    storage: { key: 'observability.phase_1_storage', workflow: Workflow.Observability, guideComponents: ['mimir', 'loki_storage'], time: m(5, 7) },
    /** phase_2_collection: components: ["prometheus", "loki", "tempo"], execution_time: "8-12 minutes" */
    collection: { key: 'observability.phase_2_collection', workflow: Workflow.Observability, guideComponents: ['prometheus', 'loki', 'tempo'], time: m(8, 12) },
    /** phase_3_visualization: components: ["grafana"], execution_time: "3-5 minutes" */
    visualization: { key: 'observability.phase_3_visualization', workflow: Workflow.Observability, guideComponents: ['grafana'], time: m(3, 5) },
    /** total_optimized_time: "16-24 minutes"  # Reduced from 30-45 minutes */
    total: m(16, 24),
  },
  advanced: {
    /** parallel_group_1: workflows: ["gitops", "security"], execution_time: "15-20 minutes" */
    group1: { key: 'advanced.parallel_group_1', workflow: Workflow.GitOps, guideComponents: ['gitops', 'security'], time: m(15, 20) },
    /** parallel_group_2: workflows: ["service-mesh", "data-services"], execution_time: "12-18 minutes" */
    group2: { key: 'advanced.parallel_group_2', workflow: Workflow.Mesh, guideComponents: ['service-mesh', 'data-services'], time: m(12, 18) },
    /** total_parallel_time: "20-25 minutes"  # All 4 workflows in parallel */
    totalParallel: { key: 'advanced.total_parallel', workflow: Workflow.GitOps, guideComponents: ['gitops', 'security', 'service-mesh', 'data-services'], time: m(20, 25) },
  },
  /**
   * Not the guide's: it gives no time for the microservices. Assumed: image pulls, sidecar
   * injection and readiness probes of the services' first rollout.
   */
  microservices: { key: 'microservices (assumed)', workflow: Workflow.Apps, guideComponents: ['microservices'], time: m(5, 10) },
  /** Key Performance Indicators: deployment_efficiency: "total_deployment_time: < 60_minutes" */
  targetMinutes: 60,
} as const satisfies Record<string, unknown>;

const G = EFFICIENCY_GUIDE;

/**
 * The guide's "Fast Recovery Patterns" that bound one release of a service, quoted. The canary
 * settings (apps/canary.ts) are derived from and checked against these.
 */
export const RECOVERY_TARGETS = {
  /**
   * resource_exhaustion: scaling_response: "< 3 minutes". The longest a pending pod waits for the
   * autoscaler's new node (the same reading as the ClusterScaleUpTooSlow alert: unschedulable 3 min).
   */
  nodeScaleUp: Duration.minutes(3),
  /** deployment_failure: detection_time: "< 2 minutes" */
  deploymentFailureDetection: Duration.minutes(2),
  /** deployment_failure: rollback_time: "< 5 minutes" */
  rollback: Duration.minutes(5),
} as const satisfies Record<string, Duration>;

/**
 * Our components in the guide's named phases. Ingress and observability follow the guide's
 * component names (ambassador is emissary); loki is the log store the guide's "collection" phase
 * names, its buckets the "loki_storage" AWS step before it.
 */
export const COMPONENT_PHASE: Readonly<Record<string, GuidePhase>> = {
  'cert-manager': G.ingress.certificates,
  'cert-manager-config': G.ingress.certificates,
  'external-dns': G.ingress.dns,
  'emissary-crds': G.ingress.gateway,
  'emissary-ingress': G.ingress.gateway,
  'emissary-config': G.ingress.gateway,
  // The gates check the end of their phase: the load balancer and the certificate, the targets
  // Prometheus discovers once everything that exports metrics runs.
  'ingress-readiness': G.ingress.gateway,
  mimir: G.observability.storage,
  loki: G.observability.collection,
  tempo: G.observability.collection,
  'kube-prometheus-stack': G.observability.collection,
  'opentelemetry-collector': G.observability.collection,
  grafana: G.observability.visualization,
  'observability-config': G.observability.visualization,
  'observability-readiness': G.observability.visualization,
};

/**
 * The phase of a component the table above does not name. Workflows 4-7 deploy in parallel, so
 * the computed plan gives all of them the guide's "total_parallel_time" (20-25 minutes, longer
 * than either group alone); the sequential baseline uses the two groups.
 */
export const WORKFLOW_PHASE: Readonly<Record<Workflow, GuidePhase>> = {
  [Workflow.Foundation]: G.foundation.addOns,
  [Workflow.Ingress]: G.ingress.gateway,
  [Workflow.Observability]: G.observability.collection,
  [Workflow.GitOps]: G.advanced.totalParallel,
  [Workflow.Security]: G.advanced.totalParallel,
  [Workflow.Mesh]: G.advanced.totalParallel,
  [Workflow.Data]: G.advanced.totalParallel,
  [Workflow.Apps]: G.microservices,
};

const ADVANCED: readonly Workflow[] = [Workflow.GitOps, Workflow.Security, Workflow.Mesh, Workflow.Data];

/**
 * The guide phase of a component. With a single advanced workflow present (nothing runs in
 * parallel with it) it takes its own group's time instead of the four-way parallel time.
 */
export function phaseOf(c: Pick<Component, 'id' | 'workflow'>, advancedInParallel = true): GuidePhase {
  const named = COMPONENT_PHASE[c.id];
  if (named) return named;
  if (!advancedInParallel && ADVANCED.includes(c.workflow)) {
    return c.workflow === Workflow.GitOps || c.workflow === Workflow.Security ? G.advanced.group1 : G.advanced.group2;
  }
  return WORKFLOW_PHASE[c.workflow];
}

/** Cluster creation by eksctl before any Application: the Foundation's phases 1 and 2. */
export const CLUSTER_CREATION: Minutes = plus(G.foundation.vpcIam.time, G.foundation.eks.time);

export interface WaveComponent {
  readonly id: string;
  readonly workflow: Workflow;
  readonly phase: string;
  /** Its phase's time divided by the number of waves the phase spans here. */
  readonly share: Minutes;
}

export interface RolloutWave {
  readonly wave: number;
  readonly components: readonly WaveComponent[];
  readonly time: Minutes;
  /** The component that sets the wave's time (largest share; ties by id). */
  readonly critical: string;
}

export type TargetVerdict = 'met' | 'met only at the optimistic end' | 'not met';

export interface TargetCheck {
  readonly targetMinutes: number;
  readonly predicted: Minutes;
  readonly verdict: TargetVerdict;
  /** target − predicted.max (positive: margin) and target − predicted.min. */
  readonly marginAtMax: number;
  readonly marginAtMin: number;
}

export interface RolloutPlan {
  readonly env: string;
  readonly waves: readonly RolloutWave[];
  readonly clusterCreation: Minutes;
  /** Every guide phase one after another, for the workflows present. */
  readonly sequential: Minutes;
  /** The guide's own optimized plan: Foundation, then Ingress ∥ Observability, then 4-7 in parallel, then the services. */
  readonly guideParallel: Minutes;
  /** Cluster creation plus the computed waves (everything, microservices included). */
  readonly computed: Minutes;
  /** The same for the platform only (workflows 1-7), which the guide's target is about. */
  readonly computedPlatform: Minutes;
  readonly criticalPath: readonly string[];
  readonly target: TargetCheck;
}

function waveTimes(components: readonly Component[], graph: ComponentGraph, advancedInParallel: boolean): RolloutWave[] {
  const wave = (id: string) => {
    const w = graph.waves.get(id);
    if (w === undefined) throw new Error(`rollout plan: no wave for component ${id}`);
    return w;
  };
  const wavesOfPhase = new Map<string, Set<number>>();
  for (const c of components) {
    const key = phaseOf(c, advancedInParallel).key;
    if (!wavesOfPhase.has(key)) wavesOfPhase.set(key, new Set());
    wavesOfPhase.get(key)!.add(wave(c.id));
  }
  const byWave = new Map<number, WaveComponent[]>();
  for (const c of components) {
    const phase = phaseOf(c, advancedInParallel);
    const k = wavesOfPhase.get(phase.key)!.size;
    const entry: WaveComponent = { id: c.id, workflow: c.workflow, phase: phase.key, share: m(phase.time.min / k, phase.time.max / k) };
    const w = wave(c.id);
    if (!byWave.has(w)) byWave.set(w, []);
    byWave.get(w)!.push(entry);
  }
  return [...byWave.entries()]
    .sort(([a], [b]) => a - b)
    .map(([w, list]) => {
      const sorted = [...list].sort((a, b) => a.id.localeCompare(b.id));
      const critical = sorted.reduce((a, b) => (b.share.max > a.share.max || (b.share.max === a.share.max && b.share.min > a.share.min) ? b : a));
      return { wave: w, components: sorted, time: sorted.reduce((t, c) => larger(t, c.share), ZERO), critical: critical.id };
    });
}

function verdict(predicted: Minutes, targetMinutes: number): TargetCheck {
  // "< 60 minutes": strictly below.
  const v: TargetVerdict = predicted.max < targetMinutes ? 'met' : predicted.min < targetMinutes ? 'met only at the optimistic end' : 'not met';
  return { targetMinutes, predicted, verdict: v, marginAtMax: targetMinutes - predicted.max, marginAtMin: targetMinutes - predicted.min };
}

export function rolloutPlan(env: string, components: readonly Component[], graph: ComponentGraph): RolloutPlan {
  const present = new Set(components.map((c) => c.workflow));
  const advancedCount = ADVANCED.filter((w) => present.has(w)).length;
  const waves = waveTimes(components, graph, advancedCount > 1);
  const has = (...wfs: Workflow[]) => wfs.some((w) => present.has(w));

  const foundation = has(Workflow.Foundation) ? plus(CLUSTER_CREATION, G.foundation.addOns.time) : CLUSTER_CREATION;
  const ingress = has(Workflow.Ingress) ? G.ingress.total : ZERO;
  const observability = has(Workflow.Observability) ? G.observability.total : ZERO;
  const group1 = has(Workflow.GitOps, Workflow.Security) ? G.advanced.group1.time : ZERO;
  const group2 = has(Workflow.Mesh, Workflow.Data) ? G.advanced.group2.time : ZERO;
  const apps = has(Workflow.Apps) ? G.microservices.time : ZERO;
  const ingressPhases = has(Workflow.Ingress) ? plus(plus(G.ingress.certificates.time, G.ingress.dns.time), G.ingress.gateway.time) : ZERO;
  const observabilityPhases = has(Workflow.Observability)
    ? plus(plus(G.observability.storage.time, G.observability.collection.time), G.observability.visualization.time)
    : ZERO;
  const sequential = [foundation, ingressPhases, observabilityPhases, group1, group2, apps].reduce(plus, ZERO);
  const advanced = advancedCount > 1 ? G.advanced.totalParallel.time : larger(group1, group2);
  const guideParallel = [foundation, larger(ingress, observability), advanced, apps].reduce(plus, ZERO);

  const computed = waves.reduce((t, w) => plus(t, w.time), CLUSTER_CREATION);
  const platformOnly = components.filter((c) => c.workflow !== Workflow.Apps);
  const computedPlatform = waveTimes(platformOnly, graph, advancedCount > 1).reduce((t, w) => plus(t, w.time), CLUSTER_CREATION);
  return {
    env,
    waves,
    clusterCreation: CLUSTER_CREATION,
    sequential,
    guideParallel,
    computed,
    computedPlatform,
    criticalPath: ['eksctl create cluster', ...waves.map((w) => w.critical)],
    target: verdict(computedPlatform, G.targetMinutes),
  };
}

/** `12-15`, with one decimal where a share is fractional. */
export function formatMinutes(t: Minutes): string {
  const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  return t.min === t.max ? f(t.min) : `${f(t.min)}-${f(t.max)}`;
}

/** One sentence on the guide's target, with the margin or the overrun. */
export function describeTarget(t: TargetCheck): string {
  const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  const range = `${formatMinutes(t.predicted)} min`;
  switch (t.verdict) {
    case 'met':
      return `met: ${range} predicted, ${f(t.marginAtMax)}-${f(t.marginAtMin)} min under the ${t.targetMinutes}-minute target`;
    case 'met only at the optimistic end':
      return `met only at the optimistic end: ${range} predicted, from ${f(t.marginAtMin)} min under to ${f(-t.marginAtMax)} min over the ${t.targetMinutes}-minute target`;
    case 'not met':
      return `not met: ${range} predicted, ${f(-t.marginAtMin)}-${f(-t.marginAtMax)} min over the ${t.targetMinutes}-minute target`;
  }
}
