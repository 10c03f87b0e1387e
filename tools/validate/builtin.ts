// Built-in Kubernetes kinds, validated by kubernetes-models' precompiled validators (the 1.34 API),
// loaded lazily one kind at a time, plus the unknown-field check those validators leave out.
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as path from 'node:path';
import type { ErrorObject } from 'ajv';
import { isObject, nestStandaloneBranches } from './errors';

export const KUBERNETES_MODELS_VERSION = '1.34';

/** A validator as kubernetes-models compiles them (Ajv standalone code). */
export interface StandaloneValidator {
  (data: unknown, context?: { readonly instancePath?: string }): boolean;
  errors?: ErrorObject[] | null;
}

/** What `kubernetes-models/<group>/<version>/<Kind>.js` exports: a Model class. */
interface ModelClass {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly prototype: { validate(this: unknown): void };
}

/**
 * kubernetes-models is ESM only. Node's own `require` loads ES modules synchronously (Node
 * ≥ 20.19); jest replaces `module.createRequire` with its CommonJS-only loader, so the real one is
 * taken from `process.getBuiltinModule` where it exists.
 */
function realRequire(): (file: string) => unknown {
  const builtin = process.getBuiltinModule?.('node:module') as unknown as typeof nodeModule | undefined;
  const load = (builtin ?? nodeModule).createRequire(__filename);
  return (file) => {
    try {
      return load(file);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_REQUIRE_ESM') throw error;
      throw new Error(`kubernetes-models is an ES module: loading it needs Node 20.19+ or 22.12+ (this is ${process.version})`);
    }
  };
}

/** `<dir>/node_modules/<name>` in `from` or the nearest ancestor, like Node's resolution. */
export function findPackageDir(name: string, from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`${name} is not installed (run npm ci)`);
  }
}

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

export interface ApiVersion {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
}

export function parseApiVersion(apiVersion: string): ApiVersion | undefined {
  const parts = apiVersion.split('/');
  if (parts.length > 2 || !parts.every((p) => SAFE_SEGMENT.test(p))) return undefined;
  return parts.length === 1 ? { group: '', version: parts[0] } : { group: parts[0], version: parts[1] };
}

function groupDir(group: string): string {
  return group === '' ? '.' : group;
}

/** A kind kubernetes-models knows: served by Kubernetes 1.34 (then validate it), or no longer. */
export type BuiltinKind =
  | { readonly kind: 'served'; readonly validate: (doc: unknown) => ErrorObject[] }
  | { readonly kind: 'removed'; readonly message: string };

/**
 * The 1.34 API as kubernetes-models 5.1.0 carries it: every GA version, plus the beta versions
 * Kubernetes has since stopped serving (extensions/v1beta1, policy/v1beta1 PodDisruptionBudget,
 * flowcontrol v1beta3 (removed in 1.32) and the like); it carries no beta that 1.34 still serves.
 * So a kind found under a beta version is an apiVersion the cluster rejects.
 */
const REMOVED_VERSION = /^v\d+(alpha|beta)\d+$/;

export class BuiltinKinds {
  private readonly modelsDir: string;
  private readonly require = realRequire();
  private readonly cache = new Map<string, BuiltinKind | undefined>();
  private objectMeta: StandaloneValidator | undefined;
  private groups: Set<string> | undefined;
  private lostProperties: LostProperties[] | undefined;

  constructor(from: string = __dirname) {
    this.modelsDir = findPackageDir('kubernetes-models', from);
  }

  /** Undefined when kubernetes-models has no such top-level kind. */
  lookup(apiVersion: string, kind: string): BuiltinKind | undefined {
    const key = `${apiVersion}|${kind}`;
    if (!this.cache.has(key)) this.cache.set(key, this.load(apiVersion, kind));
    return this.cache.get(key);
  }

  /** Whether the group is one of Kubernetes' own (then an unknown kind is not a custom resource). */
  isBuiltinGroup(group: string): boolean {
    this.groups ??= new Set(
      fs.readdirSync(this.modelsDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith('_'))
        .map((e) => (/^v\d/.test(e.name) ? '' : e.name)),
    );
    return this.groups.has(group);
  }

