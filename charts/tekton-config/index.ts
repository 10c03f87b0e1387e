/**
 * tekton-config: the one `TektonConfig` the Tekton Operator installs Tekton Pipelines from, and
 * the reusable CI Pipeline of the microservices with the Tasks it runs, all authored here.
 *
 * `microservice-ci` clones a service repository, runs its tests (the Dockerfile's `test` stage),
 * builds and pushes the image, then opens the GitOps change that sets the service's image in
 * platform.yaml: a branch `ci/<service>-<tag>` and, on GitHub, a pull request. Merging it is the
 * deployment; nothing in CI touches the cluster.
 *
 * Supply chain (README, "Supply chain"): rootless BuildKit builds the image into an OCI layout on
 * a pod-local volume; a separate crane step, the only one the registry credentials are mounted
 * into, pushes it, so no RUN of a service's Dockerfile can read them. Tekton Chains (enabled in the
 * TektonConfig) signs each pushed image and the TaskRun's in-toto provenance with the cosign key
 * External Secrets delivers as `signing-secrets`, and stores both in the registry beside the image.
 *
 * Ordering inside the Application: the TektonConfig syncs first; the Tasks and the Pipeline wait
 * in a later sync wave until it is healthy (health check in ./health.ts), because their CRDs only
 * exist once the operator has installed Tekton Pipelines. A ServiceMonitor scrapes the Tekton
 * Pipelines Services (the operator chart's own monitors only the operator).
 */
