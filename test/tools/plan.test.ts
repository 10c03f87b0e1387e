import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { EnvironmentSettings } from '../../config/defaults';
import { CHARTS } from '../../config/versions';
import { PlatformComponentId } from '../../config/ids';
import { Component, helm, serviceComponentId, Workflow } from '../../lib/component';
import { buildGraph } from '../../lib/graph';
import {
  CapacityError,
  capacityPlan,
  capacityPlanOf,
  CapacityStatus,
  checkCapacity,
  INSTANCE_TYPES,
  kubeReservedCpu,
  nodeReservedCpu,
  kubeReservedMemory,
  minimumRaises,
  nodeShape,
  planFindings,
  PlannedComponent,
  SEED_ALLOCATION,
  SEED_DISTRIBUTION,
  seedWarnings,
  StrictPlanError,
  checkStrict,
  summarizeFindings,
} from '../../lib/plan';
import { MAX_DRAWN_SERVICES, mermaidGraph, renderPlanMarkdown, renderPlanText, transitiveReduction } from '../../lib/plan-report';
import { K8sObject } from '../../lib/render';
import { Resources, Workload, workload, WorkloadKind } from '../../lib/resources';
import { describeTarget, rolloutPlan } from '../../lib/rollout';
import { componentWorkloads } from '../../lib/workloads';
import { isNitro, maxNodeCount, NON_NITRO_REPLACEMENTS, SEED_WORKLOAD_INSTANCE_TYPES } from '../../eksctl/node-groups';
import { synth } from '../../main';
import { renderEnvironment } from '../../synth';
import { ENVIRONMENTS, helmValues, hydratedFixture, ROOT, FIXTURE_CONFIG_TEXT, fixtureEnvironment } from '../support';

const MI = 1024 ** 2;
const res = (cpu: string, memory: string, limCpu = cpu, limMemory = memory) => Resources.of({ cpu, memory }, { cpu: limCpu, memory: limMemory });

function comp(id: string, wf: Workflow, dependsOn: string[] = []): Component {
  // Hand-made graphs with ids outside the platform's: the graph functions take any id.
  return { id: serviceComponentId(id), workflow: wf, namespace: 'test', dependsOn: dependsOn as PlatformComponentId[], source: helm(CHARTS.cilium, {}) };
}

function planned(id: string, workflow: Workflow, workloads: Workload[]): PlannedComponent {
  return { id, workflow, workloads };
}

/** An environment with one node group of each kind (one zone), sizes [min, max]. */
function envWith(system: [number, number], spot: [number, number], onDemand: [number, number], zones: readonly string[] = ['eu-west-1a']): EnvironmentSettings {
  return {
    ...fixtureEnvironment('dev').env,
    name: 'small',
    availabilityZones: zones,
    spotGroupPerZone: false,
    nodeGroups: {
      system: { instanceTypes: ['t3.medium'], minSize: system[0], maxSize: system[1] },
      spot: { instanceTypes: ['t3.large', 't3a.large', 'm5.large'], minSize: spot[0], maxSize: spot[1] },
      onDemand: { instanceTypes: ['t3.large'], minSize: onDemand[0], maxSize: onDemand[1] },
    },
  };
}

/**
 * Hand-computed: foundation 2 × 100m/128Mi (limits 200m/256Mi) plus a 50m/64Mi DaemonSet;
 * observability 3 × (250m/900Mi + 50m/64Mi) plus 1 (max 4) × 100m/100Mi and a Job.
 */
function handComponents(): PlannedComponent[] {
  const autoscaled: Workload = { ...workload(WorkloadKind.Deployment, 'web', 'test', 1, res('100m', '100Mi')), maxReplicas: 4 };
  return [
    planned('a', Workflow.Foundation, [
      workload(WorkloadKind.Deployment, 'a', 'test', 2, res('100m', '128Mi', '200m', '256Mi')),
      workload(WorkloadKind.DaemonSet, 'agent', 'test', 1, res('50m', '64Mi', '100m', '128Mi')),
    ]),
    planned('b', Workflow.Observability, [
      {
        kind: WorkloadKind.StatefulSet,
        name: 'b',
        namespace: 'test',
        replicas: 3,
        containers: [
          { name: 'main', resources: res('250m', '900Mi', '500m', '1Gi') },
          { name: 'sidecar', resources: res('50m', '64Mi', '100m', '128Mi') },
        ],
      },
      autoscaled,
      workload(WorkloadKind.Job, 'migrate', 'test', 1, res('1', '1Gi')),
    ]),
  ];
}