  /** ObjectMeta checked the way the API server decodes it for custom resources. */
  validateObjectMeta(data: unknown, instancePath: string): ErrorObject[] {
    if (!this.objectMeta) {
      const apimachinery = findPackageDir('@kubernetes-models/apimachinery', this.modelsDir);
      const file = path.join(apimachinery, '_schemas', 'IoK8sApimachineryPkgApisMetaV1ObjectMeta.js');
      this.objectMeta = (this.require(file) as { validate: StandaloneValidator }).validate;
    }
    const validate = this.objectMeta;
    return traceUnknownFields(data, instancePath, (traced) => {
      validate(traced, { instancePath });
      return validate.errors ?? [];
    });
  }

  /** LOST_PROPERTIES by the properties each definition's validator reads (found by running it on {}). */
  private lost(): readonly LostProperties[] {
    if (!this.lostProperties) {
      this.lostProperties = [];
      for (const { definition, names } of LOST_PROPERTIES) {
        const file = path.join(this.modelsDir, '_schemas', `${definition}.js`);
        const { validate } = this.require(file) as { validate: StandaloneValidator };
        const read = new Set<string>();
        validate(new Proxy({}, { get: (_t, key) => (typeof key === 'string' && read.add(key), undefined) }));
        this.lostProperties.push({ read, names });
      }
    }
    return this.lostProperties;
  }

  private modelFile(api: ApiVersion, kind: string): string | undefined {
    if (!SAFE_SEGMENT.test(kind)) return undefined;
    const file = path.join(this.modelsDir, groupDir(api.group), api.version, `${kind}.js`);
    return fs.existsSync(file) ? file : undefined;
  }

  private loadModel(file: string, apiVersion: string, kind: string): ModelClass | undefined {
    const model = (this.require(file) as Record<string, ModelClass | undefined>)[kind];
    // Nested types (DeploymentSpec...) are models too, but without apiVersion and kind of their own.
    return model && model.apiVersion === apiVersion && model.kind === kind ? model : undefined;
  }

  private load(apiVersion: string, kind: string): BuiltinKind | undefined {
    const api = parseApiVersion(apiVersion);
    if (!api) return undefined;
    const file = this.modelFile(api, kind);
    const model = file ? this.loadModel(file, apiVersion, kind) : undefined;
    if (!model) return undefined;
    if (REMOVED_VERSION.test(api.version)) return { kind: 'removed', message: this.removedMessage(apiVersion, kind) };
    return { kind: 'served', validate: (doc) => validateModel(model, doc, this.lost()) };
  }

  private removedMessage(apiVersion: string, kind: string): string {
    const served = fs
      .readdirSync(this.modelsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('_'))
      .flatMap((e) => (/^v\d+$/.test(e.name) ? [['', e.name]] : gaVersions(path.join(this.modelsDir, e.name)).map((v) => [e.name, v])))
      .filter(([group, version]) => fs.existsSync(path.join(this.modelsDir, groupDir(group), version, `${kind}.js`)))
      .map(([group, version]) => (group === '' ? version : `${group}/${version}`))
      .filter((v) => this.lookup(v, kind)?.kind === 'served');
    const instead = served.length > 0 ? `; use ${served.join(' or ')}` : '';
    return `${apiVersion} ${kind} is no longer served by Kubernetes ${KUBERNETES_MODELS_VERSION}${instead}`;
  }
}

function gaVersions(dir: string): string[] {
  return fs.readdirSync(dir).filter((v) => /^v\d+$/.test(v)).sort();
}

/**
 * A gap in kubernetes-models 5.1.0's validators (its TypeScript types don't have it): its
 * generator strips `description` and `x-kubernetes-*` keys from the OpenAPI schema before it
 * compiles them, and with them the properties of those names, which would then read as unknown
 * fields. Each such definition is recognized by the set of properties its validator reads.
 */
const LOST_PROPERTIES: ReadonlyArray<{ readonly definition: string; readonly names: readonly string[] }> = [
  { definition: 'IoK8sApiSchedulingV1PriorityClass', names: ['description'] },
  { definition: 'IoK8sApiextensionsApiserverPkgApisApiextensionsV1CustomResourceColumnDefinition', names: ['description'] },
  { definition: 'IoK8sApiextensionsApiserverPkgApisApiextensionsV1ExternalDocumentation', names: ['description'] },
  {
    definition: 'IoK8sApiextensionsApiserverPkgApisApiextensionsV1JSONSchemaProps',
    names: [
      'description', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string', 'x-kubernetes-list-map-keys',
      'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations',
    ],
  },
];