import { IMAGES } from '../../config/versions';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PlatformComponent, manifests, SecretRequirement, Workflow } from '../../lib/component';
import { ImageRef } from '../../lib/image-ref';
import { TrafficEdge } from '../../lib/traffic';
import { gitPort } from '../argocd';
import { LabelDomain, standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { crdQuantities, K8sResources, Resources } from '../../lib/resources';
import { NON_ROOT_UID, RESTRICTED_CONTAINER_SECURITY_CONTEXT } from '../../lib/security';
import { Storage } from '../../lib/storage';
import { ServiceMonitor } from '../../imports/monitoring.coreos.com';
import { TektonConfig, TektonConfigSpecConfigTolerations } from '../../imports/operator.tekton.dev';
import {
  Pipeline,
  PipelineSpecTasks,
  Task,
  TaskSpecSteps,
  TaskSpecStepsComputeResourcesLimits,
  TaskSpecStepsComputeResourcesRequests,
  TaskSpecStepsEnv,
  TaskSpecStepsSecurityContext,
} from '../../imports/tekton.dev';
// Each step's script is a file, ./scripts/<task>/<step>.sh, shipped as its exact text (lib/shell-text.d.ts)
// and shellchecked in CI. Values reach a script as env from Task params (`fromParam`), never
// spliced into its text; Tekton substitutes only `$(results.<name>.path)` in it. The three git
// steps open with the same identity and credential setup (test/charts/tekton-config.test.ts
// holds them equal).
import gitCloneScript from './scripts/git-clone/clone.sh';
import writeUrlScript from './scripts/image-build/write-url.sh';
import bumpCloneScript from './scripts/gitops-bump-image/clone.sh';
import setImageScript from './scripts/gitops-bump-image/set-image.sh';
import pushScript from './scripts/gitops-bump-image/push.sh';
import openPullRequestScript from './scripts/gitops-bump-image/open-pull-request.sh';

/** A toleration the operator puts on every Deployment it creates (`spec.config.tolerations`). */
export type TektonToleration = TektonConfigSpecConfigTolerations;
type EnvVar = TaskSpecStepsEnv;
type StepSecurityContext = TaskSpecStepsSecurityContext;

/**
 * The operator's `options` override of one Deployment it creates (only what we set). The CRD
 * leaves `options.deployments` free-form (`x-kubernetes-preserve-unknown-fields`), so the generated
 * type is `any`; this keeps ours typed.
 */
interface TektonDeploymentOption {
  readonly spec: {
    readonly template: {
      readonly spec: { readonly containers: readonly { readonly name: string; readonly resources: K8sResources }[] };
    };
  };
}

/**
 * A Task volume (only the sources we use). The CRD leaves `spec.volumes` free-form
 * (`x-kubernetes-preserve-unknown-fields`), so the generated type is `any`; this keeps ours typed.
 */
interface TaskVolume {
  readonly name: string;
  readonly emptyDir?: { readonly sizeLimit?: string };
  readonly secret?: { readonly secretName: string; readonly optional?: boolean; readonly items?: readonly { readonly key: string; readonly path: string }[] };
}

/** A pod-local scratch volume of at most `size`. */
function scratch(name: string, size: Storage): TaskVolume {
  return { name, emptyDir: { sizeLimit: size.toString() } };
}

/**
 * Step requests and limits in the generated types, which wrap each quantity in a class (an
 * IntOrString, unwrapped by the construct's toJson).
 */
function computeResources(r: K8sResources): TaskSpecSteps['computeResources'] {
  return crdQuantities(r, TaskSpecStepsComputeResourcesRequests.fromString, TaskSpecStepsComputeResourcesLimits.fromString);
}

export const ID = 'tekton-config';

/** The Tekton Pipelines Deployments the operator creates, with the container we size in each. */
export const PIPELINES_DEPLOYMENTS = {
  controller: { deployment: 'tekton-pipelines-controller', container: 'tekton-pipelines-controller' },
  webhook: { deployment: 'tekton-pipelines-webhook', container: 'webhook' },
  events: { deployment: 'tekton-events-controller', container: 'tekton-events-controller' },
  resolvers: { deployment: 'tekton-pipelines-remote-resolvers', container: 'controller' },
} as const;

export type PipelinesDeployment = keyof typeof PIPELINES_DEPLOYMENTS;

/** The Tekton Chains controller the operator creates in the target namespace. */
export const CHAINS_DEPLOYMENT = { deployment: 'tekton-chains-controller', container: 'tekton-chains-controller' } as const;

/**
 * The pods the operator creates in the target namespace, by the labels upstream's releases put on
 * them (tektoncd/pipeline config/*.yaml `app: <deployment>`, tektoncd/chains config/100-deployment.yaml),
 * and the pods Tekton creates for each TaskRun (`app.kubernetes.io/managed-by: tekton-pipelines`).
 */
export const TEKTON_PODS = {
  controller: { app: PIPELINES_DEPLOYMENTS.controller.deployment },
  webhook: { app: PIPELINES_DEPLOYMENTS.webhook.deployment },
  chains: { app: CHAINS_DEPLOYMENT.deployment },
  /** Pipelines' own Deployments (controller, webhook, events, resolvers): what the ServiceMonitor scrapes. */
  pipelines: { 'app.kubernetes.io/part-of': 'tekton-pipelines' },
  taskRuns: { 'app.kubernetes.io/managed-by': 'tekton-pipelines' },
} as const;

/** Their ports: the admission webhook's container port and every Pipelines Deployment's metrics. */
export const TEKTON_PORTS = { webhook: 8443, metrics: 9090 } as const;

/** Tasks of the CI Pipeline, in the order they run. */
export const CI_TASKS = ['clone', 'test', 'build', 'bump'] as const;
export type CiTask = (typeof CI_TASKS)[number];

export interface CiImages {
  readonly git: string;
  readonly yq: string;
  readonly curl: string;
  /** Rootless BuildKit (`moby/buildkit:<version>-rootless`): builds, never pushes. */
  readonly buildkit: string;
  /** crane: pushes the built OCI layout with the registry credentials. */
  readonly crane: string;
}

export interface GitOpsRepository {
  readonly repoURL: string;
  /** The branch changes are proposed against. */
  readonly targetRevision: string;
  /** The config file whose `services[].image` is bumped. */
  readonly file: string;
}

export interface TektonConfigProps {
  /** Where the operator installs Tekton Pipelines, and where CI runs. */
  readonly targetNamespace: string;
  readonly priorityClassName: string;
  readonly gitops: GitOpsRepository;
  /** The platform's label domain: the Pipeline carries its `concurrentRuns` annotation. */
  readonly labelDomain: LabelDomain;
  /** @default DEFAULTS.nodeSelector */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** @default DEFAULTS.tolerations */
  readonly tolerations?: readonly TektonToleration[];
  /**
   * PipelineRuns the namespace quota leaves room for at once (more wait for the quota): the
   * Pipeline's `labelDomain.concurrentRuns` annotation, which the workload derivation reads.
   * @default DEFAULTS.concurrentRuns
   */
  readonly concurrentRuns?: number;
  /** @default DEFAULTS.pipelinesResources */
  readonly pipelinesResources?: Partial<Record<PipelinesDeployment, Resources>>;
  /** @default DEFAULTS.images */
  readonly images?: Partial<CiImages>;
}

export const DEFAULTS = {
  profile: 'lite' as const,
  nodeSelector: {} as Readonly<Record<string, string>>,
  tolerations: [] as readonly TektonToleration[],
  concurrentRuns: 2,
  serviceAccount: 'ci-pipeline',
  pipeline: 'microservice-ci',
  pipelinesResources: {
    controller: Resources.of({ cpu: '30m', memory: '64Mi' }, { cpu: '500m', memory: '512Mi' }),
    webhook: Resources.of({ cpu: '20m', memory: '32Mi' }, { cpu: '500m', memory: '256Mi' }),
    events: Resources.of({ cpu: '5m', memory: '24Mi' }, { cpu: '100m', memory: '128Mi' }),
    resolvers: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '500m', memory: '512Mi' }),
  } satisfies Record<PipelinesDeployment, Resources>,
  /**
   * Step images, from the one versions table (exact tags, never `latest`). Rootless BuildKit
   * builds as uid 1000 without a daemon and without `privileged` (kaniko runs the Dockerfile as
   * root; Buildah would need `privileged` here); crane pushes.
   */
  images: { git: IMAGES.ciGit, yq: IMAGES.ciYq, curl: IMAGES.ciCurl, buildkit: IMAGES.ciBuildkit, crane: IMAGES.ciCrane } satisfies CiImages,
  steps: {
    git: Resources.of({ cpu: '50m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
    small: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '200m', memory: '128Mi' }),
    buildkit: Resources.of({ cpu: '500m', memory: '1Gi' }, { cpu: '2', memory: '3Gi' }),
    push: Resources.of({ cpu: '100m', memory: '64Mi' }, { cpu: '1', memory: '256Mi' }),
  },
  /** The Tekton Chains controller the operator creates when Chains is enabled. */
  chainsResources: Resources.of({ cpu: '20m', memory: '64Mi' }, { cpu: '500m', memory: '512Mi' }),
  /** Secrets CI reads, delivered by External Secrets from OpenBao (never bootstrap). */
  secrets: {
    sourceGit: { name: 'ci-git-credentials', path: 'platform/ci/source-git' },
    gitopsGit: { name: 'ci-gitops-credentials', path: 'platform/ci/gitops-git' },
    registry: { name: 'ci-registry-credentials', path: 'platform/ci/registry' },
    /**
     * Tekton Chains' cosign key pair: the name and keys Chains reads (`cosign.key`,
     * `cosign.password`, `cosign.pub`) in the namespace it runs in, Tekton's target namespace.
     */
    signing: { name: 'signing-secrets', path: 'platform/ci/chains-signing' },
  },
  /** The pruner keeps this many PipelineRuns per Pipeline. */
  keepRuns: 20,
  timeoutMinutes: 60,
} as const;

