/**
 * Renders the capacity and rollout plans: `dist/<env>/PLAN.md` (Markdown with a Mermaid graph),
 * the text tables of `npm run plan`, and its JSON. Pure and deterministic.
 */
import { Workflow, WORKFLOW_ORDER } from './component';
import { ComponentGraph } from './graph';
import {
  CapacityPlan,
  capacityPlanOf,
  CapacityStatus,
  ClusterAtSize,
  describeRaises,
  EVICTION_HARD_MEMORY,
  formatCores,
  formatGi,
  kubeReservedCpu,
  kubeReservedMemory,
  minimumRaises,
  nodeReservedCpu,
  SEED_NODE_CPU_RESERVATION,
  PlanWarning,
  SEED_ALLOCATION,
  SEED_DISTRIBUTION,
  Usage,
} from './plan';
import { ResourceAmounts } from './resources';
import { CLUSTER_CREATION, describeTarget, EFFICIENCY_GUIDE, formatMinutes, GuidePhase, Minutes, RolloutPlan, rolloutPlan } from './rollout';
import { MAX_PODS_PER_NODE } from '../eksctl/node-groups';
import { DocumentDeviation, documentDeviations } from '../eksctl/deviations';
import type { HydratedModel } from '../synth';
import { declaredRecoveries } from './backup';
import type { AlertingSettings } from '../config/defaults';

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

/** Where the rendered environment differs from the seed documents, with why (eksctl/deviations.ts `documentDeviations`). */
export function deviationTable(deviations: readonly DocumentDeviation[]): Table {
  return {
    headers: ['Topic', 'Document', 'Document says', 'Rendered', 'Why'],
    rows: deviations.map((d) => [d.topic, d.document, d.seed, d.rendered, d.reason]),
  };
}

function deviationsSection(deviations: readonly DocumentDeviation[]): string[] {
  if (deviations.length === 0) return [];
  return [
    '### Deviations from the documents',
    '',
    'Every figure of the two seed documents (Workflow Management; the Workflow Efficiency Guide) this environment renders differently, ' +
      'both values, and why. Figures not listed are rendered as the documents give them.',
    '',
    markdownTable(deviationTable(deviations)),
    '',
  ];
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
  return { headers: ['Wave', 'Components (critical in bold)', 'Seed phase', 'Predicted min'], rows, right: [0, 3] };
}

