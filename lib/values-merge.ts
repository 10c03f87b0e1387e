/**
 * User overrides of a chart's values (`components.<id>.values` in platform.yaml), merged last over
 * the values a component computes, the way Helm merges a values file over the chart's defaults:
 * maps merge key by key, lists and scalars replace, and `null` removes a key.
 */
export type Values = { readonly [key: string]: unknown };

function isMap(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * `override` over `base`. `base` may hold value types (Cpu, Duration, Storage…): they are written
 * out as JSON first, so the result holds exactly what the chart receives.
 */
export function mergeValues(base: object, override: Values): Values {
  return mergeMaps(JSON.parse(JSON.stringify(base)) as Values, override);
}

function mergeMaps(base: Values, override: Values): Values {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = mergeMaps(out[key] as Values, value);
    else out[key] = value;
  }
  return out;
}
