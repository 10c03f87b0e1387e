// Schemas named on the command line, for what is not a Kubernetes object: the eksctl
// ClusterConfig (--schemas DIR/eksctl/schema.json) and Helm values files (--chart-values DIR).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createJsonSchemaAjv, DocumentValidator, registerFormats, toValidator } from './ajv';
import { isObject } from './errors';
import { JsonObject, rewrite, toJsPattern, withoutKeys } from './schema-utils';

export const EKSCTL_API_VERSION = 'eksctl.io/v1alpha5';
export const EKSCTL_KIND = 'ClusterConfig';
export const EKSCTL_SCHEMA = path.join('eksctl', 'schema.json');

export interface ChartRef {
  readonly chart: string;
  readonly version: string;
}

/** Helm values files in the tree, by file name, and the chart whose values.schema.json applies. */
export const VALUES_FILE_CHARTS: Readonly<Record<string, ChartRef>> = {
  'cilium-values.yaml': { chart: 'cilium', version: '1.20.0' },
  'argocd-values.yaml': { chart: 'argo-cd', version: '10.1.1' },
};

/** Helm values files sit in `bootstrap/` as `<id>-values.yaml`; a rendered ConfigMap named `values` is an object. */
export function isValuesFile(relPath: string): boolean {
  return /(^|\/)bootstrap\/[^/]+-values\.ya?ml$/.test(relPath);
}

export function readJson(file: string): JsonObject {
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!isObject(parsed)) throw new Error(`${file}: not a JSON object`);
  return parsed;
}

/** Pattern and int-or-string fixes a published JSON schema may need; records formats for Ajv. */
function commonFixes(node: JsonObject, formats: Set<string>): JsonObject {
  let out = withoutKeys(node, ['description', 'x-intellij-html-description', 'example', 'examples']);
  if (typeof out.pattern === 'string') {
    const pattern = toJsPattern(out.pattern);
    out = pattern === undefined ? withoutKeys(out, ['pattern']) : { ...out, pattern };
  }
  if (out.format === 'int-or-string') {
    out = { ...withoutKeys(out, ['format', 'type']), oneOf: [{ type: 'string' }, { type: 'integer' }] };
  }
  if (typeof out.format === 'string') formats.add(out.format);
  return out;
}

/** eksctl's schema is already closed where it should be; only its taints wrapper needs a fix. */
export function prepareEksctlSchema(schema: JsonObject, formats: Set<string>): JsonObject {
  const fixed = rewrite(schema, (node) => commonFixes(node, formats));
  const definitions = isObject(fixed.definitions) ? { ...fixed.definitions } : {};
  const taints = definitions.taintsWrapper;
  if (isObject(taints)) {
    // eksctl unmarshals NodeGroup.taints from a list or from a `key: value:effect` map.
    definitions.taintsWrapper = {
      anyOf: [taints, { type: 'object', additionalProperties: { type: 'string' } }],
    };
  }
  return { ...fixed, definitions };
}

/** Helm validates values exactly against the chart's schema, so only syntax fixes apply. */
function prepareValuesSchema(schema: JsonObject, formats: Set<string>): JsonObject {
  return rewrite(schema, (node) => commonFixes(node, formats));
}

function compileJsonSchema(file: string, source: string, prepare: (s: JsonObject, f: Set<string>) => JsonObject): DocumentValidator {
  return toValidator(() => {
    const raw = readJson(file);
    // One Ajv per schema: charts may reuse the same $id.
    const ajv = createJsonSchemaAjv(raw.$schema);
    const formats = new Set<string>();
    const schema = prepare(raw, formats);
    registerFormats(ajv, formats);
    const known = typeof schema.$schema === 'string' && ajv.getSchema(schema.$schema) !== undefined;
    return ajv.compile(known ? schema : withoutKeys(schema, ['$schema']));
  }, source);
}

export function eksctlValidator(schemasDir: string): DocumentValidator {
  return compileJsonSchema(path.join(schemasDir, EKSCTL_SCHEMA), EKSCTL_SCHEMA, prepareEksctlSchema);
}

/** Undefined when the values file maps to no chart or the chart ships no values.schema.json. */
export function valuesValidator(chartValuesDir: string, fileName: string): DocumentValidator | undefined {
  const chart = VALUES_FILE_CHARTS[fileName];
  if (!chart) return undefined;
  const file = path.join(chartValuesDir, chart.chart, chart.version, 'values.schema.json');
  if (!fs.existsSync(file)) return undefined;
  return compileJsonSchema(file, `${chart.chart}/${chart.version}/values.schema.json`, prepareValuesSchema);
}
