/**
 * Emissary-ingress CRDs (the v4 OCI chart `emissary-crds-chart`). Only `getambassador.io/v3alpha1`
 * is served: without the legacy v1/v2 versions the chart renders no conversion webhook and no
 * `emissary-apiext` Deployment, just the CRDs (each well under the client-side apply limit).
 */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';

export interface EmissaryCrdsValues {
  readonly enableLegacyVersions: boolean;
  readonly enableV1: boolean;
  /** Where the Emissary control plane runs (a label on the CRDs). */
  readonly emissary: { readonly namespace: string };
}

export interface EmissaryCrdsProps {
  /** Emissary's namespace; the Application deploys nothing namespaced. */
  readonly namespace: string;
}

export function emissaryCrdsComponent(props: EmissaryCrdsProps): PlatformComponent {
  const values: EmissaryCrdsValues = {
    enableLegacyVersions: false,
    enableV1: false,
    emissary: { namespace: props.namespace },
  };
  return {
    id: 'emissary-crds',
    workflow: Workflow.Ingress,
    namespace: props.namespace,
    dependsOn: [],
    source: helm(CHARTS.emissaryCrds, values, 'emissary-crds'),
  };
}
