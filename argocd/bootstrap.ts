/**
 * dist/<env>/bootstrap/: everything Argo CD cannot do for itself. The root AppProject and
 * app-of-apps, and a README an operator follows from start to end: the tools and variables it
 * needs, the exact commands in order with the seed's validation checks, how to reach Argo CD, how
 * to roll back, and how to tear it all down again. The components installed by hand before Argo
 * CD runs (the monitoring CRDs, Cilium, Argo CD) are applied from their rendered manifests with
 * `kubectl apply --server-side`: the very objects their Applications later adopt. The operator
 * needs no helm and no chart repository.
 *
 * The steps are numbered from argocd/steps.ts, which the health checks that name a step read too.
 */
import * as yaml from 'js-yaml';
import { App, Chart } from 'cdk8s';
import { EnvironmentSettings } from '../config/defaults';
import { AddonPlacement, EKS_ADDONS } from '../eksctl/cluster-config';
import { upgradeRunbook } from '../eksctl/upgrade-runbook';
import { detectionRunbook } from '../eksctl/detection-runbook';
import { Component, SecretRequirement, READINESS_GATES, Workflow } from '../lib/component';
import { buildGraph } from '../lib/graph';
import { FileTree, addFile, toYaml } from '../lib/output';
import { Application, AppProject } from '../imports/argoproj.io';
import { ARGOCD_NAMESPACE, GitOpsTarget, IN_CLUSTER, rootRetryPolicy } from './applications';
import { OPENBAO_SEEDING_GATE_SECONDS } from './health';
import { BootstrapStep, stepNumber, stepReference } from './steps';

/** Components applied by hand at bootstrap, in order, and adopted later by their Applications. */
export const BOOTSTRAP_COMPONENTS = ['prometheus-operator-crds', 'cilium', 'argocd'] as const;

export const ROOT_PROJECT = 'root';
export const ROOT_APP = 'root';

/**
 * The oldest eksctl the README's ClusterConfig is known to work with: the release whose schema
 * `npm run validate` checks cluster.yaml against (`addonsConfig.disableDefaultAddons`, Kubernetes
 * 1.35 and the AL2023 node images it defaults to).
 */
export const EKSCTL_MIN_VERSION = '0.230.0';
/** AWS CLI v2: every `aws` command of the README (eks describe-addon, s3api, kms) exists in it. */
export const AWS_CLI_MIN_VERSION = '2.22.0';

export function rootObjects(target: GitOpsTarget): { project: object; app: object } {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'bootstrap', { disableResourceNameHashes: true });
  const project = new AppProject(chart, 'root-project', {
    metadata: { name: ROOT_PROJECT, namespace: ARGOCD_NAMESPACE },
    spec: {
      description: 'The app-of-apps: only Applications and AppProjects in the argocd namespace',
      sourceRepos: [target.repoURL],
      destinations: [{ server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [
        { group: 'argoproj.io', kind: 'Application' },
        { group: 'argoproj.io', kind: 'AppProject' },
      ],
    },
  });
  const root = new Application(chart, 'root-app', {
    metadata: { name: ROOT_APP, namespace: ARGOCD_NAMESPACE, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
    spec: {
      project: ROOT_PROJECT,
      destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
      source: { repoUrl: target.repoURL, targetRevision: target.targetRevision, path: `${target.envPath}/apps`, directory: { recurse: false } },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['PruneLast=true'], retry: rootRetryPolicy() },
      revisionHistoryLimit: 10,
    },
  });
  return { project: project.toJson(), app: root.toJson() };
}

function waitFor(workflowGate: Workflow, description: string, check: string): string {
  const g = READINESS_GATES[workflowGate];
  return waitForSeconds(g.timeoutSeconds, g.retryIntervalSeconds, description, check);
}

function waitForSeconds(timeoutSeconds: number, intervalSeconds: number, description: string, check: string): string {
  if (check.includes("'")) throw new Error(`bootstrap README: the check for "${description}" contains a single quote; it is single-quoted for wait_for`);
  return `wait_for ${timeoutSeconds} ${intervalSeconds} "${description}" '${check}'`;
}

function secretCommand(s: SecretRequirement): string {
  const literals = Object.entries(s.bootstrap ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, envVar]) => `  --from-literal=${key}="$${envVar}"`);
  const labels = Object.entries(s.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  const lines = [
    `kubectl create namespace ${s.namespace} --dry-run=client -o yaml | kubectl apply -f -`,
    `kubectl -n ${s.namespace} create secret generic ${s.name} \\`,
    ...literals.map((l, i) => (i < literals.length - 1 || labels.length ? `${l} \\` : l)),
  ];
  if (labels.length) lines.push(`  --dry-run=client -o yaml | kubectl label --local -f - ${labels.join(' ')} -o yaml | kubectl apply -f -`);
  return lines.join('\n');
}