/**
 * Another: its JSONSchemaPropsOrBool (`additionalProperties` in a CRD schema) accepts only an
 * object, where Kubernetes also takes a boolean.
 */
function isBooleanSchemaError(error: ErrorObject, doc: unknown): boolean {
  return (
    error.keyword === 'type' &&
    /\/additionalProperties$/.test(error.instancePath) &&
    isObject(doc) &&
    doc.kind === 'CustomResourceDefinition' &&
    typeof valueAt(doc, error.instancePath) === 'boolean'
  );
}

function valueAt(doc: unknown, pointer: string): unknown {
  let current = doc;
  for (const key of pointer.split('/').slice(1)) {
    const k = key.replace(/~1/g, '/').replace(/~0/g, '~');
    current = Array.isArray(current) ? current[Number(k)] : isObject(current) ? current[k] : undefined;
  }
  return current;
}

/** Properties a definition's validator reads, and the lost ones to allow next to them. */
interface LostProperties {
  readonly read: ReadonlySet<string>;
  readonly names: readonly string[];
}

function lostFor(read: ReadonlySet<string>, lost: readonly LostProperties[]): readonly string[] | undefined {
  return lost.find((l) => l.read.size === read.size && [...read].every((k) => l.read.has(k)))?.names;
}

/** The model's own `validate()` (it throws Ajv's ValidationError), run on a traced copy. */
function validateModel(model: ModelClass, doc: unknown, lost: readonly LostProperties[]): ErrorObject[] {
  const errors = traceUnknownFields(doc, '', (traced) => {
    try {
      model.prototype.validate.call(traced);
      return [];
    } catch (error) {
      const errors = (error as { errors?: unknown }).errors;
      if (Array.isArray(errors)) return errors as ErrorObject[];
      throw error;
    }
  }, lost);
  return errors.filter((e) => !isBooleanSchemaError(e, doc));
}

interface FieldTrace {
  /** Property names the validator looked up (it reads every property its schema declares). */
  readonly read: Set<string>;
  /** The validator enumerated the keys: a map (labels, data...), every key is allowed. */
  enumerated: boolean;
}

/**
 * kubernetes-models' validators have no `additionalProperties: false`: they check the properties
 * their schema declares and ignore the rest, where the API server rejects unknown fields under
 * `fieldValidation=Strict` (and silently drops them otherwise). The validator runs on a proxy that
 * records what it reads: for each object it read properties of (and did not enumerate as a map),
 * every other key is an unknown field. Objects it never looked into are free-form (RawExtension,
 * FieldsV1, JSON) and stay unchecked.
 */
export function traceUnknownFields(
  data: unknown,
  instancePath: string,
  run: (traced: unknown) => readonly ErrorObject[],
  lost: readonly LostProperties[] = [],
): ErrorObject[] {
  const traces = new Map<object, FieldTrace>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const existing = proxies.get(value);
    if (existing) return existing;
    let trace: FieldTrace | undefined;
    if (!Array.isArray(value)) {
      trace = { read: new Set(), enumerated: false };
      traces.set(value, trace);
    }
    const proxy = new Proxy(value, {
      get(target, key) {
        if (trace && typeof key === 'string') trace.read.add(key);
        return wrap(Reflect.get(target, key));
      },
      has(target, key) {
        if (trace && typeof key === 'string') trace.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        if (trace) trace.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  const errors = nestStandaloneBranches(run(wrap(data)));
  const unknown: ErrorObject[] = [];
  const walk = (value: unknown, pointer: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${pointer}/${i}`));
      return;
    }
    if (!isObject(value)) return;
    const trace = traces.get(value);
    const closed = trace !== undefined && !trace.enumerated && trace.read.size > 0;
    const alsoKnown = closed ? lostFor(trace.read, lost) : undefined;
    for (const [key, child] of Object.entries(value)) {
      if (closed && !trace.read.has(key) && !alsoKnown?.includes(key)) {
        unknown.push({
          keyword: 'additionalProperties',
          instancePath: pointer,
          schemaPath: '#/additionalProperties',
          params: { additionalProperty: key },
        });
      } else {
        walk(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      }
    }
  };
  walk(data, instancePath);
  return [...errors, ...unknown];
}