const TASK_WAVE = '1';

interface Resolved {
  readonly images: CiImages;
  readonly concurrentRuns: number;
  readonly pipelines: Record<PipelinesDeployment, Resources>;
}

function resolve(props: TektonConfigProps): Resolved {
  const concurrentRuns = props.concurrentRuns ?? DEFAULTS.concurrentRuns;
  if (!Number.isInteger(concurrentRuns) || concurrentRuns < 1) {
    throw new Error(`tekton-config: concurrentRuns must be a whole number of at least 1, got ${concurrentRuns}`);
  }
  const images: CiImages = { ...DEFAULTS.images, ...props.images };
  for (const [name, image] of Object.entries(images)) {
    const ref = ImageRef.parse(image);
    if (!ref.tag || ref.tag === 'latest') {
      throw new Error(`tekton-config: images.${name} "${image}" must be pinned to an exact tag (not latest), e.g. ${ref.name}:1.2.3`);
    }
  }
  if (!props.gitops.file.endsWith('.yaml')) {
    throw new Error(`tekton-config: gitops.file "${props.gitops.file}" must be the platform YAML file, e.g. platform.yaml`);
  }
  return { images, concurrentRuns, pipelines: { ...DEFAULTS.pipelinesResources, ...props.pipelinesResources } };
}

// ---------------------------------------------------------------------------------------------
// Step building blocks

/** Non-root steps: the restricted profile, as the distroless nonroot user. */
const NON_ROOT: StepSecurityContext = { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT, runAsUser: NON_ROOT_UID, runAsGroup: NON_ROOT_UID };

/** The user the rootless BuildKit image is built for (its /etc/subuid names `user`, uid 1000). */
export const BUILDKIT_UID = 1000;

/**
 * Rootless BuildKit: non-root (uid 1000), read-only root filesystem, never `privileged`. The
 * exceptions, each one BuildKit's rootless mode needs (moby/buildkit docs/rootless.md) and no wider:
 * - seccomp `Unconfined`: rootlesskit creates a user namespace and mounts inside it (`unshare`,
 *   `mount`), which the runtime's default seccomp profile denies to a container without
 *   CAP_SYS_ADMIN. This is why the CI namespace is Pod Security `privileged`
 *   (workflows/namespaces.ts): `baseline` forbids an `Unconfined` profile. Gatekeeper still denies
 *   privileged containers, host namespaces, host network and host paths there.
 * - AppArmor `Unconfined`: the default AppArmor profile denies the same mounts. Amazon Linux 2023
 *   nodes run no AppArmor, so it changes nothing there; it keeps the build working on nodes that do.
 * - `allowPrivilegeEscalation` with SETUID and SETGID (every other capability dropped): the setuid
 *   helpers newuidmap/newgidmap map the image's subordinate ID range into that user namespace;
 *   `no_new_privs` or a bounding set without these two would stop them. Privilege gained stays in
 *   the build's own user namespace.
 * `BUILDKITD_FLAGS=--oci-worker-no-process-sandbox` runs RUN steps in BuildKit's PID namespace,
 * since a rootless container cannot mount a new /proc. The step sees no Secret and no token.
 */
const BUILDKIT: StepSecurityContext = {
  allowPrivilegeEscalation: true,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: BUILDKIT_UID,
  runAsGroup: BUILDKIT_UID,
  capabilities: { drop: ['ALL'], add: ['SETUID', 'SETGID'] },
  seccompProfile: { type: 'Unconfined' },
  appArmorProfile: { type: 'Unconfined' },
};

/** Where the build step writes the image (an OCI layout directory) for the push step. */
export const OCI_LAYOUT = '/oci/image';
/** The push step writes the pushed digest reference here, for write-url. */
const PUSHED_REF = '/oci/pushed-ref';

