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
 */
import { CHARTS } from '../../config/versions';
import { Component, helm, Workflow } from '../../lib/component';
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

export interface GatekeeperValues {
  readonly replicas: number;
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
  /** @default DEFAULTS.resources */
  readonly resources?: Partial<Record<'controllerManager' | 'audit', Resources>>;
  /** Seconds between audit runs. @default DEFAULTS.auditIntervalSeconds */
  readonly auditIntervalSeconds?: number;
}

export const DEFAULTS = {
  resources: {
    // The chart's 100m/512Mi assumes many templates and synced data; we sync nothing and use eight templates.
    controllerManager: Resources.of({ cpu: '50m', memory: '192Mi' }, { cpu: '500m', memory: '512Mi' }),
    audit: Resources.of({ cpu: '50m', memory: '256Mi' }, { cpu: '500m', memory: '512Mi' }),
  },
  auditIntervalSeconds: 60,
} as const;

export function gatekeeperComponent(props: GatekeeperProps): Component {
  const r = { ...DEFAULTS.resources, ...props.resources };
  const ns = props.namespace;
  const replicas = props.highAvailability ? 2 : 1;
  const interval = props.auditIntervalSeconds ?? DEFAULTS.auditIntervalSeconds;
  if (!Number.isInteger(interval) || interval < 10) {
    throw new Error(`gatekeeper: auditIntervalSeconds ${interval} must be a whole number of seconds, at least 10 (each run lists every matched object)`);
  }
  const values: GatekeeperValues = {
    replicas,
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
