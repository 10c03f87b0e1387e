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
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { helmComponent, WEBHOOK_CA_BUNDLE_DIFFERENCES } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { GatekeeperValues } from './values';

/** This component's id: its Argo CD Application name. */
export const ID = 'gatekeeper' satisfies PlatformComponentId;

export type { GatekeeperValues, WebhookFailurePolicy } from './values';

/** Names and ports the constraints component and the PodMonitor rely on. */
export const GATEKEEPER = {
  release: 'gatekeeper',
  /** Named container port of both Deployments serving Prometheus metrics (`metricsPort`). */
  metricsPortName: 'metrics',
  /** Label both Deployments' pods carry. */
  podLabels: { 'gatekeeper.sh/system': 'yes' },
  /** The controller-manager pods behind `gatekeeper-webhook-service`, and their webhook's named container port. */
  webhookPodLabels: { 'control-plane': 'controller-manager', 'gatekeeper.sh/operation': 'webhook', 'gatekeeper.sh/system': 'yes' },
  webhookPortName: 'webhook-server',
} as const;

/** Namespaces outside the admission webhook besides Gatekeeper's own, where it fails closed. */
export const RECOVERY_NAMESPACES: readonly string[] = ['kube-system'];

export interface GatekeeperProps {
  readonly namespace: string;
  /** Webhook replicas, e.g. two (one may drain) or one: more than one gets a PodDisruptionBudget. */
  readonly replicas: number;
  /**
   * The webhook rejects what it cannot judge (`Fail`) and exempts RECOVERY_NAMESPACES; set where
   * constraints deny. Otherwise it admits (`Ignore`) and judges every namespace but its own.
   */
  readonly failClosed: boolean;
  /** @default DEFAULTS.resources */
  readonly resources?: Partial<Record<'controllerManager' | 'audit', Resources>>;
  /** Time between audit runs, in whole seconds. @default DEFAULTS.auditInterval */
  readonly auditInterval?: Duration;
}

export const DEFAULTS = {
  resources: {
    // The chart's 100m/512Mi assumes many templates and synced data; we sync nothing and use fourteen templates.
    controllerManager: Resources.of({ cpu: '50m', memory: '192Mi' }, { cpu: '500m', memory: '512Mi' }),
    audit: Resources.of({ cpu: '50m', memory: '256Mi' }, { cpu: '500m', memory: '512Mi' }),
  },
  auditInterval: Duration.seconds(60),
} as const;

export function gatekeeperComponent(props: GatekeeperProps): PlatformComponent {
  const r = { ...DEFAULTS.resources, ...props.resources };
  const ns = props.namespace;
  const replicas = props.replicas;
  if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`gatekeeper: replicas ${replicas} must be a positive whole number, e.g. 2 (one may drain) or 1`);
  const interval = (props.auditInterval ?? DEFAULTS.auditInterval).totalSeconds;
  if (interval < 10) {
    throw new Error(`gatekeeper: auditInterval ${props.auditInterval} must be at least 10s (each run lists every matched object)`);
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
    pdb: { controllerManager: { minAvailable: replicas > 1 ? 1 : 0 } },
  };
  return helmComponent<GatekeeperValues>({
    id: ID,
    workflow: Workflow.Security,
    namespace: ns,
    dependsOn: [],
    chart: CHARTS.gatekeeper,
    values,
    releaseName: GATEKEEPER.release,
    // Gatekeeper rotates its webhook certificate and writes the CA bundle into the webhook
    // configuration; with mutation disabled it has no mutating webhook.
    ignoreDifferences: WEBHOOK_CA_BUNDLE_DIFFERENCES.filter((d) => d.kind === 'ValidatingWebhookConfiguration'),
    traffic: [
      {
        name: 'gatekeeper-webhook-check',
        // The chart's update-namespace-label hook Job (its pods carry these labels; so do the
        // controllers', which may call their own webhook anyway).
        from: { namespace: ns, pods: { 'app.kubernetes.io/name': GATEKEEPER.release, 'app.kubernetes.io/instance': GATEKEEPER.release } },
        to: { namespace: ns, pods: GATEKEEPER.webhookPodLabels },
        ports: [{ port: GATEKEEPER.webhookPortName }],
        reason: "The update-namespace-label hook waits with curl until Gatekeeper's webhook answers.",
      },
    ],
  });
}