/**
 * BuildKit's writable paths under the read-only root filesystem: its state and rootlesskit's
 * under the user's home, the runtime directory (XDG_RUNTIME_DIR) and the daemonless script's
 * temporary socket directory.
 */
const BUILDKIT_VOLUMES: TaskVolume[] = [
  scratch('buildkit-state', Storage.gibibytes(20)),
  scratch('buildkit-run', Storage.mebibytes(64)),
  scratch('buildkit-tmp', Storage.gibibytes(1)),
];
const BUILDKIT_MOUNTS = [
  { name: 'buildkit-state', mountPath: '/home/user/.local' },
  { name: 'buildkit-run', mountPath: `/run/user/${BUILDKIT_UID}` },
  { name: 'buildkit-tmp', mountPath: '/tmp' },
];
const BUILDKIT_ENV: EnvVar[] = [{ name: 'BUILDKITD_FLAGS', value: '--oci-worker-no-process-sandbox' }];
/** `buildctl build` arguments shared by the test and build Tasks. */
const BUILDCTL_BUILD = [
  'build',
  '--frontend=dockerfile.v0',
  '--local=context=$(workspaces.source.path)/$(params.context)',
  '--local=dockerfile=$(workspaces.source.path)/$(params.context)',
  '--opt=filename=$(params.dockerfile)',
];

const HOME = '/home/ci';
const HOME_VOLUME: TaskVolume = scratch('home', Storage.mebibytes(64));
const HOME_MOUNT = { name: 'home', mountPath: HOME };
/** Where the bump Task checks out the GitOps repository: scripts/gitops-bump-image/clone.sh clones into it. */
export const GITOPS_CHECKOUT = '/work/gitops';

function param(name: string, description: string, def?: string) {
  return { name, type: 'string' as const, description, ...(def !== undefined ? { default: def } : {}) };
}

/** Step env from a Task param, so a value never becomes part of a script's text. */
const fromParam = (name: string, p: string): EnvVar => ({ name, value: `$(params.${p})` });

/** Git credentials from a Secret reference; `optional` where public repositories need none. */
function credentials(secret: string, optional: boolean): EnvVar[] {
  return [
    { name: 'GIT_USERNAME', valueFrom: { secretKeyRef: { name: secret, key: 'username', optional } } },
    { name: 'GIT_PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'password', optional } } },
  ];
}

function step(s: Omit<TaskSpecSteps, 'computeResources' | 'securityContext'> & { image: string; resources: Resources; securityContext?: StepSecurityContext }): TaskSpecSteps {
  const { resources, securityContext, ...rest } = s;
  return { ...rest, computeResources: computeResources(resources.toK8s()), securityContext: securityContext ?? NON_ROOT };
}

// ---------------------------------------------------------------------------------------------
// The chart

export class TektonConfigChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: TektonConfigProps) {
    super(scope, id, { namespace: props.targetNamespace });
    const r = resolve(props);
    const ns = props.targetNamespace;
    const labels = (name: string, component: string) => standardLabels({ name, instance: id, component });
    const taskMetadata = (name: string) => ({
      name,
      namespace: ns,
      labels: labels(name, 'ci'),
      annotations: { 'argocd.argoproj.io/sync-wave': TASK_WAVE },
    });

    const chainsDeployment: TektonDeploymentOption = {
      spec: { template: { spec: { containers: [{ name: CHAINS_DEPLOYMENT.container, resources: DEFAULTS.chainsResources.toK8s() }] } } },
    };
    const deployments: Record<string, TektonDeploymentOption> = {};
    for (const [key, d] of Object.entries(PIPELINES_DEPLOYMENTS) as [PipelinesDeployment, (typeof PIPELINES_DEPLOYMENTS)[PipelinesDeployment]][]) {
      deployments[d.deployment] = { spec: { template: { spec: { containers: [{ name: d.container, resources: r.pipelines[key].toK8s() }] } } } };
    }

