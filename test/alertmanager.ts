/**
 * Test helpers that read Alertmanager's configuration and the alerting rules out of rendered
 * objects, and route an alert through the configuration the way Alertmanager does.
 */
import * as yaml from 'js-yaml';
import { ALERTMANAGER } from '../charts/kube-prometheus-stack/alertmanager';
import { K8sObject } from '../lib/render';
import { MIMIR_RULES_CONFIG_MAP } from '../workflows/observability';

export interface RenderedRoute {
  readonly receiver?: string;
  readonly matchers?: readonly string[];
  readonly continue?: boolean;
  readonly routes?: readonly RenderedRoute[];
  readonly match?: unknown;
  readonly match_re?: unknown;
}

export interface RenderedAlertmanagerConfig {
  readonly route: RenderedRoute;
  readonly receivers: readonly ({ readonly name: string } & Record<string, unknown>)[];
  readonly inhibit_rules?: readonly unknown[];
}

/** The configuration the chart rendered into Alertmanager's config Secret. */
export function renderedAlertmanagerConfig(objects: readonly K8sObject[]): RenderedAlertmanagerConfig {
  const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ALERTMANAGER.configSecret);
  if (!secret) throw new Error(`no Secret ${ALERTMANAGER.configSecret} among the rendered objects`);
  const data = (secret.data as Record<string, string>)[ALERTMANAGER.configKey];
  return yaml.load(Buffer.from(data, 'base64').toString('utf8')) as RenderedAlertmanagerConfig;
}

/** One matcher of Alertmanager's `matchers` syntax: `name op value`, the value optionally double-quoted. */
export function parseMatcher(text: string): (labels: Readonly<Record<string, string>>) => boolean {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) throw new Error(`not a matcher: ${text}`);
  const [, name, op, raw] = m;
  const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  const re = new RegExp(`^(?:${value})$`);
  return (labels) => {
    const v = labels[name] ?? '';
    switch (op) {
      case '=': return v === value;
      case '!=': return v !== value;
      case '=~': return re.test(v);
      default: return !re.test(v);
    }
  };
}

/**
 * The receivers an alert with these labels reaches, as Alertmanager's dispatcher decides: a route
 * matches when all its matchers do; its children are tried in order, the first match wins unless it
 * has `continue`; a route none of whose children matched delivers to its own receiver, inherited
 * from its parent when unset.
 */
export function routeAlert(route: RenderedRoute, labels: Readonly<Record<string, string>>, inherited?: string): string[] {
  if (route.match !== undefined || route.match_re !== undefined) throw new Error('the deprecated match/match_re are not rendered here; use matchers');
  if (!(route.matchers ?? []).every((m) => parseMatcher(m)(labels))) return [];
  const receiver = route.receiver ?? inherited;
  const out: string[] = [];
  for (const child of route.routes ?? []) {
    const reached = routeAlert(child, labels, receiver);
    out.push(...reached);
    if (reached.length && !child.continue) break;
  }
  if (out.length === 0) {
    if (!receiver) throw new Error('a matching route without a receiver, and none to inherit');
    out.push(receiver);
  }
  return out;
}

export interface AlertingRule {
  readonly alert: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Where it is defined: `<component>: <kind>/<name>`. */
  readonly source: string;
}

/** Every alerting rule of the rendered PrometheusRules and of the Mimir ruler's rule files. */
export function alertingRules(objectsByComponent: ReadonlyMap<string, readonly K8sObject[]>): AlertingRule[] {
  const out: AlertingRule[] = [];
  const collect = (groups: unknown, source: string) => {
    for (const g of (groups as { rules?: { alert?: string; labels?: Record<string, string> }[] }[] | undefined) ?? []) {
      for (const r of g.rules ?? []) if (r.alert) out.push({ alert: r.alert, labels: r.labels ?? {}, source });
    }
  };
  for (const [id, objects] of objectsByComponent) {
    for (const o of objects) {
      if (o.kind === 'PrometheusRule') collect((o.spec as { groups?: unknown }).groups, `${id}: PrometheusRule/${o.metadata.name}`);
      if (o.kind === 'ConfigMap' && o.metadata.name === MIMIR_RULES_CONFIG_MAP) {
        for (const [file, text] of Object.entries((o.data as Record<string, string>) ?? {})) collect((yaml.load(text) as { groups?: unknown }).groups, `${id}: ConfigMap/${o.metadata.name} ${file}`);
      }
    }
  }
  return out;
}
