/**
 * The "Upgrades" section of the bootstrap README: a Kubernetes minor upgrade in the order EKS
 * requires (control plane, then the add-ons, then the node groups, each checked before the next),
 * and the scheduled refresh of the node AMIs. Every value comes from what eksctl/cluster-config.ts
 * renders for the environment: the version, the add-ons, the node groups, their AMI release and
 * their `updateConfig`.
 */
import { EnvironmentSettings } from '../config/defaults';
import { EKS_VERSIONS, IMAGES, KUBERNETES_VERSION } from '../config/versions';
import { amiReleaseParameter, EKS_ADDONS, nodeAmiRelease, UPDATE_MAX_UNAVAILABLE } from './cluster-config';
import { nodeGroups } from './node-groups';

/** A wait_for line of the README: description and check (bootstrap.ts formats it with the guide's gate). */
export type WaitFor = (description: string, check: string) => string;

export interface UpgradeRunbookInput {
  readonly env: EnvironmentSettings;
  /** `dist/<env>/eksctl/cluster.yaml`, relative to the GitOps repository. */
  readonly clusterYaml: string;
  /** A check retried at the foundation gate (cluster, add-ons, nodes). */
  readonly waitFoundation: WaitFor;
  /** A check retried at the GitOps gate (Applications). */
  readonly waitApplications: WaitFor;
}

/** `1.35` → `1.36`. */
function nextMinor(version: string): string {
  const [major, minor] = version.split('.').map(Number);
  return `${major}.${minor + 1}`;
}

const minorOf = (v: string) => Number(v.split('.')[1]);

/** The minors whose AMI release the refresh looks up: the environment's, and the next one EKS offers. */
export function refreshMinors(kubernetesVersion: string): string[] {
  const next = nextMinor(kubernetesVersion);
  return minorOf(next) <= minorOf(EKS_VERSIONS.newest) ? [kubernetesVersion, next] : [kubernetesVersion];
}

