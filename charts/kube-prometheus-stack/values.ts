/** The kube-prometheus-stack chart (88.5.3) keys we set. Checked against chart-values/kube-prometheus-stack/88.5.3 and its subcharts. */
import { K8sResources } from '../../lib/resources';
import { AlertmanagerConfigValues } from './alertmanager';

export interface RemoteWriteValues {
  readonly url: string;
  readonly sendExemplars: boolean;
  readonly writeRelabelConfigs: readonly { readonly sourceLabels: readonly string[]; readonly regex: string; readonly action: 'drop' }[];
}

export interface PrometheusSpecValues {
  readonly replicas: number;
  readonly retention: string;
  readonly retentionSize: string;
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
  readonly walCompression: boolean;
  readonly enableFeatures: readonly string[];
  readonly externalLabels: Record<string, string>;
  readonly remoteWrite: readonly RemoteWriteValues[];
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly serviceMonitorSelectorNilUsesHelmValues: boolean;
  readonly podMonitorSelectorNilUsesHelmValues: boolean;
  readonly ruleSelectorNilUsesHelmValues: boolean;
  readonly probeSelectorNilUsesHelmValues: boolean;
  readonly scrapeConfigSelectorNilUsesHelmValues: boolean;
  readonly storageSpec: {
    readonly volumeClaimTemplate: {
      readonly spec: { readonly accessModes: readonly string[]; readonly resources: { readonly requests: { readonly storage: string } } };
    };
  };
}

export interface KubePrometheusStackValues {
  /** CRDs come from the prometheus-operator-crds component (Foundation). */
  readonly crds: { readonly enabled: boolean };
  /** Grafana is its own component; the chart's dashboards still ship as sidecar ConfigMaps. */
  readonly grafana: { readonly enabled: boolean; readonly forceDeployDashboards: boolean };
  readonly kubeControllerManager: { readonly enabled: boolean };
  readonly kubeScheduler: { readonly enabled: boolean };
  readonly kubeEtcd: { readonly enabled: boolean };
  readonly prometheusOperator: {
    readonly resources: K8sResources;
    /** Read by templates/prometheus-operator/deployment.yaml; values.yaml has it only as a comment (allowlisted). */
    readonly priorityClassName: string;
    readonly prometheusConfigReloader: { readonly resources: K8sResources };
    readonly admissionWebhooks: { readonly patch: { readonly resources: K8sResources; readonly priorityClassName: string } };
  };
  readonly prometheus: { readonly prometheusSpec: PrometheusSpecValues };
  readonly alertmanager: {
    /** Merged by Helm into the chart's default configuration (its inhibit rules, grouping, templates stay). */
    readonly config: AlertmanagerConfigValues;
    readonly alertmanagerSpec: {
      readonly replicas: number;
      readonly resources: K8sResources;
      readonly priorityClassName: string;
      /** false: the chart renders `config` into the Secret the operator reads (lib/checks.ts verifies it holds no credential). */
      readonly useExistingSecret: boolean;
      /** Secrets the operator mounts at /etc/alertmanager/secrets/<name>/. */
      readonly secrets: readonly string[];
    };
  };
  /** Subchart kube-state-metrics 8.4.0 (`priorityClassName` allowlisted: a comment in its values.yaml). */
  readonly 'kube-state-metrics': {
    readonly resources: K8sResources;
    readonly priorityClassName: string;
    /** `--metric-labels-allowlist` entries, `<resource plural>=[<label key>,...]`. */
    readonly metricLabelsAllowlist: readonly string[];
  };
  /** Subchart prometheus-node-exporter 4.56.1 (`priorityClassName` allowlisted: a comment in its values.yaml). */
  readonly 'prometheus-node-exporter': { readonly resources: K8sResources; readonly priorityClassName: string };
}
