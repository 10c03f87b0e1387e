/**
 * OPA Gatekeeper: the admission webhook (controller-manager) and the audit controller. Policies
 * come later: the library's ConstraintTemplates (gatekeeper-templates) and our constraints
 * (gatekeeper-constraints), which also hold the exemption Config and the metrics PodMonitor.
 *
 * Gatekeeper runs in the shared `security` namespace, not its own. The chart's post-install job
 * labels its namespace `admission.gatekeeper.sh/ignore` (the webhook never judges its own pods)
 * and by default also sets `pod-security.kubernetes.io/enforce=restricted` on it, which would
 * overwrite platform-base's `privileged` level that Falco needs in the same namespace; the job
 * sets no Pod Security labels here (platform-base owns them).
 *
 * Failure policy: where constraints deny (`failClosed`), the webhook fails closed: a request
 * Gatekeeper cannot answer is rejected, so an outage of the webhook is not a hole in the policy.
 * Two namespaces stay outside the webhook so the cluster can recover from that outage: Gatekeeper's
 * own (the chart's mandatory exemption; here `security`) and `kube-system` (the chart's
 * `validatingWebhookExemptNamespacesLabels`), where the CNI agent, CoreDNS and the other node
 * components run that every pod, Gatekeeper's included, needs before it can start. Audit still
 * reports both namespaces against every constraint. Where constraints only warn (dev) the webhook
 * fails open, as the chart ships: failing closed to enforce warnings would only add an outage mode.
 */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { K8sResources, Resources } from '../../lib/resources';

/** Names and ports the constraints component and the PodMonitor rely on. */
export const GATEKEEPER = {
  release: 'gatekeeper',
  /** Named container port of both Deployments serving Prometheus metrics (`metricsPort`). */
  metricsPortName: 'metrics',
  /** Label both Deployments' pods carry. */
  podLabels: { 'gatekeeper.sh/system': 'yes' },
} as const;

/** The chart's `validatingWebhookFailurePolicy`. */
export type WebhookFailurePolicy = 'Fail' | 'Ignore';

/** Namespaces outside the admission webhook besides Gatekeeper's own, where it fails closed. */
export const RECOVERY_NAMESPACES: readonly string[] = ['kube-system'];

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

export interface GatekeeperProps {
  readonly namespace: string;
  /** Webhook replicas: two (one may drain) or one. */
  readonly highAvailability: boolean;
  /**
   * The webhook rejects what it cannot judge (`Fail`) and exempts RECOVERY_NAMESPACES; set where
   * constraints deny. Otherwise it admits (`Ignore`) and judges every namespace but its own.
   */
  readonly failClosed: boolean;
  /** @default DEFAULTS.resources */
  readonly resources?: Partial<Record<'controllerManager' | 'audit', Resources>>;
  /** Seconds between audit runs. @default DEFAULTS.auditIntervalSeconds */
  readonly auditIntervalSeconds?: number;
}

export const DEFAULTS = {
  resources: {
    // The chart's 100m/512Mi assumes many templates and synced data; we sync nothing and use fourteen templates.
    controllerManager: Resources.of({ cpu: '50m', memory: '192Mi' }, { cpu: '500m', memory: '512Mi' }),
    audit: Resources.of({ cpu: '50m', memory: '256Mi' }, { cpu: '500m', memory: '512Mi' }),
  },
  auditIntervalSeconds: 60,
} as const;

export function gatekeeperComponent(props: GatekeeperProps): PlatformComponent {
  const r = { ...DEFAULTS.resources, ...props.resources };
  const ns = props.namespace;
  const replicas = props.highAvailability ? 2 : 1;
  const interval = props.auditIntervalSeconds ?? DEFAULTS.auditIntervalSeconds;
  if (!Number.isInteger(interval) || interval < 10) {
    throw new Error(`gatekeeper: auditIntervalSeconds ${interval} must be a whole number of seconds, at least 10 (each run lists every matched object)`);
  }
  const values: GatekeeperValues = {
    replicas,
    validatingWebhookFailurePolicy: props.failClosed ? 'Fail' : 'Ignore',
    validatingWebhookExemptNamespacesLabels: props.failClosed ? { 'kubernetes.io/metadata.name': [...RECOVERY_NAMESPACES] } : {},
    auditInterval: interval,
    metricsBackends: ['prometheus'],
    // Denials in the webhook log as well as in the caller's error, for the audit trail in Loki.
    logDenies: true,
    disableMutation: true,
    resourceQuota: false,
    postInstall: { labelNamespace: { podSecurity: [] } },
    controllerManager: { resources: r.controllerManager.toK8s(), priorityClassName: PRIORITY.platformCritical },
    audit: { resources: r.audit.toK8s(), priorityClassName: PRIORITY.platformCritical },
    // With one replica a PDB of minAvailable 1 would block every node drain.
    pdb: { controllerManager: { minAvailable: props.highAvailability ? 1 : 0 } },
  };
  return {
    id: 'gatekeeper',
    workflow: Workflow.Security,
    namespace: ns,
    dependsOn: [],
    source: helm(CHARTS.gatekeeper, values, GATEKEEPER.release),
    // Gatekeeper rotates its webhook certificate and writes the CA bundle into the webhook configuration.
    ignoreDifferences: [
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
    ],
  };
}