describe('EKS allocatable figures', () => {
  it('reserves CPU by the EKS AMI formula: 6% of the first core, 1% of the second, 0.5% of cores 3-4, 0.25% above', () => {
    expect(kubeReservedCpu(1).millicores).toBe(60);
    expect(kubeReservedCpu(2).millicores).toBe(70);
    expect(kubeReservedCpu(4).millicores).toBe(80);
    expect(kubeReservedCpu(8).millicores).toBe(90);
  });

  it('reserves 255Mi + 11Mi per pod and at least the seed\'s 100m CPU, and t3.medium/t3.large at 110 pods allocate 1900m and 2531Mi/6627Mi', () => {
    expect(kubeReservedMemory(110).mebibytes).toBe(1465);
    expect(nodeReservedCpu(2).millicores).toBe(100);
    expect(nodeReservedCpu(16).millicores).toBe(kubeReservedCpu(16).millicores);
    expect(nodeShape('t3.medium').allocatable.cpu.millicores).toBe(1900);
    expect(nodeShape('t3.medium').allocatable.memory.mebibytes).toBe(4096 - 1465 - 100);
    expect(nodeShape('t3.large').allocatable.memory.mebibytes).toBe(8192 - 1465 - 100);
  });

  it('sizes only Nitro types, and the replacement of the seed\'s t2.large has its 2 vCPU / 8 GiB', () => {
    expect(Object.keys(INSTANCE_TYPES).filter((t) => !isNitro(t))).toEqual([]);
    expect(SEED_WORKLOAD_INSTANCE_TYPES).toContain('t2.large');
    const replacement = NON_NITRO_REPLACEMENTS['t2.large'].replacement;
    expect(INSTANCE_TYPES[replacement]).toEqual({ vcpus: 2, memory: expect.anything() });
    expect(INSTANCE_TYPES[replacement].memory.mebibytes).toBe(8192);
    expect(nodeShape(replacement).allocatable).toEqual(nodeShape('t3.large').allocatable);
  });

  it('names the unknown instance type and where to add it', () => {
    expect(() => nodeShape('x9.huge')).toThrow('no size known for instance type "x9.huge"; add its vCPUs and memory to INSTANCE_TYPES in lib/plan.ts');
  });
});