    new TektonConfig(this, 'tektonconfig', {
      // The operator reconciles only a TektonConfig named `config`.
      metadata: { name: 'config', labels: labels('config', 'tekton') },
      spec: {
        targetNamespace: ns,
        // Tekton Pipelines and Chains: CI is started by a PipelineRun, no Triggers or Dashboard.
        profile: DEFAULTS.profile,
        config: {
          nodeSelector: props.nodeSelector ?? DEFAULTS.nodeSelector,
          tolerations: [...(props.tolerations ?? DEFAULTS.tolerations)],
          priorityClassName: props.priorityClassName,
        },
        pipeline: {
          enableApiFields: 'stable',
          // Tasks of one run share a ReadWriteOnce volume: keep them on one node.
          coschedule: 'workspaces',
          // Restricted-compliant security contexts on the containers Tekton injects.
          setSecurityContext: true,
          // Credentials are step env from Secret references, not ServiceAccount-annotated Secrets.
          disableCredsInit: true,
          keepPodOnCancel: false,
          awaitSidecarReadiness: true,
          // No mesh sidecars in the CI namespace.
          runningInEnvironmentWithInjectedSidecars: false,
          // Every Task is in this namespace; nothing resolves from outside the cluster.
          enableBundlesResolver: false,
          enableClusterResolver: true,
          enableGitResolver: false,
          enableHubResolver: false,
          enableStepActions: true,
          defaultServiceAccount: DEFAULTS.serviceAccount,
          defaultTimeoutMinutes: DEFAULTS.timeoutMinutes,
          // The run's volume must be writable by the non-root steps.
          defaultPodTemplate: `securityContext:\n  fsGroup: ${NON_ROOT_UID}\n`,
          metricsPipelinerunLevel: 'pipeline',
          metricsTaskrunLevel: 'task',
          metricsPipelinerunDurationType: 'histogram',
          metricsTaskrunDurationType: 'histogram',
          // One controller with leader election; CI is not on the serving path.
          performance: { disableHa: false, replicas: 1, buckets: 1 },
          options: { disabled: false, deployments },
        },
        pruner: { disabled: false, schedule: '0 * * * *', resources: ['pipelinerun'], keep: DEFAULTS.keepRuns, prunePerResource: true },
        // Only one pruner may run: the job-based one above.
        tektonpruner: { disabled: true, globalConfig: {} },
        trigger: { disabled: true },
        chain: {
          disabled: false,
          // Provenance: each TaskRun's in-toto attestation (SLSA), stored in the registry beside the
          // image it built (found through the IMAGE_URL and IMAGE_DIGEST results of image-build).
          artifactsTaskrunFormat: 'in-toto',
          artifactsTaskrunStorage: 'oci',
          artifactsTaskrunSigner: 'x509',
          artifactsPipelinerunFormat: 'in-toto',
          artifactsPipelinerunStorage: 'oci',
          artifactsPipelinerunSigner: 'x509',
          // The image signature itself (cosign simplesigning), pushed beside the image.
          artifactsOciFormat: 'simplesigning',
          artifactsOciStorage: 'oci',
          artifactsOciSigner: 'x509',
          // The key is ours, delivered by External Secrets as `signing-secrets` (ciSecrets below):
          // the operator must not generate one, and no key is ever in git.
          generateSigningSecret: false,
          // No public transparency log: it would publish every private image's name and digest.
          transparencyEnabled: 'false',
          options: { disabled: false, deployments: { [CHAINS_DEPLOYMENT.deployment]: chainsDeployment } },
        },
        result: { disabled: true, isExternalDb: false },
        dashboard: { readonly: true },
      },
    });

    new k8s.KubeServiceAccount(this, 'serviceaccount', {
      metadata: { name: DEFAULTS.serviceAccount, namespace: ns, labels: labels(DEFAULTS.serviceAccount, 'ci') },
      // CI steps never call the Kubernetes API.
      automountServiceAccountToken: false,
      // Tekton Chains authenticates to the registry with the TaskRun's ServiceAccount's pull
      // Secrets when it stores signatures and attestations beside the image.
      imagePullSecrets: [{ name: DEFAULTS.secrets.registry.name }],
    });

