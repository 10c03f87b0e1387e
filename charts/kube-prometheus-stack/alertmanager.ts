/**
 * Alertmanager's configuration, rendered from typed receivers and a routing by severity.
 *
 * How it reaches Alertmanager, and why this way: the chart renders it into its config Secret
 * (`alertmanager-<crname>`, key `alertmanager.yaml`), the one Secret with data synth accepts
 * (lib/checks.ts), because it holds no credential. Every credential is a `*_file` field naming a
 * file under /etc/alertmanager/secrets/<Secret>/, which the operator mounts from the Secret listed
 * in `alertmanagerSpec.secrets`: created at bootstrap and adopted by an ExternalSecret from OpenBao
 * later (`receiverCredentials`), so it exists in Alertmanager's wave, long before External Secrets
 * runs. The alternatives fall short: an AlertmanagerConfig resource has no `*_file` fields for
 * Slack, PagerDuty or email (the operator reads the Secret itself and inlines the value, and refuses
 * the whole resource while the Secret is missing), and the config cannot come from a ConfigMap (the
 * operator reads only a Secret). Alertmanager reads a `*_file` when it sends, so a receiver whose
 * credential is not written yet fails its notifications, never the configuration.
 *
 * Routing (first matching child wins unless `continue`): Watchdog goes to the heartbeat receiver
 * (else to `null`), the chart's InfoInhibitor to `null` (it exists only to inhibit), then one child
 * per severity and receiver, the receivers of one severity chained with `continue`; alerts whose
 * severity has no receiver of its own (or another severity, or none) go to the warning receivers;
 * with none of those either, to `null`. The chart's inhibit rules, grouping and templates are kept:
 * Helm merges these keys into its default configuration, which replaces only `route.receiver`,
 * `route.routes` and `receivers`.
 */
import * as yaml from 'js-yaml';
import { CommittedSecret, SecretRequirement } from '../../lib/component';

/** The severities routed; the rules of the platform and of the chart use these (and `none`, for Watchdog and InfoInhibitor). */
export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type AlertReceiver =
  | { readonly kind: 'slack'; readonly name: string; readonly channel: string }
  | { readonly kind: 'pagerduty'; readonly name: string; readonly url?: string }
  | {
      readonly kind: 'email';
      readonly name: string;
      readonly to: readonly string[];
      readonly from: string;
      readonly smarthost: string;
      /** SMTP login; its password is the receiver's credential. Without it, no authentication. */
      readonly username?: string;
      readonly requireTls: boolean;
    }
  | { readonly kind: 'webhook'; readonly name: string };

export interface AlertRouting {
  readonly receivers: readonly AlertReceiver[];
  /** Severity → receiver names, in delivery order. */
  readonly routes: Readonly<Record<Severity, readonly string[]>>;
  /** Receives Watchdog (a dead man's switch). Absent: Watchdog goes to `null`. */
  readonly heartbeat?: string;
}

export const ALERTMANAGER = {
  /** The receiver that drops alerts (the chart's name for it). */
  nullReceiver: 'null',
  /** `alertmanager-<crname>`: the config Secret the chart renders and the operator reads. */
  configSecret: 'alertmanager-kube-prometheus-stack-alertmanager',
  configKey: 'alertmanager.yaml',
  /** The Secret holding one credential per receiver, key = receiver name. */
  credentialsSecret: 'alertmanager-receivers',
  /** Where the operator mounts each Secret of `alertmanagerSpec.secrets`. */
  secretsMountPath: '/etc/alertmanager/secrets',
  openbaoPath: 'platform/alertmanager',
  /** Always-firing alert of the chart's general rules: proves the pipeline works end to end. */
  watchdog: 'Watchdog',
  /** The chart's alert that only inhibits info alerts; meant for the null receiver. */
  infoInhibitor: 'InfoInhibitor',
  /** How often the heartbeat receiver hears from Watchdog. */
  heartbeatInterval: '1m',
  heartbeatRepeat: '5m',
} as const;

/** What the receiver's credential is, for the README. */
const CREDENTIAL: Readonly<Record<AlertReceiver['kind'], string>> = {
  slack: 'Slack incoming-webhook URL',
  pagerduty: 'PagerDuty Events API v2 routing key',
  email: 'SMTP password',
  webhook: 'webhook URL',
};

export interface RouteValues {
  readonly receiver: string;
  readonly matchers?: readonly string[];
  readonly continue?: boolean;
  readonly group_wait?: string;
  readonly group_interval?: string;
  readonly repeat_interval?: string;
  readonly routes?: readonly RouteValues[];
}

