/**
 * dist/<env>/bootstrap/: everything Argo CD cannot do for itself. The root AppProject and
 * app-of-apps, and a README with the exact commands in order and the seed's validation checks.
 * The components installed by hand before Argo CD runs (the monitoring CRDs, Cilium, Argo CD) are
 * applied from their rendered manifests with `kubectl apply --server-side`: the very objects their
 * Applications later adopt. The operator needs no helm and no chart repository.
 */
import { App, Chart } from 'cdk8s';
import { EnvironmentSettings } from '../config/defaults';
import { Component, SecretRequirement, READINESS_GATES, Workflow } from '../lib/component';
import { FileTree, addFile, toYaml } from '../lib/output';
import { Application, AppProject } from '../imports/argoproj';
import { ARGOCD_NAMESPACE, GitOpsTarget, IN_CLUSTER, retryPolicy } from './applications';

/** Components applied by hand at bootstrap, in order, and adopted later by their Applications. */
export const BOOTSTRAP_COMPONENTS = ['prometheus-operator-crds', 'cilium', 'argocd'] as const;

export const ROOT_PROJECT = 'root';
export const ROOT_APP = 'root';

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
      source: { repoURL: target.repoURL, targetRevision: target.targetRevision, path: `${target.envPath}/apps`, directory: { recurse: false } },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['PruneLast=true'], retry: retryPolicy(Workflow.Foundation) },
      revisionHistoryLimit: 10,
    },
  });
  return { project: project.toJson(), app: root.toJson() };
}

