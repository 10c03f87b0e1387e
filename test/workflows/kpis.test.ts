/**
 * The KPIs as rendered: every rule file an environment ships (ours, kube-prometheus-stack's, the
 * Mimir ruler's), read back from the rendered tree of the fixture config.
 */
import * as yaml from 'js-yaml';
import { COST_ANOMALY } from '../../charts/observability-config/kpis';
import { SEED_METRICS } from '../../charts/observability-config/rules';
import { FileTree } from '../../lib/output';
import { ksmLabelName, NODE_COST_LABELS } from '../../lib/node-cost-labels';
import { parsePromql } from '../promql-grammar';
import { ENVIRONMENTS, renderedFixture } from '../support';

jest.setTimeout(300_000);

interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
}

/** Every rendered object of an environment, with the component folder it sits in. */
type Rendered = { component: string; file: string; o: any }[];

function objects(tree: FileTree, env: string): Rendered {
  const out: { component: string; file: string; o: any }[] = [];
  for (const [file, text] of tree) {
    const m = new RegExp(`^${env}/manifests/([^/]+)/[^/]+\\.yaml$`).exec(file);
    if (!m) continue;
    for (const o of yaml.loadAll(text)) if (o) out.push({ component: m[1], file, o });
  }
  return out;
}

/** Rules of every PrometheusRule and of every rule file in the Mimir ruler's ConfigMap. */
function rules(all: Rendered): Rule[] {
  const crd = all.filter(({ o }) => o.kind === 'PrometheusRule').flatMap(({ o }) => o.spec.groups.flatMap((g: any) => g.rules));
  const ruler = all
    .filter(({ o }) => o.kind === 'ConfigMap' && o.metadata.name === 'mimir-ruler-rules')
    .flatMap(({ o }) => Object.values(o.data as Record<string, string>).flatMap((f) => (yaml.load(f) as any).groups.flatMap((g: any) => g.rules)));
  expect(ruler.length).toBeGreaterThan(0);
  return [...crd, ...ruler];
}

function dashboardExprs(objs: Rendered): string[] {
  return objs
    .filter(({ o }) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard && o.metadata.labels?.['app.kubernetes.io/instance'] === 'observability-config')
    .flatMap(({ o }) => Object.values(o.data as Record<string, string>).flatMap((j) => JSON.parse(j).panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr as string))));
}

/**
 * Exporters by metric prefix, and the component whose rendered ServiceMonitor or PodMonitor scrapes
 * them: a dashboard may read an exporter's metric no rule reads when the environment scrapes it.
 */
const EXPORTERS: Readonly<Record<string, string>> = {
  cortex_: 'mimir',
  loki_: 'loki',
  tempo_: 'tempo',
  prometheus_: 'kube-prometheus-stack',
  otelcol_: 'opentelemetry-collector',
};

describe.each(ENVIRONMENTS)('KPIs rendered for %s', (env) => {
  let objs: Rendered;
  let all: Rule[];
  beforeAll(async () => {
    objs = objects(await renderedFixture(env), env);
    all = rules(objs);
  });

  it('records each of the twelve named metrics in a rendered rule', () => {
    const recorded = new Set(all.map((r) => r.record));
    expect(SEED_METRICS).toHaveLength(12);
    for (const m of SEED_METRICS) expect({ m, recorded: recorded.has(m) }).toEqual({ m, recorded: true });
  });

  it('records availability over 30 days and MTTR, the two reliability KPIs', () => {
    const recorded = new Set(all.map((r) => r.record));
    expect(recorded).toContain('platform:availability:ratio_rate30d');
    expect(recorded).toContain('service:availability:ratio_rate30d');
    expect([...recorded].some((r) => r?.startsWith('severity:alerts_mttr_seconds:'))).toBe(true);
  });

  it('fires the cost anomaly alert above a 20% week-over-week increase', () => {
    const anomaly = all.filter((r) => r.alert === 'CostAnomaly');
    expect(anomaly).toHaveLength(1);
    const thresholds = [...anomaly[0].expr.matchAll(/(?:>|<=) (\d+(?:\.\d+)?)/g)].map((m) => Number(m[1]));
    expect(thresholds.length).toBe(2);
    for (const t of thresholds) expect(t - 1).toBeCloseTo(COST_ANOMALY.increase, 10);
    expect(COST_ANOMALY.increase).toBe(0.2);
    expect(anomaly[0].expr).toContain('platform:istio_requests:ratio_wow');
  });

  it('has kube-state-metrics export the node labels the price join reads', () => {
    const ksm = objs.find(({ o }) => o.kind === 'Deployment' && o.metadata.name.endsWith('kube-state-metrics'));
    expect(ksm).toBeDefined();
    const args: string[] = ksm!.o.spec.template.spec.containers[0].args;
    const allow = args.find((a) => a.startsWith('--metric-labels-allowlist='));
    expect(allow).toBeDefined();
    for (const key of Object.values(NODE_COST_LABELS)) expect(allow).toMatch(new RegExp(`nodes=\\[[^\\]]*${key.replace(/\./g, '\\.')}`));
    const join = all.find((r) => r.record === 'platform:node_hourly_price:usd')!.expr;
    for (const key of Object.values(NODE_COST_LABELS)) expect(join).toContain(ksmLabelName(key));
  });

  it('parses every rendered rule expression, ours and the charts\', with the PromQL grammar', () => {
    expect(all.length).toBeGreaterThan(100);
    for (const r of all) expect({ rule: r.record ?? r.alert, errorAt: parsePromql(r.expr).errorAt }).toEqual({ rule: r.record ?? r.alert, errorAt: undefined });
  });

  it('builds dashboards only from metrics a rendered rule records or reads, or an exporter the environment scrapes', () => {
    const known = new Set([...all.flatMap((r) => (r.record ? [r.record] : [])), ...all.flatMap((r) => parsePromql(r.expr).metrics)]);
    const monitored = new Set(objs.filter(({ o }) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor').map(({ component }) => component));
    const exprs = dashboardExprs(objs);
    expect(exprs.length).toBeGreaterThan(30);
    for (const e of exprs) {
      expect({ e, errorAt: parsePromql(e).errorAt }).toEqual({ e, errorAt: undefined });
      for (const m of parsePromql(e).metrics) {
        if (known.has(m)) continue;
        const exporter = Object.entries(EXPORTERS).find(([prefix]) => m.startsWith(prefix));
        expect({ m, scrapedBy: exporter && monitored.has(exporter[1]) ? exporter[1] : undefined }).toEqual({ m, scrapedBy: exporter?.[1] ?? 'a rule or a scraped exporter' });
      }
    }
  });
});