    // Tekton Pipelines' own Services (controller, webhook, events, resolvers) export metrics on
    // `http-metrics`; the operator keeps upstream's `part-of` label on them.
    new ServiceMonitor(this, 'servicemonitor', {
      metadata: { name: 'tekton-pipelines', namespace: ns, labels: labels('tekton-pipelines', 'monitoring') },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/part-of': 'tekton-pipelines' } },
        namespaceSelector: { matchNames: [ns] },
        endpoints: [{ port: 'http-metrics', interval: '30s' }],
      },
    });

    this.gitClone(taskMetadata('git-clone'), r);
    this.imageTest(taskMetadata('image-test'), r);
    this.imageBuild(taskMetadata('image-build'), r);
    this.gitopsBump(taskMetadata('gitops-bump-image'), r);
    // The capacity plan and the namespace quota count this many runs (lib/workloads.ts).
    const pipeline = taskMetadata(DEFAULTS.pipeline);
    this.pipeline({ ...pipeline, annotations: { ...pipeline.annotations, [props.labelDomain.concurrentRuns]: String(r.concurrentRuns) } }, props.gitops);
  }

  private gitClone(metadata: object, r: Resolved): void {
    const s = DEFAULTS.secrets.sourceGit;
    new Task(this, 'task-git-clone', {
      metadata,
      spec: {
        description: 'Checks out one revision of a git repository into the output workspace.',
        params: [param('url', 'Repository to clone (https).'), param('revision', 'Branch, tag or commit.', 'main')],
        workspaces: [{ name: 'output', description: 'Receives the checkout (emptied first).' }],
        results: [{ name: 'commit', type: 'string', description: 'The commit checked out.' }],
        volumes: [HOME_VOLUME],
        steps: [
          step({
            name: 'clone',
            image: r.images.git,
            resources: DEFAULTS.steps.git,
            env: [{ name: 'HOME', value: HOME }, fromParam('URL', 'url'), fromParam('REVISION', 'revision'), ...credentials(s.name, true)],
            volumeMounts: [HOME_MOUNT],
            workingDir: '$(workspaces.output.path)',
            script: gitCloneScript,
          }),
        ],
      },
    });
  }

  private buildParams() {
    return [
      param('context', 'Build context, relative to the source workspace.', '.'),
      param('dockerfile', 'Dockerfile, relative to the context.', 'Dockerfile'),
    ];
  }

  private imageTest(metadata: object, r: Resolved): void {
    new Task(this, 'task-image-test', {
      metadata,
      spec: {
        description: "Runs the service's tests: builds its Dockerfile up to the test stage, pushing nothing.",
        params: [...this.buildParams(), param('target', 'The Dockerfile stage whose RUN steps run the tests.', 'test')],
        workspaces: [{ name: 'source', description: 'The checked-out service.', readOnly: true }],
        steps: [
          step({
            name: 'test',
            image: r.images.buildkit,
            resources: DEFAULTS.steps.buildkit,
            securityContext: BUILDKIT,
            env: BUILDKIT_ENV,
            volumeMounts: BUILDKIT_MOUNTS,
            command: ['buildctl-daemonless.sh'],
            // No --output: the stage is built (its RUN steps are the tests) and nothing is exported.
            args: [...BUILDCTL_BUILD, '--opt=target=$(params.target)'],
          }),
        ],
        volumes: BUILDKIT_VOLUMES,
      },
    });
  }

  private imageBuild(metadata: object, r: Resolved): void {
    const s = DEFAULTS.secrets.registry;
    new Task(this, 'task-image-build', {
      metadata,
      spec: {
        description: 'Builds the service image (rootless BuildKit, no credentials) and pushes it with its version tag in a separate step (crane, the only step that sees the registry credentials).',
        params: [
          ...this.buildParams(),
          param('image', 'Image repository, without a tag (e.g. ghcr.io/example/orders).'),
          param('tag', 'Exact version tag to push (never latest).'),
        ],
        workspaces: [{ name: 'source', description: 'The checked-out service.', readOnly: true }],
        results: [
          { name: 'IMAGE_URL', type: 'string', description: 'The pushed image with its tag.' },
          { name: 'IMAGE_DIGEST', type: 'string', description: 'The digest of the pushed image.' },
        ],
        volumes: [
          ...BUILDKIT_VOLUMES,
          // The built image, handed from the build step to the push step inside the pod.
          scratch('oci', Storage.gibibytes(10)),
          // Registry credentials: a docker config.json, mounted into the push step only.
          { name: 'registry-credentials', secret: { secretName: s.name, items: [{ key: '.dockerconfigjson', path: 'config.json' }] } },
        ],
        steps: [
          step({
            name: 'build',
            image: r.images.buildkit,
            resources: DEFAULTS.steps.buildkit,
            securityContext: BUILDKIT,
            env: BUILDKIT_ENV,
            volumeMounts: [...BUILDKIT_MOUNTS, { name: 'oci', mountPath: '/oci' }],
            command: ['buildctl-daemonless.sh'],
            args: [...BUILDCTL_BUILD, `--output=type=oci,dest=${OCI_LAYOUT},tar=false,name=$(params.image):$(params.tag)`],
          }),
          step({
            name: 'push',
            image: r.images.crane,
            resources: DEFAULTS.steps.push,
            env: [{ name: 'DOCKER_CONFIG', value: '/docker-config' }],
            volumeMounts: [
              { name: 'oci', mountPath: '/oci' },
              { name: 'registry-credentials', mountPath: '/docker-config', readOnly: true },
            ],
            // The image's entrypoint is crane; Tekton resolves it from the image.
            args: ['push', OCI_LAYOUT, '$(params.image):$(params.tag)', `--image-refs=${PUSHED_REF}`],
          }),
          step({
            name: 'write-url',
            image: r.images.git,
            resources: DEFAULTS.steps.small,
            env: [fromParam('IMAGE', 'image'), fromParam('TAG', 'tag'), { name: 'PUSHED_REF', value: PUSHED_REF }],
            volumeMounts: [{ name: 'oci', mountPath: '/oci', readOnly: true }],
            script: writeUrlScript,
          }),
        ],
      },
    });
  }

  private gitopsBump(metadata: object, r: Resolved): void {
    const s = DEFAULTS.secrets.gitopsGit;
    const env = (...extra: EnvVar[]): EnvVar[] => [{ name: 'HOME', value: HOME }, ...extra];
    new Task(this, 'task-gitops-bump-image', {
      metadata,
      spec: {
        description: "Proposes the GitOps change that sets a service's image in the platform config: a branch, and a pull request on GitHub.",
        params: [
          param('gitops-url', 'The GitOps repository (https).'),
          param('gitops-revision', 'The branch the change is proposed against.'),
          param('file', 'The platform config file in that repository.'),
          param('service', 'Service name, as in services[].name.'),
          param('image', 'Image repository, without a tag.'),
          param('tag', 'The version tag just pushed.'),
          param('digest', 'The digest just pushed (recorded in the commit message).', ''),
          param('source-commit', 'The service commit that was built.', ''),
        ],
        workspaces: [],
        results: [{ name: 'branch', type: 'string', description: 'The branch holding the change.' }],
        volumes: [HOME_VOLUME, scratch('work', Storage.mebibytes(512))],
        steps: [
          step({
            name: 'clone',
            image: r.images.git,
            resources: DEFAULTS.steps.git,
            env: env(fromParam('URL', 'gitops-url'), fromParam('BASE', 'gitops-revision'), fromParam('SERVICE', 'service'), fromParam('TAG', 'tag'), ...credentials(s.name, false)),
            volumeMounts: [HOME_MOUNT, { name: 'work', mountPath: '/work' }],
            script: bumpCloneScript,
          }),
          step({
            name: 'set-image',
            image: r.images.yq,
            resources: DEFAULTS.steps.small,
            env: env(fromParam('FILE', 'file'), fromParam('SERVICE', 'service'), fromParam('IMAGE', 'image'), fromParam('TAG', 'tag')),
            volumeMounts: [HOME_MOUNT, { name: 'work', mountPath: '/work' }],
            workingDir: GITOPS_CHECKOUT,
            script: setImageScript,
          }),
          step({
            name: 'push',
            image: r.images.git,
            resources: DEFAULTS.steps.git,
            env: env(fromParam('FILE', 'file'), fromParam('SERVICE', 'service'), fromParam('IMAGE', 'image'), fromParam('TAG', 'tag'), fromParam('DIGEST', 'digest'), fromParam('COMMIT', 'source-commit'), ...credentials(s.name, false)),
            volumeMounts: [HOME_MOUNT, { name: 'work', mountPath: '/work' }],
            workingDir: GITOPS_CHECKOUT,
            script: pushScript,
          }),
          step({
            name: 'open-pull-request',
            image: r.images.curl,
            resources: DEFAULTS.steps.small,
            env: env(fromParam('URL', 'gitops-url'), fromParam('BASE', 'gitops-revision'), fromParam('SERVICE', 'service'), fromParam('TAG', 'tag'), ...credentials(s.name, false)),
            script: openPullRequestScript,
            volumeMounts: [HOME_MOUNT],
          }),
        ],
      },
    });
  }

  private pipeline(metadata: object, gitops: GitOpsRepository): void {
    const ws = [{ name: 'source', workspace: 'source' }];
    const p = (name: string, value: string) => ({ name, value });
    const tasks: Record<CiTask, PipelineSpecTasks> = {
      clone: {
        name: 'clone',
        taskRef: { name: 'git-clone', kind: 'Task' },
        params: [p('url', '$(params.git-url)'), p('revision', '$(params.git-revision)')],
        workspaces: [{ name: 'output', workspace: 'source' }],
        retries: 2,
      },
      test: {
        name: 'test',
        taskRef: { name: 'image-test', kind: 'Task' },
        runAfter: ['clone'],
        params: [p('context', '$(params.context)'), p('dockerfile', '$(params.dockerfile)'), p('target', '$(params.test-target)')],
        workspaces: ws,
        timeout: '30m0s',
      },
      build: {
        name: 'build',
        taskRef: { name: 'image-build', kind: 'Task' },
        runAfter: ['test'],
        params: [p('context', '$(params.context)'), p('dockerfile', '$(params.dockerfile)'), p('image', '$(params.image)'), p('tag', '$(params.tag)')],
        workspaces: ws,
        timeout: '30m0s',
      },
      bump: {
        name: 'bump',
        taskRef: { name: 'gitops-bump-image', kind: 'Task' },
        runAfter: ['build'],
        params: [
          p('gitops-url', '$(params.gitops-url)'),
          p('gitops-revision', '$(params.gitops-revision)'),
          p('file', '$(params.platform-file)'),
          p('service', '$(params.service)'),
          p('image', '$(params.image)'),
          p('tag', '$(params.tag)'),
          p('digest', '$(tasks.build.results.IMAGE_DIGEST)'),
          p('source-commit', '$(tasks.clone.results.commit)'),
        ],
        workspaces: [],
        retries: 1,
      },
    };
    new Pipeline(this, 'pipeline', {
      metadata,
      spec: {
        description: 'CI for one microservice: clone, test, build and push the image, then propose the GitOps change that deploys it.',
        params: [
          param('service', 'Service name, as in services[].name of the platform config.'),
          param('git-url', "The service's repository (https)."),
          param('git-revision', 'Branch, tag or commit to build.', 'main'),
          param('image', 'Image repository, without a tag (e.g. ghcr.io/example/orders).'),
          param('tag', 'Exact version tag to build and deploy (never latest).'),
          param('context', 'Build context in the repository.', '.'),
          param('dockerfile', 'Dockerfile, relative to the context.', 'Dockerfile'),
          param('test-target', 'The Dockerfile stage that runs the tests.', 'test'),
          param('gitops-url', 'The GitOps repository.', gitops.repoURL),
          param('gitops-revision', 'The branch deployments are proposed against.', gitops.targetRevision),
          param('platform-file', 'The platform config in the GitOps repository.', gitops.file),
        ],
        workspaces: [{ name: 'source', description: 'Scratch volume for the checkout (a volumeClaimTemplate per run).' }],
        tasks: CI_TASKS.map((t) => tasks[t]),
        results: [
          { name: 'image-url', description: 'The pushed image.', value: '$(tasks.build.results.IMAGE_URL)' },
          { name: 'image-digest', description: 'Its digest.', value: '$(tasks.build.results.IMAGE_DIGEST)' },
          { name: 'gitops-branch', description: 'The branch with the deployment change.', value: '$(tasks.bump.results.branch)' },
        ],
      },
    });
  }
}

