// Ajv errors (from schemas we compile and from kubernetes-models' precompiled validators) turned
// into one short problem per cause: `.spec.containers[0].resourcez: unknown field "resourcez"`.
import type { ErrorObject } from 'ajv';

/** A problem inside one document, before the file and object are attached. */
export interface DocumentProblem {
  /** JSON path inside the document, e.g. `.spec.template.spec.containers[0].resources`. */
  readonly path: string;
  readonly message: string;
}

type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pathSegment(parent: unknown, key: string): string {
  if (Array.isArray(parent)) return `[${key}]`;
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** `/spec/containers/0/name` → `.spec.containers[0].name`, using the data to tell indexes apart. */
export function toJsonPath(pointer: string, doc: unknown, extraKey?: string): string {
  const keys = pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointer);
  if (extraKey !== undefined) keys.push(extraKey);
  let current: unknown = doc;
  let out = '';
  for (const key of keys) {
    out += pathSegment(current, key);
    current = Array.isArray(current) ? current[Number(key)] : isObject(current) ? current[key] : undefined;
  }
  return out === '' ? '.' : out;
}

function valueAt(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let current: unknown = doc;
  for (const key of pointer.slice(1).split('/').map(unescapePointer)) {
    current = Array.isArray(current) ? current[Number(key)] : isObject(current) ? current[key] : undefined;
  }
  return current;
}

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, 12).map((v) => JSON.stringify(v)).join(', ');
  return values.length > 12 ? `${shown}, ... (${values.length} values)` : shown;
}

/**
 * `string or integer`. A null the schema admits only because the API server would prune it
 * (see structural.ts) is not worth suggesting, so `null` is left out.
 */
function typeList(types: unknown): string {
  const names = (Array.isArray(types) ? types : String(types).split(',')).map(String).filter((t) => t !== 'null');
  return names.length > 0 ? names.join(' or ') : 'null';
}

function simpleProblem(error: ErrorObject, doc: unknown): DocumentProblem {
  const params = error.params as Record<string, unknown>;
  const at = (): string => toJsonPath(error.instancePath, doc);
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      return { path: toJsonPath(error.instancePath, doc, field), message: `unknown field "${field}"` };
    }
    case 'required': {
      const field = String(params.missingProperty);
      return { path: toJsonPath(error.instancePath, doc, field), message: `missing required field "${field}"` };
    }
    case 'type':
      return { path: at(), message: `must be ${typeList(params.type)}, got ${typeName(valueAt(doc, error.instancePath))}` };
    case 'enum':
      return { path: at(), message: `must be one of: ${listValues((params.allowedValues as readonly unknown[]).filter((v) => v !== null))}` };
    case 'const':
      return { path: at(), message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'format':
      return { path: at(), message: `must be a valid ${String(params.format)}, got ${JSON.stringify(valueAt(doc, error.instancePath))}` };
    case 'pattern':
      return { path: at(), message: `must match the pattern ${String(params.pattern)}, got ${JSON.stringify(valueAt(doc, error.instancePath))}` };
    case 'false schema':
      return { path: at(), message: 'is not allowed here' };
    default:
      return { path: at(), message: error.message ?? error.keyword };
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

/**
 * Shortest explanation of a failed anyOf/oneOf. When the value has the type of some branch, only
 * that branch's complaints are relevant (`must be a valid quantity`), not "or be a number".
 */
function compositionProblem(composition: ErrorObject, nested: readonly ErrorObject[], doc: unknown): DocumentProblem {
  const at = toJsonPath(composition.instancePath, doc);
  const passing = (composition.params as Record<string, unknown>).passingSchemas;
  if (Array.isArray(passing)) return { path: at, message: `matches more than one allowed shape (oneOf ${passing.join(', ')})` };
  const isOwnTypeError = (e: ErrorObject): boolean => e.keyword === 'type' && e.instancePath === composition.instancePath;
  const relevant = nested.filter((e) => !isOwnTypeError(e));
  if (relevant.length === 0) {
    const types = nested.map((e) => typeList((e.params as Record<string, unknown>).type));
    const shown = types.length > 0 ? types.join(' or ') : 'one of the allowed shapes';
    return { path: at, message: `must be ${shown}, got ${typeName(valueAt(doc, composition.instancePath))}` };
  }
  const prefix = `${composition.schemaPath}/`;
  const byBranch = new Map<string, DocumentProblem>();
  for (const error of relevant) {
    const branch = error.schemaPath.slice(prefix.length).split('/')[0];
    if (!byBranch.has(branch)) byBranch.set(branch, simpleProblem(error, doc));
  }
  const options = Array.from(byBranch.values());
  if (options.length === 1) return options[0];
  const shown = options.map((p) => (p.path === at ? p.message : `${p.path}: ${p.message}`));
  return { path: at, message: `must match one of the allowed shapes (${shown.join(' | ')})` };
}

/** `if`/`then`/`else` only wrap other keywords (see allowNull): their own error says nothing. */
const SILENT_KEYWORDS = new Set(['if']);

export function formatErrors(errors: readonly ErrorObject[], doc: unknown): DocumentProblem[] {
  const shown = errors.filter((e) => !SILENT_KEYWORDS.has(e.keyword));
  const compositions = shown.filter(isComposition);
  const outermost = compositions.filter((c) => !compositions.some((o) => isInside(c, o)));
  const problems: DocumentProblem[] = [];
  for (const error of shown) {
    if (compositions.some((c) => isInside(error, c))) continue;
    problems.push(
      outermost.includes(error) ? compositionProblem(error, shown.filter((e) => isInside(e, error)), doc) : simpleProblem(error, doc),
    );
  }
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/**
 * kubernetes-models' validators are compiled one definition per function, so a oneOf's branch
 * errors come just before it with schemaPaths that restart at `#`. Re-root them under the oneOf
 * (one pseudo-branch each) so formatErrors folds them into a single message.
 */
export function nestStandaloneBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const out = errors.map((e) => ({ ...e }));
  for (let i = 0; i < out.length; i++) {
    const composition = out[i];
    if (!isComposition(composition)) continue;
    const at = composition.instancePath;
    for (let j = i - 1; j >= 0; j--) {
      const branch = out[j];
      const under = branch.instancePath === at || branch.instancePath.startsWith(`${at}/`);
      if (!under || branch.schemaPath.startsWith(`${composition.schemaPath}/`)) break;
      branch.schemaPath = `${composition.schemaPath}/${j}/${branch.schemaPath.replace(/^#\/?/, '')}`;
    }
  }
  return out;
}
