/**
 * Finds the value keys we set that the pinned chart does not define.
 */
import * as yaml from 'js-yaml';
import { vendoredChartFiles } from '../../lib/helm/chart-package';
import { ChartAllowlist } from './allowlist';

type Json = Record<string, unknown>;

export interface ChartReference {
  readonly defaults: unknown;
  readonly schema?: Json;
}

/**
 * The pinned chart's values.yaml and values.schema.json, read from its vendored package (or, for a
 * subchart, from the package that carries it): the chart itself, at whatever version
 * config/versions.ts pins, so a Renovate bump with its package vendored needs nothing else.
 */
export function loadReference(root: string, chart: string, version: string): ChartReference {
  const files = vendoredChartFiles(root, chart, version);
  const values = files.get('values.yaml');
  if (!values) throw new Error(`chart ${chart} ${version}: its package has no values.yaml`);
  const defaults = yaml.load(values.toString('utf8')) as Json;
  // Istio charts keep their defaults under `_internal_defaults_do_not_set` and read keys set at top level.
  const internal = defaults && typeof defaults === 'object' ? (defaults as Json)._internal_defaults_do_not_set : undefined;
  const merged = internal && typeof internal === 'object' ? { ...(internal as Json), ...defaults } : defaults;
  const schema = files.get('values.schema.json');
  return { defaults: merged, schema: schema ? (JSON.parse(schema.toString('utf8')) as Json) : undefined };
}

/**
 * Keys whose contents are Kubernetes API structures or free-form maps in every chart: we check the
 * key exists, and the Kubernetes schema (npm run validate) checks what the chart renders from it.
 */
export const KUBERNETES_TYPED_KEYS: ReadonlySet<string> = new Set([
  'resources', 'securityContext', 'podSecurityContext', 'containerSecurityContext', 'affinity', 'nodeSelector',
  'tolerations', 'topologySpreadConstraints', 'annotations', 'podAnnotations', 'podLabels', 'labels',
  'commonLabels', 'serviceAnnotations', 'livenessProbe', 'readinessProbe', 'startupProbe', 'extraEnv', 'env',
]);

const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function matches(pattern: string, p: readonly string[]): boolean {
  const parts = pattern.split('.');
  return parts.length <= p.length && parts.every((seg, i) => seg === '*' || seg === p[i]);
}

/** Follows a schema (local $refs, allOf/anyOf/oneOf) to the node describing `key`; undefined = unknown. */
function schemaChild(schema: Json | undefined, root: Json, key: string): { known: boolean; node?: Json } {
  if (!schema) return { known: false };
  const resolve = (n: Json): Json => {
    let cur = n;
    for (let i = 0; i < 20 && typeof cur.$ref === 'string' && cur.$ref.startsWith('#/'); i++) {
      cur = (cur.$ref as string).slice(2).split('/').reduce<any>((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], root) ?? {};
    }
    return cur;
  };
  const n = resolve(schema);
  const props = isMap(n.properties) ? (n.properties as Json) : undefined;
  if (props && key in props) return { known: true, node: props[key] as Json };
  for (const comb of ['allOf', 'anyOf', 'oneOf'] as const) {
    for (const sub of (n[comb] as Json[] | undefined) ?? []) {
      const r = schemaChild(sub, root, key);
      if (r.known) return r;
    }
  }
  if (isMap(n.patternProperties)) {
    for (const [re, sub] of Object.entries(n.patternProperties as Json)) if (new RegExp(re).test(key)) return { known: true, node: sub as Json };
  }
  if (n.additionalProperties === true || isMap(n.additionalProperties)) return { known: true, node: isMap(n.additionalProperties) ? (n.additionalProperties as Json) : undefined };
  return { known: false };
}

/** Paths (dotted) of every key in `values` that neither the defaults nor the schema define. */
export function unknownKeys(values: unknown, ref: ChartReference, allow: ChartAllowlist | undefined, refs?: ReadonlyMap<string, ChartReference>): string[] {
  const problems: string[] = [];
  const walk = (v: unknown, def: unknown, schema: Json | undefined, p: string[], r: ChartReference): void => {
    if (!isMap(v)) return;
    for (const [key, child] of Object.entries(v)) {
      const here = [...p, key];
      const dotted = here.join('.');
      if (allow?.freeForm.some((f) => matches(f, here))) continue;
      const sub = allow?.subcharts?.[dotted];
      if (sub && refs?.get(sub)) {
        const sr = refs.get(sub)!;
        walk(child, sr.defaults, sr.schema, [], sr);
        continue;
      }
      const inDefaults = isMap(def) && key in def;
      const s = schemaChild(schema, r.schema ?? {}, key);
      const documented = allow?.undocumented.some((u) => u.path === dotted);
      if (!inDefaults && !s.known && !documented) {
        problems.push(dotted);
        continue;
      }
      if (KUBERNETES_TYPED_KEYS.has(key)) continue;
      const childDefault = isMap(def) ? def[key] : undefined;
      // An empty map or null default is an open slot (resources: {}, nodeSelector: {}): nothing to check below.
      if (inDefaults && (childDefault === null || (isMap(childDefault) && Object.keys(childDefault).length === 0)) && !s.node) continue;
      if (!inDefaults && !s.node && documented) continue;
      walk(child, childDefault, s.node, here, r);
    }
  };
  walk(values, ref.defaults, ref.schema, [], ref);
  return problems;
}
