/**
 * Renders the capacity and rollout plans: `dist/<env>/PLAN.md` (Markdown with a Mermaid graph),
 * the text tables of `npm run plan`, and its JSON. Pure and deterministic.
 */
import { Workflow, WORKFLOW_ORDER } from './component';
import { ComponentGraph } from './graph';
import {
  CapacityPlan,
  capacityPlanOf,
  ClusterAtSize,
  formatCores,
  formatGi,
  kubeReservedCpu,
  kubeReservedMemory,
  PlanWarning,
  SEED_DISTRIBUTION,
  Usage,
} from './plan';
import { ResourceAmounts } from './resources';
import { CLUSTER_CREATION, describeTarget, formatMinutes, Minutes, RolloutPlan, rolloutPlan } from './rollout';
import { MAX_PODS_PER_NODE, SeedDeviation, seedDeviations } from '../eksctl/node-groups';
import type { HydratedModel } from '../synth';

/** A table both renderers share: Markdown for PLAN.md, aligned columns for the terminal. */
export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns aligned right (numbers). */
  readonly right?: readonly number[];
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|');

export function markdownTable(t: Table): string {
  const align = t.headers.map((_, i) => (t.right?.includes(i) ? '---:' : '---'));
  return [t.headers, align, ...t.rows].map((r) => `| ${r.map(escapeCell).join(' | ')} |`).join('\n');
}

