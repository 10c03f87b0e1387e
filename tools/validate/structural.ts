// A CRD version's `openAPIV3Schema` (a Kubernetes structural schema) turned into a JSON Schema
// that Ajv checks the way the API server does for a create with `fieldValidation=Strict`:
// - unknown fields are errors: every object node is closed, except under
//   `x-kubernetes-preserve-unknown-fields: true` (the server prunes or rejects what it doesn't know);
// - `x-kubernetes-int-or-string` is an integer or a string; `nullable` admits null; a null in a
//   non-nullable field is pruned (accepted) unless the field is required without a default;
//   a required field that has a `default` may be omitted (defaulting runs before validation);
// - `x-kubernetes-embedded-resource` objects (and the root) need apiVersion and kind, and their
//   `metadata` is ObjectMeta, checked by kubernetes-models (OBJECT_META_KEYWORD);
// - `x-kubernetes-list-type: set|map` lists may not hold duplicates (LIST_TYPE_KEYWORD);
// - only the formats Kubernetes checks are checked (./formats), Go regexes are translated, and
//   CEL rules (`x-kubernetes-validations`), which Ajv cannot evaluate, are skipped.
import { isObject } from './errors';
import { kubernetesFormat } from './formats';
import { dedupeSubschemas, JsonObject, SubschemaStore, toJsPattern } from './schema-utils';

/** Ajv keyword: the value is ObjectMeta (see ajv.ts). */
export const OBJECT_META_KEYWORD = 'x-validate-object-meta';
/** Ajv keyword, Kubernetes' own: `set` and `map` lists have no duplicate entries (see ajv.ts). */
export const LIST_TYPE_KEYWORD = 'x-kubernetes-list-type';
export const LIST_MAP_KEYS = 'x-kubernetes-list-map-keys';

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
const INT_OR_STRING = 'x-kubernetes-int-or-string';
const EMBEDDED = 'x-kubernetes-embedded-resource';

/** Documentation and rules Ajv can't use: most of a CRD's bytes. */
const DROPPED = new Set([
  'description', 'x-kubernetes-validations', 'example', 'examples', 'externalDocs', 'default', 'title', 'nullable',
  '$schema', 'x-intellij-html-description',
]);
const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;

interface Context {
  /** Inside allOf/anyOf/oneOf/not: value validations only, never where fields are declared. */
  readonly inJunctor: boolean;
}

function hasDefault(schema: unknown): boolean {
  return isObject(schema) && schema.default !== undefined;
}

/** The same schema, also satisfied by null. */
export function allowNull(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const out: JsonObject = { ...schema };
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  const junctors = JUNCTORS.filter((k) => k in out);
  if (junctors.length > 0) {
    // A branch like `not: {required: [x]}` would reject null: apply them to non-null values only.
    out.if = { type: 'null' };
    out.else = Object.fromEntries(junctors.map((k) => [k, out[k]]));
    for (const k of junctors) delete out[k];
  }
  return out;
}

function isPureTypeBranch(branch: unknown): boolean {
  return isObject(branch) && Object.keys(branch).length === 1 && typeof branch.type === 'string';
}

/** CRDs may only restrict `metadata.name` and `metadata.generateName`; ObjectMeta decides the rest. */
function objectMetaSchema(declared: unknown, ctx: Context): JsonObject {
  const out: JsonObject = { [OBJECT_META_KEYWORD]: true };
  if (isObject(declared) && isObject(declared.properties)) {
    const limits = Object.entries(declared.properties).filter(([k]) => k === 'name' || k === 'generateName');
    if (limits.length > 0) out.properties = Object.fromEntries(limits.map(([k, v]) => [k, convert(v, ctx)]));
  }
  return out;
}