export interface BootstrapInput {
  readonly env: EnvironmentSettings;
  readonly components: readonly Component[];
  readonly target: GitOpsTarget;
}

/** A command-line tool the README uses, with the version to install. */
export interface BootstrapTool {
  readonly command: string;
  readonly name: string;
  readonly version: string;
  /** The command that prints its version. */
  readonly versionCommand: string;
  readonly usedFor: string;
}

/**
 * Writes the bootstrap folder of one environment. `tree` must already hold the environment's
 * rendered manifests (`<env>/manifests/`): the Argo CD and OpenBao CLI versions are read from the
 * images the rendered workloads run, so a chart bump moves the README's versions with it.
 */
export function renderBootstrap(tree: FileTree, prefix: string, input: BootstrapInput): void {
  const { env, components, target } = input;
  const byId = new Map(components.map((c) => [c.id, c]));
  const releases = BOOTSTRAP_COMPONENTS.map((id) => {
    const c = byId.get(id);
    if (!c) throw new Error(`bootstrap needs the ${id} component`);
    return c;
  });
  const envRoot = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
  const root = rootObjects(target);
  addFile(tree, `${prefix}/root-project.yaml`, toYaml(root.project));
  addFile(tree, `${prefix}/root-app.yaml`, toYaml(root.app));
  addFile(tree, `${prefix}/README.md`, readme(env, components, releases, target, bootstrapTools(env, tree, envRoot)));
}

/** The tag of the image named `image` (last path segment) that the environment's rendered workloads run. */
export function renderedImageTag(tree: FileTree, envRoot: string, image: string): string | undefined {
  const manifests = `${envRoot ? `${envRoot}/` : ''}manifests/`;
  const tags = new Set<string>();
  for (const [file, text] of tree) {
    if (!file.startsWith(manifests) || !/\/(deployment|statefulset|daemonset)-[^/]+\.yaml$/.test(file)) continue;
    const o = yaml.load(text) as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } };
    for (const c of o?.spec?.template?.spec?.containers ?? []) {
      const m = /^(?:.*\/)?([^/:@]+):([^@]+)/.exec(c.image ?? '');
      if (m && m[1] === image) tags.add(m[2]);
    }
  }
  if (tags.size > 1) throw new Error(`bootstrap: the rendered workloads run ${image} at ${[...tags].sort().join(' and ')}; one version is expected`);
  return [...tags][0];
}

/** The tools of the README, with the versions that match this environment's platform. */
export function bootstrapTools(env: EnvironmentSettings, tree: FileTree, envRoot: string): BootstrapTool[] {
  const argocd = renderedImageTag(tree, envRoot, 'argocd');
  if (!argocd) throw new Error(`bootstrap: no rendered workload runs the argocd image under ${envRoot}/manifests/; render the manifests before the bootstrap README`);
  const bao = renderedImageTag(tree, envRoot, 'openbao');
  const [major, minor] = env.kubernetesVersion.split('.').map(Number);
  return [
    { command: 'aws', name: 'AWS CLI v2', version: `${AWS_CLI_MIN_VERSION} or later`, versionCommand: 'aws --version', usedFor: 'the AWS resources (step 0) and the cluster and add-on status checks' },
    { command: 'eksctl', name: 'eksctl', version: `${EKSCTL_MIN_VERSION} or later`, versionCommand: 'eksctl version', usedFor: 'the cluster, node groups, add-ons and IRSA roles (`eksctl/cluster.yaml`)' },
    {
      command: 'kubectl',
      name: 'kubectl',
      version: `v${env.kubernetesVersion} (v${major}.${minor - 1} to v${major}.${minor + 1} work: one minor version of skew)`,
      versionCommand: 'kubectl version --client',
      usedFor: `everything inside the cluster (Kubernetes ${env.kubernetesVersion})`,
    },
    ...(bao ? [{ command: 'bao', name: 'OpenBao CLI', version: `${bao} (the server's version)`, versionCommand: 'bao version', usedFor: 'seeding OpenBao and administrative access' }] : []),
    { command: 'argocd', name: 'Argo CD CLI', version: `${argocd} (the server's version)`, versionCommand: 'argocd version --client', usedFor: 'logging in, watching the waves, rollback' },
  ];
}

