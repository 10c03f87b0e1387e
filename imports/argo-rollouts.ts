/**
 * Typed L1 constructs for the Argo Rollouts custom resources we emit (argoproj.io/v1alpha1):
 * Rollout and AnalysisTemplate, limited to the fields we use. Checked against
 * crds/argoproj.io/{rollout,analysistemplate}_v1alpha1.json.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

export interface AnalysisArg {
  readonly name: string;
  readonly value?: string;
  /** `Latest` is the canary's pod-template hash, `Stable` the stable one's. */
  readonly valueFrom?: { readonly podTemplateHashValue: 'Latest' | 'Stable' };
}

export interface RolloutAnalysis {
  readonly templates: readonly { readonly templateName: string }[];
  readonly args?: readonly AnalysisArg[];
  /** Index of the canary step at which background analysis starts. */
  readonly startingStep?: number;
}

export type CanaryStep =
  | { readonly setWeight: number }
  /** `duration` such as `2m`; without one the rollout waits for a human (we never do that). */
  | { readonly pause: { readonly duration: string } }
  | { readonly analysis: RolloutAnalysis };

export interface CanaryStrategy {
  readonly maxSurge?: number | string;
  readonly maxUnavailable?: number | string;
  /** Background analysis: runs from `startingStep` until the rollout completes; a failure aborts it. */
  readonly analysis?: RolloutAnalysis;
  readonly steps: readonly CanaryStep[];
}

export interface RolloutSpec {
  /** Omitted on purpose where an HPA owns the count. */
  readonly replicas?: number;
  readonly selector: { readonly matchLabels: Record<string, string> };
  readonly template: k8s.PodTemplateSpec;
  readonly strategy: { readonly canary: CanaryStrategy };
  readonly minReadySeconds?: number;
  readonly revisionHistoryLimit?: number;
  readonly progressDeadlineSeconds?: number;
  /** Abort (back to stable) when the update makes no progress within `progressDeadlineSeconds`. */
  readonly progressDeadlineAbort?: boolean;
  readonly analysis?: { readonly successfulRunHistoryLimit?: number; readonly unsuccessfulRunHistoryLimit?: number };
}

export class Rollout extends ApiObject {
  static readonly GVK = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: RolloutSpec }) {
    const { template, ...rest } = props.spec;
    super(scope, id, { ...Rollout.GVK, metadata: props.metadata, spec: { ...rest, template: k8s.toJson_PodTemplateSpec(template) } });
  }
}

export interface PrometheusProvider {
  readonly address: string;
  readonly query: string;
  /** Seconds. */
  readonly timeout?: number;
}

export interface AnalysisMetric {
  readonly name: string;
  /** Time between measurements, e.g. `30s`. */
  readonly interval: string;
  /** The analysis fails once more measurements than this have failed. */
  readonly failureLimit: number;
  /** Errors (e.g. Prometheus unreachable) tolerated in a row before the analysis errors out. */
  readonly consecutiveErrorLimit?: number;
  readonly initialDelay?: string;
  /** An expression over `result` (e.g. `result[0] <= 0.05`). */
  readonly successCondition: string;
  readonly provider: { readonly prometheus: PrometheusProvider };
}

export interface AnalysisTemplateSpec {
  readonly args?: readonly { readonly name: string; readonly value?: string }[];
  readonly metrics: readonly AnalysisMetric[];
}

export class AnalysisTemplate extends ApiObject {
  static readonly GVK = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: AnalysisTemplateSpec }) {
    super(scope, id, { ...AnalysisTemplate.GVK, metadata: props.metadata, spec: props.spec });
  }
}
