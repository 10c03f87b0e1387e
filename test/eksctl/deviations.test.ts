/**
 * PLAN.md's "Deviations from the documents": every row carries its document, both values and a
 * reason, and the rows' rendered values are those of the rendered objects (cluster.yaml), not
 * retyped.
 */
import * as yaml from 'js-yaml';
import { documentDeviations, SEED_CLUSTER, SEED_GUIDE, SeedDocument } from '../../eksctl/deviations';
import { INSTANCE_TYPES, nodeShape, SEED_NODE_CPU_RESERVATION } from '../../lib/plan';
import { environmentPlans } from '../../lib/plan-report';
import { Cpu } from '../../lib/resources';
import { ENVIRONMENTS, fixtureEnvironment, hydratedFixture, renderedFixture } from '../support';

jest.setTimeout(120_000);

/** The rows of PLAN.md's deviation table, as cells. */
function deviationRows(plan: string): string[][] {
  const start = plan.indexOf('### Deviations from the documents');
  expect(start).toBeGreaterThan(0);
  const lines = plan.slice(start).split('\n');
  const table = lines.slice(lines.findIndex((l) => l.startsWith('| Topic')));
  const rows = table.slice(2, table.findIndex((l, i) => i > 0 && !l.startsWith('|')));
  return rows.map((r) => r.slice(2, -2).split(/ (?<!\\)\| /));
}

async function rendered(env: string): Promise<{ plan: string; cluster: any }> {
  const tree = await renderedFixture(env);
  return { plan: tree.get(`${env}/PLAN.md`)!, cluster: yaml.load(tree.get(`${env}/eksctl/cluster.yaml`)!) };
}