/** The Secrets CI reads: references only, each delivered by an ExternalSecret. */
export function ciSecrets(namespace: string): SecretRequirement[] {
  const s = DEFAULTS.secrets;
  const basicAuth = (path: string) => ({ username: { path, property: 'username' }, password: { path, property: 'password' } });
  return [
    { namespace, name: s.sourceGit.name, data: basicAuth(s.sourceGit.path), purpose: 'CI read access to the service repositories' },
    { namespace, name: s.gitopsGit.name, data: basicAuth(s.gitopsGit.path), purpose: 'CI push and pull requests on the GitOps repository' },
    {
      namespace,
      name: s.registry.name,
      // A dockerconfigjson Secret: the push step mounts it as config.json, and Tekton Chains finds
      // it through the ServiceAccount's imagePullSecrets to push signatures and attestations.
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': { path: s.registry.path, property: 'dockerconfigjson' } },
      purpose: 'CI image push (a docker config.json for the registry), and Tekton Chains pushing signatures and attestations beside the image',
    },
    {
      namespace,
      name: s.signing.name,
      data: {
        'cosign.key': { path: s.signing.path, property: 'cosign.key' },
        'cosign.password': { path: s.signing.path, property: 'cosign.password' },
        'cosign.pub': { path: s.signing.path, property: 'cosign.pub' },
      },
      purpose: "Tekton Chains' cosign key pair: signs every image CI pushes and its build provenance (README, \"Supply chain\")",
    },
  ];
}

