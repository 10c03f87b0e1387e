/**
 * External Secrets Operator: the controller that turns each ExternalSecret into a Secret read from
 * OpenBao. Its CRDs exceed the client-side apply annotation limit (components.md: SSA required).
 * The cert-controller keeps the webhook's certificate and writes its CA bundle into the
 * ValidatingWebhookConfigurations (and into CRD conversion webhooks, if ever enabled), fields
 * Argo CD must not treat as drift.
 */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { K8sResources, Resources } from '../../lib/resources';

/** The chart's names for release `external-secrets`. */
export const EXTERNAL_SECRETS = {
  release: 'external-secrets',
  /** The controller's ServiceAccount: the identity OpenBao's Kubernetes auth role is bound to. */
  serviceAccount: 'external-secrets',
} as const;

interface Metrics {
  readonly service: { readonly enabled: boolean };
}

interface PodDisruptionBudget {
  readonly enabled: boolean;
  readonly minAvailable: number;
}

export interface ExternalSecretsValues {
  readonly installCRDs: boolean;
  readonly replicaCount: number;
  readonly leaderElect: boolean;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly podDisruptionBudget: PodDisruptionBudget;
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  readonly metrics: Metrics;
  readonly serviceMonitor: { readonly enabled: boolean; readonly interval: string };
  readonly webhook: {
    readonly replicaCount: number;
    readonly resources: K8sResources;
    readonly priorityClassName: string;
    readonly podDisruptionBudget: PodDisruptionBudget;
    readonly metrics: Metrics;
  };
  readonly certController: {
    readonly replicaCount: number;
    readonly resources: K8sResources;
    readonly priorityClassName: string;
    readonly metrics: Metrics;
  };
}

export interface ExternalSecretsProps {
  readonly namespace: string;
  /** Two controllers (leader-elected) and two webhooks behind PDBs, or one of each. */
  readonly highAvailability: boolean;
  /** @default DEFAULTS.resources */
  readonly resources?: Partial<Record<'controller' | 'webhook' | 'certController', Resources>>;
}

export const DEFAULTS = {
  resources: {
    controller: Resources.of({ cpu: '25m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
    webhook: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '128Mi' }),
    certController: Resources.of({ cpu: '10m', memory: '48Mi' }, { cpu: '100m', memory: '192Mi' }),
  },
} as const;

export function externalSecretsComponent(props: ExternalSecretsProps): PlatformComponent {
  const r = { ...DEFAULTS.resources, ...props.resources };
  const ns = props.namespace;
  const replicas = props.highAvailability ? 2 : 1;
  const pdb = { enabled: props.highAvailability, minAvailable: 1 };
  const metrics = { service: { enabled: true } };
  const values: ExternalSecretsValues = {
    installCRDs: true,
    replicaCount: replicas,
    // Two controllers must not both write the same Secret.
    leaderElect: props.highAvailability,
    resources: r.controller.toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    podDisruptionBudget: pdb,
    serviceAccount: { create: true, name: EXTERNAL_SECRETS.serviceAccount },
    metrics,
    serviceMonitor: { enabled: true, interval: '30s' },
    webhook: { replicaCount: replicas, resources: r.webhook.toK8s(), priorityClassName: PRIORITY.platformCritical, podDisruptionBudget: pdb, metrics },
    // Leader-elected inside; one replica suffices, a restart only delays certificate renewal.
    certController: { replicaCount: 1, resources: r.certController.toK8s(), priorityClassName: PRIORITY.platformCritical, metrics },
  };
  return {
    id: 'external-secrets',
    workflow: Workflow.Security,
    namespace: ns,
    dependsOn: [],
    source: helm(CHARTS.externalSecrets, values, EXTERNAL_SECRETS.release),
    ignoreDifferences: [
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', jqPathExpressions: ['.spec.conversion.webhook.clientConfig.caBundle'] },
    ],
  };
}
