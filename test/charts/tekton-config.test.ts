import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CI_TASKS, DEFAULTS, GITOPS_CHECKOUT, PIPELINES_DEPLOYMENTS, tektonConfigComponent, TektonConfigProps } from '../../charts/tekton-config';
import { prometheusOperatorCrdsComponent } from '../../charts/prometheus-operator-crds';
import { tektonOperatorComponent } from '../../charts/tekton-operator';
import { KUBERNETES_VERSION } from '../../config/versions';
import { ManifestSource } from '../../lib/component';
import { LabelDomain } from '../../lib/labels';
import { K8sObject, synthObjects } from '../../lib/render';
import { PRIORITY } from '../../lib/priority';
import { WorkloadKind } from '../../lib/resources';
import { workloadsFromObjects } from '../../lib/workloads';
import { loadSchemaSet } from '../../tools/validate-core';
import { NS } from '../../workflows/namespaces';
import { referenceDir, renderComponent, ROOT } from '../support';

jest.setTimeout(120_000);

const schemasDir = referenceDir('SCHEMAS_DIR');

const LABEL_DOMAIN = LabelDomain.of('platform.example.com');
/** Minimal props; `concurrentRuns` as the workflow gives it per tier (config/sizing.ts). */
const PROPS: TektonConfigProps = {
  targetNamespace: NS.tektonPipelines,
  priorityClassName: PRIORITY.platformCritical,
  gitops: { repoURL: 'https://github.com/acme/gitops.git', targetRevision: 'release', file: 'platform.yaml' },
  labelDomain: LABEL_DOMAIN,
};
const RUNS = { dev: 1, prod: 2 } as const;
const ENVIRONMENTS = Object.keys(RUNS) as (keyof typeof RUNS)[];
function objects(env: keyof typeof RUNS): K8sObject[] {
  return synthObjects(tektonConfigComponent({ ...PROPS, concurrentRuns: RUNS[env] }).source as ManifestSource);
}
const find = (objs: K8sObject[], kind: string, name: string): any => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
};
const tasks = (objs: K8sObject[]): any[] => objs.filter((o) => o.kind === 'Task');
const steps = (objs: K8sObject[]): any[] => tasks(objs).flatMap((t: any) => t.spec.steps.map((s: any) => ({ task: t.metadata.name, ...s })));