export function tektonConfigComponent(props: TektonConfigProps): PlatformComponent {
  // Validate early: the props are checked again when the chart is built.
  resolve(props);
  const ns = props.targetNamespace;
  return {
    id: ID,
    workflow: Workflow.GitOps,
    namespace: ns,
    dependsOn: ['tekton-operator'],
    source: manifests((scope) => new TektonConfigChart(scope, ID, props)),
    // Task and Pipeline are Tekton Pipelines CRDs, which exist only after the operator acted on
    // the TektonConfig in the same sync.
    syncOptions: ['SkipDryRunOnMissingResource=true'],
    secrets: ciSecrets(ns),
    traffic: tektonPipelinesTraffic(ns, props.gitops.repoURL),
  };
}

/**
 * The traffic of the pods the operator creates for this TektonConfig (lib/traffic.ts). None of
 * them is in the rendered objects, so nothing is derived but every pod's DNS and API server
 * access: the API server's calls to the Pipelines admission webhook (whose configurations the
 * operator creates) are declared here. Triggers are off (no EventListener, nothing calls in).
 * - TaskRun pods clone the services' repositories and the GitOps repository, pull base images and
 *   packages in the build, push the image and open the pull request: git hosts, registries and the
 *   git host's API, all over HTTPS (plus the GitOps repository's own port where it is not https).
 * - The Pipelines controller looks up the entrypoint of a step image that has no command (the
 *   push step's crane) in its registry.
 * - Chains pushes signatures and attestations beside the image (OCI storage), no transparency log.
 */
export function tektonPipelinesTraffic(namespace: string, gitopsRepoURL: string): TrafficEdge[] {
  const pods = (labels: Readonly<Record<string, string>>) => ({ namespace, pods: labels });
  const gitopsPort = gitPort(gitopsRepoURL);
  return [
    {
      name: 'tekton-pipelines-webhook',
      from: { entity: 'kube-apiserver' },
      to: pods(TEKTON_PODS.webhook),
      ports: [{ port: TEKTON_PORTS.webhook }],
      reason: "The API server calls Tekton Pipelines' admission and conversion webhooks (created by the operator).",
    },
    {
      name: 'tekton-taskruns-world',
      from: pods(TEKTON_PODS.taskRuns),
      to: { entity: 'world' },
      ports: [...new Set([443, gitopsPort])].map((port) => ({ port })),
      reason: 'CI steps clone repositories, pull base images and packages, push the image and open the pull request: git hosts and registries (no FQDN policies: the world on these ports).',
    },
    {
      name: 'tekton-controller-registry',
      from: pods(TEKTON_PODS.controller),
      to: { entity: 'world' },
      ports: [{ port: 443 }],
      reason: "The Pipelines controller reads a step image's entrypoint from its registry when the step names no command.",
    },
    {
      name: 'tekton-chains-registry',
      from: pods(TEKTON_PODS.chains),
      to: { entity: 'world' },
      ports: [{ port: 443 }],
      reason: 'Tekton Chains pushes signatures and attestations to the registry beside the image.',
    },
  ];
}