function waitFor(workflowGate: Workflow, description: string, check: string): string {
  const g = READINESS_GATES[workflowGate];
  return `wait_for ${g.timeoutSeconds} ${g.retryIntervalSeconds} "${description}" '${check}'`;
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

export function renderBootstrap(tree: FileTree, prefix: string, input: BootstrapInput): void {
  const { env, components, target } = input;
  const byId = new Map(components.map((c) => [c.id, c]));
  const releases = BOOTSTRAP_COMPONENTS.map((id) => {
    const c = byId.get(id);
    if (!c) throw new Error(`bootstrap needs the ${id} component`);
    return c;
  });
  const root = rootObjects(target);
  addFile(tree, `${prefix}/root-project.yaml`, toYaml(root.project));
  addFile(tree, `${prefix}/root-app.yaml`, toYaml(root.app));
  addFile(tree, `${prefix}/README.md`, readme(env, components, releases, target));
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

function secretsBlock(secrets: readonly SecretRequirement[]): string {
  if (secrets.length === 0) return 'None.\n';
  const envVars = [...new Set(secrets.flatMap((s) => Object.values(s.bootstrap ?? {})))].sort();
  const check = `: ${envVars.map((v) => `"\${${v}:?export ${v} first}"`).join(' ')}`;
  const table = secrets.map((s) => `| ${s.namespace}/${s.name} | ${s.purpose} | ExternalSecret ${s.namespace}/${s.name} (OpenBao ${[...new Set(Object.values(s.data).map((r) => `secret/${r.path}`))].join(', ')}) |`);
  return ['```bash', check, ...secrets.map(secretCommand), '```', '', '| Secret | purpose | adopted by |', '|---|---|---|', ...table, ''].join('\n');
}

function readme(env: EnvironmentSettings, components: readonly Component[], releases: readonly Component[], target: GitOpsTarget): string {
  const p = target.envPath;
  const secrets = components.flatMap((c) => (c.secrets ?? []).filter((s) => s.bootstrap)).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const sections = (phase: 'aws' | 'openbao' | 'operations') =>
    components
      .flatMap((c) => (c.runbook ?? []).filter((r) => r.phase === phase).map((r) => ({ ...r, id: c.id })))
      .map((r) => `### ${r.title} (${r.id})\n\n${r.body.trim()}\n`);
  const [crds, cilium, argocd] = releases;
  const out: string[] = [];
  out.push(`# Bootstrap: ${env.clusterName}

Everything Argo CD cannot do for itself, in order. Run from the root of the GitOps repository with
AWS credentials for account ${env.accountId} and \`eksctl\`, \`kubectl\` and \`aws\` on the path. No helm: every
chart is already rendered under \`${p}/manifests/\`.
Each step ends with the efficiency guide's validation check, retried at the guide's interval until its timeout.

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
export CLUSTER_NAME=${env.clusterName} AWS_REGION=${env.region}
\`\`\`
`);
  const aws = sections('aws');
  out.push(`## 0. AWS prerequisites\n\n${aws.length ? aws.join('\n') : 'None.\n'}`);
  out.push(`## 1. Create the cluster

\`\`\`bash
eksctl create cluster -f ${p}/eksctl/cluster.yaml
${waitFor(Workflow.Foundation, 'cluster ACTIVE', `test "$(aws eks describe-cluster --name ${env.clusterName} --query cluster.status --output text)" = ACTIVE`)}
${waitFor(Workflow.Foundation, 'API reachable', 'kubectl cluster-info')}
\`\`\`

Nodes join with the \`node.cilium.io/agent-not-ready\` taint: no pod schedules until Cilium runs.

## 2. Monitoring CRDs

Applied first, so every later component may create its ServiceMonitors.

\`\`\`bash
${applyRendered(crds, p)}
${waitFor(Workflow.Foundation, 'monitoring CRDs established', 'kubectl wait --for=condition=Established crd/servicemonitors.monitoring.coreos.com --timeout=10s')}
\`\`\`

## 3. Cilium

\`\`\`bash
${applyRendered(cilium, p)}
${waitFor(Workflow.Foundation, 'at least 3 nodes', '[ "$(kubectl get nodes --no-headers | wc -l)" -ge 3 ]')}
${waitFor(Workflow.Foundation, 'at least 10 running kube-system pods (Cilium lifted the startup taint)', '[ "$(kubectl get pods -n kube-system --field-selector=status.phase=Running --no-headers | wc -l)" -ge 10 ]')}
\`\`\`

## 4. Secrets Argo CD cannot deliver yet

These exist before OpenBao and External Secrets run. Export each variable from your password
manager (never commit them), then create the Secrets. Once \`external-secrets-config\` is synced,
each Secret is adopted by the ExternalSecret named below, which rewrites it from OpenBao: store the
same values in OpenBao first (see the operations section) and the handover has no gap.

${secretsBlock(secrets)}
## 5. Argo CD

\`\`\`bash
${applyRendered(argocd, p)}
${waitFor(Workflow.GitOps, 'Argo CD server ready', 'kubectl -n argocd rollout status deploy/argocd-server --timeout=10s')}
\`\`\`

## 6. The app-of-apps

\`\`\`bash
kubectl apply -f ${p}/bootstrap/root-project.yaml
kubectl apply -f ${p}/bootstrap/root-app.yaml
\`\`\`

From here Argo CD syncs \`${p}/apps\` wave by wave; each wave waits until the previous one is healthy.
The Applications for Cilium, the monitoring CRDs and Argo CD adopt the objects applied above without a diff.

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
  if (env.privateEndpointOnly) {
    out.push(`## 7. Lock the API endpoint to private-only

eksctl cannot create a private-only cluster. From a host inside the VPC (a bastion or VPN):

\`\`\`bash
eksctl utils update-cluster-vpc-config --cluster ${env.clusterName} --region ${env.region} \\
  --private-access=true --public-access=false --approve
${waitFor(Workflow.Foundation, 'API reachable over the private endpoint', 'kubectl cluster-info')}
\`\`\`
`);
  }
  const seeding = sections('openbao');
  if (seeding.length) {
    out.push(`## ${env.privateEndpointOnly ? 8 : 7}. Seed OpenBao while Argo CD syncs

As soon as the \`openbao\` Application is Healthy, write the values External Secrets delivers. Until then
the ExternalSecrets report errors and every later wave waits; the Secrets created in step 4 stay in place
meanwhile, so nothing that already runs loses its credentials.

${seeding.join('\n')}`);
  }
  const ops = sections('operations');
  if (ops.length) out.push(`## Operations\n\n${ops.join('\n')}`);
  return `${out.join('\n').trimEnd()}\n`;
}