/**
 * Applies a component's rendered objects as its Application will: server-side, so the objects are
 * owned by field managers rather than a last-applied annotation (several CRDs exceed its 256 KiB
 * limit), with the namespace created first. Helm hooks in the rendering (e.g. Argo CD's Redis
 * secret init Job) are applied like any object; Argo CD runs them as hooks on later syncs.
 */
export function applyRendered(c: Component, envPath: string): string {
  return [
    ...(c.namespace === 'kube-system' ? [] : [`kubectl create namespace ${c.namespace} --dry-run=client -o yaml | kubectl apply -f -`]),
    `kubectl apply --server-side --field-manager=bootstrap -f ${envPath}/manifests/${c.id}/`,
  ].join('\n');
}

/** The operator's environment variables the bootstrap Secrets are created from, with what each is for. */
export function bootstrapVariables(components: readonly Component[]): { name: string; purposes: string[] }[] {
  const byVar = new Map<string, Set<string>>();
  for (const s of components.flatMap((c) => c.secrets ?? [])) {
    for (const envVar of Object.values(s.bootstrap ?? {})) byVar.set(envVar, (byVar.get(envVar) ?? new Set()).add(s.purpose));
  }
  return [...byVar.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, purposes]) => ({ name, purposes: [...purposes].sort() }));
}

function secretsBlock(secrets: readonly SecretRequirement[]): string {
  if (secrets.length === 0) return 'None.\n';
  const envVars = [...new Set(secrets.flatMap((s) => Object.values(s.bootstrap ?? {})))].sort();
  const check = `: ${envVars.map((v) => `"\${${v}:?export ${v} first}"`).join(' ')}`;
  const adoptedBy = (s: SecretRequirement) =>
    Object.keys(s.data).length === 0
      ? 'nothing: bootstrap only, never stored in OpenBao'
      : `ExternalSecret ${s.namespace}/${s.name} (OpenBao ${[...new Set(Object.values(s.data).map((r) => `secret/${r.path}`))].join(', ')})`;
  const table = secrets.map((s) => `| ${s.namespace}/${s.name} | ${s.purpose} | ${adoptedBy(s)} |`);
  return ['```bash', check, ...secrets.map(secretCommand), '```', '', '| Secret | purpose | adopted by |', '|---|---|---|', ...table, ''].join('\n');
}

/** Sync waves of the components, and the readiness gate of each wave (the longest of its components'). */
export interface WavePlan {
  readonly waves: ReadonlyMap<string, number>;
  /** Wave number → its components, ascending. */
  readonly members: ReadonlyMap<number, readonly Component[]>;
  readonly gateSeconds: ReadonlyMap<number, number>;
}

/** The waves argocd/applications.ts gives the Applications, computed from the same graph. */
export function wavePlan(components: readonly Component[]): WavePlan {
  const ids = new Set(components.map((c) => c.id));
  // platform.ts built this environment's graph already; a dependency missing here is one it knew to be absent.
  const absent = new Set(components.flatMap((c) => c.dependsOn).filter((d) => !ids.has(d)));
  const { waves } = buildGraph(components, absent);
  const members = new Map<number, Component[]>();
  for (const c of components) members.set(waves.get(c.id)!, [...(members.get(waves.get(c.id)!) ?? []), c]);
  const sorted = new Map([...members.entries()].sort(([a], [b]) => a - b));
  const gateSeconds = new Map([...sorted.entries()].map(([w, cs]) => [w, Math.max(...cs.map((c) => READINESS_GATES[c.workflow].timeoutSeconds))]));
  return { waves, members: sorted, gateSeconds };
}

/** How long the waves up to and including `lastWave` take at most: each waits its gate. */
function gatesUpTo(plan: WavePlan, lastWave: number): number {
  return [...plan.gateSeconds.entries()].filter(([w]) => w <= lastWave).reduce((n, [, s]) => n + s, 0);
}

function heading(step: BootstrapStep, title: string): string {
  return `## ${stepNumber(step)}. ${title}`;
}

function addonStatus(clusterName: string, addon: string): string {
  return `test "$(aws eks describe-addon --cluster-name ${clusterName} --addon-name ${addon} --query addon.status --output text)" = ACTIVE`;
}

function appHealthy(app: string): string {
  return `test "$(kubectl -n ${ARGOCD_NAMESPACE} get application ${app} -o jsonpath={.status.health.status})" = Healthy`;
}

