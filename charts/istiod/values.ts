import type { K8sResources } from '../../lib/resources';
import type { ZoneSpreadConstraint } from '../../lib/tier-policy';

/** An OpenTelemetry (OTLP/gRPC) tracing provider of the mesh config. */
export interface OtelProvider {
  readonly name: string;
  readonly opentelemetry: { readonly service: string; readonly port: number };
}

/** The MeshConfig fields we set (istio.mesh.v1alpha1.MeshConfig; a free-form map for the chart). */
export interface MeshConfig {
  /** Merges the app's own metrics into the agent's port 15020 (`/stats/prometheus`). */
  readonly enablePrometheusMerge: boolean;
  /** `/dev/stdout` turns Envoy access logs on; empty leaves them off. */
  readonly accessLogFile: string;
  readonly accessLogEncoding: 'JSON' | 'TEXT';
  readonly defaultConfig: { readonly holdApplicationUntilProxyStarts: boolean };
  readonly extensionProviders: readonly OtelProvider[];
}

/** The `istiod` chart keys we set, at top level as the chart reads them. */
export interface IstiodValues {
  readonly replicaCount: number;
  readonly autoscaleEnabled: boolean;
  readonly resources: K8sResources;
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
  readonly topologySpreadConstraints: readonly ZoneSpreadConstraint[];
  /** Becomes `pilot.cni.enabled` in the injection template: no privileged init container. */
  readonly cni: { readonly enabled: boolean };
  readonly global: {
    readonly istioNamespace: string;
    readonly priorityClassName: string;
    readonly logAsJson: boolean;
    readonly defaultPodDisruptionBudget: { readonly enabled: boolean };
    readonly proxy: { readonly resources: K8sResources; readonly seccompProfile: { readonly type: 'RuntimeDefault' } };
  };
  readonly meshConfig: MeshConfig;
  /** Same value as in `base` (see charts/istio-base): no failurePolicy flip, no Argo CD drift. */
  readonly base: { readonly validationFailurePolicy: 'Fail' | 'Ignore' };
}