export function totalsTable(plan: RolloutPlan): Table {
  const r = (label: string, t: Minutes) => [label, formatMinutes(t)];
  return {
    headers: ['Plan', 'Minutes'],
    rows: [
      r('sequential: every seed phase one after another', plan.sequential),
      r("the seed's optimized plan: 1, then 2 ∥ 3, then 4-7 in parallel, then the services", plan.guideParallel),
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

/** The status line of PLAN.md; a minimum below the need says so, with the platform.yaml keys that fix it. */
function capacitySummary(plan: CapacityPlan): string {
  const range = `${plan.atMinimum.nodeCount}-${plan.atMaximum.nodeCount} nodes`;
  switch (plan.status) {
    case CapacityStatus.FitsAtMinimum:
      return `**Status: fits at minimum size** (${plan.atMinimum.nodeCount} of ${range}): the cluster starts with enough nodes for its requests at rest.`;
    case CapacityStatus.NeedsScaleOut: {
      const needed = plan.needed?.nodeCount ?? 0;
      return (
        `**Status: needs scale-out** to ${needed} nodes (${range}): the node groups start at ${plan.atMinimum.nodeCount} nodes, ` +
        `below the ${needed} the requests need at rest, so pods stay Pending until the autoscaler adds ${needed - plan.atMinimum.nodeCount}. ` +
        `To start at the needed size, set ${describeRaises(plan.env, minimumRaises(plan))} in platform.yaml.`
      );
    }
    case CapacityStatus.DoesNotFit:
      return `**Status: does not fit at maximum size** (${range}):\n\n${plan.shortfalls.map((s) => `- ${s}`).join('\n')}`;
  }
}

const ALLOCATABLE_NOTE =
  `Allocatable per node = EC2 capacity − kube-reserved − the ${EVICTION_HARD_MEMORY} hard eviction threshold (see "Terms"). ` +
  'Mixed spot groups count their smallest type.';

/** `~1.5 CPU / ~3 GiB`, `~0.5 CPU / ~768 MiB`: a seed allocation about as the seed writes it (its GB read as GiB). */
function seedAmount(a: ResourceAmounts): string {
  const trim = (x: number) => String(Math.round(x * 100) / 100);
  const mi = a.memory.bytes / 1024 ** 2;
  return `~${trim(a.cpu.millicores / 1000)} CPU / ~${mi < 1024 ? `${trim(mi)} MiB` : `${trim(mi / 1024)} GiB`}`;
}

/** `systemOverhead` → `system_overhead`, the seed's own key. */
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const isPhase = (x: unknown): x is GuidePhase => typeof x === 'object' && x !== null && 'key' in x && 'time' in x;

/** Every phase the rollout model knows, in the seed's order (EFFICIENCY_GUIDE in lib/rollout.ts). */
export function seedPhases(): GuidePhase[] {
  return Object.values(EFFICIENCY_GUIDE).flatMap((v) => (isPhase(v) ? [v] : typeof v === 'object' ? Object.values(v).filter(isPhase) : []));
}

export function seedPhaseTable(): Table {
  return {
    headers: ['Seed phase', 'Deploys', 'Minutes'],
    rows: seedPhases().map((p) => [p.key, p.guideComponents.join(', '), formatMinutes(p.time)]),
    right: [2],
  };
}

/**
 * PLAN.md's own glossary: where each target comes from (the seed's figures quoted, so the reader
 * needs no document outside the repository) and what the sizes, statuses and rollout terms mean.
 */
function termsSection(): string[] {
  const allocation = (Object.keys(SEED_ALLOCATION) as (keyof typeof SEED_ALLOCATION)[])
    .map((wf) => `${WORKFLOW_TITLES[wf]} ${seedAmount(SEED_ALLOCATION[wf])}`)
    .join(', ');
  const distribution = (Object.keys(SEED_DISTRIBUTION) as (keyof typeof SEED_DISTRIBUTION)[])
    .map((k) => `${snake(k)} ${pct(SEED_DISTRIBUTION[k])}`)
    .join(', ');
  const pods = MAX_PODS_PER_NODE;
  return [
    '## Terms',
    '',
    'Figures called "seed" come from the platform\'s seed requirements, the planning documents the platform was specified from. ' +
      'They are not part of this repository: every figure this plan takes from them is quoted here.',
    '',
    `- **Seed allocation**: the requests the seed requirements allot each workflow: ${allocation}. ` +
      'The seed writes GB, read here as GiB. **over** marks a workflow whose requests at rest exceed it in CPU or memory: ' +
      '`npm run synth` reports it in one note line, and `--strict` makes it an error.',
    '- **Requests at rest**: replicas × pod requests (every container, injected sidecars included) of the Deployments and StatefulSets, ' +
      'autoscaled ones at their minimum replicas, plus one pod of each DaemonSet per node. Hook Jobs run briefly and are not counted. ' +
      'Limits are summed the same way.',
    `- **Allocatable per node**: EC2 capacity − kube-reserved − the ${EVICTION_HARD_MEMORY} hard eviction threshold. kube-reserved is what ` +
      'the EKS-optimized AMIs configure the kubelet to keep for itself and the container runtime: CPU 6% of the first core, 1% of the second, ' +
      `0.5% of cores 3-4, 0.25% of every core above (${kubeReservedCpu(2)} on 2 vCPUs), raised to the seed's node_cpu_reservation of ` +
      `${SEED_NODE_CPU_RESERVATION} where that is more (each node group's NodeConfig sets it: ${nodeReservedCpu(2)} on 2 vCPUs); memory 255Mi + 11Mi × the pods a node admits ` +
      `(${pods} with VPC CNI prefix delegation: ${kubeReservedMemory(pods)}).`,
    '- **minimum**: every node group at its minSize: the nodes the cluster starts with and never scales below. ' +
      'The tier defaults (config/defaults.ts) set it to hold the requests at rest.',
    '- **needed**: the smallest size that holds the requests at rest. From the minimum, one node at a time is added where the cluster ' +
      'autoscaler would add it: spot first, then the on-demand fallback, among per-zone groups the zone with the fewest nodes. ' +
      'Shown only when larger than the minimum. It compares sums, not a packing of pods onto nodes; the largest pod is checked against one node on its own.',
    '- **maximum**: every node group at its maxSize. `npm run synth` fails when the requests at rest do not fit there.',
    '- **Free**, **Fits**: allocatable minus the requests (DaemonSets × nodes included) at that size; it fits when both CPU and memory are 0 or more.',
    '- **Status**: *fits at minimum size*: the cluster starts big enough. *needs scale-out*: it starts smaller than needed, so pods stay ' +
      'Pending until the autoscaler adds nodes (`npm run synth` notes it, `--strict` fails). *does not fit at maximum size*: synth fails.',
    `- **Distribution targets**: the seed requirements' cluster resource distribution, as shares of raw node capacity: ${distribution}. ` +
      'Measured here: system overhead = kube-reserved, eviction threshold and DaemonSets; platform services = requests of workflows 1-7; ' +
      'application workloads = requests of the microservices; scaling buffer = what is left unrequested.',
    '- **Seed phase**: a deployment phase of the seed requirements with its execution time (table below); each component takes the time ' +
      'of its phase. The seed\'s component names are kept (ambassador is emissary-ingress here). ' +
      '"microservices (assumed)" is not in the seed requirements: it is this plan\'s assumption.',
    '- **Parallel**: at the same time. A seed phase named parallel (phase_3_parallel, total_parallel) takes its time once for all its ' +
      'components together. Argo CD syncs every component of a wave in parallel and the next wave after it, so a wave lasts as long as its ' +
      'slowest component; a seed phase spread over k waves gives each 1/k of its time. "2 ∥ 3" means workflows 2 and 3 at the same time.',
    '- **sequential**, **the seed\'s optimized plan**, **computed from the sync waves**: every seed phase one after another; the seed ' +
      'requirements\' own order (1, then 2 ∥ 3, then 4-7 together, then the services); cluster creation plus this environment\'s waves.',
    `- **Target**: \`total_deployment_time < ${EFFICIENCY_GUIDE.targetMinutes} minutes\`, the seed requirements' deployment-efficiency goal, ` +
      'for the platform (workflows 1-7, cluster creation included). *met*: even the slow end of the prediction is under; ' +
      '*met only at the optimistic end*: the fast end is under, the slow end over; *not met*: both are over.',
    `- **eksctl create cluster**: the seed's foundation phases 1 and 2 (vpc and iam, then eks): ${formatMinutes(CLUSTER_CREATION)} minutes before the first wave.`,
    '- **Critical path**: the slowest component of each wave, in order; the rollout gets shorter only when one of these does.',
    '',
    markdownTable(seedPhaseTable()),
    '',
  ];
}

/** The size the distribution is measured at (CapacityPlan.distribution): the minimum when it fits, else needed, else the maximum. */
function distributionSize(plan: CapacityPlan): string {
  if (plan.status === CapacityStatus.FitsAtMinimum) return `the minimum size (${plan.atMinimum.nodeCount} nodes)`;
  return plan.needed ? `the needed size (${plan.needed.nodeCount} nodes)` : `the maximum size (${plan.atMaximum.nodeCount} nodes)`;
}

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
      '`npm run plan -- --env ' + env + '` prints the same tables. "Terms" at the end explains the targets and the words used here.',
    '',
    '## Capacity',
    '',
    capacitySummary(capacity),
    '',
    '### Requests per workflow',
    '',
    'Deployments and StatefulSets count replicas × pod requests (autoscaled ones at their minimum); DaemonSets are per node ' +
      'and not in the workflow columns; Jobs are transient and not counted. "Seed" is the seed allocation (see "Terms"); "over" marks requests above it.',
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
    ...deviationsSection(documentDeviations(model.env, capacity)),
    '### Cluster size',
    '',
    markdownTable(sizeTable(capacity)),
    '',
    `### Distribution at ${distributionSize(capacity)}`,
    '',
    "Shares of raw node capacity against the seed's distribution targets (see \"Terms\").",
    '',
    markdownTable(distributionTable(capacity)),
    '',
    ...alertingSection(model.env.alerting),
    '## Rollout',
    '',
    "Argo CD syncs one wave after another, the components of a wave in parallel. Each component takes its seed phase's execution time, " +
      'spread over the waves the phase spans; a wave lasts as long as its slowest component (see "Terms").',
    '',
    markdownTable(waveTable(rollout)),
    '',
    markdownTable(totalsTable(rollout)),
    '',
    `Critical path: ${rollout.criticalPath.join(' → ')}.`,
    '',
    `Target \`total_deployment_time < 60 minutes\` (platform): **${describeTarget(rollout.target)}**.`,
    '',
    ...recoverySection(model),
    '## Dependency graph',
    '',
    'Arrows point from a prerequisite to what waits for it (edges implied by longer paths omitted); colors are workflows.',
    '',
    '```mermaid',
    mermaidGraph(model.components, model.graph),
    '```',
    '',
    ...termsSection(),
  ];
  return out.join('\n');
}

/** PLAN.md's line on where alerts go (platform.yaml `alerting`); says so plainly when they reach no one. */
export function alertingSection(alerting: Pick<AlertingSettings, 'routes' | 'heartbeat'>): string[] {
  const { critical, warning, info } = alerting.routes;
  const watchdog = alerting.heartbeat ? `Watchdog → ${alerting.heartbeat} (the heartbeat receiver)` : 'Watchdog → dropped (no heartbeat)';
  const line =
    critical.length + warning.length + info.length === 0
      ? "No receivers: every alert ends in Alertmanager's null receiver. Dev may run so; a prod-tier environment may not."
      : `${Object.entries({ critical, warning, info })
          .map(([s, r]) => `${s} → ${r.length ? r.join(', ') : warning.length ? `${warning.join(', ')} (the warning receivers)` : 'dropped'}`)
          .join('; ')}; any other severity → ${warning.length ? 'the warning receivers' : 'dropped'}; ${watchdog}.`;
  return ['## Alerting', '', `${line} From platform.yaml \`alerting\` (README, "Alerting").`, ''];
}

/**
 * PLAN.md's "Recovery": the recovery point objective of every data store, as its rendered object
 * declares it (lib/backup.ts), and whether a backup stands behind it or the loss is accepted.
 */
function recoverySection(model: HydratedModel): string[] {
  const declared = declaredRecoveries(model.components, model.objects, model.env.labelDomain);
  if (declared.length === 0) return [];
  return [
    '## Recovery',
    '',
    'Per data store: the most recent data a restore can lose (RPO) and how the data comes back, or, where nothing backs a store up, ' +
      'the loss that is accepted instead. Each restore runbook is in the bootstrap README under "Operations".',
    '',
    markdownTable({
      headers: ['component', 'object', 'RPO', 'backup', 'how', 'restore runbook'],
      rows: declared.map((r) => [r.component, r.object, r.rpo.toString(), r.backedUp ? 'yes' : '**no: accepted loss**', r.mechanism, r.runbook]),
    }),
    '',
  ];
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
  const deviations = documentDeviations(model.env, capacity);
  const status =
    capacity.status === 'does not fit at maximum size'
      ? `does not fit at maximum size:\n${capacity.shortfalls.map((s) => `  ${s}`).join('\n')}`
      : capacity.status === 'needs scale-out'
        ? `needs scale-out to ${capacity.needed?.nodeCount} nodes (${capacity.atMinimum.nodeCount}-${capacity.atMaximum.nodeCount}); ` +
          `to start at the needed size, set ${describeRaises(capacity.env, minimumRaises(capacity))}`
        : `fits at minimum size (${capacity.atMinimum.nodeCount} nodes)`;
  return [
    `== ${model.env.name} ==`,
    `capacity: ${status}`,
    '',
    textTable(workflowTable(capacity)),
    '',
    textTable(nodeGroupTable(capacity)),
    '',
    ...(deviations.length > 0 ? ['deviations from the documents:', textTable(deviationTable(deviations)), ''] : []),
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
      deviations: documentDeviations(model.env, c),
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