describe('tekton-config', () => {
  const prod = objects('prod');
  const tc = find(prod, 'TektonConfig', 'config');

  it('declares the one TektonConfig the operator reconciles: `config`, cluster-scoped, Pipelines into tekton-pipelines', async () => {
    expect(tc.apiVersion).toBe('operator.tekton.dev/v1alpha1');
    expect(tc.spec.targetNamespace).toBe(NS.tektonPipelines);
    expect(tc.spec.profile).toBe('lite');
    // Hydration places namespaces by each kind's CRD scope: the TektonConfig is its only cluster-scoped object.
    // Rendered beside the operator (the TektonConfig CRD) and the monitoring CRDs (the ServiceMonitor).
    const alongside = [prometheusOperatorCrdsComponent({ namespace: 'kube-system' }), tektonOperatorComponent({ namespace: 'ci-operator', targetNamespace: NS.tektonPipelines, kubernetesVersion: KUBERNETES_VERSION })];
    const placed = await renderComponent(tektonConfigComponent(PROPS), { alongside });
    expect(find(placed, 'TektonConfig', 'config').metadata.namespace).toBeUndefined();
    expect(placed.filter((o) => o.metadata.namespace === undefined).map((o) => o.kind)).toEqual(['TektonConfig']);
  });

  it('schedules the Tekton components at platform-critical priority, with an explicit node selector and tolerations', () => {
    expect(tc.spec.config).toEqual({ nodeSelector: {}, tolerations: [], priorityClassName: PRIORITY.platformCritical });
  });

  it('renders the fields the operator schema requires, so it validates without the defaulting webhook', () => {
    expect(tc.spec.chain.disabled).toBe(false);
    expect(tc.spec.trigger).toEqual({ disabled: true });
    expect(tc.spec.dashboard).toEqual({ readonly: true });
    expect(tc.spec.result).toEqual({ disabled: true, is_external_db: false });
    expect(tc.spec.pruner.disabled).toBe(false);
    expect(tc.spec.tektonpruner).toEqual({ disabled: true, 'global-config': {} });
    expect(tc.spec.pipeline.performance['disable-ha']).toBe(false);
  });

  it('sets the pipeline feature flags CI relies on', () => {
    expect(tc.spec.pipeline).toMatchObject({
      'enable-api-fields': 'stable',
      coschedule: 'workspaces',
      'set-security-context': true,
      'disable-creds-init': true,
      'enable-hub-resolver': false,
      'enable-bundles-resolver': false,
      'default-service-account': DEFAULTS.serviceAccount,
      'default-pod-template': 'securityContext:\n  fsGroup: 65532\n',
    });
  });

  it('sizes every Tekton Pipelines Deployment through the operator, which the plan counts in tekton-pipelines', () => {
    const workloads = workloadsFromObjects(prod, { defaultNamespace: NS.tektonPipelines });
    for (const d of Object.values(PIPELINES_DEPLOYMENTS)) {
      const option = tc.spec.pipeline.options.deployments[d.deployment].spec.template.spec.containers;
      const counted = workloads.find((w) => w.name === d.deployment)!;
      expect(counted).toMatchObject({ kind: WorkloadKind.Deployment, namespace: NS.tektonPipelines, replicas: 1 });
      expect(option).toEqual([{ name: d.container, resources: counted.containers[0].resources.toK8s() }]);
    }
  });

  it('leaves quota room for the concurrent runs it is given, named on the Pipeline', () => {
    const runs = (env: keyof typeof RUNS) => {
      const objs = objects(env);
      const labelDomain = LABEL_DOMAIN;
      expect(find(objs, 'Pipeline', DEFAULTS.pipeline).metadata.annotations[labelDomain.concurrentRuns]).toBeDefined();
      return workloadsFromObjects(objs, { defaultNamespace: NS.tektonPipelines, labelDomain }).find((w) => w.name === `${DEFAULTS.pipeline}-task-pod`)!;
    };
    expect(runs('dev').replicas).toBe(1);
    expect(runs('prod').replicas).toBe(2);
    expect(runs('prod').kind).toBe(WorkloadKind.Job);
    // The largest Task pod: image-build, whose BuildKit step is the largest container.
    expect(runs('prod').containers[0].resources.requests.memory.mebibytes).toBe(DEFAULTS.steps.buildkit.requests.memory.mebibytes);
  });

  it('runs the CI Pipeline in order: clone, then test, then build, then bump', () => {
    const p = find(prod, 'Pipeline', DEFAULTS.pipeline);
    expect(p.spec.tasks.map((t: any) => t.name)).toEqual([...CI_TASKS]);
    expect(p.spec.tasks.map((t: any) => t.runAfter)).toEqual([undefined, ['clone'], ['test'], ['build']]);
    expect(p.spec.tasks.map((t: any) => t.taskRef.name)).toEqual(['git-clone', 'image-test', 'image-build', 'gitops-bump-image']);
    for (const t of p.spec.tasks) expect(tasks(prod).map((x) => x.metadata.name)).toContain(t.taskRef.name);
  });

  it('bumps the image of the built service in the GitOps repository it is given', () => {
    const env = { gitops: PROPS.gitops };
    const p = find(prod, 'Pipeline', DEFAULTS.pipeline);
    const defaults = Object.fromEntries(p.spec.params.filter((x: any) => 'default' in x).map((x: any) => [x.name, x.default]));
    expect(defaults).toMatchObject({ 'gitops-url': env.gitops.repoURL, 'gitops-revision': env.gitops.targetRevision, 'platform-file': 'platform.yaml' });
    const bump = p.spec.tasks.find((t: any) => t.name === 'bump');
    expect(bump.params).toContainEqual({ name: 'digest', value: '$(tasks.build.results.IMAGE_DIGEST)' });
    const setImage = find(prod, 'Task', 'gitops-bump-image').spec.steps.find((s: any) => s.name === 'set-image');
    expect(setImage.script).toContain('(.services[] | select(.name == strenv(SERVICE)) | .image) = strenv(IMAGE_REF)');
  });

  it('pins every step image to an exact tag: no :latest, no untagged image, in any environment', () => {
    for (const env of ENVIRONMENTS) {
      for (const s of steps(objects(env))) {
        const last = s.image.split('@')[0].split('/').pop();
        expect({ step: `${s.task}/${s.name}`, tag: last.split(':')[1] ?? 'none' }).not.toEqual({ step: `${s.task}/${s.name}`, tag: 'latest' });
        expect(last).toMatch(/:[\w][\w.-]*$/);
      }
    }
    expect(steps(prod).map((s) => s.image)).toContain(DEFAULTS.images.buildkit);
    expect(DEFAULTS.images.buildkit).toMatch(/^docker\.io\/moby\/buildkit:v[\d.]+-rootless$/);
  });

  it('gives every step a name, requests and limits', () => {
    for (const s of steps(prod)) {
      expect(s.name).toMatch(/^[a-z][-a-z]*$/);
      expect(Object.keys(s.computeResources.requests).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(s.computeResources.limits).sort()).toEqual(['cpu', 'memory']);
    }
  });

  it('runs every step non-root with a read-only root filesystem; only the two BuildKit steps carry the named rootless exceptions', () => {
    for (const s of steps(prod)) {
      expect({ step: `${s.task}/${s.name}`, nonRoot: s.securityContext.runAsNonRoot, readOnly: s.securityContext.readOnlyRootFilesystem, privileged: s.securityContext.privileged }).toEqual({
        step: `${s.task}/${s.name}`,
        nonRoot: true,
        readOnly: true,
        privileged: undefined,
      });
    }
    const buildkit = steps(prod).filter((s) => s.image === DEFAULTS.images.buildkit);
    expect(buildkit.map((s) => `${s.task}/${s.name}`)).toEqual(['image-test/test', 'image-build/build']);
    for (const s of buildkit) {
      expect(s.securityContext).toEqual({
        allowPrivilegeEscalation: true,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        capabilities: { drop: ['ALL'], add: ['SETUID', 'SETGID'] },
        seccompProfile: { type: 'Unconfined' },
        appArmorProfile: { type: 'Unconfined' },
      });
    }
    for (const s of steps(prod).filter((x) => x.image !== DEFAULTS.images.buildkit)) {
      expect(s.securityContext).toMatchObject({ runAsUser: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    }
  });

  it('builds with rootless BuildKit and pushes in a separate crane step, the only one the registry credentials reach', () => {
    const task = find(prod, 'Task', 'image-build');
    expect(task.spec.steps.map((s: any) => s.name)).toEqual(['build', 'push', 'write-url']);
    const [build, push, writeUrl] = task.spec.steps;
    expect(build.command).toEqual(['buildctl-daemonless.sh']);
    expect(build.env).toEqual([{ name: 'BUILDKITD_FLAGS', value: '--oci-worker-no-process-sandbox' }]);
    const output = build.args.find((a: string) => a.startsWith('--output='));
    expect(output).toMatch(/^--output=type=oci,dest=\/oci\/image,tar=false,/);
    // The build step sees no Secret: neither a mounted one nor one in env.
    const secretVolumes = task.spec.volumes.filter((v: any) => v.secret).map((v: any) => v.name);
    expect(secretVolumes).toEqual(['registry-credentials']);
    const mounting = task.spec.steps.filter((s: any) => (s.volumeMounts ?? []).some((m: any) => secretVolumes.includes(m.name))).map((s: any) => s.name);
    expect(mounting).toEqual(['push']);
    for (const s of task.spec.steps) expect((s.env ?? []).filter((e: any) => e.valueFrom)).toEqual([]);
    // crane pushes the layout the build wrote, from a pinned image, and records the digest reference.
    expect(push.image).toBe(DEFAULTS.images.crane);
    expect(push.image).toMatch(/^gcr\.io\/go-containerregistry\/crane:v[\d.]+$/);
    expect(push.args).toEqual(['push', '/oci/image', '$(params.image):$(params.tag)', '--image-refs=/oci/pushed-ref']);
    expect(push.env).toEqual([{ name: 'DOCKER_CONFIG', value: '/docker-config' }]);
    expect(push.volumeMounts).toContainEqual({ name: 'registry-credentials', mountPath: '/docker-config', readOnly: true });
    expect(task.spec.volumes.find((v: any) => v.name === 'registry-credentials').secret.items).toEqual([{ key: '.dockerconfigjson', path: 'config.json' }]);
    expect(writeUrl.env).toContainEqual({ name: 'PUSHED_REF', value: '/oci/pushed-ref' });
    // The test Task builds the test stage with the same rootless BuildKit and exports nothing.
    const test = find(prod, 'Task', 'image-test').spec.steps[0];
    expect(test.args).toContain('--opt=target=$(params.target)');
    expect(test.args.some((a: string) => a.startsWith('--output'))).toBe(false);
    // BuildKit's writable paths are volumes, so its root filesystem stays read-only.
    expect(build.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual(['/home/user/.local', '/oci', '/run/user/1000', '/tmp']);
  });

  it('signs with Tekton Chains: in-toto provenance and image signatures stored in the registry, with a key from External Secrets', () => {
    expect(tc.spec.chain).toMatchObject({
      disabled: false,
      'artifacts.taskrun.format': 'in-toto',
      'artifacts.taskrun.storage': 'oci',
      'artifacts.oci.storage': 'oci',
      'artifacts.oci.format': 'simplesigning',
      generateSigningSecret: false,
      'transparency.enabled': 'false',
    });
    // Chains signs what image-build reports: the type-hinted IMAGE_URL and IMAGE_DIGEST results.
    expect(find(prod, 'Task', 'image-build').spec.results.map((r: any) => r.name)).toEqual(['IMAGE_URL', 'IMAGE_DIGEST']);
    const c = tektonConfigComponent(PROPS);
    const signing = c.secrets!.find((s) => s.name === 'signing-secrets')!;
    expect(signing.namespace).toBe(tc.spec.targetNamespace);
    expect(Object.keys(signing.data).sort()).toEqual(['cosign.key', 'cosign.password', 'cosign.pub']);
    expect(signing.bootstrap).toBeUndefined();
    // Chains authenticates to the registry through the run's ServiceAccount.
    expect(find(prod, 'ServiceAccount', DEFAULTS.serviceAccount).imagePullSecrets).toEqual([{ name: DEFAULTS.secrets.registry.name }]);
    expect(c.secrets!.find((s) => s.name === DEFAULTS.secrets.registry.name)!.type).toBe('kubernetes.io/dockerconfigjson');
    // The operator's Chains controller is sized, and the plan counts it.
    const counted = workloadsFromObjects(prod, { defaultNamespace: NS.tektonPipelines }).find((w) => w.name === 'tekton-chains-controller');
    expect(counted).toMatchObject({ kind: WorkloadKind.Deployment, namespace: NS.tektonPipelines });
  });

  it('references its Secrets by name only, each delivered by an ExternalSecret', () => {
    const c = tektonConfigComponent(PROPS);
    expect(prod.filter((o) => o.kind === 'Secret')).toEqual([]);
    const names = c.secrets!.map((s) => s.name).sort();
    expect(names).toEqual(['ci-git-credentials', 'ci-gitops-credentials', 'ci-registry-credentials', 'signing-secrets']);
    for (const s of c.secrets!) {
      expect(s.namespace).toBe(NS.tektonPipelines);
      expect(s.bootstrap).toBeUndefined();
    }
    const referenced = new Set<string>();
    for (const s of steps(prod)) for (const e of s.env ?? []) if (e.valueFrom) referenced.add(e.valueFrom.secretKeyRef.name);
    for (const t of tasks(prod)) for (const v of t.spec.volumes ?? []) if (v.secret) referenced.add(v.secret.secretName);
    // Tekton Chains reads `signing-secrets` by that fixed name; the steps reference the others.
    expect([...referenced, 'signing-secrets'].sort()).toEqual(names);
    expect(JSON.stringify(prod)).not.toMatch(/"(password|token)":\s*"[^$]/);
  });

  it('applies the Tasks and the Pipeline after the TektonConfig is healthy, skipping dry-run for CRDs not yet installed', () => {
    const c = tektonConfigComponent(PROPS);
    for (const o of prod.filter((x) => x.apiVersion === 'tekton.dev/v1')) expect((o.metadata as any).annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    expect((tc.metadata as any).annotations).toBeUndefined();
    expect(c.syncOptions).toContain('SkipDryRunOnMissingResource=true');
    expect(c.dependsOn).toContain('tekton-operator');
  });

  it('scrapes the Tekton Pipelines Services with a ServiceMonitor in their namespace', () => {
    const sm = find(prod, 'ServiceMonitor', 'tekton-pipelines');
    expect(sm.metadata.namespace).toBe(NS.tektonPipelines);
    expect(sm.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/part-of': 'tekton-pipelines' } });
    expect(sm.spec.endpoints).toEqual([{ port: 'http-metrics', interval: '30s' }]);
  });

  it('labels everything it authors and gives the CI ServiceAccount no API token', () => {
    for (const o of prod) expect((o.metadata as any).labels['app.kubernetes.io/instance']).toBe('tekton-config');
    expect(find(prod, 'ServiceAccount', DEFAULTS.serviceAccount).automountServiceAccountToken).toBe(false);
  });

  (schemasDir ? it : it.skip)('validates every document against the Tekton and Kubernetes schemas', () => {
    const set = loadSchemaSet(schemasDir!);
    for (const env of ENVIRONMENTS) {
      for (const o of objects(env)) {
        const validate = set.forObject(o.apiVersion, o.kind);
        expect({ kind: o.kind, name: o.metadata.name, schema: validate !== undefined }).toEqual({ kind: o.kind, name: o.metadata.name, schema: true });
        expect({ kind: o.kind, name: o.metadata.name, problems: validate!(o) }).toEqual({ kind: o.kind, name: o.metadata.name, problems: [] });
      }
    }
  });

  it('rejects a step image at latest, a non-positive concurrency and a config file that is not YAML', () => {
    const props: TektonConfigProps = {
      targetNamespace: NS.tektonPipelines,
      priorityClassName: PRIORITY.platformCritical,
      gitops: { repoURL: 'https://github.com/acme/gitops.git', targetRevision: 'main', file: 'platform.yaml' },
      labelDomain: LabelDomain.of('platform.example.com'),
    };
    expect(() => tektonConfigComponent(props)).not.toThrow();
    expect(() => tektonConfigComponent({ ...props, images: { yq: 'docker.io/mikefarah/yq:latest' } })).toThrow(
      /images\.yq "docker\.io\/mikefarah\/yq:latest" must be pinned to an exact tag/,
    );
    expect(() => tektonConfigComponent({ ...props, images: { git: 'alpine/git' } })).toThrow(/images\.git "alpine\/git" must be pinned/);
    expect(() => tektonConfigComponent({ ...props, concurrentRuns: 0 })).toThrow(/concurrentRuns must be a whole number of at least 1, got 0/);
    expect(() => tektonConfigComponent({ ...props, gitops: { ...props.gitops, file: 'platform.json' } })).toThrow(/gitops\.file "platform\.json"/);
  });
});

describe('tekton-config step scripts', () => {
  // Built from minimal props: the scripts do not depend on the platform config.
  const props: TektonConfigProps = {
    targetNamespace: 'ci',
    priorityClassName: 'platform-critical',
    gitops: { repoURL: 'https://github.com/acme/gitops.git', targetRevision: 'main', file: 'platform.yaml' },
    labelDomain: LabelDomain.of('platform.example.com'),
  };
  const prod = synthObjects(tektonConfigComponent(props).source as ManifestSource);
  const scripted = steps(prod).filter((s) => s.script !== undefined);
  const SCRIPTS = path.join(ROOT, 'charts/tekton-config/scripts');
  const file = (task: string, step: string) => path.join(SCRIPTS, task, `${step}.sh`);
  /** Tekton substitutes `$(results.<name>.path)` in a script; a test run points it at a file. */
  const RESULT_PATH = /\$\(results\.([\w-]+)\.path\)/g;

  it('runs each step script as the exact text of scripts/<task>/<step>.sh, and every script file runs in a step', () => {
    expect(scripted.length).toBeGreaterThan(0);
    for (const s of scripted) expect({ step: `${s.task}/${s.name}`, script: s.script }).toEqual({ step: `${s.task}/${s.name}`, script: fs.readFileSync(file(s.task, s.name), 'utf8') });
    const files = fs.readdirSync(SCRIPTS, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.sh')).sort();
    expect(files).toEqual(scripted.map((s) => path.join(s.task, `${s.name}.sh`)).sort());
  });

  it('opens every git step with the same identity and credential setup', () => {
    const setup = (script: string) => {
      const lines = script.split('\n');
      const from = lines.findIndex((l) => l.startsWith('git config --global user.name'));
      const to = lines.findIndex((l, i) => i > from && l === 'fi');
      return from < 0 || to < 0 ? undefined : lines.slice(from, to + 1).join('\n');
    };
    const gitSteps = scripted.filter((s) => /\bgit (clone|fetch|push)\b/.test(s.script));
    expect(gitSteps.map((s) => `${s.task}/${s.name}`)).toEqual(['git-clone/clone', 'gitops-bump-image/clone', 'gitops-bump-image/push']);
    const blocks = new Set(gitSteps.map((s) => setup(s.script)));
    expect(blocks.size).toBe(1);
    const [block] = blocks;
    expect(block).toContain("git config --global --add safe.directory '*'");
    // The helper reads the credentials from env when git asks: they never enter the script's text.
    expect(block).toContain('echo "password=${GIT_PASSWORD}"');
  });

  it('hands scripts values only as env: every variable a script reads is set by its step or by the script', () => {
    for (const s of scripted) {
      const text: string = s.script;
      const env = new Set<string>((s.env ?? []).map((e: any) => e.name));
      const assigned = new Set([...text.matchAll(/\b([A-Za-z_]\w*)=/g)].map((m) => m[1]));
      const read = new Set([...text.matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1]));
      const unset = [...read].filter((v) => !env.has(v) && !assigned.has(v));
      expect({ step: `${s.task}/${s.name}`, unset }).toEqual({ step: `${s.task}/${s.name}`, unset: [] });
      // Tekton substitutes nothing in the text but the paths of the Task's own results.
      expect(text).not.toContain('$(params.');
      const task = find(prod, 'Task', s.task);
      for (const [, result] of text.matchAll(RESULT_PATH)) expect(task.spec.results.map((r: any) => r.name)).toContain(result);
    }
  });

  it('clones the GitOps repository into the folder the later bump steps work in', () => {
    const bump = find(prod, 'Task', 'gitops-bump-image').spec.steps;
    const clone = bump.find((s: any) => s.name === 'clone').script;
    expect(clone).toContain(`"$URL" ${GITOPS_CHECKOUT}\n`);
    expect(clone).toContain(`cd ${GITOPS_CHECKOUT}\n`);
    for (const s of bump.filter((x: any) => x.name === 'set-image' || x.name === 'push')) expect({ step: s.name, workingDir: s.workingDir }).toEqual({ step: s.name, workingDir: GITOPS_CHECKOUT });
    const mount = bump[0].volumeMounts.find((m: any) => GITOPS_CHECKOUT.startsWith(`${m.mountPath}/`));
    expect(mount.name).toBe('work');
  });

  describe('write-url', () => {
    /** Runs the step's script as Tekton would (results substituted), after crane wrote `ref`. */
    function run(ref: string) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'write-url-'));
      fs.writeFileSync(path.join(dir, 'pushed-ref'), ref);
      const script = fs.readFileSync(file('image-build', 'write-url'), 'utf8').replace(RESULT_PATH, (_m, r) => path.join(dir, r));
      const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH, PUSHED_REF: path.join(dir, 'pushed-ref'), IMAGE: 'ghcr.io/acme/orders', TAG: '1.2.3' } });
      const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : undefined);
      const out = { status: r.status, err: r.stderr, url: read('IMAGE_URL'), digest: read('IMAGE_DIGEST') };
      fs.rmSync(dir, { recursive: true, force: true });
      return out;
    }
    const DIGEST = `sha256:${'ab12'.repeat(16)}`;

    it('records the digest crane pushed and the tagged image, the results Tekton Chains signs', () => {
      expect(run(`ghcr.io/acme/orders@${DIGEST}\n`)).toEqual({ status: 0, err: '', url: 'ghcr.io/acme/orders:1.2.3', digest: DIGEST });
    });

    it('fails, writing no result, when the pushed reference holds no sha256 digest', () => {
      expect(run('ghcr.io/acme/orders:1.2.3\n')).toMatchObject({ status: 1, err: expect.stringContaining('no sha256 digest'), url: undefined, digest: undefined });
      expect(run(`ghcr.io/acme/orders@sha256:abc\n`)).toMatchObject({ status: 1, digest: undefined });
    });
  });

  describe('open-pull-request', () => {
    /** Runs the step's script as Tekton would (results substituted) with a stand-in curl answering `status`. */
    function run(url: string, status: string, pushed = true) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'open-pull-request-'));
      fs.mkdirSync(path.join(dir, 'bin'));
      fs.writeFileSync(path.join(dir, 'branch'), 'ci/orders-1.2.3');
      if (pushed) fs.writeFileSync(path.join(dir, 'pushed'), '');
      fs.writeFileSync(path.join(dir, 'bin', 'curl'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${dir}/curl-args'\nprintf '{}' > "$HOME/response"\nprintf '${status}'\n`, { mode: 0o755 });
      const script = fs.readFileSync(file('gitops-bump-image', 'open-pull-request'), 'utf8').replace(RESULT_PATH, (_m, r) => path.join(dir, r));
      const r = spawnSync('sh', ['-c', script], {
        encoding: 'utf8',
        env: { PATH: `${dir}/bin:${process.env.PATH}`, HOME: dir, URL: url, BASE: 'main', SERVICE: 'orders', TAG: '1.2.3', GIT_USERNAME: 'ci', GIT_PASSWORD: 'token' },
      });
      const argsFile = path.join(dir, 'curl-args');
      const args = fs.existsSync(argsFile) ? fs.readFileSync(argsFile, 'utf8').split('\n') : undefined;
      fs.rmSync(dir, { recursive: true, force: true });
      return { status: r.status, out: r.stdout + r.stderr, args };
    }

    it('opens a GitHub pull request for the pushed branch against the base branch', () => {
      const r = run('https://github.com/acme/platform-gitops.git', '201');
      expect(r.status).toBe(0);
      expect(r.out).toContain('pull request opened for ci/orders-1.2.3');
      expect(r.args).toContain('https://api.github.com/repos/acme/platform-gitops/pulls');
      expect(r.args).toContain('Authorization: Bearer token');
      const body = JSON.parse(r.args![r.args!.indexOf('-d') + 1]);
      expect(body).toEqual({ title: 'deploy(orders): 1.2.3', head: 'ci/orders-1.2.3', base: 'main' });
    });

    it('accepts a pull request that exists already, and fails on any other answer from GitHub', () => {
      expect(run('https://github.com/acme/platform-gitops', '422')).toMatchObject({ status: 0, out: expect.stringContaining('exists already') });
      expect(run('https://github.com/acme/platform-gitops', '401')).toMatchObject({ status: 1, out: expect.stringContaining('GitHub answered 401') });
    });

    it('calls no API on other git hosts, or when nothing was pushed', () => {
      expect(run('https://gitlab.example.com/acme/gitops.git', '201')).toEqual({ status: 0, out: expect.stringContaining('open the pull request in your git host'), args: undefined });
      expect(run('https://github.com/acme/platform-gitops', '201', false)).toEqual({ status: 0, out: expect.stringContaining('no change pushed'), args: undefined });
    });
  });
});
