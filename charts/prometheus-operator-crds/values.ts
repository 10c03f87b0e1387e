/** The prometheus-operator-crds chart keys we set, at the version `CHARTS.prometheusOperatorCrds` pins. Checked against chart-values/prometheus-operator-crds/<version>. */

export interface PrometheusOperatorCrdsValues {
  /** Annotations on every CRD (none: the chart's default keeps them on uninstall). */
  readonly crds: { readonly annotations: Readonly<Record<string, string>> };
}
