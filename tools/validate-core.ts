// Offline schema validation of the rendered tree: Kubernetes 1.28 kinds, CRD custom resources,
// the eksctl ClusterConfig and Helm values files, with the in-memory fixes the published
// schemas need (see /work/shared/schemas/SOURCES.md).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import Ajv from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export interface ValidationIssue {
  readonly file: string;
  /** `Kind namespace/name`, or `Kind name` for cluster-scoped objects. */
  readonly object: string;
  /** JSON path inside the document, e.g. `.spec.template.spec.containers[0].resources`. */
  readonly path: string;
  readonly message: string;
}

export interface ValidationReport {
  readonly issues: readonly ValidationIssue[];
  readonly files: number;
  readonly documents: number;
  readonly invalidDocuments: number;
  /** `*-values.yaml` files not validated because no chart schema is known or present. */
  readonly skippedValuesFiles: number;
}

/** A problem inside one document, before the file and object are attached. */
export interface DocumentProblem {
  readonly path: string;
  readonly message: string;
}

export type DocumentValidator = (doc: unknown) => readonly DocumentProblem[];

export interface SchemaSet {
  readonly schemasDir: string;
  readonly chartValuesDir?: string;
  /** Undefined when no schema covers this apiVersion and kind. */
  readonly forObject: (apiVersion: string, kind: string) => DocumentValidator | undefined;
  /** Undefined when the values file maps to no chart or the chart ships no values.schema.json. */
  readonly forValuesFile: (fileName: string) => DocumentValidator | undefined;
}

export interface ChartRef {
  readonly chart: string;
  readonly version: string;
}

/** Helm values files in the tree, by file name, and the chart whose values.schema.json applies. */
export const VALUES_FILE_CHARTS: Readonly<Record<string, ChartRef>> = {
  'cilium-values.yaml': { chart: 'cilium', version: '1.20.0' },
  'argocd-values.yaml': { chart: 'argo-cd', version: '10.1.1' },
};

export const EKSCTL_API_VERSION = 'eksctl.io/v1alpha5';
export const EKSCTL_KIND = 'ClusterConfig';

type JsonObject = Record<string, unknown>;

const K8S_DEFS_ID = 'https://schemas.local/k8s/_definitions.json';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const OBJECT_META_REF = `${K8S_DEFS_ID}#/definitions/${OBJECT_META}`;

export function isValuesFile(fileName: string): boolean {
  return /-values\.ya?ml$/.test(fileName);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(file: string): JsonObject {
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!isObject(parsed)) throw new Error(`${file}: not a JSON object`);
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Schema rewriting. mapSchema walks only schema positions (never enum/default/example values).

interface NodeContext {
  /** Direct member of anyOf/oneOf/allOf/not: closing it would reject its siblings' fields. */
  readonly isBranch: boolean;
}

type NodeVisitor = (node: JsonObject, ctx: NodeContext) => JsonObject;

const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas'];
const SCHEMA_KEYWORDS = [
  'items', 'additionalItems', 'additionalProperties', 'if', 'then', 'else', 'contains',
  'propertyNames', 'unevaluatedProperties', 'unevaluatedItems',
];
const BRANCH_KEYWORDS = ['anyOf', 'oneOf', 'allOf', 'not'];

/** Shallow copy of a schema node with each child schema replaced by `fn(child, isBranch)`. */
function mapChildren(node: JsonObject, fn: (child: unknown, isBranch: boolean) => unknown): JsonObject {
  const copy: JsonObject = { ...node };
  for (const key of SCHEMA_MAP_KEYWORDS) {
    const map = copy[key];
    if (isObject(map)) copy[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, fn(v, false)]));
  }
  const each = (value: unknown, isBranch: boolean): unknown =>
    Array.isArray(value) ? value.map((item) => fn(item, isBranch)) : fn(value, isBranch);
  for (const key of SCHEMA_KEYWORDS) if (key in copy) copy[key] = each(copy[key], false);
  for (const key of BRANCH_KEYWORDS) if (key in copy) copy[key] = each(copy[key], true);
  return copy;
}

