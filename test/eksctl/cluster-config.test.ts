import * as yaml from 'js-yaml';
import { resolveEnvironment } from '../../config/defaults';
import { parseConfig } from '../../config/load';
import { EKS_VERSIONS, KUBERNETES_VERSION, NODE_AMI_RELEASES, previousMinor } from '../../config/versions';
import { AddonPlacement, clusterConfig, EKS_ADDONS, LOG_RETENTION_DAYS, nodeAmiRelease } from '../../eksctl/cluster-config';
import { EVICTION_HARD_MEMORY, kubeReservedCpu, nodeShape, SEED_NODE_CPU_RESERVATION } from '../../lib/plan';
import { Cpu } from '../../lib/resources';
import { maxNodeCount, MAX_PODS_PER_NODE, NITRO_FAMILIES, NODE_GROUP_PATTERNS, nodeGroups, STARTUP_TAINTS } from '../../eksctl/node-groups';
import { ROLE_ARN_ANNOTATION, irsaRoleName } from '../../lib/irsa';
import { ENVIRONMENTS, FIXTURE_CONFIG_TEXT, helmValues, renderedFixture, fixtureConfig, fixtureEnvironment } from '../support';

const config = (env: string): any => {
  const m = fixtureEnvironment(env);
  return clusterConfig(m.env, m.components.flatMap((c) => c.irsa ?? []));
};

