/**
 * Istio `base`: the Istio CRDs and the default-revision validating webhook. Installed before
 * istiod and istio-cni (components.md: base, then istiod).
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent, WEBHOOK_CA_BUNDLE_DIFFERENCES } from '../../lib/helm-component';
import { IstioBaseValues, ValidationFailurePolicy } from './values';

/** This component's id: its Argo CD Application name. */
export const ID = 'istio-base' satisfies PlatformComponentId;

export type { IstioBaseValues, ValidationFailurePolicy } from './values';

export interface IstioBaseProps {
  readonly namespace: string;
  /** @default DEFAULTS.validationFailurePolicy */
  readonly validationFailurePolicy?: ValidationFailurePolicy;
}

export const DEFAULTS = {
  validationFailurePolicy: 'Fail',
} as const;

export function istioBaseComponent(props: IstioBaseProps): PlatformComponent {
  return helmComponent<IstioBaseValues>({
    id: ID,
    workflow: Workflow.Mesh,
    namespace: props.namespace,
    dependsOn: [],
    chart: CHARTS.istioBase,
    values: {
      defaultRevision: 'default',
      // The istio-reader RBAC is for multicluster remote secrets; one cluster needs none.
      global: { istioNamespace: props.namespace, enableReaderRBAC: false },
      base: { validationFailurePolicy: props.validationFailurePolicy ?? DEFAULTS.validationFailurePolicy },
    },
    // istiod patches its CA bundle into the validating webhooks once it serves (base has no mutating one).
    ignoreDifferences: WEBHOOK_CA_BUNDLE_DIFFERENCES.filter((d) => d.kind === 'ValidatingWebhookConfiguration'),
  });
}
