/**
 * Argo CD notifications to the platform Alertmanager: the argocd-notifications-cm entries. Each
 * `service.*`, `template.*` and `trigger.*` entry is a YAML document the notifications controller
 * parses; they are emitted here from typed objects (js-yaml), never joined from strings.
 */
import * as yaml from 'js-yaml';

/**
 * Text the notifications controller renders as a Go template. Written double-quoted: a template
 * that starts with `{{` is not a plain YAML scalar, and one style for all of them reads alike.
 */
export class GoTemplate {
  constructor(readonly text: string) {}
}

/**
 * Dumped as a double-quoted scalar. An implicit type's representation is written as it is, and a
 * JSON string is a valid YAML double-quoted scalar. `resolve` never matches: this schema only dumps.
 */
const GO_TEMPLATE = new yaml.Type('tag:platform.invalid,2024:go-template', {
  kind: 'scalar',
  instanceOf: GoTemplate,
  resolve: () => false,
  represent: (t) => JSON.stringify((t as GoTemplate).text),
});
const SCHEMA = yaml.DEFAULT_SCHEMA.extend({ implicit: [GO_TEMPLATE] });

/**
 * One argocd-notifications-cm entry. Keys keep their order (the order below is Argo CD's docs');
 * `flowLevel` writes collections at that depth and deeper in flow style (`send: [a]`).
 */
function entry(doc: object, flowLevel = -1): string {
  return yaml.dump(doc, { schema: SCHEMA, lineWidth: -1, noRefs: true, quotingType: '"', flowLevel });
}

/** The `alertmanager` notification service: where alerts are posted. */
export interface AlertmanagerService {
  readonly targets: readonly string[];
  readonly scheme: 'http' | 'https';
  readonly apiPath: string;
}

/** An `alertmanager` notification template: labels route the alert, annotations describe it. */
export interface AlertmanagerTemplate {
  readonly alertmanager: {
    readonly labels: { readonly alertname: string; readonly severity: string; readonly cluster: string } & Readonly<Record<string, string | GoTemplate>>;
    readonly annotations: { readonly summary: GoTemplate; readonly description: GoTemplate };
  };
}

/** One condition of a trigger (a trigger entry is a list of them). */
export interface TriggerCondition {
  readonly description: string;
  /** Template names, without the `template.` prefix. */
  readonly send: readonly string[];
  /** An expr expression over `app`. */
  readonly when: string;
  /** Notify once per distinct value of this expression. */
  readonly oncePer?: string;
}

/** What argocd-notifications-cm carries besides the controller's own settings. */
export interface NotificationEntries {
  /** `service.*` entries (YAML text). */
  readonly notifiers: Record<string, string>;
  /** `template.*` entries (YAML text). */
  readonly templates: Record<string, string>;
  /** `trigger.*` entries (YAML text). */
  readonly triggers: Record<string, string>;
  readonly subscriptions: readonly { readonly recipients: readonly string[]; readonly triggers: readonly string[] }[];
}

/** Alert severities by trigger. */
export interface AlertSeverities {
  readonly syncFailedSeverity: string;
  readonly degradedSeverity: string;
}

/** `service.alertmanager` of argocd-notifications-cm for one Alertmanager base URL. */
export function alertmanagerService(alertmanagerUrl: string): string {
  let url: URL;
  try {
    url = new URL(alertmanagerUrl);
  } catch {
    throw new Error(`argocd: alertmanagerUrl "${alertmanagerUrl}" is not a URL; expected e.g. http://alertmanager.monitoring.svc:9093`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`argocd: alertmanagerUrl "${alertmanagerUrl}" must be http:// or https://`);
  }
  if (!url.port) throw new Error(`argocd: alertmanagerUrl "${alertmanagerUrl}" needs an explicit port (Alertmanager listens on 9093)`);
  const service: AlertmanagerService = { targets: [`${url.hostname}:${url.port}`], scheme: url.protocol === 'https:' ? 'https' : 'http', apiPath: '/api/v2/alerts' };
  return entry(service);
}

/** One Alertmanager notification template for an Application alert. */
function alertTemplate(alertname: string, severity: string, clusterName: string, summary: string, description: string): string {
  const template: AlertmanagerTemplate = {
    alertmanager: {
      labels: {
        alertname,
        severity,
        cluster: clusterName,
        application: new GoTemplate('{{.app.metadata.name}}'),
        project: new GoTemplate('{{.app.spec.project}}'),
      },
      annotations: { summary: new GoTemplate(summary), description: new GoTemplate(description) },
    },
  };
  return entry(template);
}

/** A `trigger.*` entry: its conditions, template lists in flow style as Argo CD's docs write them. */
function trigger(...conditions: TriggerCondition[]): string {
  return entry(conditions, 2);
}

export function argoCdNotifications(alertmanagerUrl: string, clusterName: string, severities: AlertSeverities): NotificationEntries {
  return {
    notifiers: { 'service.alertmanager': alertmanagerService(alertmanagerUrl) },
    templates: {
      'template.app-sync-failed': alertTemplate(
        'ArgoCdApplicationSyncFailed',
        severities.syncFailedSeverity,
        clusterName,
        'Argo CD application {{.app.metadata.name}} failed to sync',
        '{{.app.status.operationState.message}}',
      ),
      'template.app-health-degraded': alertTemplate(
        'ArgoCdApplicationDegraded',
        severities.degradedSeverity,
        clusterName,
        'Argo CD application {{.app.metadata.name}} is degraded',
        '{{.app.status.health.message}}',
      ),
    },
    triggers: {
      'trigger.on-sync-failed': trigger({
        description: 'Application syncing has failed',
        send: ['app-sync-failed'],
        when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
        oncePer: 'app.status.operationState?.syncResult?.revision',
      }),
      'trigger.on-health-degraded': trigger({
        description: 'Application has degraded',
        send: ['app-health-degraded'],
        when: "app.status.health.status == 'Degraded'",
      }),
    },
    // Every Application, without per-Application annotations.
    subscriptions: [{ recipients: ['alertmanager'], triggers: ['on-sync-failed', 'on-health-degraded'] }],
  };
}