export function upgradeRunbook(input: UpgradeRunbookInput): string {
  const { env, clusterYaml, waitFoundation, waitApplications } = input;
  const cluster = env.clusterName;
  const target = env.kubernetesVersion;
  const [major, minor] = target.split('.').map(Number);
  const previous = `${major}.${minor - 1}`;
  const release = nodeAmiRelease(target);
  const groups = nodeGroups(env);
  const caTag = IMAGES.clusterAutoscaler.slice(IMAGES.clusterAutoscaler.lastIndexOf(':') + 1);
  const clusterVersion = `aws eks describe-cluster --name ${cluster} --query cluster.version --output text`;
  const addonStatus = (a: string) => `test "$(aws eks describe-addon --cluster-name ${cluster} --addon-name ${a} --query addon.status --output text)" = ACTIVE`;
  const ngQuery = (g: string, q: string) => `aws eks describe-nodegroup --cluster-name ${cluster} --nodegroup-name ${g} --query nodegroup.${q} --output text`;
  const escapedTarget = target.replace('.', '\\.');
  const where = env.privateEndpointOnly
    ? ' The `kubectl` checks reach the private endpoint: run this section from a host inside the VPC, like Operations.'
    : '';
  const pin = env.kubernetesVersion === KUBERNETES_VERSION
    ? `It follows the efficiency guide's \`version_strategy: "n-1"\`: \`EKS_VERSIONS.newest\` in config/versions.ts is the newest minor EKS offers (${EKS_VERSIONS.newest}), Renovate proposes its bump (endoflife.date \`${EKS_VERSIONS.product}\`), and every environment renders the minor before it unless platform.yaml holds it back with \`kubernetesVersion\`.`
    : `platform.yaml holds it at ${target} (\`kubernetesVersion\`); without that key it follows the efficiency guide's n-1, ${KUBERNETES_VERSION} (one behind EKS's newest, ${EKS_VERSIONS.newest}).`;

  const nodeGroupBlocks = groups.map(
    (g) => `\`\`\`bash
eksctl upgrade nodegroup --cluster ${cluster} --region ${env.region} --name ${g.name} --release-version ${release}
${waitFoundation(`node group ${g.name} at ${release}`, `test "$(${ngQuery(g.name, 'releaseVersion')})" = ${release}`)}
${waitFoundation(`every ${g.name} node Ready at v${target}`, `[ -z "$(kubectl get nodes -l eks.amazonaws.com/nodegroup=${g.name} --no-headers | grep -v " Ready .* v${escapedTarget}\\.")" ]`)}
${waitApplications('every Application Healthy', `[ "$(kubectl -n argocd get applications --no-headers -o custom-columns=HEALTH:.status.health.status | sort -u)" = Healthy ]`)}
\`\`\``,
  );

  return `## Upgrades

\`${clusterYaml}\` pins Kubernetes ${target} (\`metadata.version\`) and the node AMI release ${release} (\`releaseVersion\` of
every node group, \`NODE_AMI_RELEASES\` in config/versions.ts). ${pin} A merged change to either re-renders
\`cluster.yaml\` but changes nothing in AWS: eksctl is not GitOps. Run this section once the commit is in the
GitOps repository, one environment at a time, dev first, then staging, then prod.${where}

### Upgrade Kubernetes

EKS upgrades the control plane one minor at a time, and nodes may not be newer than the control plane: so the
control plane first, then the add-ons, then the node groups. Before starting, the cluster-autoscaler image
(\`${caTag}\` in config/versions.ts \`IMAGES\`) should be of the same minor as the target, and EKS's upgrade
insights should report no error (a removed API still in use, an add-on that does not support ${target}):

\`\`\`bash
echo "control plane at $(${clusterVersion}); ${clusterYaml} renders ${target} (from ${previous} only)"
aws eks list-insights --cluster-name ${cluster} --filter '{"categories":["UPGRADE_READINESS"],"kubernetesVersions":["${target}"]}' --query "insights[?insightStatus.status!='PASSING'].[name,insightStatus.status]" --output text
${waitApplications('every Application Healthy', `[ "$(kubectl -n argocd get applications --no-headers -o custom-columns=HEALTH:.status.health.status | sort -u)" = Healthy ]`)}
\`\`\`

**1. Control plane.** \`eksctl upgrade cluster\` waits until the update is done (typically 10-20 minutes):

\`\`\`bash
eksctl upgrade cluster --config-file ${clusterYaml} --approve
${waitFoundation(`control plane at ${target}`, `test "$(${clusterVersion})" = ${target}`)}
${waitFoundation('cluster ACTIVE', `test "$(aws eks describe-cluster --name ${cluster} --query cluster.status --output text)" = ACTIVE`)}
${waitFoundation('API reachable', 'kubectl cluster-info')}
\`\`\`

**2. Add-ons.** \`cluster.yaml\` names no add-on version, so \`eksctl update addon\` moves each to the default
version EKS gives Kubernetes ${target} (\`resolveConflicts: overwrite\` as rendered):

\`\`\`bash
eksctl update addon --config-file ${clusterYaml}
${EKS_ADDONS.map((a) => waitFoundation(`add-on ${a.name} ACTIVE`, addonStatus(a.name))).join('\n')}
${waitFoundation('at least 10 running kube-system pods', '[ "$(kubectl get pods -n kube-system --field-selector=status.phase=Running --no-headers | wc -l)" -ge 10 ]')}
\`\`\`

**3. Node groups**, one after another. First apply the rendered \`updateConfig\` (\`eksctl update nodegroup\`
changes nothing else), so EKS replaces at most ${UPDATE_MAX_UNAVAILABLE} node${UPDATE_MAX_UNAVAILABLE === 1 ? '' : 's'} of a group at a time, draining each
(PodDisruptionBudgets hold), and check it took:

\`\`\`bash
eksctl update nodegroup --config-file ${clusterYaml}
${groups.map((g) => waitFoundation(`node group ${g.name} replaces at most ${UPDATE_MAX_UNAVAILABLE} at a time`, `test "$(${ngQuery(g.name, 'updateConfig.maxUnavailable')})" = ${UPDATE_MAX_UNAVAILABLE}`)).join('\n')}
\`\`\`

Then each group to the AMI release of ${target} (its kubelet with it). \`eksctl upgrade nodegroup\` waits for
the rolling replacement; the checks confirm the release, that every node of the group is Ready at v${target},
and that every Application is Healthy again before the next group:

${nodeGroupBlocks.join('\n\n')}

### Refresh the node AMIs

AWS publishes EKS-optimized AMIs with OS and kubelet patches about every two weeks. Every second Monday (and
before a Kubernetes upgrade), look up the recommended releases of ${refreshMinors(target).join(' and ')}:

\`\`\`bash
${refreshMinors(target)
  .map((m) => `echo "'${m}': '$(aws ssm get-parameter --name ${amiReleaseParameter(m)} --query Parameter.Value --output text)',"`)
  .join('\n')}
\`\`\`

Put the printed lines into \`NODE_AMI_RELEASES\` in config/versions.ts (no Renovate datasource returns these
release versions), run \`npm run synth\` and commit. Once the commit is in the GitOps repository, roll the node
groups onto it as in step 3 above (\`eksctl upgrade nodegroup ... --release-version\` with the new release of
${target}, the checks between groups included); the control plane and the add-ons stay as they are.
`;
}