export interface ReceiverValues {
  readonly name: string;
  readonly slack_configs?: readonly { readonly api_url_file: string; readonly channel: string; readonly send_resolved: boolean }[];
  readonly pagerduty_configs?: readonly { readonly routing_key_file: string; readonly url?: string; readonly send_resolved: boolean }[];
  readonly email_configs?: readonly {
    readonly to: string;
    readonly from: string;
    readonly smarthost: string;
    readonly auth_username?: string;
    readonly auth_password_file?: string;
    readonly require_tls: boolean;
    readonly send_resolved: boolean;
  }[];
  readonly webhook_configs?: readonly { readonly url_file: string; readonly send_resolved: boolean }[];
}

/** The keys of `alertmanager.config` we set; Helm merges them into the chart's default configuration. */
export interface AlertmanagerConfigValues {
  readonly route: { readonly receiver: string; readonly routes: readonly RouteValues[] };
  readonly receivers: readonly ReceiverValues[];
}

/** Whether the receiver has a credential (an email receiver without a username has none). */
export function hasCredential(r: AlertReceiver): boolean {
  return r.kind !== 'email' || r.username !== undefined;
}

/** The mounted file holding a receiver's credential. */
export function credentialFile(r: Pick<AlertReceiver, 'name'>): string {
  return `${ALERTMANAGER.secretsMountPath}/${ALERTMANAGER.credentialsSecret}/${r.name}`;
}

/** The operator's environment variable a receiver's credential is created from at bootstrap. */
export function credentialVariable(r: Pick<AlertReceiver, 'name'>): string {
  return `ALERTMANAGER_RECEIVER_${r.name.toUpperCase().replace(/-/g, '_')}`;
}

function receiverValues(r: AlertReceiver): ReceiverValues {
  switch (r.kind) {
    case 'slack':
      return { name: r.name, slack_configs: [{ api_url_file: credentialFile(r), channel: r.channel, send_resolved: true }] };
    case 'pagerduty':
      return { name: r.name, pagerduty_configs: [{ routing_key_file: credentialFile(r), ...(r.url ? { url: r.url } : {}), send_resolved: true }] };
    case 'email':
      return {
        name: r.name,
        email_configs: [
          {
            to: r.to.join(', '),
            from: r.from,
            smarthost: r.smarthost,
            ...(r.username !== undefined ? { auth_username: r.username, auth_password_file: credentialFile(r) } : {}),
            require_tls: r.requireTls,
            send_resolved: true,
          },
        ],
      };
    case 'webhook':
      return { name: r.name, webhook_configs: [{ url_file: credentialFile(r), send_resolved: true }] };
  }
}

/** One child per receiver, matching `matchers`; all but the last continue to the next. */
function fanOut(receivers: readonly string[], matchers?: readonly string[]): RouteValues[] {
  return receivers.map((receiver, i) => ({ receiver, ...(matchers ? { matchers } : {}), ...(i < receivers.length - 1 ? { continue: true } : {}) }));
}

function validate(routing: AlertRouting): Map<string, AlertReceiver> {
  const byName = new Map<string, AlertReceiver>();
  for (const r of routing.receivers) {
    if (r.name === ALERTMANAGER.nullReceiver) throw new Error(`kube-prometheus-stack: receiver name "${r.name}" is the chart's drop receiver; rename it`);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(r.name)) throw new Error(`kube-prometheus-stack: receiver name "${r.name}" must be a DNS-1123 label (it is a Secret key and a file name)`);
    if (byName.has(r.name)) throw new Error(`kube-prometheus-stack: receiver "${r.name}" is defined twice; give each receiver its own name`);
    byName.set(r.name, r);
  }
  const named = [...SEVERITIES.flatMap((s) => routing.routes[s].map((n) => [`routes.${s}`, n] as const)), ...(routing.heartbeat ? [['heartbeat', routing.heartbeat] as const] : [])];
  for (const [where, name] of named) {
    if (!byName.has(name)) throw new Error(`kube-prometheus-stack: alerting ${where} names receiver "${name}", which is not defined; define it or remove it (defined: ${[...byName.keys()].join(', ') || 'none'})`);
  }
  return byName;
}

/** Alertmanager's `route` and `receivers` for the routing. */
export function alertmanagerConfig(routing: AlertRouting): AlertmanagerConfigValues {
  const byName = validate(routing);
  const eq = (label: string, value: string) => `${label} = ${JSON.stringify(value)}`;
  const routes: RouteValues[] = [
    routing.heartbeat
      ? { receiver: routing.heartbeat, matchers: [eq('alertname', ALERTMANAGER.watchdog)], group_wait: '0s', group_interval: ALERTMANAGER.heartbeatInterval, repeat_interval: ALERTMANAGER.heartbeatRepeat }
      : { receiver: ALERTMANAGER.nullReceiver, matchers: [eq('alertname', ALERTMANAGER.watchdog)] },
    { receiver: ALERTMANAGER.nullReceiver, matchers: [eq('alertname', ALERTMANAGER.infoInhibitor)] },
    ...SEVERITIES.flatMap((s) => fanOut(routing.routes[s], [eq('severity', s)])),
    // Every other alert (a severity without receivers of its own, another severity, none): the warning receivers.
    ...fanOut(routing.routes.warning),
  ];
  return {
    route: { receiver: ALERTMANAGER.nullReceiver, routes },
    receivers: [{ name: ALERTMANAGER.nullReceiver }, ...[...byName.values()].sort((a, b) => a.name.localeCompare(b.name)).map(receiverValues)],
  };
}