describe('the eksctl ClusterConfig', () => {
  it('names the cluster <name>-<env> with an exact Kubernetes version, one behind the newest EKS offers', () => {
    const c = config('prod');
    expect(c.apiVersion).toBe('eksctl.io/v1alpha5');
    expect(c.metadata).toMatchObject({ name: 'acme-prod', region: 'eu-west-1', version: previousMinor(EKS_VERSIONS.newest) });
    expect(Number(EKS_VERSIONS.newest.split('.')[1]) - Number(c.metadata.version.split('.')[1])).toBe(1);
  });

  it('follows a kubernetesVersion held back in platform.yaml, and refuses one newer than EKS offers or without a node AMI, naming the key and the fix', () => {
    const held = previousMinor(KUBERNETES_VERSION);
    const withAmi = { ...NODE_AMI_RELEASES };
    expect(resolveEnvironment({ ...fixtureConfig(), kubernetesVersion: KUBERNETES_VERSION }, 'dev').kubernetesVersion).toBe(KUBERNETES_VERSION);
    expect(() => parseConfig(`${FIXTURE_CONFIG_TEXT}\nkubernetesVersion: "1.99"\n`)).toThrow(/kubernetesVersion: 1\.99 is newer than the newest EKS version/);
    if (!withAmi[held]) {
      expect(() => parseConfig(`${FIXTURE_CONFIG_TEXT}\nkubernetesVersion: "${held}"\n`)).toThrow(
        new RegExp(`kubernetesVersion: no node AMI release is pinned for Kubernetes ${held.replace('.', '\\.')}: add '${held.replace('.', '\\.')}' to NODE_AMI_RELEASES`),
      );
    }
  });

  it.each(ENVIRONMENTS)('%s: runs every node group on the AL2023 AMI release pinned for its Kubernetes minor', (env) => {
    const c = config(env);
    for (const g of c.managedNodeGroups) {
      expect(g.amiFamily).toBe('AmazonLinux2023');
      expect(g.ami).toBeUndefined();
      expect(g.releaseVersion).toBe(NODE_AMI_RELEASES[c.metadata.version]);
      expect(g.releaseVersion).toMatch(new RegExp(`^${c.metadata.version.replace('.', '\\.')}\\.\\d+-\\d{8}$`));
    }
    expect(() => nodeAmiRelease('1.20')).toThrow(
      `no node AMI release is pinned for Kubernetes 1.20: add '1.20' to NODE_AMI_RELEASES in config/versions.ts, from: aws ssm get-parameter --name /aws/service/eks/optimized-ami/1.20/amazon-linux-2023/x86_64/standard/recommended/release_version`,
    );
  });

  it.each(ENVIRONMENTS)("%s: keeps the guide's node CPU reservation: the rendered NodeConfig, the cluster.yaml header and the capacity plan agree", async (env) => {
    const text = (await renderedFixture(env)).get(`${env}/eksctl/cluster.yaml`)!;
    const rendered: any = yaml.load(text);
    const header = text.split('\n').filter((l) => l.startsWith('#')).join(' ');
    // The header's claim, read back: "the larger of 100m and the AMI's own figure (70m on 2 vCPUs, so 100m there)", "1465Mi at 110 pods".
    const claim = /larger of\s+(?:#\s*)?(\d+)m and the AMI's own figure \((\d+)m on 2 vCPUs, so (\d+)m there\)/.exec(header.replace(/\s*#\s*/g, ' '));
    expect(claim).not.toBeNull();
    const [floor, ami, twoVcpu] = claim!.slice(1).map(Number);
    expect(floor).toBe(SEED_NODE_CPU_RESERVATION.millicores);
    expect(ami).toBe(kubeReservedCpu(2).millicores);
    expect(twoVcpu).toBe(Math.max(floor, ami));
    const memory = /(\d+)Mi at (\d+) pods/.exec(header.replace(/\s*#\s*/g, ' '))!;
    for (const g of rendered.managedNodeGroups) {
      const nc: any = yaml.load(g.overrideBootstrapCommand);
      expect(nc).toMatchObject({ apiVersion: 'node.eks.aws/v1alpha1', kind: 'NodeConfig' });
      expect(Object.keys(nc.spec.kubelet.config.kubeReserved)).toEqual(['cpu']);
      const cpu = Cpu.parse(nc.spec.kubelet.config.kubeReserved.cpu).millicores;
      expect(cpu).toBeGreaterThanOrEqual(SEED_NODE_CPU_RESERVATION.millicores);
      // What the capacity plan subtracts for this group's nodes is what the nodes reserve.
      for (const t of g.instanceTypes) {
        const shape = nodeShape(t);
        if (shape.capacity.cpu.millicores === 2000) expect(cpu).toBe(twoVcpu);
        expect(shape.reserved.cpu.millicores).toBeLessThanOrEqual(cpu);
        expect(shape.reserved.memory.mebibytes).toBe(Number(memory[1]) + EVICTION_HARD_MEMORY.mebibytes);
      }
      expect(Number(memory[2])).toBe(g.maxPodsPerNode);
    }
  });

  it.each(['staging', 'prod'])("%s: locks the API endpoint to private-only after bootstrap, staging mirroring prod", async (env) => {
    expect(fixtureEnvironment(env).env.privateEndpointOnly).toBe(true);
    const readme = (await renderedFixture(env)).get(`${env}/bootstrap/README.md`)!;
    expect(readme).toContain(`eksctl utils update-cluster-vpc-config --cluster acme-${env} --region eu-west-1 \\\n  --private-access=true --public-access=false --approve`);
  });

  it('tags the stacks with the platform and the environment under the label domain, plus aws.tags, and labels nodes under the same domain', () => {
    const shipped = fixtureConfig();
    const cfg = { ...shipped, labelDomain: 'infra.example.org', aws: { ...shipped.aws, tags: { 'cost-center': '4711', team: 'platform' } } };
    const c: any = clusterConfig(resolveEnvironment(cfg, 'staging'), []);
    expect(c.metadata.tags).toEqual({ 'cost-center': '4711', 'infra.example.org/environment': 'staging', 'infra.example.org/platform': shipped.name, team: 'platform' });
    for (const g of c.managedNodeGroups) expect(Object.keys(g.labels)).toEqual(['infra.example.org/node-role']);
    // Without labelDomain: platform.<dns.domain>.
    expect(Object.keys(config('staging').metadata.tags).sort()).toEqual([`platform.${shipped.dns.domain}/environment`, `platform.${shipped.dns.domain}/platform`]);
  });

  it('spans three zones with highly available NAT and a private endpoint in prod, one NAT in dev', () => {
    const prod = config('prod');
    expect(prod.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(prod.vpc.nat.gateway).toBe('HighlyAvailable');
    expect(prod.vpc.clusterEndpoints).toEqual({ privateAccess: true, publicAccess: true });
    expect(prod.vpc.publicAccessCIDRs).toEqual(['203.0.113.0/24']);
    expect(config('dev').vpc.nat.gateway).toBe('Single');
  });

  it('enables OIDC, the essential add-ons with prefix delegation, and 7-day control-plane logs', () => {
    const c = config('staging');
    expect(c.iam.withOIDC).toBe(true);
    expect(c.addons.map((a: any) => a.name)).toEqual(['vpc-cni', 'kube-proxy', 'coredns', 'aws-ebs-csi-driver', 'snapshot-controller']);
    expect(JSON.parse(c.addons[0].configurationValues).env.ENABLE_PREFIX_DELEGATION).toBe('true');
    expect(c.cloudWatch.clusterLogging.logRetentionInDays).toBe(LOG_RETENTION_DAYS);
    expect(LOG_RETENTION_DAYS).toBe(7);
  });

  it("installs exactly the add-ons it lists: eksctl's default add-ons are off, so no EKS metrics-server fights the metrics-server Application", () => {
    const m = fixtureEnvironment('prod');
    const c = config('prod');
    expect(c.addonsConfig).toEqual({ disableDefaultAddons: true });
    const names = c.addons.map((a: any) => a.name);
    expect(names).toEqual(expect.arrayContaining(['vpc-cni', 'kube-proxy', 'coredns']));
    expect(names).not.toContain('metrics-server');
    // No add-on manages what an Application manages.
    for (const comp of m.components) expect(names).not.toContain(comp.id);
    expect(m.components.some((comp) => comp.id === 'metrics-server')).toBe(true);
  });

  it('has the guide node groups in staging: system t3.medium on-demand 2-3, diversified spot up to 8 starting at the 5 staging needs at rest, and an on-demand fallback per zone', () => {
    const groups = config('staging').managedNodeGroups;
    expect(groups.map((g: any) => [g.name, g.instanceTypes, g.spot, g.minSize, g.maxSize, g.availabilityZones])).toEqual([
      ['system', ['t3.medium'], false, 2, 3, undefined],
      // The guide's t3.large, t3a.large, t2.large with t2.large (not Nitro) replaced by m5.large of the same size.
      ['workload-spot', ['t3.large', 't3a.large', 'm5.large'], true, 5, 8, undefined],
      ['workload-on-demand-a', ['t3.large'], false, 0, 1, ['eu-west-1a']],
      ['workload-on-demand-b', ['t3.large'], false, 0, 1, ['eu-west-1b']],
      ['workload-on-demand-c', ['t3.large'], false, 0, 1, ['eu-west-1c']],
    ]);
  });

  /**
   * Prefix delegation (the vpc-cni add-on above) hands out /28 prefixes only on Nitro instances; the
   * kubelet admits MAX_PODS_PER_NODE regardless, so a Xen node (t2.large: 35 IPs) leaves pods without
   * an address. Nitro families, from AWS EC2 "Instances built on the AWS Nitro System"
   * (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-nitro-instances.html), general purpose
   * and burstable x86 families only; the EKS user guide "Assign more IP addresses to Amazon EKS nodes
   * with prefixes" requires Nitro for prefixes. Kept here apart from the code's list on purpose.
   */
  const NITRO = ['t3', 't3a', 'm5', 'm5a', 'm5n', 'm5zn', 'm6i', 'm6a', 'm7i', 'm7i-flex', 'm7a'];

  it.each(ENVIRONMENTS)('%s: runs only Nitro instance types, the only ones prefix delegation gives 110 pod IPs', (env) => {
    const c = config(env);
    expect(JSON.parse(c.addons.find((a: any) => a.name === 'vpc-cni').configurationValues).env.ENABLE_PREFIX_DELEGATION).toBe('true');
    const types = c.managedNodeGroups.flatMap((g: any) => g.instanceTypes.map((t: string) => ({ group: g.name, type: t, maxPods: g.maxPodsPerNode })));
    expect(types.length).toBeGreaterThan(0);
    expect(types.filter((t: any) => !NITRO.includes(t.type.split('.')[0])).map((t: any) => `${t.group}: ${t.type}`)).toEqual([]);
    for (const t of types) expect(t.maxPods).toBe(MAX_PODS_PER_NODE);
  });

  it('knows the Xen families are not Nitro and refuses a node group with one, naming the group, the type and the fix', () => {
    for (const xen of ['t2', 'm4', 'c4', 'r4']) expect(NITRO_FAMILIES).not.toContain(xen);
    const env = fixtureEnvironment('dev').env;
    const withT2 = { ...env, nodeGroups: { ...env.nodeGroups, spot: { ...env.nodeGroups.spot, instanceTypes: ['t3.large', 't2.large'] } } };
    expect(() => nodeGroups(withT2)).toThrow(
      'node group workload-spot: instance type "t2.large" is not built on the AWS Nitro System, so VPC CNI prefix delegation cannot give it the 110 pod IPs its kubelet admits; use a Nitro type of the same size (m5.large)',
    );
  });

  it.each(ENVIRONMENTS)('%s: has one on-demand fallback group per zone, so the autoscaler can add a node in the zone of a volume when spot is gone', (env) => {
    const c = config(env);
    const onDemand = c.managedNodeGroups.filter((g: any) => g.labels[fixtureEnvironment(env).env.labelDomain.nodeRole] === 'workload-on-demand');
    expect(onDemand.map((g: any) => g.availabilityZones)).toEqual(c.availabilityZones.map((z: string) => [z]));
    for (const g of onDemand) expect(g.spot).toBe(false);
  });

  it.each(ENVIRONMENTS)('%s: ranks every spot group above every on-demand group and those above the system group in the autoscaler\'s priority expander', (env) => {
    const priorities: Record<string, string[]> = helmValues(fixtureEnvironment(env), 'cluster-autoscaler').expanderPriorities;
    // The ASG of a managed node group is eks-<node group>-<uuid>; the expander takes the highest priority whose pattern matches.
    const rank = (group: string) =>
      Math.max(...Object.entries(priorities).filter(([, ps]) => ps.some((p) => new RegExp(`^${p}$`).test(`eks-${group}-0ac9b7e2-1f4d-8a3c-5e6f-7b8c9d0e1f2a`))).map(([n]) => Number(n)));
    const groups = config(env).managedNodeGroups;
    const ranks = (role: string) => groups.filter((g: any) => g.labels[fixtureEnvironment(env).env.labelDomain.nodeRole] === role).map((g: any) => rank(g.name));
    const spot = ranks('workload-spot');
    const onDemand = ranks('workload-on-demand');
    expect(new Set(spot).size).toBe(1);
    expect(new Set(onDemand).size).toBe(1);
    expect(Math.min(...spot)).toBeGreaterThan(Math.max(...onDemand));
    expect(Math.min(...onDemand)).toBeGreaterThan(rank('system'));
    expect(NODE_GROUP_PATTERNS).toHaveLength(2);
  });

  it('splits the prod spot group per zone so the autoscaler can grow the zone of an EBS volume', () => {
    const spot = config('prod').managedNodeGroups.filter((g: any) => g.spot);
    expect(spot.map((g: any) => g.availabilityZones)).toEqual([['eu-west-1a'], ['eu-west-1b'], ['eu-west-1c']]);
  });

  it('taints every node group until Cilium is ready, rolls updates one node at a time and raises max pods', () => {
    for (const g of config('dev').managedNodeGroups) {
      expect(g.taints).toEqual([{ key: 'node.cilium.io/agent-not-ready', value: 'true', effect: 'NoExecute' }]);
      expect(g.updateConfig).toEqual({ maxUnavailable: 1 });
      expect(g.maxPodsPerNode).toBe(MAX_PODS_PER_NODE);
      expect(g.privateNetworking).toBe(true);
    }
  });

  it('counts nodes at maximum size for DaemonSet sizing', () => {
    const m = fixtureEnvironment('prod');
    expect(maxNodeCount(m.env)).toBe(nodeGroups(m.env).reduce((n, g) => n + g.maxSize, 0));
    // system 3, spot 3 per zone, on-demand 1 per zone: three zones.
    expect(maxNodeCount(m.env)).toBe(3 + 3 * 3 + 3 * 1);
  });
});

describe('IRSA pairing', () => {
  it('creates every role with roleOnly and a fixed name, and the chart annotates its ServiceAccount with the same ARN', () => {
    const m = fixtureEnvironment('prod');
    const c = config('prod');
    const entry = c.iam.serviceAccounts.find((s: any) => s.metadata.name === 'cluster-autoscaler');
    expect(entry).toMatchObject({ roleOnly: true, roleName: 'acme-prod-kube-system-cluster-autoscaler', attachPolicy: { Version: '2012-10-17' } });
    const annotation = helmValues(m, 'cluster-autoscaler').rbac.serviceAccount.annotations[ROLE_ARN_ANNOTATION];
    expect(annotation).toBe(`arn:aws:iam::123456789012:role/${entry.roleName}`);
  });

  it('has one eksctl entry for every role a component declares', () => {
    const m = fixtureEnvironment('prod');
    const roles = m.components.flatMap((comp) => comp.irsa ?? []);
    expect(config('prod').iam.serviceAccounts.map((s: any) => s.roleName).sort()).toEqual(roles.map((r) => r.roleName).sort());
  });

  it('keeps role names within the 64-character IAM limit, stably', () => {
    const long = irsaRoleName('a-very-long-platform-name-production', 'observability', 'a-service-account-with-a-long-name');
    expect(long.length).toBeLessThanOrEqual(64);
    expect(irsaRoleName('a-very-long-platform-name-production', 'observability', 'a-service-account-with-a-long-name')).toBe(long);
  });

  it('declares the Cilium startup taint to the autoscaler', () => {
    const v = helmValues(fixtureEnvironment('prod'), 'cluster-autoscaler');
    expect(v.extraArgs['startup-taint']).toBe(STARTUP_TAINTS[0].key);
  });
});

/** Position of the first line of `text` matching `pattern`, or -1. */
function lineAt(text: string, pattern: RegExp): number {
  return text.split('\n').findIndex((l) => pattern.test(l));
}

describe.each(ENVIRONMENTS)('cluster.yaml and the bootstrap README in %s', (env) => {
  let cluster: any;
  let readme = '';
  beforeAll(async () => {
    const tree = await renderedFixture(env);
    cluster = yaml.load(tree.get(`${env}/eksctl/cluster.yaml`)!);
    readme = tree.get(`${env}/bootstrap/README.md`)!;
  }, 120_000);

  it('create the control plane without node groups, apply Cilium, add the node groups, then wait for the add-ons that need a node', () => {
    const file = `dist/${env}/eksctl/cluster.yaml`;
    const createCluster = lineAt(readme, new RegExp(`^eksctl create cluster -f ${file} --without-nodegroup$`));
    const cilium = lineAt(readme, new RegExp(`^kubectl apply .* -f dist/${env}/manifests/cilium/$`));
    const nodegroup = lineAt(readme, new RegExp(`^eksctl create nodegroup -f ${file}$`));
    const addons = lineAt(readme, new RegExp(`^eksctl create addon -f ${file}$`));
    expect([createCluster, cilium, nodegroup, addons].every((n) => n >= 0)).toBe(true);
    expect(createCluster).toBeLessThan(cilium);
    expect(cilium).toBeLessThan(nodegroup);
    expect(nodegroup).toBeLessThan(addons);
    // Every add-on of cluster.yaml is waited for, and one that needs a schedulable node only after the nodes joined.
    const byName = new Map(EKS_ADDONS.map((a) => [a.name, a]));
    expect(cluster.addons.map((a: any) => a.name).sort()).toEqual([...byName.keys()].sort());
    for (const a of cluster.addons) {
      const wait = lineAt(readme, new RegExp(`^wait_for .* "add-on ${a.name} ACTIVE" '.*aws eks describe-addon --cluster-name ${cluster.metadata.name} --addon-name ${a.name} `));
      expect({ addon: a.name, waited: wait >= 0 }).toEqual({ addon: a.name, waited: true });
      expect(wait).toBeGreaterThan(createCluster);
      if (byName.get(a.name)!.placement === AddonPlacement.SchedulableNode) expect({ addon: a.name, afterNodes: wait > addons }).toEqual({ addon: a.name, afterNodes: true });
    }
    // The node groups the README creates are the ones cluster.yaml declares, tainted until Cilium runs.
    expect(cluster.managedNodeGroups.length).toBeGreaterThan(0);
    for (const g of cluster.managedNodeGroups) expect(g.taints.map((t: any) => t.key)).toContain(STARTUP_TAINTS[0].key);
  });
});

describe('the EKS add-ons', () => {
  it('count only the DaemonSets that tolerate the Cilium taint as needing no node', () => {
    expect(EKS_ADDONS.filter((a) => a.placement === AddonPlacement.EveryNode).map((a) => a.name)).toEqual(['vpc-cni', 'kube-proxy']);
    expect(EKS_ADDONS.filter((a) => a.placement === AddonPlacement.SchedulableNode).map((a) => a.name)).toEqual(['coredns', 'aws-ebs-csi-driver', 'snapshot-controller']);
  });
});