/** apiVersion and kind required, metadata as ObjectMeta: an embedded resource and the root alike. */
function asResource(out: JsonObject, declaredMetadata: unknown, ctx: Context): JsonObject {
  const properties = isObject(out.properties) ? out.properties : {};
  const required = Array.isArray(out.required) ? out.required : [];
  return {
    ...out,
    type: 'object',
    properties: {
      ...properties,
      apiVersion: { type: 'string', minLength: 1 },
      kind: { type: 'string', minLength: 1 },
      metadata: objectMetaSchema(declaredMetadata, ctx),
    },
    required: [...new Set([...required, 'apiVersion', 'kind'])],
  };
}

function convertProperties(node: JsonObject, ctx: Context): JsonObject {
  const properties = node.properties as JsonObject;
  const required = new Set(Array.isArray(node.required) ? node.required : []);
  return Object.fromEntries(
    Object.entries(properties).map(([name, child]) => {
      const converted = convert(child, ctx);
      // The server prunes a null it can't keep; only then can a required field go missing.
      const mustBePresent = required.has(name) && !hasDefault(child);
      return [name, mustBePresent ? converted : allowNull(converted)];
    }),
  );
}

function convertKeyword(key: string, value: unknown, node: JsonObject, ctx: Context, out: JsonObject): void {
  switch (key) {
    case 'properties':
      if (isObject(value)) out.properties = convertProperties(node, ctx);
      return;
    case 'additionalProperties':
      // Map values: a non-nullable null is pruned too.
      out.additionalProperties = isObject(value) ? allowNull(convert(value, ctx)) : value;
      return;
    case 'items':
      out.items = Array.isArray(value) ? value.map((v) => convert(v, ctx)) : convert(value, ctx);
      return;
    case 'allOf':
    case 'anyOf':
    case 'oneOf':
      if (Array.isArray(value)) out[key] = value.map((v) => convert(v, { inJunctor: true }));
      return;
    case 'not':
      out.not = convert(value, { inJunctor: true });
      return;
    case 'pattern': {
      const pattern = typeof value === 'string' ? toJsPattern(value) : undefined;
      if (pattern !== undefined) out.pattern = pattern;
      return;
    }
    case 'format': {
      const format = typeof value === 'string' ? kubernetesFormat(value) : undefined;
      if (format !== undefined) out.format = format;
      return;
    }
    case 'required': {
      const properties = isObject(node.properties) ? node.properties : {};
      if (Array.isArray(value)) out.required = value.filter((name) => !hasDefault(properties[String(name)]));
      return;
    }
    default:
      out[key] = value;
  }
}

function convert(schema: unknown, ctx: Context, isRoot = false): unknown {
  if (!isObject(schema)) return schema; // `additionalProperties: true` and the like
  let out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!DROPPED.has(key)) convertKeyword(key, value, schema, ctx, out);
  }
  const preserve = schema[PRESERVE] === true;
  if (schema[INT_OR_STRING] === true) {
    out.type = ['integer', 'string'];
    for (const k of ['anyOf', 'oneOf'] as const) {
      if (Array.isArray(out[k]) && (out[k] as unknown[]).every(isPureTypeBranch)) delete out[k];
    }
  }
  if (preserve && out.additionalProperties === false) delete out.additionalProperties;
  const declaresFields = out.type === 'object' || isObject(out.properties);
  if (!ctx.inJunctor && !preserve && declaresFields && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  const declaredMetadata = isObject(schema.properties) ? schema.properties.metadata : undefined;
  if (isRoot || schema[EMBEDDED] === true) out = asResource(out, declaredMetadata, ctx);
  return schema.nullable === true ? allowNull(out) : out;
}

/**
 * The Ajv schema for objects of one CRD version (its `schema.openAPIV3Schema`); big subtrees go
 * to `store`, shared with the other CRDs compiled by the same Ajv.
 */
export function structuralToAjv(openAPIV3Schema: unknown, store?: SubschemaStore): JsonObject {
  const root = isObject(openAPIV3Schema) ? openAPIV3Schema : { type: 'object', [PRESERVE]: true };
  return dedupeSubschemas(convert(root, { inJunctor: false }, true) as JsonObject, store);
}