describe('capacity plan', () => {
  it('sums a small hand-built config per workflow: replicas × pod requests, DaemonSets per node, Jobs apart', () => {
    const plan = capacityPlan(envWith([1, 2], [0, 2], [0, 1]), handComponents());
    const wf = (w: Workflow) => plan.workflows.find((x) => x.workflow === w)!;
    expect(wf(Workflow.Foundation).replicated.requests.cpu.millicores).toBe(200);
    expect(wf(Workflow.Foundation).replicated.requests.memory.mebibytes).toBe(256);
    expect(wf(Workflow.Foundation).replicated.limits.cpu.millicores).toBe(400);
    expect(wf(Workflow.Foundation).perNode.requests.cpu.millicores).toBe(50);
    expect(wf(Workflow.Observability).replicated.requests.cpu.millicores).toBe(3 * 300 + 100);
    expect(wf(Workflow.Observability).replicated.requests.memory.mebibytes).toBe(3 * 964 + 100);
    expect(wf(Workflow.Observability).replicated.limits.memory.mebibytes).toBe(3 * 1152 + 100);
    expect(wf(Workflow.Observability).peak.requests.cpu.millicores).toBe(3 * 300 + 400);
    expect(wf(Workflow.Observability).transient.requests.cpu.millicores).toBe(1000);
    expect(plan.replicated.requests.cpu.millicores).toBe(1200);
    expect(plan.replicated.requests.memory.mebibytes).toBe(3248);
    expect(wf(Workflow.Ingress).components).toEqual([]);
    expect(plan.workflows.map((w) => w.seed)).toEqual(plan.workflows.map((w) => SEED_ALLOCATION[w.workflow]));
  });

  it('needs scale-out when the minimum size is short, and finds the size that fits in the autoscaler order', () => {
    const plan = capacityPlan(envWith([1, 2], [0, 2], [0, 1]), handComponents());
    // One t3.medium: 1900m / 2531Mi against 1250m / 3312Mi (3248Mi + one DaemonSet pod).
    expect(plan.atMinimum.nodeCount).toBe(1);
    expect(plan.atMinimum.demand.memory.mebibytes).toBe(3248 + 64);
    expect(plan.atMinimum.fits).toBe(false);
    expect(plan.status).toBe(CapacityStatus.NeedsScaleOut);
    expect(plan.needed?.nodeCount).toBe(2);
    expect(plan.needed?.nodes.get('workload-spot')).toBe(1);
    // Maximum: 2 × t3.medium + 3 × t3.large.
    expect(plan.atMaximum.allocatable.cpu.millicores).toBe(5 * 1900);
    expect(plan.atMaximum.allocatable.memory.mebibytes).toBe(2 * 2531 + 3 * 6627);
    expect(plan.atMaximum.demand.cpu.millicores).toBe(1200 + 5 * 50);
    // The seed's distribution at the needed size (4 vCPUs, 12Gi raw): platform 1200m of 4000m = 30%.
    const platform = plan.distribution.find((d) => d.share === 'platformServices')!;
    expect(platform.target).toBe(0.45);
    expect(platform.cpu).toBeCloseTo(0.3, 5);
    const system = plan.distribution.find((d) => d.share === 'systemOverhead')!;
    expect(system.cpu).toBeCloseTo((2 * 100 + 2 * 50) / 4000, 5);
  });

  it('grows the per-zone on-demand fallback one zone at a time once spot is at its maximum', () => {
    // Three zones: spot 0-1 (one group), on-demand 0-1 in each zone. Foundation 200m/256Mi, observability 1000m/2992Mi.
    const env = envWith([1, 1], [0, 1], [0, 1], ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    const heavy = planned('heavy', Workflow.Data, [workload(WorkloadKind.StatefulSet, 'db', 'test', 3, res('1', '4Gi'))]);
    const plan = capacityPlan(env, [...handComponents(), heavy]);
    expect(plan.groups.map((g) => g.group.name)).toEqual(['system', 'workload-spot', 'workload-on-demand-a', 'workload-on-demand-b', 'workload-on-demand-c']);
    expect(plan.atMaximum.nodeCount).toBe(1 + 1 + 3);
    expect(plan.atMaximum.nodeCount).toBe(maxNodeCount(env));
    // 4.2 CPU / 15.2 Gi: the system node and spot first, then on-demand zone by zone.
    expect(plan.needed?.nodes.get('workload-spot')).toBe(1);
    const onDemand = ['a', 'b', 'c'].map((z) => plan.needed?.nodes.get(`workload-on-demand-${z}`) ?? 0);
    expect(Math.max(...onDemand) - Math.min(...onDemand)).toBeLessThanOrEqual(1);
    expect(onDemand.reduce((a, b) => a + b, 0)).toBe(plan.needed!.nodeCount - 2);
    expect(onDemand.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it.each(ENVIRONMENTS)('%s: counts one on-demand group per zone, its maximum the sum of every group\'s', async (env) => {
    const model = await hydratedFixture(env);
    const plan = capacityPlanOf(model);
    const onDemand = plan.groups.filter((g) => g.group.role === 'workload-on-demand');
    expect(onDemand.map((g) => g.group.availabilityZones)).toEqual(model.env.availabilityZones.map((z) => [z]));
    expect(plan.atMaximum.nodeCount).toBe(maxNodeCount(model.env));
  });

  it('fits at minimum size when the minimum already holds everything', () => {
    expect(capacityPlan(envWith([1, 2], [1, 2], [0, 1]), handComponents()).status).toBe(CapacityStatus.FitsAtMinimum);
  });

  it('does not fit at maximum size, naming the shortfall, and the check throws naming the environment', () => {
    const plan = capacityPlan(envWith([1, 1], [0, 0], [0, 0]), handComponents());
    expect(plan.status).toBe(CapacityStatus.DoesNotFit);
    // 3312Mi asked, 2531Mi allocatable: 781Mi short.
    expect(plan.shortfalls[0]).toContain(`short by ${(781 / 1024).toFixed(2)} Gi memory`);
    expect(() => checkCapacity([plan])).toThrow(CapacityError);
    expect(() => checkCapacity([plan])).toThrow(/environment small does not fit at its maximum of 1 node:\n {2}requests need 1\.25 CPU/);
  });

  it('does not fit when one pod is larger than any node, even with room in total', () => {
    const big = planned('big', Workflow.Data, [workload(WorkloadKind.StatefulSet, 'db', 'test', 1, res('3', '1Gi'))]);
    const plan = capacityPlan(envWith([1, 5], [1, 5], [0, 1]), [...handComponents(), big]);
    expect(plan.atMaximum.fits).toBe(true);
    expect(plan.status).toBe(CapacityStatus.DoesNotFit);
    expect(plan.shortfalls).toEqual([expect.stringContaining('pod big/db requests 3.00 CPU / 1.00 Gi but the largest node has 1.85 CPU')]);
  });

  it('warns for a workflow over its seed allocation, with the excess', () => {
    const apps = planned('svc', Workflow.Apps, [workload(WorkloadKind.Deployment, 'svc', 'apps', 20, res('300m', '256Mi'))]);
    const warnings = seedWarnings(capacityPlan(envWith([1, 5], [1, 5], [0, 1]), [apps]));
    expect(warnings).toEqual(['small: workflow apps requests 6.00 CPU / 5.00 Gi, over the seed\'s allocation of ~5.00 CPU / ~10.00 Gi (+1.00 CPU)']);
  });

  it('names the minSize that starts a cluster below its need at the needed size, and reports it as a finding', () => {
    const plan = capacityPlan(envWith([1, 2], [0, 2], [0, 1]), handComponents());
    expect(plan.status).toBe(CapacityStatus.NeedsScaleOut);
    expect(minimumRaises(plan)).toEqual([{ setting: 'spot', from: 0, to: 1 }]);
    const findings = planFindings(plan);
    expect(findings).toEqual([expect.objectContaining({ kind: 'minimum-below-need', env: 'small', minimum: 1, needed: 2 })]);
    expect(findings[0].message).toBe(
      'small: the node groups start at 1 node, below the 2 the requests need at rest, so pods stay Pending until the autoscaler adds 1; ' +
        'set environments.small.nodeGroups.spot.minSize: 1 (now 0) in platform.yaml',
    );
    // Applying the raise makes the minimum fit.
    const raised = envWith([1, 2], [1, 2], [0, 1]);
    expect(capacityPlan(raised, handComponents()).atMinimum.fits).toBe(true);
    expect(planFindings(capacityPlan(raised, handComponents()))).toEqual([]);
  });

  it('raises per-zone groups to the largest zone\'s count, since one minSize applies to every zone', async () => {
    const prod = (await hydratedFixture('prod')).env;
    const env: EnvironmentSettings = { ...prod, nodeGroups: { ...prod.nodeGroups, spot: { ...prod.nodeGroups.spot, minSize: 0 } } };
    const heavy = planned('heavy', Workflow.Data, [workload(WorkloadKind.StatefulSet, 'db', 'test', 4, res('1', '4Gi'))]);
    const plan = capacityPlan(env, [heavy]);
    expect(plan.status).toBe(CapacityStatus.NeedsScaleOut);
    const perZone = ['a', 'b', 'c'].map((z) => plan.needed!.nodes.get(`workload-spot-${z}`) ?? 0);
    expect(minimumRaises(plan)).toEqual([{ setting: 'spot', from: 0, to: Math.max(...perZone) }]);
    const raised: EnvironmentSettings = { ...env, nodeGroups: { ...env.nodeGroups, spot: { ...env.nodeGroups.spot, minSize: Math.max(...perZone) } } };
    expect(capacityPlan(raised, [heavy]).atMinimum.fits).toBe(true);
  });

  it('sums the findings of several environments in one line, and --strict throws listing each', () => {
    const apps = planned('svc', Workflow.Apps, [workload(WorkloadKind.Deployment, 'svc', 'apps', 20, res('300m', '256Mi'))]);
    const data = planned('db', Workflow.Data, [workload(WorkloadKind.StatefulSet, 'db', 'data', 1, res('1800m', '1Gi'))]);
    const a = capacityPlan({ ...envWith([1, 5], [5, 5], [0, 1]), name: 'a' }, [apps, data]);
    const b = capacityPlan({ ...envWith([1, 5], [0, 5], [0, 1]), name: 'b' }, [apps]);
    const findings = [a, b].flatMap(planFindings);
    expect(findings.map((f) => [f.env, f.kind])).toEqual([
      ['a', 'over-seed'],
      ['a', 'over-seed'],
      ['b', 'over-seed'],
      ['b', 'minimum-below-need'],
    ]);
    const summary = summarizeFindings(findings)!;
    expect(summary).not.toContain('\n');
    expect(summary).toMatch(/^2 workflows \(data, apps\) request more than the seed allocates, in a and b; b starts at 1 node but needs \d+ at rest$/);
    expect(summarizeFindings([])).toBeUndefined();
    expect(() => checkStrict([])).not.toThrow();
    expect(() => checkStrict(findings)).toThrow(StrictPlanError);
    try {
      checkStrict(findings);
    } catch (e) {
      const lines = (e as Error).message.split('\n');
      expect(lines[0]).toBe('--strict: 4 findings in the capacity plan, nothing written:');
      for (const f of findings) expect(lines).toContain(`  ${f.message}`);
    }
  });

  it.each(ENVIRONMENTS)('%s: starts at a size that holds its requests at rest (the minimum fits, no scale-out needed)', async (env) => {
    const plan = capacityPlanOf(await hydratedFixture(env));
    expect(plan.atMinimum.fits).toBe(true);
    expect(plan.status).toBe(CapacityStatus.FitsAtMinimum);
    expect(planFindings(plan).filter((f) => f.kind !== 'over-seed')).toEqual([]);
  });

  it('counts what the rendered objects ask for: a DaemonSet asking 200m and 256Mi more adds that per node', () => {
    const env = envWith([1, 2], [1, 2], [0, 1]);
    const agent = (r: Resources): K8sObject => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'test' },
      spec: { template: { spec: { containers: [{ name: 'agent', image: 'example/agent:1.0.0', resources: r.toK8s() }] } } },
    });
    const perNode = (r: Resources) =>
      capacityPlanOf({ env, components: [comp('a', Workflow.Foundation)], objects: new Map([['a', [agent(r)]]]) }).workflows.find((w) => w.workflow === Workflow.Foundation)!
        .perNode.requests;
    const small = perNode(res('100m', '256Mi', '1', '1Gi'));
    const large = perNode(res('300m', '512Mi', '1', '1Gi'));
    expect(large.cpu.millicores - small.cpu.millicores).toBe(200);
    expect(large.memory.bytes - small.memory.bytes).toBe(256 * MI);
  });

  it('reports the containers it cannot count exactly, naming the component and the object', () => {
    const env = envWith([1, 2], [1, 2], [0, 1]);
    const bare: K8sObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'test' },
      spec: { template: { spec: { containers: [{ name: 'web', image: 'example/web:1.0.0' }] } } },
    };
    const plan = capacityPlanOf({ env, components: [comp('a', Workflow.Apps)], objects: new Map([['a', [bare]]]) });
    expect(plan.warnings).toEqual([{ component: 'a', object: 'Deployment test/web', message: expect.stringContaining('container "web" sets no requests or limits') }]);
    expect(plan.replicated.requests.cpu.millicores).toBe(0);
  });

  it('counts the shipped cilium agent from its rendered DaemonSet, which carries the resources of its Helm values', async () => {
    const prod = await hydratedFixture('prod');
    const agent = componentWorkloads(prod, 'cilium').find((w) => w.kind === WorkloadKind.DaemonSet && w.name === 'cilium')!;
    expect(agent.containers.find((c) => c.name === 'cilium-agent')!.resources.toK8s()).toEqual(helmValues(prod, 'cilium').resources);
    const foundation = capacityPlanOf(prod).workflows.find((w) => w.workflow === Workflow.Foundation)!;
    expect(foundation.perNode.requests.cpu.millicores).toBeGreaterThanOrEqual(agent.containers.reduce((n, c) => n + c.resources.requests.cpu.millicores, 0));
  });

  it.each(ENVIRONMENTS)('fits the shipped %s environment at its maximum size', async (env) => {
    const plan = capacityPlanOf(await hydratedFixture(env));
    expect(plan.shortfalls).toEqual([]);
    expect(plan.status).not.toBe(CapacityStatus.DoesNotFit);
  });

  it.each(ENVIRONMENTS)('%s: counts every Deployment, StatefulSet and DaemonSet of the rendered objects, in the workflow of its component', async (env) => {
    const m = await hydratedFixture(env);
    const plan = capacityPlanOf(m);
    for (const c of m.components) {
      const kinds = ['Deployment', 'StatefulSet', 'DaemonSet'];
      const objects = m.objects.get(c.id)!.filter((o) => o.apiVersion === 'apps/v1' && kinds.includes(o.kind));
      const derived = componentWorkloads(m, c.id).map((w) => `${w.kind} ${w.namespace}/${w.name}`);
      for (const o of objects) expect(derived).toContain(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
      if (objects.length > 0) expect(plan.workflows.find((w) => w.workflow === c.workflow)!.components).toContain(c.id);
    }
  });
});

