/**
 * External Secrets Operator: the controller that turns each ExternalSecret into a Secret read from
 * OpenBao. Its CRDs exceed the client-side apply annotation limit (components.md: SSA required).
 * The cert-controller keeps the webhook's certificate and writes its CA bundle into the
 * ValidatingWebhookConfigurations (and into CRD conversion webhooks, if ever enabled), fields
 * Argo CD must not treat as drift.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent, WEBHOOK_CA_BUNDLE_DIFFERENCES } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { ExternalSecretsValues } from './values';

/** This component's id: its Argo CD Application name. */
export const ID = 'external-secrets' satisfies PlatformComponentId;

export type { ExternalSecretsValues } from './values';

/** The chart's names for release `external-secrets`. */
export const EXTERNAL_SECRETS = {
  release: 'external-secrets',
  /** The controller's ServiceAccount: the identity OpenBao's Kubernetes auth role is bound to. */
  serviceAccount: 'external-secrets',
  /** The controller's pods (the chart's selector labels of release `external-secrets`): they call every store's provider. */
  controllerPodLabels: { 'app.kubernetes.io/name': 'external-secrets', 'app.kubernetes.io/instance': 'external-secrets' },
} as const;

export interface ExternalSecretsProps {
  readonly namespace: string;
  /**
   * Controllers and webhooks each: more than one runs the controllers leader-elected and both
   * behind PodDisruptionBudgets (the workflow takes it from the tier policy).
   */
  readonly replicas: number;
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
  const replicas = props.replicas;
  if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`external-secrets: replicas ${replicas} must be a positive whole number, e.g. 2 (one may drain) or 1`);
  const ha = replicas > 1;
  const pdb = { enabled: ha, minAvailable: 1 };
  const metrics = { service: { enabled: true } };
  const values: ExternalSecretsValues = {
    installCRDs: true,
    replicaCount: replicas,
    // Two controllers must not both write the same Secret.
    leaderElect: ha,
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
  return helmComponent<ExternalSecretsValues>({
    id: ID,
    workflow: Workflow.Security,
    namespace: ns,
    dependsOn: [],
    chart: CHARTS.externalSecrets,
    values,
    releaseName: EXTERNAL_SECRETS.release,
    // The chart has validating webhooks only (no mutating one to ignore).
    ignoreDifferences: [
      ...WEBHOOK_CA_BUNDLE_DIFFERENCES.filter((d) => d.kind === 'ValidatingWebhookConfiguration'),
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', jqPathExpressions: ['.spec.conversion.webhook.clientConfig.caBundle'] },
    ],
  });
}