function readme(env: EnvironmentSettings, components: readonly Component[], releases: readonly Component[], target: GitOpsTarget, tools: readonly BootstrapTool[]): string {
  const p = target.envPath;
  const cluster = env.clusterName;
  const secrets = components.flatMap((c) => (c.secrets ?? []).filter((s) => s.bootstrap)).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const variables = bootstrapVariables(components);
  const sections = (phase: 'aws' | 'openbao' | 'operations') =>
    components
      .flatMap((c) => (c.runbook ?? []).filter((r) => r.phase === phase).map((r) => ({ ...r, id: c.id })))
      .map((r) => `### ${r.title} (${r.id})\n\n${r.body.trim()}\n`);
  const [crds, cilium, argocd] = releases;
  const plan = wavePlan(components);
  const lastWave = Math.max(...plan.members.keys());
  const allHealthySeconds = gatesUpTo(plan, lastWave);
  const openbaoWave = plan.waves.get('openbao');
  const foundation = READINESS_GATES[Workflow.Foundation];
  const everyNode = EKS_ADDONS.filter((a) => a.placement === AddonPlacement.EveryNode);
  const schedulable = EKS_ADDONS.filter((a) => a.placement === AddonPlacement.SchedulableNode);
  const names = (as: readonly { name: string }[]) => as.map((a) => `\`${a.name}\``).join(', ');
  const clusterYaml = `${p}/eksctl/cluster.yaml`;
  const out: string[] = [];

  out.push(`# Bootstrap: ${cluster}

Everything Argo CD cannot do for itself, in order. Run every block from the root of the GitOps repository,
in one shell, with AWS credentials for account ${env.accountId} from one of the cluster's admin roles
(${env.clusterAccess.admins.map((a) => `\`${a}\``).join(', ')}): the cluster's API admits only its access entries, and whoever
runs eksctl gets no admin access of its own (\`bootstrapClusterCreatorAdminPermissions: false\`). No helm: every chart is already rendered under
\`${p}/manifests/\`. Each step ends with the efficiency guide's validation check, retried at the guide's interval
until its timeout. Steps 0 to ${stepNumber('seedOpenBao')} reach the cluster over its public API endpoint, open only to ${env.publicAccessCidrs.map((c) => `\`${c}\``).join(', ')}${
    env.privateEndpointOnly ? `; step ${stepNumber('privateEndpoint')} then makes it private` : ''
  }.

## Prerequisites

| tool | version | used for |
|---|---|---|
${tools.map((t) => `| \`${t.command}\`${t.name === t.command ? '' : ` (${t.name})`} | ${t.version} | ${t.usedFor} |`).join('\n')}

The README reads these variables from your shell. Export each from your password manager before you start
(never commit them); where a section of step 0 creates the value (a new API token, a generated key), export it
there and store it in the password manager. Step ${stepNumber('bootstrapSecrets')} writes them into bootstrap Secrets,
step ${stepNumber('seedOpenBao')} into OpenBao.

| variable | used for |
|---|---|
${variables.map((v) => `| \`${v.name}\` | ${v.purposes.join('; ')} |`).join('\n')}

Then define the helper every step uses, and check the tools:

\`\`\`bash
# shellcheck disable=SC2016 # each wait_for check is single-quoted on purpose: wait_for evaluates it later
# wait_for TIMEOUT_SECONDS INTERVAL_SECONDS DESCRIPTION COMMAND
wait_for() {
  local deadline=$(( $(date +%s) + $1 ))
  until bash -c "$4" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "timed out after $1s: $3" >&2; return 1; fi
    echo "waiting: $3"; sleep "$2"
  done
  echo "ok: $3"
}
export CLUSTER_NAME=${cluster} AWS_REGION=${env.region}
for tool in ${tools.map((t) => t.command).join(' ')}; do
  command -v "$tool" >/dev/null || echo "missing: $tool (see the table above)" >&2
done
${tools.map((t) => t.versionCommand).join('\n')}
\`\`\`
`);

  const aws = sections('aws');
  out.push(`${heading('awsResources', 'AWS resources')}\n\n${aws.length ? aws.join('\n') : 'None.\n'}`);

  out.push(`${heading('controlPlane', 'Create the control plane and the add-ons that need no node')}

\`\`\`bash
eksctl create cluster -f ${clusterYaml} --without-nodegroup
${waitFor(Workflow.Foundation, 'cluster ACTIVE', `test "$(aws eks describe-cluster --name ${cluster} --query cluster.status --output text)" = ACTIVE`)}
${waitFor(Workflow.Foundation, 'API reachable', 'kubectl cluster-info')}
${everyNode.map((a) => waitFor(Workflow.Foundation, `add-on ${a.name} ACTIVE`, addonStatus(cluster, a.name))).join('\n')}
\`\`\`

eksctl creates the VPC, the control plane, the OIDC provider, the IRSA roles and exactly the add-ons listed in
\`cluster.yaml\` (\`addonsConfig.disableDefaultAddons\`: none of eksctl's defaults; metrics-server is the
\`metrics-server\` Application's). With no node group in this run it waits for no add-on that needs a node:
${names(everyNode)} are DaemonSets that tolerate every taint and are ACTIVE without nodes, while
${names(schedulable)} are created too and report DEGRADED until step ${stepNumber('nodeAddons')}, when their pods can schedule.

${heading('monitoringCrds', 'Monitoring CRDs')}

Applied first, so every later component may create its ServiceMonitors.

\`\`\`bash
${applyRendered(crds, p)}
${waitFor(Workflow.Foundation, 'monitoring CRDs established', 'kubectl wait --for=condition=Established crd/servicemonitors.monitoring.coreos.com --timeout=10s')}
\`\`\`

${heading('cilium', 'Cilium')}

Its objects go in before any node exists: every node then starts Cilium as it joins, and Cilium lifts the
node's \`node.cilium.io/agent-not-ready\` taint, under which no other pod schedules.

\`\`\`bash
${applyRendered(cilium, p)}
${waitFor(Workflow.Foundation, 'Cilium DaemonSet created', 'kubectl -n kube-system get daemonset cilium')}
\`\`\`

${heading('bootstrapSecrets', 'Secrets Argo CD cannot deliver yet')}

Like the last two steps these need only the API server. They exist before OpenBao and External Secrets run;
create them from the variables of the prerequisites. Once \`external-secrets-config\` is synced, each Secret is
adopted by the ExternalSecret named below, which rewrites it from OpenBao: step ${stepNumber('seedOpenBao')} stores
the same values in OpenBao, so the handover has no gap.

${secretsBlock(secrets)}
${heading('nodeGroups', 'Node groups')}

\`\`\`bash
eksctl create nodegroup -f ${clusterYaml}
${waitFor(Workflow.Foundation, 'at least 3 nodes', '[ "$(kubectl get nodes --no-headers | wc -l)" -ge 3 ]')}
${waitFor(Workflow.Foundation, 'Cilium lifted the startup taint from every node', '! kubectl get nodes -o jsonpath="{.items[*].spec.taints[*].key}" | grep -q node.cilium.io/agent-not-ready')}
\`\`\`

eksctl waits until the nodes are Ready; Cilium starts on each and removes its startup taint.

${heading('nodeAddons', 'The add-ons that need a schedulable node')}

\`\`\`bash
eksctl create addon -f ${clusterYaml}
${schedulable.map((a) => waitFor(Workflow.Foundation, `add-on ${a.name} ACTIVE`, addonStatus(cluster, a.name))).join('\n')}
${waitFor(Workflow.Foundation, 'at least 10 running kube-system pods', '[ "$(kubectl get pods -n kube-system --field-selector=status.phase=Running --no-headers | wc -l)" -ge 10 ]')}
\`\`\`

${names(schedulable)} were created in step ${stepNumber('controlPlane')}; now that the nodes are free of the
Cilium taint their pods schedule and they turn ACTIVE. \`eksctl create addon\` creates any add-on of
\`cluster.yaml\` the cluster does not have yet (say, after an interrupted step ${stepNumber('controlPlane')}) and
waits for it; the others it reports as already present.

${heading('argocd', 'Argo CD')}

\`\`\`bash
${applyRendered(argocd, p)}
${waitFor(Workflow.GitOps, 'Argo CD server ready', 'kubectl -n argocd rollout status deploy/argocd-server --timeout=10s')}
${argoCdLogin(env)}
${heading('appOfApps', 'The app-of-apps')}

Argo CD reads \`${p}\` at \`${target.targetRevision}\` of the GitOps repository (platform.yaml's
${target.targetRevision === env.gitops.targetRevision ? '`gitops.targetRevision`' : `\`environments.${env.name}.targetRevision\``}): that ref must exist and hold this rendering first.

