/**
 * The "Upgrades" section of the rendered bootstrap README against the rendered cluster.yaml: the
 * order EKS requires, the values eksctl renders, and a check after each step. shellcheck runs over
 * it with the rest of the README (test/workflows/readme-shell.test.ts).
 */
import * as yaml from 'js-yaml';
import { EKS_VERSIONS } from '../../config/versions';
import { refreshMinors } from '../../eksctl/upgrade-runbook';
import { ENVIRONMENTS, renderedFixture } from '../support';

jest.setTimeout(120_000);

async function rendered(env: string): Promise<{ upgrades: string; cluster: any }> {
  const tree = await renderedFixture(env);
  const readme = tree.get(`${env}/bootstrap/README.md`)!;
  const start = readme.indexOf('\n## Upgrades\n');
  expect(start).toBeGreaterThan(0);
  const next = readme.indexOf('\n## ', start + 1);
  return { upgrades: readme.slice(start, next < 0 ? undefined : next), cluster: yaml.load(tree.get(`${env}/eksctl/cluster.yaml`)!) };
}

/** The lines of the section's bash blocks, in order. */
const commands = (section: string) =>
  [...section.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n')).filter((l) => l.trim() !== '');

describe('the upgrade runbook', () => {
  it.each(ENVIRONMENTS)('%s: upgrades the control plane, then the add-ons, then each node group, with a check after every step', async (env) => {
    const { upgrades, cluster } = await rendered(env);
    const lines = commands(upgrades);
    const at = (prefix: string) => {
      const i = lines.findIndex((l) => l.startsWith(prefix));
      expect([prefix, i >= 0]).toEqual([prefix, true]);
      return i;
    };
    const plane = at(`eksctl upgrade cluster --config-file dist/${env}/eksctl/cluster.yaml --approve`);
    const addons = at(`eksctl update addon --config-file dist/${env}/eksctl/cluster.yaml`);
    const groups = cluster.managedNodeGroups.map((g: any) => at(`eksctl upgrade nodegroup --cluster ${cluster.metadata.name} --region ${cluster.metadata.region} --name ${g.name} `));
    expect(plane).toBeLessThan(addons);
    expect(addons).toBeLessThan(Math.min(...groups));
    expect([...groups].sort((a, b) => a - b)).toEqual(groups);
    // Every step is followed by a check before the next step starts.
    for (const step of [plane, addons, ...groups]) expect(lines[step + 1]).toMatch(/^wait_for \d+ \d+ "/);
    expect(lines[plane + 1]).toContain(`control plane at ${cluster.metadata.version}`);
    for (const a of cluster.addons) expect(upgrades).toContain(`"add-on ${a.name} ACTIVE"`);
  });

  it.each(ENVIRONMENTS)('%s: moves every node group to the AMI release cluster.yaml pins, honouring the maxUnavailable it renders', async (env) => {
    const { upgrades, cluster } = await rendered(env);
    for (const g of cluster.managedNodeGroups) {
      expect(upgrades).toContain(`--name ${g.name} --release-version ${g.releaseVersion}\n`);
      expect(upgrades).toContain(`--nodegroup-name ${g.name} --query nodegroup.updateConfig.maxUnavailable --output text)" = ${g.updateConfig.maxUnavailable}'`);
      expect(upgrades).toContain(`"every ${g.name} node Ready at v${cluster.metadata.version}"`);
    }
    const applyUpdateConfig = commands(upgrades).indexOf(`eksctl update nodegroup --config-file dist/${env}/eksctl/cluster.yaml`);
    expect(applyUpdateConfig).toBeGreaterThan(commands(upgrades).findIndex((l) => l.startsWith('eksctl update addon')));
    expect(applyUpdateConfig).toBeLessThan(commands(upgrades).findIndex((l) => l.startsWith('eksctl upgrade nodegroup')));
  });

  it.each(ENVIRONMENTS)('%s: refreshes the node AMIs from the recommended release of the cluster\'s minor, on a schedule', async (env) => {
    const { upgrades, cluster } = await rendered(env);
    const minors = refreshMinors(cluster.metadata.version);
    expect(minors[0]).toBe(cluster.metadata.version);
    for (const m of minors) {
      expect(Number(m.split('.')[1])).toBeLessThanOrEqual(Number(EKS_VERSIONS.newest.split('.')[1]));
      expect(upgrades).toContain(`aws ssm get-parameter --name /aws/service/eks/optimized-ami/${m}/amazon-linux-2023/x86_64/standard/recommended/release_version --query Parameter.Value --output text`);
    }
    expect(upgrades).toMatch(/Every second Monday/);
    expect(upgrades).toContain('NODE_AMI_RELEASES');
  });
});