/**
 * The Secret of receiver credentials, one key per receiver that has one: created at bootstrap from
 * the operator's variables (Alertmanager starts in an early wave and the operator mounts it), adopted
 * by an ExternalSecret from OpenBao `platform/alertmanager` once External Secrets runs.
 */
export function receiverCredentials(routing: AlertRouting, namespace: string): SecretRequirement | undefined {
  const withCredential = [...validate(routing).values()].filter(hasCredential).sort((a, b) => a.name.localeCompare(b.name));
  if (withCredential.length === 0) return undefined;
  return {
    namespace,
    name: ALERTMANAGER.credentialsSecret,
    data: Object.fromEntries(withCredential.map((r) => [r.name, { path: ALERTMANAGER.openbaoPath, property: r.name }])),
    purpose: `Alertmanager receiver credentials, one per receiver (${[...new Set(withCredential.map((r) => CREDENTIAL[r.kind]))].sort().join(', ')})`,
    bootstrap: Object.fromEntries(withCredential.map((r) => [r.name, credentialVariable(r)])),
  };
}

/**
 * Alertmanager's secret-typed fields (`<secret>` in its configuration reference): a value in any of
 * them is a credential. `url` is one only in a webhook config (elsewhere, as in PagerDuty's, it is an
 * endpoint).
 */
const SECRET_FIELDS = new Set([
  'api_key', 'api_secret', 'api_url', 'auth_password', 'auth_secret', 'bearer_token', 'bot_token', 'client_secret', 'credentials',
  'opsgenie_api_key', 'password', 'rocketchat_token', 'rocketchat_token_id', 'routing_key', 'secret_key', 'service_key',
  'slack_api_url', 'smtp_auth_password', 'smtp_auth_secret', 'telegram_bot_token', 'token', 'token_id', 'user_key',
  'victorops_api_key', 'webhook_url', 'wechat_api_secret',
]);

/**
 * Where an Alertmanager configuration holds a credential: each secret-typed field with a value, and
 * each `*_file` outside the mounted Secrets. Empty: the configuration may sit in git.
 */
export function credentialFieldsIn(config: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown, path: string, inWebhook: boolean) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`, inWebhook));
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        const at = path ? `${path}.${key}` : key;
        const secret = SECRET_FIELDS.has(key) || (inWebhook && key === 'url');
        if (secret && v !== undefined && v !== null && v !== '') found.push(`${at} holds a value; use ${key}_file with a file under ${ALERTMANAGER.secretsMountPath}/`);
        if (key.endsWith('_file') && !(typeof v === 'string' && v.startsWith(`${ALERTMANAGER.secretsMountPath}/`))) found.push(`${at} is not a file under ${ALERTMANAGER.secretsMountPath}/`);
        walk(v, at, inWebhook || key === 'webhook_configs');
      }
    }
  };
  walk(config, '', false);
  return found;
}

/**
 * The configuration Secret the chart renders, committed with data: the operator reads its
 * configuration from a Secret only, and the configuration holds no credential, only `*_file` paths
 * into the mounted credentials Secret. Accepted when it has exactly its one key and that key's
 * configuration has no value in a secret-typed field.
 */
export const ALERTMANAGER_CONFIG_SECRET: CommittedSecret = {
  name: ALERTMANAGER.configSecret,
  what: "Alertmanager's configuration",
  problems: (o) => {
    const data = (o.data as Record<string, string> | undefined) ?? {};
    const keys = [...Object.keys(data), ...Object.keys((o.stringData as object | undefined) ?? {})].sort();
    if (keys.join(',') !== ALERTMANAGER.configKey) return [`has keys ${keys.join(', ')}; only ${ALERTMANAGER.configKey} may be committed (no alertmanager.templateFiles)`];
    let config: unknown;
    try {
      config = yaml.load(Buffer.from(data[ALERTMANAGER.configKey], 'base64').toString('utf8'));
    } catch (e) {
      return [`${ALERTMANAGER.configKey} is not YAML (${(e as Error).message})`];
    }
    return credentialFieldsIn(config).map((p) => `${ALERTMANAGER.configKey}: ${p}`);
  },
};
