/**
 * The alert on Applications that stay out of Healthy, out of Synced or in a sync operation longer
 * than their workflow's readiness gate: one rule per workflow, each with `for:` equal to that
 * workflow's gate (READINESS_GATES).
 *
 * Argo CD's `argocd_app_info` carries every Application's `name`, its `project` (here its
 * workflow: argocd/applications.ts makes each workflow an AppProject), `health_status`,
 * `sync_status` and `operation` ("sync" while a sync runs, its PostSync readiness gate Job and
 * retries included). `max by (name, project)` drops the status labels, so an Application passing
 * from Progressing to Degraded, or from OutOfSync to a running sync, stays one series and the
 * `for:` clock does not restart.
 */
import { Duration } from '../../lib/duration';
import { READINESS_GATES, Workflow, WORKFLOW_ORDER } from '../../lib/component';

export const PAST_GATE_ALERT = 'ArgoCDApplicationPastReadinessGate';

/** One alert rule, in the terms the PrometheusRule takes. */
export interface GateAlertRule {
  readonly workflow: Workflow;
  readonly alert: string;
  readonly expr: string;
  readonly for: Duration;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * Warning, not critical: a wave that does not converge within its gate holds the waves after it
 * back and needs a person, but it is not an outage by itself. A Degraded Application raises the
 * critical `ArgoCDApplicationDegraded` after a minute anyway, a failed sync `ArgoCDSyncFailed`.
 */
export const PAST_GATE_SEVERITY = 'warning';

/** `300` is `5m`: a whole number of seconds in its largest whole unit. */
function wholeUnits(seconds: number): Duration {
  return Duration.seconds(0).plus(Duration.seconds(seconds));
}

/** The expression of one workflow: its Applications, unless Healthy, Synced and with no operation running. */
export function pastGateExpr(workflow: Workflow): string {
  const project = `project="${workflow}"`;
  return `max by (name, project) (argocd_app_info{${project}} unless argocd_app_info{${project}, health_status="Healthy", sync_status="Synced", operation=""})`;
}

export function pastGateRules(runbookUrl: string, gates: Readonly<Record<Workflow, { readonly timeoutSeconds: number }>> = READINESS_GATES): GateAlertRule[] {
  return WORKFLOW_ORDER.map((workflow) => {
    const gate = wholeUnits(gates[workflow].timeoutSeconds);
    return {
      workflow,
      alert: PAST_GATE_ALERT,
      expr: pastGateExpr(workflow),
      for: gate,
      labels: { severity: PAST_GATE_SEVERITY, workflow },
      annotations: {
        summary: `Argo CD application {{ $labels.name }} has not converged within the ${workflow} readiness gate (${gate})`,
        description:
          `Application {{ $labels.name }} (project {{ $labels.project }}) has been out of Healthy, out of Synced or in a running sync ` +
          `(its PostSync readiness gate included) for longer than the ${workflow} workflow's readiness gate of ${gate}: the waves after it wait.`,
        runbook_url: `${runbookUrl}#${PAST_GATE_ALERT.toLowerCase()}`,
      },
    };
  });
}

/** What the on-call person does, rendered into the bootstrap README under the alert's name. */
export const PAST_GATE_RUNBOOK = [
  `#### ${PAST_GATE_ALERT}`,
  '',
  `${PAST_GATE_SEVERITY}: an Application has not been Healthy, Synced and idle for longer than its workflow's readiness gate.`,
  '',
  '1. `argocd app get <name> --show-operation`: the resources that are not Healthy or not Synced, and the running or last sync with its message.',
  '2. A readiness gate Job that keeps failing (`<workflow>-readiness`): its log names what is not ready (its "Readiness gate" section under Operations).',
  '3. A resource waiting for a human step says so in its message ("waiting for …: bootstrap README step N"): do that step.',
  '4. Once the cause is fixed the waves resume by themselves; a sync whose retries ran out needs `argocd app sync <name>`.',
].join('\n');
