/** The grafana chart (grafana-community 12.11.1) keys we set. Checked against chart-values/grafana/12.11.1. */
import type { k8s } from 'cdk8s-plus-28';
import { K8sResources } from '../../lib/resources';

/** A link from one data source to another, by uid. */
interface DatasourceRef {
  readonly datasourceUid: string;
}

/** A span or series attribute and the label it becomes in the linked data source. */
interface TagMapping {
  readonly key: string;
  readonly value: string;
}

/** `jsonData` of the Prometheus (Mimir) data source. */
export interface PrometheusJsonData {
  readonly prometheusType: 'Mimir';
  readonly httpMethod: 'POST';
  /** The scrape interval: the minimum step. */
  readonly timeInterval: string;
  readonly queryTimeout: string;
  readonly incrementalQuerying: boolean;
  readonly incrementalQueryOverlapWindow: string;
  readonly cacheLevel: 'Low' | 'Medium' | 'High' | 'None';
  readonly exemplarTraceIdDestinations: readonly ({ readonly name: string } & DatasourceRef)[];
}

/** `jsonData` of the Loki data source. */
export interface LokiJsonData {
  readonly maxLines: number;
  readonly derivedFields: readonly ({ readonly name: string; readonly matcherType: 'label' | 'regex'; readonly matcherRegex: string; readonly url: string } & DatasourceRef)[];
}

/** `jsonData` of the Tempo data source. */
export interface TempoJsonData {
  readonly tracesToLogsV2: DatasourceRef & {
    readonly spanStartTimeShift: string;
    readonly spanEndTimeShift: string;
    readonly filterByTraceID: boolean;
    readonly filterBySpanID: boolean;
    readonly tags: readonly TagMapping[];
  };
  readonly tracesToMetrics: DatasourceRef & { readonly tags: readonly TagMapping[] };
  readonly serviceMap: DatasourceRef;
  readonly nodeGraph: { readonly enabled: boolean };
  readonly lokiSearch: DatasourceRef;
}

/** `jsonData` of the Alertmanager data source. */
export interface AlertmanagerJsonData {
  readonly implementation: 'prometheus';
  readonly handleGrafanaManagedAlerts: boolean;
}

/** What every data source's `jsonData` carries: the request timeout in seconds. */
interface CommonJsonData {
  readonly timeout: number;
}

/** One provisioned data source (Grafana's provisioning file format). */
export interface DatasourceValues {
  readonly name: string;
  readonly type: 'prometheus' | 'loki' | 'tempo' | 'alertmanager';
  readonly uid: string;
  readonly access: 'proxy';
  readonly url: string;
  readonly isDefault: boolean;
  readonly editable: boolean;
  readonly jsonData: CommonJsonData & (PrometheusJsonData | LokiJsonData | TempoJsonData | AlertmanagerJsonData);
}

export interface GrafanaValues {
  readonly replicas: number;
  readonly resources: K8sResources;
  /** Read by the chart's pod template; values.yaml has it only as a comment (allowlisted). */
  readonly priorityClassName: string;
  readonly admin: { readonly existingSecret: string; readonly userKey: string; readonly passwordKey: string };
  readonly persistence: { readonly enabled: boolean; readonly size: string };
  /** One replica on a ReadWriteOnce volume: the old pod must release it first. */
  readonly deploymentStrategy: { readonly type: 'Recreate' };
  /** The chown init container runs as root; fsGroup already gives Grafana its volume. */
  readonly initChownData: { readonly enabled: boolean };
  readonly containerSecurityContext: k8s.SecurityContext;
  readonly extraEmptyDirMounts: readonly { readonly name: string; readonly mountPath: string }[];
  readonly testFramework: { readonly enabled: boolean };
  readonly serviceMonitor: { readonly enabled: boolean };
  /** Provisioning files by name (free-form below the file name). */
  readonly datasources: { readonly 'datasources.yaml': { readonly apiVersion: 1; readonly datasources: readonly DatasourceValues[] } };
  readonly sidecar: {
    readonly resources: K8sResources;
    readonly dashboards: {
      readonly enabled: boolean;
      readonly label: string;
      readonly labelValue: string;
      readonly searchNamespace: string;
      /** What the sidecar watches: `configmap`, `secret` or `both`. */
      readonly resource: 'configmap' | 'secret' | 'both';
      readonly folderAnnotation: string;
      readonly provider: { readonly foldersFromFilesStructure: boolean; readonly allowUiUpdates: boolean };
    };
  };
  /** grafana.ini sections (free-form: converted to the ini file). */
  readonly 'grafana.ini': Record<string, Record<string, string | number | boolean>>;
}
