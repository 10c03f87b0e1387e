/**
 * The component graph and its sync waves. A wave is the length of the longest dependency path
 * leading to a component, so everything a component needs is in an earlier wave. Edges are each
 * component's `dependsOn` plus the workflow prerequisites (WORKFLOW_PREREQUISITES).
 */
import { Workflow, WORKFLOW_PREREQUISITES } from './component';

export interface GraphNode {
  readonly id: string;
  readonly workflow: Workflow;
  readonly dependsOn: readonly string[];
}

export class GraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphError';
  }
}

/** Wave of the first component; AppProjects take the wave before it. */
export const FIRST_WAVE = 1;

export interface ComponentGraph {
  /** Direct prerequisites of each component, declared and implied, sorted. */
  readonly edges: ReadonlyMap<string, readonly string[]>;
  readonly waves: ReadonlyMap<string, number>;
}

/**
 * @param knownAbsent ids that exist elsewhere but not in this environment: depending on one is not
 *   an error and adds no edge (e.g. the staging-only load-test operator in dev).
 */
export function buildGraph(nodes: readonly GraphNode[], knownAbsent: ReadonlySet<string> = new Set()): ComponentGraph {
  const byId = new Map<string, GraphNode>();
  for (const n of nodes) {
    if (byId.has(n.id)) throw new GraphError(`duplicate component id "${n.id}"`);
    byId.set(n.id, n);
  }
  const byWorkflow = new Map<Workflow, string[]>();
  for (const n of nodes) byWorkflow.set(n.workflow, [...(byWorkflow.get(n.workflow) ?? []), n.id]);

  const edges = new Map<string, readonly string[]>();
  for (const n of nodes) {
    const deps = new Set<string>();
    for (const d of n.dependsOn) {
      if (byId.has(d)) deps.add(d);
      else if (!knownAbsent.has(d)) throw new GraphError(`component "${n.id}" depends on unknown component "${d}"; fix dependsOn or add the component`);
    }
    for (const wf of WORKFLOW_PREREQUISITES[n.workflow]) for (const d of byWorkflow.get(wf) ?? []) deps.add(d);
    deps.delete(n.id);
    edges.set(n.id, [...deps].sort());
  }

  const waves = new Map<string, number>();
  const visiting: string[] = [];
  const waveOf = (id: string): number => {
    const known = waves.get(id);
    if (known !== undefined) return known;
    const at = visiting.indexOf(id);
    if (at >= 0) throw new GraphError(`dependency cycle: ${[...visiting.slice(at), id].join(' -> ')}`);
    visiting.push(id);
    const deps = edges.get(id) ?? [];
    const wave = deps.length === 0 ? FIRST_WAVE : Math.max(...deps.map(waveOf)) + 1;
    visiting.pop();
    waves.set(id, wave);
    return wave;
  };
  for (const id of [...byId.keys()].sort()) waveOf(id);
  return { edges, waves };
}
