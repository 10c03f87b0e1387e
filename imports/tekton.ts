/**
 * Typed L1 constructs for the Tekton custom resources we emit, limited to the fields we use:
 * `TektonConfig` (operator.tekton.dev/v1alpha1) and `Task` / `Pipeline` (tekton.dev/v1). Checked
 * against ../shared/schemas/crds/{operator.tekton.dev,tekton.dev}/*.json in the tests.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { K8sResources } from '../lib/resources';

// ---------------------------------------------------------------------------------------------
// operator.tekton.dev/v1alpha1 TektonConfig

export interface TektonToleration {
  readonly key?: string;
  readonly operator?: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** `spec.config`: scheduling the operator applies to every Deployment it creates. */
export interface TektonComponentConfig {
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly TektonToleration[];
  readonly priorityClassName: string;
}

/** The operator's `options` override of one Deployment it creates (only what we set). */
export interface TektonDeploymentOption {
  readonly spec: {
    readonly template: {
      readonly spec: { readonly containers: readonly { readonly name: string; readonly resources: K8sResources }[] };
    };
  };
}

export interface TektonOptions {
  readonly disabled: boolean;
  readonly deployments: Readonly<Record<string, TektonDeploymentOption>>;
}

/** `spec.pipeline`: Tekton Pipelines feature flags and defaults (the keys we set). */
export interface TektonPipelineSpec {
  readonly 'enable-api-fields': 'stable' | 'beta' | 'alpha';
  readonly coschedule: 'workspaces' | 'pipelineruns' | 'isolate-pipelinerun' | 'disabled';
  readonly 'set-security-context': boolean;
  readonly 'disable-creds-init': boolean;
  readonly 'keep-pod-on-cancel': boolean;
  readonly 'await-sidecar-readiness': boolean;
  readonly 'running-in-environment-with-injected-sidecars': boolean;
  readonly 'enable-bundles-resolver': boolean;
  readonly 'enable-cluster-resolver': boolean;
  readonly 'enable-git-resolver': boolean;
  readonly 'enable-hub-resolver': boolean;
  readonly 'enable-step-actions': boolean;
  readonly 'default-service-account': string;
  readonly 'default-timeout-minutes': number;
  /** A PodTemplate as YAML text, applied to every TaskRun pod. */
  readonly 'default-pod-template': string;
  readonly 'metrics.pipelinerun.level': 'pipeline' | 'pipelinerun' | 'namespace';
  readonly 'metrics.taskrun.level': 'task' | 'taskrun' | 'namespace';
  readonly 'metrics.pipelinerun.duration-type': 'histogram' | 'lastvalue';
  readonly 'metrics.taskrun.duration-type': 'histogram' | 'lastvalue';
  readonly performance: {
    /** Required by the schema whenever `performance` is present. */
    readonly 'disable-ha': boolean;
    readonly replicas: number;
    readonly buckets: number;
  };
  readonly options: TektonOptions;
}

export interface TektonConfigSpec {
  readonly targetNamespace: string;
  readonly profile: 'lite' | 'basic' | 'all';
  readonly config: TektonComponentConfig;
  readonly pipeline: TektonPipelineSpec;
  /** The job-based pruner (a CronJob running `tkn`). */
  readonly pruner: {
    readonly disabled: boolean;
    readonly schedule: string;
    readonly resources: readonly ('taskrun' | 'pipelinerun')[];
    readonly keep: number;
    readonly 'prune-per-resource': boolean;
  };
  /** The event-based pruner; exactly one pruner may be enabled. */
  readonly tektonpruner: { readonly disabled: boolean; readonly 'global-config': Readonly<Record<string, never>> };
  readonly trigger: { readonly disabled: boolean };
  readonly chain: { readonly disabled: boolean };
  readonly result: { readonly disabled: boolean; readonly is_external_db: boolean };
  readonly dashboard: { readonly readonly: boolean };
}

export class TektonConfig extends ApiObject {
  static readonly GVK = { apiVersion: 'operator.tekton.dev/v1alpha1', kind: 'TektonConfig' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: TektonConfigSpec }) {
    super(scope, id, { ...TektonConfig.GVK, metadata: props.metadata, spec: props.spec });
  }
}

// ---------------------------------------------------------------------------------------------
// tekton.dev/v1 Task and Pipeline

export interface ParamSpec {
  readonly name: string;
  readonly type: 'string' | 'array' | 'object';
  readonly description: string;
  readonly default?: string;
}

export interface WorkspaceDeclaration {
  readonly name: string;
  readonly description: string;
  readonly optional?: boolean;
  readonly readOnly?: boolean;
}

export interface TaskResult {
  readonly name: string;
  readonly type: 'string';
  readonly description: string;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef: { readonly name: string; readonly key: string; readonly optional?: boolean } };
}

export interface StepSecurityContext {
  readonly allowPrivilegeEscalation?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly capabilities?: { readonly drop?: readonly string[]; readonly add?: readonly string[] };
  readonly seccompProfile?: { readonly type: 'RuntimeDefault' };
}

export interface Step {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly script?: string;
  readonly workingDir?: string;
  readonly env?: readonly EnvVar[];
  readonly computeResources: K8sResources;
  readonly securityContext: StepSecurityContext;
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
}

export interface TaskVolume {
  readonly name: string;
  readonly emptyDir?: { readonly sizeLimit?: string };
  readonly secret?: { readonly secretName: string; readonly optional?: boolean; readonly items?: readonly { readonly key: string; readonly path: string }[] };
}

export interface TaskSpec {
  readonly description: string;
  readonly params: readonly ParamSpec[];
  readonly workspaces: readonly WorkspaceDeclaration[];
  readonly results?: readonly TaskResult[];
  readonly steps: readonly Step[];
  readonly volumes?: readonly TaskVolume[];
}

export class Task extends ApiObject {
  static readonly GVK = { apiVersion: 'tekton.dev/v1', kind: 'Task' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: TaskSpec }) {
    super(scope, id, { ...Task.GVK, metadata: props.metadata, spec: props.spec });
  }
}

export interface PipelineTask {
  readonly name: string;
  readonly taskRef: { readonly name: string; readonly kind: 'Task' };
  readonly runAfter?: readonly string[];
  readonly params: readonly { readonly name: string; readonly value: string }[];
  readonly workspaces: readonly { readonly name: string; readonly workspace: string }[];
  readonly timeout?: string;
  readonly retries?: number;
}

export interface PipelineSpec {
  readonly description: string;
  readonly params: readonly ParamSpec[];
  readonly workspaces: readonly WorkspaceDeclaration[];
  readonly tasks: readonly PipelineTask[];
  readonly results?: readonly { readonly name: string; readonly description: string; readonly value: string }[];
}

export class Pipeline extends ApiObject {
  static readonly GVK = { apiVersion: 'tekton.dev/v1', kind: 'Pipeline' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: PipelineSpec }) {
    super(scope, id, { ...Pipeline.GVK, metadata: props.metadata, spec: props.spec });
  }
}