describe('rollout plan', () => {
  /** f1 → f2 → {cert-manager, mimir} → grafana → g1 (workflow prerequisites add the rest). */
  function handGraph() {
    const cs = [
      comp('f1', Workflow.Foundation),
      comp('f2', Workflow.Foundation, ['f1']),
      comp('cert-manager', Workflow.Ingress),
      comp('mimir', Workflow.Observability),
      comp('grafana', Workflow.Observability, ['mimir']),
      comp('g1', Workflow.GitOps),
    ];
    return { cs, graph: buildGraph(cs) };
  }

  it("spreads each guide phase over its waves and sums the waves after the cluster's creation", () => {
    const { cs, graph } = handGraph();
    const plan = rolloutPlan('test', cs, graph);
    expect(plan.waves.map((w) => [w.wave, w.components.map((c) => c.id)])).toEqual([
      [1, ['f1']],
      [2, ['f2']],
      [3, ['cert-manager', 'mimir']],
      [4, ['grafana']],
      [5, ['g1']],
    ]);
    // Foundation add-ons 5-8 over two waves; wave 3 = max(cert-manager 3-5, mimir 5-7); one advanced workflow alone: 15-20.
    expect(plan.waves.map((w) => w.time)).toEqual([
      { min: 2.5, max: 4 },
      { min: 2.5, max: 4 },
      { min: 5, max: 7 },
      { min: 3, max: 5 },
      { min: 15, max: 20 },
    ]);
    expect(plan.computed).toEqual({ min: 20 + 28, max: 25 + 40 });
    expect(plan.criticalPath).toEqual(['eksctl create cluster', 'f1', 'f2', 'mimir', 'grafana', 'g1']);
    expect(plan.sequential).toEqual({ min: 25 + 10 + 16 + 15, max: 33 + 15 + 24 + 20 });
    expect(plan.guideParallel).toEqual({ min: 25 + 16 + 15, max: 33 + 24 + 20 });
    expect(plan.target.verdict).toBe('met only at the optimistic end');
    expect(describeTarget(plan.target)).toBe('met only at the optimistic end: 48-65 min predicted, from 12 min under to 5 min over the 60-minute target');
  });

  it('gives parallel advanced workflows the guide\'s total_parallel_time of 20-25 minutes', () => {
    const { cs } = handGraph();
    const more = [...cs, comp('s1', Workflow.Security)];
    const plan = rolloutPlan('test', more, buildGraph(more));
    expect(plan.waves[plan.waves.length - 1].time).toEqual({ min: 20, max: 25 });
  });

  it('states a missed target with the overrun', () => {
    expect(describeTarget({ targetMinutes: 60, predicted: { min: 66, max: 92 }, verdict: 'not met', marginAtMax: -32, marginAtMin: -6 })).toBe(
      'not met: 66-92 min predicted, 6-32 min over the 60-minute target',
    );
  });
});