\`\`\`bash
kubectl apply -f ${p}/bootstrap/root-project.yaml
kubectl apply -f ${p}/bootstrap/root-app.yaml
${waitFor(Workflow.GitOps, 'root app created the first wave', '[ "$(kubectl -n argocd get applications --no-headers | wc -l)" -gt 1 ]')}
\`\`\`

From here Argo CD syncs \`${p}/apps\` wave by wave; each wave waits until the previous one is healthy
(\`argocd app list\` shows where it is). The Applications for Cilium, the monitoring CRDs and Argo CD adopt the
objects applied above without a diff. The root app never gives up: a failed sync is retried with backoff (from
${foundation.retryIntervalSeconds}s up to ${rootRetryPolicy().backoff?.maxDuration}) until it succeeds, so a wave held up by a step below resumes by itself.

### Clusters bootstrapped with helm (before the rendered-manifests move)

Earlier versions installed these three with \`helm upgrade --install\`, and Argo CD rendered every chart
itself. The objects are the same; only the records differ. Once the root app has synced the new
Applications (each now a directory of rendered manifests), delete helm's release records so no one
runs \`helm upgrade\` against objects Argo CD owns. This removes only helm's history Secrets, never the
objects themselves:

\`\`\`bash
${releases.map((c) => `kubectl -n ${c.namespace} delete secret -l owner=helm,name=${c.source.type === 'helm' ? (c.source.releaseName ?? c.id) : c.id}`).join('\n')}
\`\`\`

Releases Argo CD used to render itself left no helm records. Hook objects that helm created once
(\`helm.sh/hook\`) are recreated by Argo CD as hooks on the next sync.
`);

  const seeding = sections('openbao');
  const openbaoWait = openbaoWave === undefined
    ? ''
    : `\`\`\`bash\n${waitForSeconds(gatesUpTo(plan, openbaoWave), 60, 'openbao Application Healthy', appHealthy('openbao'))}\n\`\`\`\n\n`;
  out.push(`${heading('seedOpenBao', 'Seed OpenBao while Argo CD syncs')}

As soon as the \`openbao\` Application is Healthy (the waves before it take up to ${Math.ceil((openbaoWave === undefined ? 0 : gatesUpTo(plan, openbaoWave)) / 60)} minutes, each
at most its readiness gate), write the values External Secrets delivers. Until they are there, the
ExternalSecrets of \`external-secrets-config\` report Progressing, "waiting for OpenBao to be seeded:
${stepReference('seedOpenBao')}", and the waves after it wait; the Secrets created in step ${stepNumber('bootstrapSecrets')}
stay in place meanwhile, so nothing that already runs loses its credentials. Past their wave's readiness gate
(${OPENBAO_SEEDING_GATE_SECONDS}s after they were created) they turn Degraded with the same message and the
\`ArgoCDApplicationPastReadinessGate\` alert fires; the waves still resume on their own once the values are written.

${openbaoWait}Open an administrative session first: "OpenBao administrative access (break-glass)" under Operations exports
\`BAO_ADDR\` (https), \`BAO_CACERT\` (OpenBao's internal CA) and \`BAO_TOKEN\` for the \`bao\` commands below.

${seeding.length ? seeding.join('\n') : 'No component declares a value to seed.\n'}
### Check the handover and wait for every wave

ExternalSecrets that failed before their values existed retry on External Secrets' backoff; a changed
annotation makes them read OpenBao again at once. Then every Application turns Healthy, the last wave at most
${Math.ceil(allHealthySeconds / 60)} minutes after the root app was applied (each wave waits at most its readiness gate):

\`\`\`bash
kubectl annotate externalsecrets.external-secrets.io --all --all-namespaces force-sync="$(date +%s)" --overwrite
${waitForSeconds(READINESS_GATES[Workflow.Security].timeoutSeconds, READINESS_GATES[Workflow.Security].retryIntervalSeconds, 'OpenBao store ready', 'kubectl wait clustersecretstore --all --for=condition=Ready --timeout=10s')}
${waitForSeconds(READINESS_GATES[Workflow.Security].timeoutSeconds, READINESS_GATES[Workflow.Security].retryIntervalSeconds, 'external-secrets-config Healthy', appHealthy('external-secrets-config'))}
${waitForSeconds(allHealthySeconds, 60, 'every Application Healthy', `[ "$(kubectl -n argocd get applications --no-headers -o custom-columns=HEALTH:.status.health.status | sort -u)" = Healthy ]`)}
\`\`\`
`);

  if (env.privateEndpointOnly) {
    out.push(`${heading('privateEndpoint', 'Lock the API endpoint to private-only')}

Last, once OpenBao is seeded and every Application is Healthy: eksctl cannot create a private-only cluster.
The change is an AWS API call; from then on \`kubectl\`, \`argocd\` and \`bao\` reach the cluster only from a host
inside the VPC (a bastion or VPN), which is where Operations, Rollback and Teardown below run.

\`\`\`bash
eksctl utils update-cluster-vpc-config --cluster ${cluster} --region ${env.region} \\
  --private-access=true --public-access=false --approve
${waitFor(Workflow.Foundation, 'endpoint private-only', `test "$(aws eks describe-cluster --name ${cluster} --query cluster.resourcesVpcConfig.endpointPublicAccess --output text)" = False`)}
# From a host inside the VPC:
${waitFor(Workflow.Foundation, 'API reachable over the private endpoint', 'kubectl cluster-info')}
\`\`\`
`);
  }

  out.push(rollback(p));
  out.push(teardown(env, plan, p, clusterYaml));
  out.push(upgradeRunbook({ env, clusterYaml, waitFoundation: (d, c) => waitFor(Workflow.Foundation, d, c), waitApplications: (d, c) => waitFor(Workflow.GitOps, d, c) }));
  out.push(detectionRunbook(env, stepNumber('controlPlane')));

  const ops = sections('operations');
  if (ops.length) out.push(`## Operations\n\n${ops.join('\n')}`);
  return `${out.join('\n').trimEnd()}\n`;
}

