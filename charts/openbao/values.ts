/** The openbao chart's keys we set (checked against the pinned chart's values.yaml by the key test). */
import type { k8s } from 'cdk8s-plus-28';
import type { K8sResources } from '../../lib/resources';
import type { ZoneSpreadConstraint } from '../../lib/tier-policy';

export interface OpenBaoProbe {
  readonly enabled: boolean;
  /** httpGet path; templates read it, values.yaml only mentions it in a comment (allowlisted). */
  readonly path: string;
  readonly port: number;
  readonly failureThreshold: number;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly successThreshold: number;
  readonly timeoutSeconds: number;
}

export interface OpenBaoValues {
  readonly global: { readonly tlsDisable: boolean };
  readonly injector: { readonly enabled: boolean };
  readonly csi: { readonly enabled: boolean };
  readonly ui: { readonly enabled: boolean };
  readonly server: {
    readonly podManagementPolicy: 'OrderedReady';
    readonly updateStrategyType: 'RollingUpdate' | 'OnDelete';
    readonly logFormat: 'json' | 'standard';
    readonly resources: K8sResources;
    readonly priorityClassName: string;
    readonly readinessProbe: OpenBaoProbe;
    readonly livenessProbe: OpenBaoProbe;
    /** The openbao, openbao-active and openbao-standby Services (not the headless openbao-internal). */
    readonly service: { readonly publishNotReadyAddresses: boolean };
    /** Shell words appended to `bao server -config=...` inside the chart's `sh -ec` script. */
    readonly extraArgs: string;
    readonly extraEnvironmentVars: Readonly<Record<string, string>>;
    readonly extraVolumes: readonly { readonly type: 'secret' | 'configMap'; readonly name: string }[];
    readonly volumes: readonly k8s.Volume[];
    readonly volumeMounts: readonly k8s.VolumeMount[];
    readonly affinity: k8s.Affinity;
    readonly topologySpreadConstraints: readonly ZoneSpreadConstraint[];
    readonly statefulSet: {
      readonly securityContext: { readonly pod: k8s.PodSecurityContext; readonly container: k8s.SecurityContext };
      /** On the StatefulSet object only (not its pods). */
      readonly annotations: Readonly<Record<string, string>>;
    };
    readonly serviceAccount: { readonly create: boolean; readonly name: string; readonly annotations: Record<string, string> };
    /** `size` is a Storage's Kubernetes form (`10Gi`). */
    readonly dataStorage: { readonly enabled: boolean; readonly size: string };
    readonly auditStorage: { readonly enabled: boolean };
    readonly ha: {
      readonly enabled: boolean;
      readonly replicas: number;
      /** BAO_API_ADDR, the address this node advertises (Kubernetes expands `$(VAR)` of earlier env entries). */
      readonly apiAddr: string;
      readonly raft: { readonly enabled: boolean; readonly setNodeId: boolean; readonly config: string };
      /** maxUnavailable is left to the chart: (n/2)-1, so a 3-voter cluster keeps quorum. */
      readonly disruptionBudget: { readonly enabled: boolean };
    };
  };
  readonly serverTelemetry: {
    readonly serviceMonitor: {
      readonly enabled: boolean;
      /** A Prometheus duration (`30s`). */
      readonly interval: string;
      /** Prometheus' SafeTLSConfig for the scrape (the chart defaults to insecureSkipVerify). */
      readonly tlsConfig: { readonly ca: { readonly configMap: { readonly name: string; readonly key: string } }; readonly serverName: string };
    };
  };
}