describe('PLAN.md', () => {
  it('drops dependency edges implied by a longer path', () => {
    const reduced = transitiveReduction(new Map([['a', []], ['b', ['a']], ['c', ['a', 'b']]]));
    expect(reduced.get('c')).toEqual(['b']);
    expect(reduced.get('b')).toEqual(['a']);
  });

  it('draws the graph colored by workflow and collapses many microservices into one node', () => {
    const services = Array.from({ length: MAX_DRAWN_SERVICES + 1 }, (_, i) => comp(`svc-${i}`, Workflow.Apps));
    const cs = [comp('f1', Workflow.Foundation), ...services];
    const text = mermaidGraph(cs, buildGraph(cs));
    expect(text).toContain(`n_microservices["${MAX_DRAWN_SERVICES + 1} microservices"]:::apps`);
    expect(text).toContain('n_f1 --> n_microservices');
    expect(text).toContain('classDef foundation fill:');
    expect(text).not.toContain('svc-3');
  });

  it.each(ENVIRONMENTS)('is rendered for %s with the capacity table, the waves and the graph, the same every time', async (env) => {
    const model = await hydratedFixture(env);
    const tree = renderEnvironment(model);
    const md = tree.get(`${env}/PLAN.md`)!;
    expect(md).toContain(`# Plan: ${env}`);
    expect(md).toContain('| 1 Foundation |');
    expect(md).toContain('| Wave | Components (critical in bold) |');
    expect(md).toContain('```mermaid\ngraph TD');
    expect(md).toContain('Target `total_deployment_time < 60 minutes`');
    expect(renderPlanMarkdown(model)).toBe(md);
  });

  it.each(ENVIRONMENTS)('%s: names the replacement of the seed\'s t2.large and why in "Deviations from the documents", in PLAN.md and the text report', async (env) => {
    const model = await hydratedFixture(env);
    const md = renderPlanMarkdown(model);
    expect(md).toContain('### Deviations from the documents');
    expect(md).toMatch(/\| spot instance types \| Workflow Efficiency Guide \| t3\.large, t3a\.large, t2\.large \| t3\.large, t3a\.large, m5\.large \| t2\.large → m5\.large: t2 is not built on the AWS Nitro System/);
    expect(md).toMatch(/\| on-demand fallback \| .* \| \d groups, one per zone/);
    expect(renderPlanText(model)).toContain('t2.large → m5.large');
  });

  it.each(ENVIRONMENTS)('%s: explains its terms, quoting the seed\'s figures, and sends the reader to no document outside the repository', async (env) => {
    const md = renderPlanMarkdown(await hydratedFixture(env));
    const terms = md.slice(md.indexOf('\n## Terms\n'));
    expect(terms.length).toBeGreaterThan(100);
    for (const term of ['Seed allocation', 'minimum', 'needed', 'maximum', 'Parallel', 'Target', 'Distribution targets', 'Allocatable per node']) {
      expect(terms).toContain(`**${term}**`);
    }
    expect(terms).toContain("from the platform's seed requirements");
    // The seed's figures, quoted from the constants the plan computes with.
    expect(terms).toContain('1 Foundation ~1.5 CPU / ~3 GiB');
    expect(terms).toContain('2 Ingress ~0.5 CPU / ~768 MiB');
    expect(terms).toContain('Microservices ~5 CPU / ~10 GiB');
    for (const [k, v] of Object.entries(SEED_DISTRIBUTION)) expect(terms).toContain(`${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} ${Math.round(v * 100)}%`);
    expect(terms).toContain('`total_deployment_time < 60 minutes`');
    expect(terms).toContain(`0.25% of every core above (${kubeReservedCpu(2)} on 2 vCPUs)`);
    expect(terms).toContain('| foundation.phase_1_parallel | vpc, iam | 8-10 |');
    // Every phase the wave table names is in the phase table.
    for (const phase of md.match(/\b(foundation|ingress|observability|advanced)\.[a-z_0-9]+/g) ?? []) expect(terms).toContain(`| ${phase} |`);
    // No pointer to the seed documents or other files outside the repository.
    expect(md).not.toMatch(/efficiency guide|guide's|Guide phase|Platform Resource Allocation|Cluster Resource Distribution|awslabs|bootstrap\.sh|nodeadm/);
    for (const file of md.match(/\b[\w.-]+\/[\w./-]+\.(?:ts|yaml|md|json|sh|txt)\b/g) ?? []) expect([file, fs.existsSync(path.join(ROOT, file))]).toEqual([file, true]);
  });

  it('says when the node groups start below the need, naming the platform.yaml key that fixes it', async () => {
    const model = await hydratedFixture('prod');
    const spot = { ...model.env.nodeGroups.spot, minSize: 1 };
    const short = { ...model, env: { ...model.env, nodeGroups: { ...model.env.nodeGroups, spot } } };
    const plan = capacityPlanOf(short);
    expect(plan.status).toBe(CapacityStatus.NeedsScaleOut);
    const md = renderPlanMarkdown(short);
    expect(md).toContain(
      `**Status: needs scale-out** to ${plan.needed!.nodeCount} nodes (${plan.atMinimum.nodeCount}-${plan.atMaximum.nodeCount} nodes): ` +
        `the node groups start at ${plan.atMinimum.nodeCount} nodes, below the ${plan.needed!.nodeCount} the requests need at rest`,
    );
    expect(md).toContain(`set environments.prod.nodeGroups.spot.minSize: ${minimumRaises(plan)[0].to} (now 1) in platform.yaml`);
    expect(renderPlanText(short)).toContain('environments.prod.nodeGroups.spot.minSize');
  });

  it.each(ENVIRONMENTS)('%s: lists every container the plan cannot count exactly, in PLAN.md and the text report', async (env) => {
    const model = await hydratedFixture(env);
    const warnings = capacityPlanOf(model).warnings;
    const md = renderPlanMarkdown(model);
    const text = renderPlanText(model);
    for (const w of warnings) {
      expect(md).toContain(`- ${w.component}: ${w.object}: ${w.message}`);
      expect(text).toContain(`${w.component}: ${w.object}: ${w.message}`);
    }
    expect(md.includes('### Not counted exactly')).toBe(warnings.length > 0);
  });
});

describe('the capacity check in npm run synth', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-test-'));
  /** The shipped config with a prod that cannot fit: tiny node groups, services asking 1 CPU × 10 replicas. */
  const tooSmall = path.join(dir, 'platform.yaml');
  const cfg = yaml.load(FIXTURE_CONFIG_TEXT) as { environments: Record<string, Record<string, unknown>> };
  cfg.environments.prod = {
    ...cfg.environments.prod,
    nodeGroups: { system: { minSize: 1, maxSize: 1 }, spot: { minSize: 1, maxSize: 1 }, onDemand: { minSize: 0, maxSize: 1 } },
    services: { minReplicas: 10, maxReplicas: 10, resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } },
  };
  fs.writeFileSync(tooSmall, yaml.dump(cfg));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails naming the environment and the shortfall, and writes nothing', async () => {
    const out = path.join(dir, 'out-fail');
    await expect(synth({ config: tooSmall, out })).rejects.toThrow(/environment prod does not fit at its maximum of \d+ nodes:[\s\S]*short by [\d.]+ CPU/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('renders anyway with --skip-capacity-check, and PLAN.md says it does not fit', async () => {
    const out = path.join(dir, 'out-skip');
    const { warnings } = await synth({ config: tooSmall, out, env: 'prod', skipCapacityCheck: true });
    expect(fs.readFileSync(path.join(out, 'prod', 'PLAN.md'), 'utf8')).toContain('**Status: does not fit at maximum size**');
    // 5 services × 10 replicas × 1 CPU (plus their sidecars) against the seed's ~5 CPU for microservices.
    expect(warnings).toContainEqual(expect.stringMatching(/^prod: workflow apps requests 5\d\.\d\d CPU \/ 5\d\.\d\d Gi, over the seed's allocation of ~5\.00 CPU \/ ~10\.00 Gi \(\+/));
  });

  it('exits 1 from the built CLI with the message on stderr', () => {
    execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT });
    const r = spawnSync('node', [path.join(ROOT, 'build', 'main.js'), '--config', tooSmall, '--out', path.join(dir, 'out-cli')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/environment prod does not fit at its maximum of \d+ nodes/);
    expect(r.stderr).toContain('--skip-capacity-check');
    const plan = spawnSync('node', [path.join(ROOT, 'build', 'tools', 'plan.js'), '--config', tooSmall, '--env', 'prod', '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(plan.status).toBe(1);
    expect(JSON.parse(plan.stdout).environments[0].capacity.status).toBe('does not fit at maximum size');
  });
});
