/**
 * k6-operator `TestRun` (k6.io/v1alpha1), limited to the fields we use. Checked against
 * crds/k6.io/testrun_v1alpha1.json.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

/** The plain (JSON) pod settings the operator applies to its initializer, starter and runner pods. */
export interface TestRunPod {
  readonly image?: string;
  readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly env?: readonly { readonly name: string; readonly value: string }[];
  readonly resources?: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  readonly securityContext?: object;
  readonly containerSecurityContext?: object;
  readonly automountServiceAccountToken?: string;
  readonly volumes?: readonly object[];
  readonly volumeMounts?: readonly object[];
}

export interface TestRunSpec {
  readonly parallelism: number;
  readonly script: { readonly configMap: { readonly name: string; readonly file: string } };
  /** Extra `k6 run` arguments. */
  readonly arguments?: string;
  /** `post`: delete the jobs and pods once the run finishes. */
  readonly cleanup?: 'post';
  readonly initializer?: TestRunPod;
  readonly starter?: TestRunPod;
  readonly runner: TestRunPod;
}

export class TestRun extends ApiObject {
  static readonly GVK = { apiVersion: 'k6.io/v1alpha1', kind: 'TestRun' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: TestRunSpec }) {
    super(scope, id, { ...TestRun.GVK, metadata: props.metadata, spec: props.spec });
  }
}