function mapSchema(node: unknown, visit: NodeVisitor, ctx: NodeContext): unknown {
  if (!isObject(node)) return node;
  const copy = mapChildren(node, (child, isBranch) => mapSchema(child, visit, { isBranch }));
  return visit(copy, ctx);
}

function rewrite(schema: JsonObject, visit: NodeVisitor): JsonObject {
  return mapSchema(schema, visit, { isBranch: false }) as JsonObject;
}

function compilesAsJs(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** Index just past the character class starting at `start` (a `[`). */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++; // a leading `]` is literal
  while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** Go's `(?i)` / `(?i:...)` turned into `[aA]` letter classes, scoped to the enclosing group. */
function expandGoCaseInsensitive(pattern: string): string | undefined {
  const flags: boolean[] = [false];
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    const insensitive = flags[flags.length - 1];
    let next = i + 1;
    if (ch === '\\') {
      next = i + 2;
      out += pattern.slice(i, next);
    } else if (ch === '[') {
      next = classEnd(pattern, i);
      const cls = pattern.slice(i, next);
      if (insensitive && /[a-z]/i.test(cls.replace(/\\./g, ''))) return undefined; // would need widening
      out += cls;
    } else if (pattern.startsWith('(?i)', i)) {
      flags[flags.length - 1] = true;
      next = i + 4;
    } else if (pattern.startsWith('(?i:', i)) {
      flags.push(true);
      out += '(?:';
      next = i + 4;
    } else if (ch === '(') {
      flags.push(insensitive);
      out += ch;
    } else if (ch === ')') {
      if (flags.length > 1) flags.pop();
      out += ch;
    } else {
      out += insensitive && /[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch;
    }
    i = next;
  }
  return out;
}

/**
 * Kubernetes checks CRD patterns with Go's RE2; a few catalog patterns use Go-only syntax that
 * JavaScript rejects. Translate `\pX` and `(?i)`; undefined (drop the pattern) if that fails.
 */
export function toJsPattern(pattern: string): string | undefined {
  if (compilesAsJs(pattern)) return pattern;
  const unicodeClasses = pattern.replace(/\\([pP])([A-Za-z])/g, '\\$1{$2}');
  const translated = expandGoCaseInsensitive(unicodeClasses);
  return translated !== undefined && compilesAsJs(translated) ? translated : undefined;
}

function withoutKeys(node: JsonObject, keys: readonly string[]): JsonObject {
  return Object.fromEntries(Object.entries(node).filter(([k]) => !keys.includes(k)));
}

/**
 * Documentation and CEL rules (which Ajv can't evaluate) are most of a CRD's bytes; dropping
 * them saves memory and lets more identical subtrees be shared (see dedupeSubschemas).
 */
const UNUSED_KEYWORDS = ['description', 'x-intellij-html-description', 'x-kubernetes-validations', 'example', 'examples'];

/** Pattern and int-or-string fixes every schema source needs; records formats for Ajv. */
function commonFixes(node: JsonObject, formats: Set<string>): JsonObject {
  let out = withoutKeys(node, UNUSED_KEYWORDS);
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

function preservesUnknownFields(node: JsonObject): boolean {
  return node['x-kubernetes-preserve-unknown-fields'] === true;
}

/**
 * Kubernetes semantics made strict: the API server prunes or rejects unknown fields except
 * where `x-kubernetes-preserve-unknown-fields` is set, so every object with `properties` is
 * closed unless it says otherwise.
 */
function strictKubernetesNode(node: JsonObject, ctx: NodeContext, formats: Set<string>): JsonObject {
  let out = commonFixes(node, formats);
  if (out.additionalProperties === false && preservesUnknownFields(out)) {
    out = withoutKeys(out, ['additionalProperties']);
  }
  const open = out.additionalProperties === undefined && !preservesUnknownFields(out);
  if (isObject(out.properties) && open && !ctx.isBranch) out = { ...out, additionalProperties: false };
  return out;
}

export function prepareK8sDefinitions(doc: JsonObject, formats: Set<string>): JsonObject {
  const fixed = rewrite(doc, (node, ctx) => strictKubernetesNode(node, ctx, formats));
  return { ...fixed, $id: K8S_DEFS_ID };
}

/** Root of a custom resource: apiVersion/kind always allowed, metadata checked as ObjectMeta. */
function fixCrdRoot(schema: JsonObject): JsonObject {
  const properties: JsonObject = isObject(schema.properties) ? { ...schema.properties } : {};
  properties.apiVersion ??= { type: 'string' };
  properties.kind ??= { type: 'string' };
  const declared = properties.metadata;
  // Some CRDs close metadata to `name` only; keep their extra limits (like maxLength) but let
  // ObjectMeta decide which fields exist.
  properties.metadata = isObject(declared)
    ? { allOf: [{ $ref: OBJECT_META_REF }, withoutKeys(declared, ['additionalProperties'])] }
    : { $ref: OBJECT_META_REF };
  return { ...schema, type: 'object', properties };
}

export function prepareCrdSchema(schema: JsonObject, formats: Set<string>): JsonObject {
  const strict = rewrite(withoutKeys(schema, ['$schema']), (n, c) => strictKubernetesNode(n, c, formats));
  return dedupeSubschemas(fixCrdRoot(strict));
}

/** Subschemas repeated at least twice and at least this big (JSON chars) are shared. */
const DEDUPE_MIN_SIZE = 400;
const DEDUPE_PREFIX = 'dedupe-';

interface NodeInfo {
  readonly hash: string;
  readonly size: number;
}

/** Structural hash of every schema node, bottom-up; equal subtrees get equal hashes. */
function hashNodes(root: JsonObject): { readonly info: Map<JsonObject, NodeInfo>; readonly counts: Map<string, number> } {
  const info = new Map<JsonObject, NodeInfo>();
  const counts = new Map<string, number>();
  const visit = (node: unknown): unknown => {
    if (!isObject(node)) return node;
    let size = 0;
    const shallow = mapChildren(node, (child) => {
      const childInfo = isObject(child) ? info.get(visit(child) as JsonObject) : undefined;
      size += childInfo?.size ?? 0;
      return childInfo ? { '#': childInfo.hash } : child;
    });
    const text = JSON.stringify(shallow);
    const hash = createHash('sha1').update(text).digest('base64url');
    info.set(node, { hash, size: size + text.length });
    counts.set(hash, (counts.get(hash) ?? 0) + 1);
    return node;
  };
  visit(root);
  return { info, counts };
}

/**
 * Catalog CRDs repeat big subtrees (Argo's ApplicationSet nests the same generator and
 * template schemas dozens of times: 2 MB of JSON). Ajv generates code per occurrence, so
 * repeated subtrees become `$ref`s into `definitions` and compile once: ApplicationSet drops
 * from about 1 s to about 0.1 s. Nodes inside anyOf/oneOf branches stay inline so
 * that a composition's errors share its schemaPath (see formatErrors).
 */
export function dedupeSubschemas(schema: JsonObject): JsonObject {
  const { info, counts } = hashNodes(schema);
  const definitions: JsonObject = {};
  const rewriteNode = (node: unknown, inBranch: boolean, isTop: boolean): unknown => {
    if (!isObject(node)) return node;
    const meta = info.get(node);
    const shared = !isTop && !inBranch && meta && meta.size >= DEDUPE_MIN_SIZE && (counts.get(meta.hash) ?? 0) > 1;
    if (shared) {
      const name = `${DEDUPE_PREFIX}${meta.hash}`;
      if (!(name in definitions)) {
        definitions[name] = true; // placeholder guards against re-entry
        definitions[name] = rewriteNode(node, false, true);
      }
      return { $ref: `#/definitions/${name}` };
    }
    return mapChildren(node, (child, isBranch) => rewriteNode(child, inBranch || isBranch, false));
  };
  const rewritten = rewriteNode(schema, false, true) as JsonObject;
  if (Object.keys(definitions).length === 0) return rewritten;
  const existing = isObject(rewritten.definitions) ? rewritten.definitions : {};
  return { ...rewritten, definitions: { ...existing, ...definitions } };
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

// ---------------------------------------------------------------------------------------------
// Ajv

type AnyAjv = Ajv | Ajv2019 | Ajv2020;

const AJV_OPTIONS = {
  strict: false, // x-kubernetes-*, preferredOrder and friends are not JSON Schema keywords
  allErrors: true,
  validateSchema: false, // trusted, large schemas: meta-validation only costs time
  allowUnionTypes: true,
  // Ajv's code optimizer dominates compile time on multi-megabyte CRDs (3-4x) and buys little.
  code: { optimize: false },
  // Compile each shared definition (Kubernetes definitions, deduplicated CRD subtrees) once as
  // its own function instead of inlining a copy per use: halves CRD compile time again.
  inlineRefs: false,
} as const;

function createAjv(metaSchema?: unknown): AnyAjv {
  const url = typeof metaSchema === 'string' ? metaSchema : '';
  const ajv = url.includes('2020-12')
    ? new Ajv2020(AJV_OPTIONS)
    : url.includes('2019-09')
      ? new Ajv2019(AJV_OPTIONS)
      : new Ajv(AJV_OPTIONS);
  addFormats(ajv);
  return ajv;
}

/** Formats Ajv doesn't know (cidr, duration, idn-hostname...) are annotations only. */
function registerFormats(ajv: AnyAjv, formats: ReadonlySet<string>): void {
  formats.forEach((format) => {
    if (!ajv.formats[format]) ajv.addFormat(format, true);
  });
}

function schemaFailure(source: string, error: unknown): DocumentValidator {
  const reason = error instanceof Error ? error.message : String(error);
  const problems = [{ path: '.', message: `schema ${source} could not be compiled: ${reason}` }];
  return () => problems;
}

function toValidator(compile: () => ValidateFunction, source: string): DocumentValidator {
  try {
    const validate = compile();
    return (doc) => (validate(doc) ? [] : formatErrors(validate.errors ?? [], doc));
  } catch (error) {
    return schemaFailure(source, error);
  }
}

// ---------------------------------------------------------------------------------------------
// Error messages

function pathSegment(parent: unknown, key: string): string {
  if (Array.isArray(parent)) return `[${key}]`;
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** `/spec/containers/0/name` → `.spec.containers[0].name`, using the data to tell indexes apart. */
export function toJsonPath(pointer: string, doc: unknown, extraKey?: string): string {
  const keys = pointer === '' ? [] : pointer.slice(1).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extraKey !== undefined) keys.push(extraKey);
  let current: unknown = doc;
  let out = '';
  for (const key of keys) {
    out += pathSegment(current, key);
    current = Array.isArray(current) ? current[Number(key)] : isObject(current) ? current[key] : undefined;
  }
  return out === '' ? '.' : out;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function valueAt(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let current: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    current = Array.isArray(current) ? current[Number(key)] : isObject(current) ? current[key] : undefined;
  }
  return current;
}

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, 12).map((v) => JSON.stringify(v)).join(', ');
  return values.length > 12 ? `${shown}, ... (${values.length} values)` : shown;
}

function simpleProblem(error: ErrorObject, doc: unknown): DocumentProblem {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      return { path: toJsonPath(error.instancePath, doc, field), message: `unknown field "${field}"` };
    }
    case 'required': {
      const field = String(params.missingProperty);
      return { path: toJsonPath(error.instancePath, doc, field), message: `missing required field "${field}"` };
    }
    case 'type': {
      const actual = typeName(valueAt(doc, error.instancePath));
      return { path: toJsonPath(error.instancePath, doc), message: `must be ${String(params.type)}, got ${actual}` };
    }
    case 'enum':
      return {
        path: toJsonPath(error.instancePath, doc),
        message: `must be one of: ${listValues(params.allowedValues as readonly unknown[])}`,
      };
    case 'const':
      return { path: toJsonPath(error.instancePath, doc), message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'false schema':
      return { path: toJsonPath(error.instancePath, doc), message: 'is not allowed here' };
    default:
      return { path: toJsonPath(error.instancePath, doc), message: error.message ?? error.keyword };
  }
}

