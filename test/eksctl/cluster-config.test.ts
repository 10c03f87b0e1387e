import { clusterConfig, LOG_RETENTION_DAYS } from '../../eksctl/cluster-config';
import { maxNodeCount, MAX_PODS_PER_NODE, nodeGroups, STARTUP_TAINTS } from '../../eksctl/node-groups';
import { ROLE_ARN_ANNOTATION, irsaRoleName } from '../../lib/irsa';
import { helmValues, shippedEnvironment } from '../support';

const config = (env: string): any => {
  const m = shippedEnvironment(env);
  return clusterConfig(m.env, m.components.flatMap((c) => c.irsa ?? []));
};

describe('the eksctl ClusterConfig', () => {
  it('names the cluster <name>-<env> with an exact Kubernetes version, one behind the newest', () => {
    const c = config('prod');
    expect(c.apiVersion).toBe('eksctl.io/v1alpha5');
    expect(c.metadata).toMatchObject({ name: 'acme-prod', region: 'eu-west-1', version: '1.35' });
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

  it('has the guide node groups: system t3.medium on-demand 2-3 and diversified spot 1-8 in staging', () => {
    const groups = config('staging').managedNodeGroups;
    expect(groups.map((g: any) => [g.name, g.instanceTypes, g.spot, g.minSize, g.maxSize])).toEqual([
      ['system', ['t3.medium'], false, 2, 3],
      ['workload-spot', ['t3.large', 't3a.large', 't2.large'], true, 1, 8],
      ['workload-on-demand', ['t3.large'], false, 0, 3],
    ]);
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
    const m = shippedEnvironment('prod');
    expect(maxNodeCount(m.env)).toBe(nodeGroups(m.env).reduce((n, g) => n + g.maxSize, 0));
    expect(maxNodeCount(m.env)).toBe(3 + 3 * 3 + 3);
  });
});

describe('IRSA pairing', () => {
  it('creates every role with roleOnly and a fixed name, and the chart annotates its ServiceAccount with the same ARN', () => {
    const m = shippedEnvironment('prod');
    const c = config('prod');
    const entry = c.iam.serviceAccounts.find((s: any) => s.metadata.name === 'cluster-autoscaler');
    expect(entry).toMatchObject({ roleOnly: true, roleName: 'acme-prod-kube-system-cluster-autoscaler', wellKnownPolicies: { autoScaler: true } });
    const annotation = helmValues(m, 'cluster-autoscaler').rbac.serviceAccount.annotations[ROLE_ARN_ANNOTATION];
    expect(annotation).toBe(`arn:aws:iam::123456789012:role/${entry.roleName}`);
  });

  it('has one eksctl entry for every role a component declares', () => {
    const m = shippedEnvironment('prod');
    const roles = m.components.flatMap((comp) => comp.irsa ?? []);
    expect(config('prod').iam.serviceAccounts.map((s: any) => s.roleName).sort()).toEqual(roles.map((r) => r.roleName).sort());
  });

  it('keeps role names within the 64-character IAM limit, stably', () => {
    const long = irsaRoleName('a-very-long-platform-name-production', 'observability', 'a-service-account-with-a-long-name');
    expect(long.length).toBeLessThanOrEqual(64);
    expect(irsaRoleName('a-very-long-platform-name-production', 'observability', 'a-service-account-with-a-long-name')).toBe(long);
  });

  it('declares the Cilium startup taint to the autoscaler', () => {
    const v = helmValues(shippedEnvironment('prod'), 'cluster-autoscaler');
    expect(v.extraArgs['startup-taint']).toBe(STARTUP_TAINTS[0].key);
  });
});