/**
 * Logging in to Argo CD: through the identity provider where the environment has single sign-on
 * (the local admin account is disabled there), else as the local admin.
 */
function argoCdLogin(env: EnvironmentSettings): string {
  const sso = env.argocd.sso;
  const forward = `# The CLI reaches the API server through a kubectl port-forward (its certificate is self-signed: --insecure).
export ARGOCD_OPTS="--port-forward --port-forward-namespace argocd --insecure"`;
  const portForward = `\`\`\`bash
kubectl -n argocd port-forward svc/argocd-server 8080:443
\`\`\``;
  if (!sso) {
    return `${forward}
argocd login --username admin --password "$(argocd admin initial-password -n argocd | head -n 1)"
\`\`\`

The UI: forward a local port in a second terminal, open <https://localhost:8080> (the browser warns about the
self-signed certificate), and log in as \`admin\` with the password \`argocd admin initial-password -n argocd\`
prints (the Secret \`argocd/argocd-initial-admin-secret\`):

${portForward}

Once the platform runs, set a password of your own with \`argocd account update-password\` and delete
\`argocd-initial-admin-secret\` (\`kubectl -n argocd delete secret argocd-initial-admin-secret\`). Deleting it does not
disable the admin account (its password hash lives in \`argocd-secret\`): only \`argocd.sso\` in platform.yaml does.
`;
  }
  const admins = sso.rbac.admin.map((g) => `\`${g}\``).join(', ');
  return `${forward}
# Opens the identity provider's login page in a browser; it redirects back to http://localhost:8085/auth/callback.
argocd login --sso
argocd account get-user-info
\`\`\`

Single sign-on through \`${sso.issuer}\`: log in as a member of ${admins} (\`role:admin\`); \`get-user-info\` lists
the groups Argo CD received. The local \`admin\` account is disabled (\`admin.enabled: "false"\` in \`argocd-cm\`), so
\`argocd admin initial-password\` opens nothing; delete the Secret anyway, so no password lies around
(\`kubectl -n argocd delete secret argocd-initial-admin-secret --ignore-not-found\`). ${
    sso.url === 'https://localhost:8080'
      ? `The UI: forward a local port in a second
terminal, open <${sso.url}> (the browser warns about the self-signed certificate) and choose "Log in via ${sso.name}":

${portForward}`
      : `The UI: open <${sso.url}> and choose "Log in via ${sso.name}".`
  }

If the identity provider is down, Argo CD keeps syncing from git and \`kubectl\` still reaches everything:
\`kubectl -n argocd get applications\` shows the waves, and a revert in git (Rollback below) needs no Argo CD login.
`;
}