function isComposition(error: ErrorObject): boolean {
  return error.keyword === 'anyOf' || error.keyword === 'oneOf';
}

/**
 * Whether `error` comes from a branch of `composition`. Ajv restarts schemaPath at `#` in every
 * separately compiled definition, so the instance path must be inside the composition's too.
 */
function isInside(error: ErrorObject, composition: ErrorObject): boolean {
  const at = composition.instancePath;
  const underInstance = error.instancePath === at || error.instancePath.startsWith(`${at}/`);
  return error !== composition && underInstance && error.schemaPath.startsWith(`${composition.schemaPath}/`);
}

/** Shortest explanation of a failed anyOf/oneOf: one message per branch. */
function compositionProblem(composition: ErrorObject, nested: readonly ErrorObject[], doc: unknown): DocumentProblem {
  const at = toJsonPath(composition.instancePath, doc);
  const passing = (composition.params as Record<string, unknown>).passingSchemas;
  if (Array.isArray(passing)) return { path: at, message: `matches more than one allowed shape (oneOf ${passing.join(', ')})` };
  const typeErrors = nested.filter((e) => e.keyword === 'type' && e.instancePath === composition.instancePath);
  if (typeErrors.length === nested.length && nested.length > 0) {
    const types = typeErrors.map((e) => String((e.params as Record<string, unknown>).type));
    return { path: at, message: `must be ${types.join(' or ')}, got ${typeName(valueAt(doc, composition.instancePath))}` };
  }
  const prefix = `${composition.schemaPath}/`;
  const byBranch = new Map<string, DocumentProblem>();
  for (const error of nested) {
    const branch = error.schemaPath.slice(prefix.length).split('/')[0];
    if (!byBranch.has(branch)) byBranch.set(branch, simpleProblem(error, doc));
  }
  const options = Array.from(byBranch.values()).map((p) => (p.path === at ? p.message : `${p.path}: ${p.message}`));
  return { path: at, message: `must match one of the allowed shapes (${options.join(' | ')})` };
}

