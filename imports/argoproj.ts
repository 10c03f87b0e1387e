/**
 * Typed L1 constructs for the Argo CD custom resources we emit (argoproj.io/v1alpha1), limited to
 * the fields we use. Checked against crds/argoproj.io/{application,appproject}_v1alpha1.json.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

export interface ApplicationSourceHelm {
  readonly releaseName?: string;
  readonly valuesObject?: object;
}

export interface ApplicationSourceDirectory {
  readonly recurse?: boolean;
  readonly include?: string;
}

export interface ApplicationSource {
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly chart?: string;
  readonly path?: string;
  readonly helm?: ApplicationSourceHelm;
  readonly directory?: ApplicationSourceDirectory;
}

export interface ResourceIgnoreDifferences {
  readonly group: string;
  readonly kind: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly jsonPointers?: readonly string[];
  readonly jqPathExpressions?: readonly string[];
}

export interface SyncPolicy {
  readonly automated?: { readonly prune: boolean; readonly selfHeal: boolean };
  readonly syncOptions?: readonly string[];
  readonly retry?: {
    readonly limit: number;
    readonly backoff: { readonly duration: string; readonly factor: number; readonly maxDuration: string };
    /** Retry with the latest revision instead of the one that failed. */
    readonly refresh?: boolean;
  };
}

export interface ApplicationSpec {
  readonly project: string;
  readonly destination: { readonly server: string; readonly namespace: string };
  readonly source: ApplicationSource;
  readonly syncPolicy: SyncPolicy;
  readonly ignoreDifferences?: readonly ResourceIgnoreDifferences[];
  readonly revisionHistoryLimit?: number;
}

export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

export interface AppProjectSpec {
  readonly description: string;
  readonly sourceRepos: readonly string[];
  readonly destinations: readonly { readonly server: string; readonly namespace: string }[];
  readonly clusterResourceWhitelist: readonly GroupKind[];
  readonly namespaceResourceWhitelist?: readonly GroupKind[];
}

export class Application extends ApiObject {
  static readonly GVK = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: ApplicationSpec }) {
    super(scope, id, { ...Application.GVK, metadata: props.metadata, spec: props.spec });
  }
}

export class AppProject extends ApiObject {
  static readonly GVK = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: AppProjectSpec }) {
    super(scope, id, { ...AppProject.GVK, metadata: props.metadata, spec: props.spec });
  }
}
