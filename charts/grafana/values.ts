/** The grafana chart (grafana-community 12.11.1) keys we set. Checked against chart-values/grafana/12.11.1. */
import { K8sResources } from '../../lib/resources';

/** One provisioned data source (Grafana's provisioning file format). */
export interface DatasourceValues {
  readonly name: string;
  readonly type: 'prometheus' | 'loki' | 'tempo' | 'alertmanager';
  readonly uid: string;
  readonly access: 'proxy';
  readonly url: string;
  readonly isDefault: boolean;
  readonly editable: boolean;
  readonly jsonData: Record<string, unknown>;
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
  readonly containerSecurityContext: Record<string, unknown>;
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