export function formatErrors(errors: readonly ErrorObject[], doc: unknown): DocumentProblem[] {
  const compositions = errors.filter(isComposition);
  const outermost = compositions.filter((c) => !compositions.some((o) => isInside(c, o)));
  const problems: DocumentProblem[] = [];
  for (const error of errors) {
    if (compositions.some((c) => isInside(error, c))) continue;
    problems.push(
      outermost.includes(error) ? compositionProblem(error, errors.filter((e) => isInside(e, error)), doc) : simpleProblem(error, doc),
    );
  }
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

// ---------------------------------------------------------------------------------------------
// Schema set

function gvkIndex(definitions: JsonObject): Map<string, string> {
  const index = new Map<string, string>();
  for (const [name, def] of Object.entries(definitions)) {
    const gvks = isObject(def) ? def['x-kubernetes-group-version-kind'] : undefined;
    if (!Array.isArray(gvks)) continue;
    for (const gvk of gvks) {
      if (!isObject(gvk)) continue;
      const apiVersion = gvk.group ? `${String(gvk.group)}/${String(gvk.version)}` : String(gvk.version);
      const key = `${apiVersion}|${String(gvk.kind)}`;
      if (!index.has(key)) index.set(key, name);
    }
  }
  return index;
}

function versionKey(dir: string): number[] {
  return (dir.match(/\d+/g) ?? []).map(Number);
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [versionKey(a), versionKey(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** `k8s/<newest version>/_definitions.json`. */
export function findK8sDefinitions(schemasDir: string): string | undefined {
  const k8sDir = path.join(schemasDir, 'k8s');
  if (!fs.existsSync(k8sDir)) return undefined;
  const versions = fs
    .readdirSync(k8sDir)
    .filter((v) => fs.existsSync(path.join(k8sDir, v, '_definitions.json')))
    .sort(compareVersions);
  const newest = versions[versions.length - 1];
  return newest === undefined ? undefined : path.join(k8sDir, newest, '_definitions.json');
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

/** `crds/<group>/<kind lowercase>_<version>.json`, or undefined for core or odd names. */
export function crdSchemaPath(schemasDir: string, apiVersion: string, kind: string): string | undefined {
  const parts = apiVersion.split('/');
  if (parts.length !== 2) return undefined;
  const [group, version] = parts;
  if (![group, version, kind].every((s) => SAFE_NAME.test(s))) return undefined;
  return path.join(schemasDir, 'crds', group, `${kind.toLowerCase()}_${version}.json`);
}

class LazySchemaSet implements SchemaSet {
  private readonly ajv: AnyAjv = createAjv();
  private readonly objectValidators = new Map<string, DocumentValidator | undefined>();
  private readonly valuesValidators = new Map<string, DocumentValidator | undefined>();
  private kinds: Map<string, string> | undefined;

  constructor(
    readonly schemasDir: string,
    private readonly k8sDefinitionsFile: string,
    readonly chartValuesDir?: string,
  ) {}

  readonly forObject = (apiVersion: string, kind: string): DocumentValidator | undefined => {
    const key = `${apiVersion}|${kind}`;
    if (!this.objectValidators.has(key)) this.objectValidators.set(key, this.loadObjectValidator(apiVersion, kind));
    return this.objectValidators.get(key);
  };

  readonly forValuesFile = (fileName: string): DocumentValidator | undefined => {
    if (!this.valuesValidators.has(fileName)) this.valuesValidators.set(fileName, this.loadValuesValidator(fileName));
    return this.valuesValidators.get(fileName);
  };

  /** The definitions are added once; each kind then compiles a `$ref` into them. */
  private k8sKinds(): Map<string, string> {
    if (this.kinds) return this.kinds;
    const formats = new Set<string>();
    const doc = prepareK8sDefinitions(readJson(this.k8sDefinitionsFile), formats);
    registerFormats(this.ajv, formats);
    this.ajv.addSchema(doc);
    this.kinds = gvkIndex(isObject(doc.definitions) ? doc.definitions : {});
    return this.kinds;
  }

  private loadObjectValidator(apiVersion: string, kind: string): DocumentValidator | undefined {
    const definition = this.k8sKinds().get(`${apiVersion}|${kind}`);
    if (definition !== undefined) {
      const ref = `${K8S_DEFS_ID}#/definitions/${definition}`;
      return toValidator(() => this.ajv.compile({ $ref: ref }), definition);
    }
    if (apiVersion === EKSCTL_API_VERSION && kind === EKSCTL_KIND) {
      return this.compileFile(path.join(this.schemasDir, 'eksctl', 'schema.json'), prepareEksctlSchema);
    }
    const crdFile = crdSchemaPath(this.schemasDir, apiVersion, kind);
    return crdFile && fs.existsSync(crdFile) ? this.compileFile(crdFile, prepareCrdSchema) : undefined;
  }

  private compileFile(file: string, prepare: (s: JsonObject, f: Set<string>) => JsonObject): DocumentValidator {
    const source = path.relative(this.schemasDir, file);
    return toValidator(() => {
      const formats = new Set<string>();
      const schema = prepare(readJson(file), formats);
      registerFormats(this.ajv, formats);
      return this.ajv.compile(schema);
    }, source);
  }

  private loadValuesValidator(fileName: string): DocumentValidator | undefined {
    const chart = VALUES_FILE_CHARTS[fileName];
    if (!this.chartValuesDir || !chart) return undefined;
    const file = path.join(this.chartValuesDir, chart.chart, chart.version, 'values.schema.json');
    if (!fs.existsSync(file)) return undefined;
    return toValidator(() => {
      const raw = readJson(file);
      // One Ajv per chart schema: charts may reuse the same $id.
      const ajv = createAjv(raw.$schema);
      const formats = new Set<string>();
      const schema = prepareValuesSchema(raw, formats);
      registerFormats(ajv, formats);
      const known = typeof schema.$schema === 'string' && ajv.getSchema(schema.$schema) !== undefined;
      return ajv.compile(known ? schema : withoutKeys(schema, ['$schema']));
    }, `${chart.chart}/${chart.version}/values.schema.json`);
  }
}

export function loadSchemaSet(schemasDir: string, chartValuesDir?: string): SchemaSet {
  const definitions = findK8sDefinitions(schemasDir);
  if (!definitions) throw new Error(`no Kubernetes definitions under ${path.join(schemasDir, 'k8s')}`);
  return new LazySchemaSet(schemasDir, definitions, chartValuesDir);
}

// ---------------------------------------------------------------------------------------------
// Tree walking

/** Relative paths of all *.yaml / *.yml files under root, sorted. */
export function listYamlFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) found.push(child);
    }
  };
  walk('');
  return found.sort();
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function describeObject(doc: unknown): string {
  const obj = isObject(doc) ? doc : {};
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = str(meta.name) ?? '<unnamed>';
  const namespace = str(meta.namespace);
  return `${str(obj.kind) ?? '<no kind>'} ${namespace ? `${namespace}/` : ''}${name}`;
}

function checkObject(doc: unknown, set: SchemaSet): readonly DocumentProblem[] {
  if (!isObject(doc)) return [{ path: '.', message: `document must be a mapping, got ${typeName(doc)}` }];
  const apiVersion = str(doc.apiVersion);
  const kind = str(doc.kind);
  const missing = [
    ...(apiVersion ? [] : [{ path: '.apiVersion', message: 'missing required field "apiVersion"' }]),
    ...(kind ? [] : [{ path: '.kind', message: 'missing required field "kind"' }]),
  ];
  if (!apiVersion || !kind) return missing;
  const validate = set.forObject(apiVersion, kind);
  return validate ? validate(doc) : [{ path: '.', message: `no schema for ${apiVersion} ${kind}` }];
}

function parseDocuments(text: string): unknown[] {
  // CORE_SCHEMA: no YAML timestamps, so `2024-01-01` stays the string Kubernetes sees.
  return yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA }).filter((d) => d !== null && d !== undefined);
}