describe('deviations from the documents', () => {
  it.each(ENVIRONMENTS)('%s: every row in PLAN.md names its document, what it says, what is rendered, and a reason', async (env) => {
    const { plan } = await rendered(env);
    const rows = deviationRows(plan);
    const model = await hydratedFixture(env);
    expect(rows).toHaveLength(documentDeviations(model.env, environmentPlans(model).capacity).length);
    expect(rows.length).toBeGreaterThan(5);
    for (const [topic, document, says, renders, why] of rows) {
      expect([topic, Object.values(SeedDocument)]).toEqual([topic, expect.arrayContaining([document])]);
      for (const cell of [topic, says, renders]) expect(cell.trim()).not.toBe('');
      // A row without a reason is the failure this test exists for.
      expect([topic, why.trim().length]).toEqual([topic, expect.any(Number)]);
      expect([topic, why.trim().length > 20]).toEqual([topic, true]);
      expect(says).not.toBe(renders);
    }
    expect(plan).not.toContain('### Deviations from the seed');
  });

  it.each(ENVIRONMENTS)("%s: states the cluster size the rendered node groups give, against Workflow Management's t3.large 3-10 nodes, 6-20 cores", async (env) => {
    const { plan, cluster } = await rendered(env);
    const row = deviationRows(plan).find((r) => r[0] === 'cluster size')!;
    const groups: any[] = cluster.managedNodeGroups;
    const smallest = (g: any) => Math.min(...g.instanceTypes.map((t: string) => INSTANCE_TYPES[t].vcpus));
    const nodes = [groups.reduce((n, g) => n + g.minSize, 0), groups.reduce((n, g) => n + g.maxSize, 0)];
    const vcpus = [groups.reduce((n, g) => n + g.minSize * smallest(g), 0), groups.reduce((n, g) => n + g.maxSize * smallest(g), 0)];
    expect(row[1]).toBe(SeedDocument.WorkflowManagement);
    expect(row[2]).toContain(`${SEED_CLUSTER.instanceType} (2 vCPU, 8GB), ${SEED_CLUSTER.minNodes}-${SEED_CLUSTER.maxNodes} nodes, ${SEED_CLUSTER.minCores}-${SEED_CLUSTER.maxCores} cores`);
    expect(row[3]).toContain(`${nodes[0]}-${nodes[1]} nodes, ${vcpus[0]}-${vcpus[1]} vCPUs`);
    expect(row[4]).toMatch(/the two documents disagree/);
    // The reason weighs the requests the capacity plan counts against the document's 3 t3.large.
    const c = environmentPlans(await hydratedFixture(env)).capacity;
    const cpu = c.replicated.requests.cpu.millicores + SEED_CLUSTER.minNodes * c.perNode.requests.cpu.millicores;
    const node = nodeShape(SEED_CLUSTER.instanceType).allocatable;
    expect(row[4]).toContain(`At rest the rendered workloads of ${env} request ${(cpu / 1000).toFixed(2)} CPU / `);
    expect(row[4]).toContain(`against ${((SEED_CLUSTER.minNodes * node.cpu.millicores) / 1000).toFixed(2)} CPU / `);
  });

  it("dev: lists its smaller node groups against the guide's, with the values cluster.yaml renders", async () => {
    const { plan, cluster } = await rendered('dev');
    const rows = deviationRows(plan);
    const system = cluster.managedNodeGroups.find((g: any) => g.name === 'system');
    const spot = cluster.managedNodeGroups.filter((g: any) => g.spot);
    expect(rows.find((r) => r[0] === 'system node group size')).toEqual([
      'system node group size',
      SeedDocument.EfficiencyGuide,
      `system_nodegroup min_size ${SEED_GUIDE.system.minSize}, max_size ${SEED_GUIDE.system.maxSize}`,
      `${system.minSize}-${system.maxSize}`,
      expect.stringMatching(/single replicas/),
    ]);
    expect(rows.find((r) => r[0] === 'spot nodes at maximum')![3]).toBe(`${spot.reduce((n: number, g: any) => n + g.maxSize, 0)} in total`);
    expect(rows.find((r) => r[0] === 'spot nodes at minimum')![3]).toBe(`${spot.reduce((n: number, g: any) => n + g.minSize, 0)} in total`);
  });

  it.each(ENVIRONMENTS)('%s: explains the "diversified" spot allocation strategy no managed node group can set, and cluster.yaml sets none', async (env) => {
    const { plan, cluster } = await rendered(env);
    expect(cluster.nodeGroups).toBeUndefined();
    expect(JSON.stringify(cluster)).not.toMatch(/spotAllocationStrategy|instancesDistribution/);
    const row = deviationRows(plan).find((r) => r[0] === 'spot allocation strategy')!;
    expect(row[2]).toBe('spot_allocation_strategy: "diversified"');
    expect(row[4]).toMatch(/managed node group has no allocation-strategy setting/);
    for (const t of new Set(cluster.managedNodeGroups.filter((g: any) => g.spot).flatMap((g: any) => g.instanceTypes))) expect(row[4]).toContain(String(t));
  });

  it.each(ENVIRONMENTS)("%s: has no CPU reservation row, because every rendered node group keeps at least the guide's 100m", async (env) => {
    const { plan, cluster } = await rendered(env);
    for (const g of cluster.managedNodeGroups) {
      const nc: any = yaml.load(g.overrideBootstrapCommand);
      expect(Cpu.parse(nc.spec.kubelet.config.kubeReserved.cpu).millicores).toBeGreaterThanOrEqual(SEED_NODE_CPU_RESERVATION.millicores);
    }
    expect(deviationRows(plan).map((r) => r[0])).not.toContain('node CPU reservation');
    expect(deviationRows(plan).find((r) => r[0] === 'node memory reservation')![3]).toMatch(/^kube-reserved \d+Mi \+ eviction 100Mi per node$/);
  });

  it.each(ENVIRONMENTS)('%s: gives the API endpoint as cluster.yaml and the bootstrap README leave it', async (env) => {
    const { plan, cluster } = await rendered(env);
    const row = deviationRows(plan).find((r) => r[0] === 'API endpoint access')!;
    expect(cluster.vpc.clusterEndpoints).toEqual({ privateAccess: true, publicAccess: true });
    for (const cidr of cluster.vpc.publicAccessCIDRs) expect(row[3]).toContain(cidr);
    const locked = fixtureEnvironment(env).env.privateEndpointOnly;
    expect(row[3].includes('private-only after')).toBe(locked);
    expect(locked).toBe(env !== 'dev');
  });

  it.each(ENVIRONMENTS)('%s: lists each workflow above its allocation with the requests the plan counts', async (env) => {
    const model = await hydratedFixture(env);
    const capacity = environmentPlans(model).capacity;
    const rows = documentDeviations(model.env, capacity).filter((d) => d.topic.startsWith('allocation of workflow '));
    const over = capacity.workflows.filter((w) => w.workflow !== 'apps' && (w.overSeed.cpu || w.overSeed.memory));
    expect(rows.map((r) => r.topic)).toEqual(over.map((w) => `allocation of workflow ${w.workflow}`));
    for (const [i, w] of over.entries()) expect(rows[i].rendered).toContain(`${(w.replicated.requests.cpu.millicores / 1000).toFixed(2)} CPU`);
  });
});