export function textTable(t: Table): string {
  const strip = (s: string) => s.replace(/\*\*/g, '');
  const rows = [t.headers, ...t.rows].map((r) => r.map(strip));
  const widths = t.headers.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (t.right?.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

const cores = (a: ResourceAmounts) => (a.cpu.millicores / 1000).toFixed(2);
const gi = (a: ResourceAmounts) => (a.memory.bytes / 1024 ** 3).toFixed(2);
const pct = (x: number) => `${Math.round(x * 100)}%`;
const both = (a: ResourceAmounts) => `${formatCores(a.cpu.millicores)} / ${formatGi(a.memory.bytes)}`;

/** Seed table labels: the seed numbers its workflows 1-7. */
export const WORKFLOW_TITLES: Readonly<Record<Workflow, string>> = {
  [Workflow.Foundation]: '1 Foundation',
  [Workflow.Ingress]: '2 Ingress',
  [Workflow.Observability]: '3 Observability',
  [Workflow.GitOps]: '4 GitOps',
  [Workflow.Security]: '5 Security',
  [Workflow.Mesh]: '6 Service mesh',
  [Workflow.Data]: '7 Data services',
  [Workflow.Apps]: 'Microservices',
};

/** Mermaid fill/stroke per workflow. */
export const WORKFLOW_COLORS: Readonly<Record<Workflow, { readonly fill: string; readonly stroke: string }>> = {
  [Workflow.Foundation]: { fill: '#e3f2fd', stroke: '#1565c0' },
  [Workflow.Ingress]: { fill: '#e8f5e9', stroke: '#2e7d32' },
  [Workflow.Observability]: { fill: '#fff3e0', stroke: '#ef6c00' },
  [Workflow.GitOps]: { fill: '#f3e5f5', stroke: '#6a1b9a' },
  [Workflow.Security]: { fill: '#ffebee', stroke: '#c62828' },
  [Workflow.Mesh]: { fill: '#e0f7fa', stroke: '#00838f' },
  [Workflow.Data]: { fill: '#fffde7', stroke: '#f9a825' },
  [Workflow.Apps]: { fill: '#eceff1', stroke: '#455a64' },
};

export function workflowTable(plan: CapacityPlan): Table {
  const vs = (u: Usage, seed: ResourceAmounts) =>
    `${pct(u.requests.cpu.millicores / seed.cpu.millicores)} / ${pct(u.requests.memory.bytes / seed.memory.bytes)}`;
  const rows = plan.workflows.map((w) => {
    const over = w.overSeed.cpu || w.overSeed.memory;
    return [
      WORKFLOW_TITLES[w.workflow],
      String(w.components.length),
      cores(w.replicated.requests),
      gi(w.replicated.requests),
      cores(w.replicated.limits),
      gi(w.replicated.limits),
      `~${cores(w.seed)}`,
      `~${gi(w.seed)}`,
      over ? `**${vs(w.replicated, w.seed)} over**` : vs(w.replicated, w.seed),
      w.perNode.requests.cpu.millicores || w.perNode.requests.memory.bytes ? `${cores(w.perNode.requests)} / ${gi(w.perNode.requests)}` : '-',
    ];
  });
  const seedTotal = plan.workflows.reduce((s, w) => ({ cpu: s.cpu.plus(w.seed.cpu), memory: s.memory.plus(w.seed.memory) }), {
    cpu: plan.workflows[0].seed.cpu.times(0),
    memory: plan.workflows[0].seed.memory.times(0),
  });
  rows.push([
    '**Total**',
    String(plan.workflows.reduce((n, w) => n + w.components.length, 0)),
    cores(plan.replicated.requests),
    gi(plan.replicated.requests),
    cores(plan.replicated.limits),
    gi(plan.replicated.limits),
    `~${cores(seedTotal)}`,
    `~${gi(seedTotal)}`,
    `${pct(plan.replicated.requests.cpu.millicores / seedTotal.cpu.millicores)} / ${pct(plan.replicated.requests.memory.bytes / seedTotal.memory.bytes)}`,
    `${cores(plan.perNode.requests)} / ${gi(plan.perNode.requests)}`,
  ]);
  return {
    headers: ['Workflow', 'Components with workloads', 'Requests CPU', 'Requests Gi', 'Limits CPU', 'Limits Gi', 'Seed CPU', 'Seed Gi', 'Requests vs seed', 'DaemonSets per node (CPU / Gi)'],
    rows,
    right: [1, 2, 3, 4, 5, 6, 7],
  };
}

export function nodeGroupTable(plan: CapacityPlan): Table {
  return {
    headers: ['Node group', 'Instance types', 'Min-max', 'Allocatable per node', 'At minimum', 'At maximum'],
    rows: plan.groups.map((g) => [
      g.group.name,
      g.group.instanceTypes.join(', ') + (g.group.spot ? ' (spot)' : ''),
      `${g.group.minSize}-${g.group.maxSize}`,
      both(g.node.allocatable),
      both({ cpu: g.node.allocatable.cpu.times(g.group.minSize), memory: g.node.allocatable.memory.times(g.group.minSize) }),
      both({ cpu: g.node.allocatable.cpu.times(g.group.maxSize), memory: g.node.allocatable.memory.times(g.group.maxSize) }),
    ]),
  };
}

/** Where the node groups deliberately differ from the seed, with why (eksctl/node-groups.ts `seedDeviations`). */
export function deviationTable(deviations: readonly SeedDeviation[]): Table {
  return {
    headers: ['Topic', 'Seed', 'Rendered', 'Why'],
    rows: deviations.map((d) => [d.topic, d.seed, d.rendered, d.reason]),
  };
}

function deviationsSection(deviations: readonly SeedDeviation[]): string[] {
  if (deviations.length === 0) return [];
  return ['### Deviations from the seed', '', 'Deliberate, each for the reason given.', '', markdownTable(deviationTable(deviations)), ''];
}

export function sizeTable(plan: CapacityPlan): Table {
  const row = (label: string, at: ClusterAtSize) => [
    label,
    String(at.nodeCount),
    both(at.allocatable),
    both(at.demand),
    `${formatCores(at.freeCpuMillis)} / ${formatGi(at.freeMemoryBytes)}`,
    at.fits ? 'yes' : '**no**',
  ];
  const rows = [row('minimum', plan.atMinimum)];
  if (plan.needed && plan.needed !== plan.atMinimum) rows.push(row('needed', plan.needed));
  rows.push(row('maximum', plan.atMaximum));
  return { headers: ['Size', 'Nodes', 'Allocatable', 'Requests (DaemonSets × nodes included)', 'Free', 'Fits'], rows, right: [1] };
}

export function distributionTable(plan: CapacityPlan): Table {
  const labels: Record<keyof typeof SEED_DISTRIBUTION, string> = {
    systemOverhead: 'system overhead (kube-reserved, eviction, DaemonSets)',
    platformServices: 'platform services (workflows 1-7)',
    applicationWorkloads: 'application workloads (microservices)',
    scalingBuffer: 'scaling buffer (unrequested)',
  };
  return {
    headers: ['Share', 'Seed target', 'CPU', 'Memory'],
    rows: plan.distribution.map((d) => [labels[d.share], pct(d.target), pct(d.cpu), pct(d.memory)]),
    right: [1, 2, 3],
  };
}

/** At most `limit` names, then "… and N more". */
function nameList(ids: readonly string[], limit: number, bold?: string): string {
  const shown = ids.slice(0, limit).map((id) => (id === bold ? `**${id}**` : id));
  if (bold && ids.indexOf(bold) >= limit) shown.push(`**${bold}**`);
  const hidden = ids.length - shown.length;
  return hidden > 0 ? `${shown.join(', ')} … and ${hidden} more` : shown.join(', ');
}

export function waveTable(plan: RolloutPlan): Table {
  const rows: string[][] = [['-', 'eksctl create cluster (vpc, iam, eks)', 'foundation.phase_1_parallel, foundation.phase_2_sequential', formatMinutes(CLUSTER_CREATION)]];
  for (const w of plan.waves) {
    const phases = [...new Set(w.components.map((c) => c.phase))].sort();
    rows.push([String(w.wave), nameList(w.components.map((c) => c.id), 15, w.critical), phases.join(', '), formatMinutes(w.time)]);
  }
  return { headers: ['Wave', 'Components (critical in bold)', 'Guide phase', 'Predicted min'], rows, right: [0, 3] };
}

export function totalsTable(plan: RolloutPlan): Table {
  const r = (label: string, t: Minutes) => [label, formatMinutes(t)];
  return {
    headers: ['Plan', 'Minutes'],
    rows: [
      r('sequential: every guide phase one after another', plan.sequential),
      r("the guide's optimized plan: 1, then 2 ∥ 3, then 4-7 in parallel, then the services", plan.guideParallel),
      r('computed from the sync waves: platform (workflows 1-7)', plan.computedPlatform),
      r('computed from the sync waves: platform and microservices', plan.computed),
    ],
    right: [1],
  };
}

/**
 * Drops every edge implied by a longer path (u→w when u→v→…→w exists), so the drawing shows the
 * structure instead of the implicit workflow-to-workflow edges.
 */
export function transitiveReduction(edges: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const ancestors = new Map<string, Set<string>>();
  const visit = (id: string): Set<string> => {
    const known = ancestors.get(id);
    if (known) return known;
    const set = new Set<string>();
    ancestors.set(id, set);
    for (const d of edges.get(id) ?? []) {
      set.add(d);
      for (const a of visit(d)) set.add(a);
    }
    return set;
  };
  const reduced = new Map<string, string[]>();
  for (const [id, deps] of [...edges.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const implied = new Set<string>();
    for (const d of deps) for (const a of visit(d)) implied.add(a);
    reduced.set(id, deps.filter((d) => !implied.has(d)));
  }
  return reduced;
}

/** Beyond this many microservices, the diagram draws them as one node. */
export const MAX_DRAWN_SERVICES = 20;

export function mermaidGraph(components: readonly { id: string; workflow: Workflow }[], graph: ComponentGraph): string {
  const workflowOf = new Map(components.map((c) => [c.id, c.workflow]));
  const services = components.filter((c) => c.workflow === Workflow.Apps);
  const collapse = services.length > MAX_DRAWN_SERVICES;
  const node = (id: string) => (collapse && workflowOf.get(id) === Workflow.Apps ? 'microservices' : id);
  const mid = (id: string) => `n_${id.replace(/[^a-zA-Z0-9]/g, '_')}`;

  const reduced = transitiveReduction(graph.edges);
  const edgeSet = new Set<string>();
  for (const [id, deps] of reduced) {
    for (const d of deps) {
      const from = node(d);
      const to = node(id);
      if (from !== to) edgeSet.add(`${mid(from)} --> ${mid(to)}`);
    }
  }
  const lines = ['graph TD'];
  const drawn = new Set<string>();
  for (const wf of WORKFLOW_ORDER) {
    for (const c of [...components].filter((x) => x.workflow === wf).sort((a, b) => a.id.localeCompare(b.id))) {
      const n = node(c.id);
      if (drawn.has(n)) continue;
      drawn.add(n);
      const label = n === 'microservices' ? `${services.length} microservices` : n;
      lines.push(`  ${mid(n)}["${label}"]:::${wf}`);
    }
  }
  lines.push(...[...edgeSet].sort().map((e) => `  ${e}`));
  for (const wf of WORKFLOW_ORDER) {
    const c = WORKFLOW_COLORS[wf];
    lines.push(`  classDef ${wf} fill:${c.fill},stroke:${c.stroke},color:#000`);
  }
  return lines.join('\n');
}

export interface EnvironmentPlans {
  readonly capacity: CapacityPlan;
  readonly rollout: RolloutPlan;
}

export function environmentPlans(model: HydratedModel): EnvironmentPlans {
  return {
    capacity: capacityPlanOf(model),
    rollout: rolloutPlan(model.env.name, model.components, model.graph),
  };
}

function capacitySummary(plan: CapacityPlan): string {
  const range = `${plan.atMinimum.nodeCount}-${plan.atMaximum.nodeCount} nodes`;
  switch (plan.status) {
    case 'fits at minimum size':
      return `**Status: fits at minimum size** (${plan.atMinimum.nodeCount} of ${range}).`;
    case 'needs scale-out':
      return `**Status: needs scale-out** to ${plan.needed?.nodeCount} nodes (${range}).`;
    default:
      return `**Status: does not fit at maximum size** (${range}):\n\n${plan.shortfalls.map((s) => `- ${s}`).join('\n')}`;
  }
}

const ALLOCATABLE_NOTE =
  `Allocatable per node = EC2 capacity − kube-reserved − the 100Mi hard eviction threshold, as the EKS AMIs configure the kubelet ` +
  `(awslabs/amazon-eks-ami: AL2 bootstrap.sh, AL2023 nodeadm): CPU 6% of the first core, 1% of the second, 0.5% of cores 3-4, ` +
  `0.25% above (${kubeReservedCpu(2)} on 2 vCPUs); memory 255Mi + 11Mi × ${MAX_PODS_PER_NODE} pods (prefix delegation) = ` +
  `${kubeReservedMemory(MAX_PODS_PER_NODE)}. Mixed spot groups count their smallest type.`;

/** `dist/<env>/PLAN.md`. */
export function renderPlanMarkdown(model: HydratedModel, plans: EnvironmentPlans = environmentPlans(model)): string {
  const { capacity, rollout } = plans;
  const env = model.env.name;
  const peak = capacity.peak.requests;
  const transient = capacity.workflows.reduce((n, w) => n + w.transient.requests.cpu.millicores, 0);
  const out = [
    `# Plan: ${env}`,
    '',
    'Rendered by `npm run synth` from platform.yaml: edit that, not this file. The workloads are those the rendered objects run ' +
      '(their pods, the pods operators create from their custom resources, the Istio sidecars injected into them). ' +
      '`npm run plan -- --env ' + env + '` prints the same tables; the README explains how to read them.',
    '',
    '## Capacity',
    '',
    capacitySummary(capacity),
    '',
    '### Requests per workflow',
    '',
    'Deployments and StatefulSets count replicas × pod requests (autoscaled ones at their minimum); DaemonSets are per node ' +
      'and not in the workflow columns; Jobs are transient and not counted. "Seed" is the seed\'s Platform Resource Allocation (GB read as GiB).',
    '',
    markdownTable(workflowTable(capacity)),
    '',
    `Autoscaled workloads at their maximum replicas: ${both(peak)}. ` +
      (transient > 0 ? 'Hook Jobs run briefly on top and are not counted.' : 'No hook Jobs are rendered.'),
    '',
    ...warningsSection(capacity.warnings),
    '### Node groups',
    '',
    markdownTable(nodeGroupTable(capacity)),
    '',
    ALLOCATABLE_NOTE,
    '',
    ...deviationsSection(seedDeviations(model.env)),
    '### Cluster size',
    '',
    markdownTable(sizeTable(capacity)),
    '',
    `### Distribution at ${capacity.needed ? `the needed size (${capacity.needed.nodeCount} nodes)` : `the maximum size (${capacity.atMaximum.nodeCount} nodes)`}`,
    '',
    "Shares of raw node capacity against the efficiency guide's Cluster Resource Distribution.",
    '',
    markdownTable(distributionTable(capacity)),
    '',
    '## Rollout',
    '',
    "Argo CD syncs one wave after another. Each component takes its guide phase's execution time, spread over the waves the phase spans; " +
      "a wave lasts as long as its slowest component.",
    '',
    markdownTable(waveTable(rollout)),
    '',
    markdownTable(totalsTable(rollout)),
    '',
    `Critical path: ${rollout.criticalPath.join(' → ')}.`,
    '',
    `Target \`total_deployment_time < 60 minutes\` (platform): **${describeTarget(rollout.target)}**.`,
    '',
    '## Dependency graph',
    '',
    'Arrows point from a prerequisite to what waits for it (edges implied by longer paths omitted); colors are workflows.',
    '',
    '```mermaid',
    mermaidGraph(model.components, model.graph),
    '```',
    '',
  ];
  return out.join('\n');
}

/** PLAN.md's list of what the figures may not reflect, empty when everything is counted exactly. */
function warningsSection(warnings: readonly PlanWarning[]): string[] {
  if (warnings.length === 0) return [];
  return [
    '### Not counted exactly',
    '',
    'What the rendered objects run that the figures above may not reflect (a container without requests counts as its ' +
      'namespace\'s LimitRange defaults where it has one, else as 0):',
    '',
    ...warnings.map((w) => `- ${w.component}: ${w.object}: ${w.message}`),
    '',
  ];
}

/** The text report of `npm run plan`. */
export function renderPlanText(model: HydratedModel, plans: EnvironmentPlans = environmentPlans(model)): string {
  const { capacity, rollout } = plans;
  const deviations = seedDeviations(model.env);
  const status =
    capacity.status === 'does not fit at maximum size'
      ? `does not fit at maximum size:\n${capacity.shortfalls.map((s) => `  ${s}`).join('\n')}`
      : capacity.status === 'needs scale-out'
        ? `needs scale-out to ${capacity.needed?.nodeCount} nodes (${capacity.atMinimum.nodeCount}-${capacity.atMaximum.nodeCount})`
        : `fits at minimum size (${capacity.atMinimum.nodeCount} nodes)`;
  return [
    `== ${model.env.name} ==`,
    `capacity: ${status}`,
    '',
    textTable(workflowTable(capacity)),
    '',
    textTable(nodeGroupTable(capacity)),
    '',
    ...(deviations.length > 0 ? ['deviations from the seed:', textTable(deviationTable(deviations)), ''] : []),
    textTable(sizeTable(capacity)),
    '',
    textTable(distributionTable(capacity)),
    '',
    textTable(waveTable(rollout)),
    '',
    textTable(totalsTable(rollout)),
    '',
    `critical path: ${rollout.criticalPath.join(' -> ')}`,
    `target total_deployment_time < 60 minutes: ${describeTarget(rollout.target)}`,
    ...(capacity.warnings.length > 0 ? ['', 'not counted exactly:', ...capacity.warnings.map((w) => `  ${w.component}: ${w.object}: ${w.message}`)] : []),
    '',
  ].join('\n');
}

const amountsJson = (a: ResourceAmounts) => ({ cpuMillicores: a.cpu.millicores, memoryMiB: Math.round(a.memory.bytes / 1024 ** 2) });
const usageJson = (u: Usage) => ({ requests: amountsJson(u.requests), limits: amountsJson(u.limits) });
const sizeJson = (at: ClusterAtSize) => ({
  nodes: Object.fromEntries([...at.nodes.entries()].sort(([a], [b]) => a.localeCompare(b))),
  nodeCount: at.nodeCount,
  allocatable: amountsJson(at.allocatable),
  requests: amountsJson(at.demand),
  free: { cpuMillicores: at.freeCpuMillis, memoryMiB: Math.round(at.freeMemoryBytes / 1024 ** 2) },
  fits: at.fits,
});

const round1 = (x: number) => Math.round(x * 10) / 10;
const minutes = (t: Minutes) => ({ min: round1(t.min), max: round1(t.max) });

/** The machine-readable plan of `npm run plan -- --json`. */
export function planJson(model: HydratedModel, plans: EnvironmentPlans = environmentPlans(model)): object {
  const { capacity: c, rollout: r } = plans;
  return {
    environment: model.env.name,
    capacity: {
      status: c.status,
      shortfalls: c.shortfalls,
      workflows: c.workflows.map((w) => ({
        workflow: w.workflow,
        components: w.components,
        replicated: usageJson(w.replicated),
        peak: usageJson(w.peak),
        daemonSetsPerNode: usageJson(w.perNode),
        transientJobs: usageJson(w.transient),
        seed: amountsJson(w.seed),
        overSeed: w.overSeed,
      })),
      total: { replicated: usageJson(c.replicated), peak: usageJson(c.peak), daemonSetsPerNode: usageJson(c.perNode) },
      nodeGroups: c.groups.map((g) => ({
        name: g.group.name,
        instanceTypes: g.group.instanceTypes,
        spot: g.group.spot,
        minSize: g.group.minSize,
        maxSize: g.group.maxSize,
        allocatablePerNode: amountsJson(g.node.allocatable),
        reservedPerNode: amountsJson(g.node.reserved),
      })),
      seedDeviations: seedDeviations(model.env),
      atMinimum: sizeJson(c.atMinimum),
      needed: c.needed ? sizeJson(c.needed) : null,
      atMaximum: sizeJson(c.atMaximum),
      distribution: c.distribution,
      warnings: c.warnings,
    },
    rollout: {
      waves: r.waves.map((w) => ({ wave: w.wave, components: w.components.map((x) => x.id), critical: w.critical, minutes: minutes(w.time) })),
      clusterCreationMinutes: minutes(r.clusterCreation),
      sequentialMinutes: minutes(r.sequential),
      guideParallelMinutes: minutes(r.guideParallel),
      computedPlatformMinutes: minutes(r.computedPlatform),
      computedMinutes: minutes(r.computed),
      criticalPath: r.criticalPath,
      target: {
        targetMinutes: r.target.targetMinutes,
        verdict: r.target.verdict,
        predicted: minutes(r.target.predicted),
        marginAtMax: round1(r.target.marginAtMax),
        marginAtMin: round1(r.target.marginAtMin),
      },
    },
  };
}
