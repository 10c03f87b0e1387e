/** The tempo chart (grafana-community 2.x, monolithic) keys we set. Checked against chart-values/tempo. */
import type { k8s } from 'cdk8s-plus-28';
import { K8sResources } from '../../lib/resources';

export interface TempoValues {
  readonly replicas: number;
  readonly priorityClassName: string;
  readonly serviceAccount: { readonly create: boolean; readonly name: string; readonly annotations: Readonly<Record<string, string>> };
  /** Pod security context (the chart's top-level `securityContext`). */
  readonly securityContext: k8s.PodSecurityContext;
  readonly tempo: {
    readonly resources: K8sResources;
    /** Container security context. */
    readonly securityContext: k8s.SecurityContext;
    readonly reportingEnabled: boolean;
    /** Go duration: compactor block retention. */
    readonly retention: string;
    /** Tempo's `storage` block, rendered verbatim (free-form in the key test). */
    readonly storage: {
      readonly trace: {
        readonly backend: 's3';
        readonly s3: { readonly bucket: string; readonly endpoint: string; readonly region: string };
        readonly wal: { readonly path: string };
      };
    };
    readonly receivers: {
      readonly otlp: { readonly protocols: { readonly grpc: { readonly endpoint: string }; readonly http: { readonly endpoint: string } } };
    };
  };
  readonly persistence: { readonly enabled: boolean; readonly size: string };
  readonly serviceMonitor: { readonly enabled: boolean; readonly interval: string };
}