interface FileResult {
  readonly issues: readonly ValidationIssue[];
  readonly documents: number;
  readonly invalidDocuments: number;
}

function validateDocuments(
  file: string,
  docs: readonly unknown[],
  check: (doc: unknown) => readonly DocumentProblem[],
  describe: (doc: unknown) => string,
): FileResult {
  const issues: ValidationIssue[] = [];
  let invalidDocuments = 0;
  for (const doc of docs) {
    const problems = check(doc);
    if (problems.length > 0) invalidDocuments++;
    const object = describe(doc);
    for (const p of problems) issues.push({ file, object, path: p.path, message: p.message });
  }
  return { issues, documents: docs.length, invalidDocuments };
}

function validateFile(file: string, set: SchemaSet): FileResult | 'skipped-values' {
  const base = path.basename(file);
  const valuesValidator = isValuesFile(base) ? set.forValuesFile(base) : undefined;
  if (isValuesFile(base) && !valuesValidator) return 'skipped-values';
  let docs: unknown[];
  try {
    docs = parseDocuments(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const message = `YAML parse error: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
    return { issues: [{ file, object: '<file>', path: '.', message }], documents: 0, invalidDocuments: 1 };
  }
  if (valuesValidator) {
    const chart = VALUES_FILE_CHARTS[base];
    return validateDocuments(file, docs, valuesValidator, () => `Values ${chart.chart}@${chart.version}`);
  }
  return validateDocuments(file, docs, (doc) => checkObject(doc, set), describeObject);
}

export function validateTreeWithStats(root: string, set: SchemaSet): ValidationReport {
  const issues: ValidationIssue[] = [];
  let [files, documents, invalidDocuments, skippedValuesFiles] = [0, 0, 0, 0];
  for (const rel of listYamlFiles(root)) {
    const result = validateFile(path.join(root, rel), set);
    if (result === 'skipped-values') {
      skippedValuesFiles++;
      continue;
    }
    files++;
    documents += result.documents;
    invalidDocuments += result.invalidDocuments;
    issues.push(...result.issues);
  }
  return { issues, files, documents, invalidDocuments, skippedValuesFiles };
}

export function validateTree(root: string, set: SchemaSet): ValidationIssue[] {
  return [...validateTreeWithStats(root, set).issues];
}

export function formatIssue(issue: ValidationIssue): string {
  return `${issue.file}: ${issue.object}: ${issue.path}: ${issue.message}`;
}

export function formatSummary(report: ValidationReport): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const base = `validated ${plural(report.documents, 'document')} in ${plural(report.files, 'file')}: ${report.invalidDocuments} invalid`;
  const skipped = report.skippedValuesFiles;
  return skipped > 0 ? `${base}; skipped ${plural(skipped, 'values file')} without a chart schema` : base;
}
