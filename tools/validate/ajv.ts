// The Ajv instances: one for Kubernetes structural schemas (CRDs, ConstraintTemplates, the repo's
// schema files), with Kubernetes' formats and keywords; plain ones for eksctl and Helm values.
import Ajv from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { DataValidationCxt } from 'ajv/dist/types';
import addFormats from 'ajv-formats';
import type { BuiltinKinds } from './builtin';
import { DocumentProblem, formatErrors, isObject } from './errors';
import { KUBERNETES_FORMATS } from './formats';
import type { SubschemaStore } from './schema-utils';
import { LIST_MAP_KEYS, LIST_TYPE_KEYWORD, OBJECT_META_KEYWORD } from './structural';

export type AnyAjv = Ajv | Ajv2019 | Ajv2020;

const AJV_OPTIONS = {
  strict: false, // x-kubernetes-*, preferredOrder and friends are not JSON Schema keywords
  allErrors: true,
  validateSchema: false, // trusted, large schemas: meta-validation only costs time
  allowUnionTypes: true,
  // Ajv's code optimizer dominates compile time on multi-megabyte CRDs (3-4x) and buys little.
  code: { optimize: false },
  // Compile each shared definition (deduplicated CRD subtrees) once as its own function instead
  // of inlining a copy per use: halves CRD compile time again.
  inlineRefs: false,
} as const;

export type DocumentValidator = (doc: unknown) => readonly DocumentProblem[];

type KeywordValidate = ((schema: unknown, data: unknown, parentSchema?: Record<string, unknown>, cxt?: DataValidationCxt) => boolean) & {
  errors?: Partial<ErrorObject>[];
};

/** `listType: set`: no value twice; `listType: map`: no two entries with the same keys. */
function listTypeKeyword(): KeywordValidate {
  const validate: KeywordValidate = (listType, data, parentSchema, cxt) => {
    if (!Array.isArray(data) || (listType !== 'set' && listType !== 'map')) return true;
    const keys = listType === 'map' && Array.isArray(parentSchema?.[LIST_MAP_KEYS]) ? (parentSchema[LIST_MAP_KEYS] as string[]) : undefined;
    const seen = new Map<string, number>();
    const errors: Partial<ErrorObject>[] = [];
    data.forEach((item, i) => {
      const identity = keys ? keys.map((k) => (isObject(item) ? item[k] : undefined)) : item;
      const key = JSON.stringify(identity);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, i);
        return;
      }
      const what = keys ? keys.map((k, n) => `${k}=${JSON.stringify((identity as unknown[])[n])}`).join(', ') : JSON.stringify(item);
      errors.push({
        keyword: LIST_TYPE_KEYWORD,
        instancePath: `${cxt?.instancePath ?? ''}/${i}`,
        params: { listType },
        message: `duplicate entry (${what}) in a list of type ${String(listType)}: the same as [${first}]`,
      });
    });
    validate.errors = errors;
    return errors.length === 0;
  };
  return validate;
}

function objectMetaKeyword(builtins: BuiltinKinds): KeywordValidate {
  const validate: KeywordValidate = (_schema, data, _parent, cxt) => {
    if (data === null || data === undefined) return true;
    const errors = builtins.validateObjectMeta(data, cxt?.instancePath ?? '');
    validate.errors = errors;
    return errors.length === 0;
  };
  return validate;
}

/**
 * For structural schemas: Kubernetes formats only, ObjectMeta and list-type keywords, and a store
 * of the subtrees all its CRDs share (each compiled once, on first use).
 */
export function createStructuralAjv(builtins: BuiltinKinds): { readonly ajv: Ajv; readonly store: SubschemaStore } {
  const ajv = new Ajv({ ...AJV_OPTIONS, formats: KUBERNETES_FORMATS });
  ajv.addKeyword({ keyword: OBJECT_META_KEYWORD, errors: true, validate: objectMetaKeyword(builtins) });
  ajv.addKeyword({ keyword: LIST_TYPE_KEYWORD, errors: true, validate: listTypeKeyword() });
  const registered = new Set<string>();
  const store: SubschemaStore = {
    ref(hash, define) {
      const id = `shared:${hash}`;
      if (!registered.has(id)) {
        registered.add(id);
        ajv.addSchema({ ...define(), $id: id });
      }
      return id;
    },
  };
  return { ajv, store };
}

/** For plain JSON Schema documents (eksctl, chart values): the draft they name, every format. */
export function createJsonSchemaAjv(metaSchema?: unknown): AnyAjv {
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
export function registerFormats(ajv: AnyAjv, formats: ReadonlySet<string>): void {
  formats.forEach((format) => {
    if (!ajv.formats[format]) ajv.addFormat(format, true);
  });
}

function schemaFailure(source: string, error: unknown): DocumentValidator {
  const reason = error instanceof Error ? error.message : String(error);
  const problems = [{ path: '.', message: `schema ${source} could not be compiled: ${reason}` }];
  return () => problems;
}

/** Compiles once; a schema that doesn't compile fails every document it applies to, once each. */
export function toValidator(compile: () => ValidateFunction, source: string): DocumentValidator {
  try {
    const validate = compile();
    return (doc) => (validate(doc) ? [] : formatErrors(validate.errors ?? [], doc));
  } catch (error) {
    return schemaFailure(source, error);
  }
}