function rollback(p: string): string {
  return `## Rollback

Every Application syncs automatically and heals itself: whatever git says comes back. So roll back in git, or
switch automated sync off before rolling back by hand. (A database is rolled back with the Postgres
point-in-time recovery under Operations.)

**Revert the commit** (the normal way). In the GitOps repository, revert the change (its \`platform.yaml\` and
\`dist/\` together) and push; Argo CD syncs the previous objects within its polling interval (3 minutes):

\`\`\`bash
BAD_COMMIT="\${BAD_COMMIT:?export BAD_COMMIT as the commit to undo}"
git revert --no-edit "$BAD_COMMIT"
git push
\`\`\`

**Roll one Application back now**, before a revert is merged. \`argocd app rollback\` refuses while automated sync
is on, and the root app would turn it back on (it heals the Applications' specs from git): stop the root app's
automated sync first, then the Application's, then roll back to an earlier sync from its history:

\`\`\`bash
APP="\${APP:?export APP as the Application to roll back}"
kubectl -n argocd patch application root --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'
argocd app set "$APP" --sync-policy none
argocd app history "$APP"
argocd app rollback "$APP" "\${HISTORY_ID:?export HISTORY_ID as the ID to return to, from the history above}"
\`\`\`

Then fix git (revert as above) and switch automated sync back on: applying the root app restores its own policy,
and its next sync restores the Application's from git.

\`\`\`bash
kubectl apply -f ${p}/bootstrap/root-app.yaml
${waitFor(Workflow.GitOps, 'root app automated again', `test -n "$(kubectl -n argocd get application root -o jsonpath={.spec.syncPolicy.automated})"`)}
\`\`\`
`;
}

function teardown(env: EnvironmentSettings, plan: WavePlan, p: string, clusterYaml: string): string {
  // Argo CD deletes everything else, so it goes with the cluster; the foundation (Cilium, the
  // namespaces, the CRDs, the autoscaler) holds nothing outside the cluster and goes with it too.
  const kept = (c: Component) => c.workflow === Workflow.Foundation || (BOOTSTRAP_COMPONENTS as readonly string[]).includes(c.id);
  const waves = [...plan.members.entries()]
    .map(([w, cs]) => [w, cs.filter((c) => !kept(c)).map((c) => c.id).sort()] as const)
    .filter(([, ids]) => ids.length > 0)
    .reverse();
  const deletions = waves.map(([w, ids]) => `kubectl -n argocd delete application ${ids.join(' ')} --timeout=${plan.gateSeconds.get(w)}s   # wave ${w}`);
  const reopen = env.privateEndpointOnly
    ? `First undo step ${stepNumber('privateEndpoint')} (or run everything from inside the VPC): \`cluster.yaml\` opens the public endpoint to the operator CIDRs again.

\`\`\`bash
eksctl utils update-cluster-vpc-config -f ${clusterYaml} --approve
${waitFor(Workflow.Foundation, 'API reachable', 'kubectl cluster-info')}
\`\`\`

`
    : '';
  return `## Teardown

The bootstrap in reverse. It destroys every workload and volume of the cluster, OpenBao's data included.
${reopen}Stop the root app from recreating Applications, then delete them wave by wave, the last wave first, so each
component goes while what it depends on still runs (the load balancers of Services go with them). Each deletion
waits until Argo CD has removed the Application's objects. Argo CD and the foundation stay until the cluster
goes. external-dns removes the DNS records it wrote only where its policy is \`sync\`; with \`upsert-only\`
delete them in the Cloudflare zone afterwards.

\`\`\`bash
kubectl -n argocd patch application root --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'
${deletions.join('\n')}
\`\`\`

The volumes of StatefulSets are not Argo CD's: delete them so the EBS CSI driver deletes their EBS volumes (the
\`gp3\` StorageClass deletes a volume with its claim), then delete the cluster: the add-ons, the node groups, the
IRSA roles, the control plane and the VPC (steps ${stepNumber('nodeAddons')} to ${stepNumber('controlPlane')} in reverse):

\`\`\`bash
kubectl delete pvc --all --all-namespaces --timeout=600s
${waitFor(Workflow.Data, 'every persistent volume released', '[ "$(kubectl get pv --no-headers | wc -l)" -eq 0 ]')}
eksctl delete cluster -f ${clusterYaml} --disable-nodegroup-eviction --wait
\`\`\`

Step ${stepNumber('awsResources')}'s resources outlive the cluster on purpose: the buckets hold logs, metrics, traces and
backups, and OpenBao's seal key decrypts its raft snapshots. Delete them by hand once their data is no longer
needed (\`aws s3 rb s3://<bucket> --force\`; \`aws kms schedule-key-deletion --key-id <arn>\`), and remove this
environment's values from the password manager. The GitOps repository keeps \`${p}/\` until platform.yaml drops
the environment.
`;
}
