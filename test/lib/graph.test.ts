import { Workflow } from '../../lib/component';
import { buildGraph, FIRST_WAVE, GraphError } from '../../lib/graph';
import { fixtureEnvironment } from '../support';

const node = (id: string, workflow: Workflow, dependsOn: string[] = []) => ({ id, workflow, dependsOn });

describe('sync waves from the dependency graph', () => {
  it('places a component one wave after its deepest dependency (longest path)', () => {
    const g = buildGraph([
      node('a', Workflow.Foundation),
      node('b', Workflow.Foundation, ['a']),
      node('c', Workflow.Foundation, ['a', 'b']),
    ]);
    expect([g.waves.get('a'), g.waves.get('b'), g.waves.get('c')]).toEqual([FIRST_WAVE, FIRST_WAVE + 1, FIRST_WAVE + 2]);
  });

  it('makes every component of a workflow wait for all of its prerequisite workflows', () => {
    const g = buildGraph([
      node('f1', Workflow.Foundation),
      node('f2', Workflow.Foundation, ['f1']),
      node('i1', Workflow.Ingress),
      node('o1', Workflow.Observability),
      node('s1', Workflow.Security),
    ]);
    expect(g.waves.get('i1')).toBe(g.waves.get('f2')! + 1);
    expect(g.waves.get('o1')).toBe(g.waves.get('i1'));
    expect(g.waves.get('s1')).toBe(g.waves.get('i1')! + 1);
    expect(g.edges.get('s1')).toEqual(['f1', 'f2', 'i1', 'o1']);
  });

  it('names the cycle', () => {
    expect(() =>
      buildGraph([node('a', Workflow.Data, ['c']), node('b', Workflow.Data, ['a']), node('c', Workflow.Data, ['b'])]),
    ).toThrow(new GraphError('dependency cycle: a -> c -> b -> a'));
  });

  it('names an unknown dependency', () => {
    expect(() => buildGraph([node('a', Workflow.Data, ['nope'])])).toThrow(
      'component "a" depends on unknown component "nope"; fix dependsOn or add the component',
    );
  });

  it('ignores a dependency on a component that exists only in other environments', () => {
    const g = buildGraph([node('a', Workflow.Data, ['k6-operator'])], new Set(['k6-operator']));
    expect(g.waves.get('a')).toBe(FIRST_WAVE);
  });

  it('rejects duplicate ids', () => {
    expect(() => buildGraph([node('a', Workflow.Data), node('a', Workflow.Apps)])).toThrow('duplicate component id "a"');
  });
});

describe('the documented order falls out of the shipped graph', () => {
  const model = fixtureEnvironment('prod');
  const wave = (id: string) => {
    const w = model.graph.waves.get(id);
    if (w === undefined) throw new Error(`no component ${id}`);
    return w;
  };
  const byWorkflow = (wf: Workflow) => model.components.filter((c) => c.workflow === wf).map((c) => wave(c.id));
  const first = (wf: Workflow) => Math.min(...byWorkflow(wf));
  const last = (wf: Workflow) => Math.max(...byWorkflow(wf));

  it('runs Foundation first', () => {
    for (const wf of [Workflow.Ingress, Workflow.Observability, Workflow.GitOps, Workflow.Security, Workflow.Mesh, Workflow.Data]) {
      if (byWorkflow(wf).length) expect(first(wf)).toBeGreaterThan(last(Workflow.Foundation));
    }
  });

  it('starts Ingress and Observability together, right after Foundation', () => {
    for (const wf of [Workflow.Ingress, Workflow.Observability]) if (byWorkflow(wf).length) expect(first(wf)).toBe(last(Workflow.Foundation) + 1);
  });

  it('starts GitOps, Security, Mesh and Data together, right after Ingress and Observability', () => {
    const after = Math.max(last(Workflow.Ingress), last(Workflow.Observability), last(Workflow.Foundation));
    for (const wf of [Workflow.GitOps, Workflow.Security, Workflow.Mesh, Workflow.Data]) if (byWorkflow(wf).length) expect(first(wf)).toBe(after + 1);
  });

  it('installs the monitoring CRDs before Cilium, whose ServiceMonitors need them', () => {
    expect(wave('prometheus-operator-crds')).toBeLessThan(wave('cilium'));
  });
});
