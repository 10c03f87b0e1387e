/**
 * Emissary-ingress CRDs (the v4 OCI chart `emissary-crds-chart`). Only `getambassador.io/v3alpha1`
 * is served: without the legacy v1/v2 versions the chart renders no conversion webhook and no
 * `emissary-apiext` Deployment, just the CRDs (each well under the client-side apply limit).
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { EmissaryCrdsValues } from './values';

export type { EmissaryCrdsValues } from './values';

export const ID = 'emissary-crds' satisfies PlatformComponentId;

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
  return helmComponent({ id: ID, workflow: Workflow.Ingress, namespace: props.namespace, dependsOn: [], chart: CHARTS.emissaryCrds, values, releaseName: ID });
}
