/** The gatekeeper chart's keys we set (checked against the pinned chart's values.yaml by the key test). */
import type { K8sResources } from '../../lib/resources';

/** The chart's `validatingWebhookFailurePolicy`. */
export type WebhookFailurePolicy = 'Fail' | 'Ignore';

export interface GatekeeperValues {
  readonly replicas: number;
  readonly validatingWebhookFailurePolicy: WebhookFailurePolicy;
  /** Label key → values excluded by the webhook's namespaceSelector (the chart adds its own namespace). */
  readonly validatingWebhookExemptNamespacesLabels: Readonly<Record<string, readonly string[]>>;
  readonly auditInterval: number;
  readonly metricsBackends: readonly 'prometheus'[];
  readonly logDenies: boolean;
  /** We author no mutations: no mutating webhook in the admission path. */
  readonly disableMutation: boolean;
  /** The chart's quota lets `system-cluster-critical` pods run outside kube-system; ours use platform-critical. */
  readonly resourceQuota: boolean;
  readonly postInstall: { readonly labelNamespace: { readonly podSecurity: readonly string[] } };
  readonly controllerManager: { readonly resources: K8sResources; readonly priorityClassName: string };
  readonly audit: { readonly resources: K8sResources; readonly priorityClassName: string };
  readonly pdb: { readonly controllerManager: { readonly minAvailable: number } };
}
