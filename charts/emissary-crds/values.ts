/** The emissary-crds-chart keys we set, at the version `CHARTS.emissaryCrds` pins. Checked against chart-values/emissary-crds-chart/<version>. */

export interface EmissaryCrdsValues {
  readonly enableLegacyVersions: boolean;
  readonly enableV1: boolean;
  /** Where the Emissary control plane runs (a label on the CRDs). */
  readonly emissary: { readonly namespace: string };
}
