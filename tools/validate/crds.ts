// Where the schema of a custom resource comes from: the CustomResourceDefinitions and Gatekeeper
// ConstraintTemplates rendered in the tree being validated (the exact versions it installs), or,
// for the few CRDs something else installs at run time, a schema file kept in this repository.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isObject } from './errors';
import { JsonObject } from './schema-utils';

/**
 * Custom resource groups whose CRDs are not rendered in dist because something else installs them
 * in the cluster. Their objects are validated against `schemas/crds/<group>/<kind>_<version>.json`
 * in this repository when that file exists; otherwise they fail with "no schema".
 */
export const OUT_OF_TREE_CRDS: Readonly<Record<string, string>> = {
  // The Tekton operator installs Tekton Pipelines (tektoncd/pipeline config/300-crds) when it
  // reconciles the TektonConfig; the Task and Pipeline objects sync in a later wave.
  'tekton.dev': 'the Tekton operator (Tekton Pipelines, installed when it reconciles the TektonConfig)',
  'resolution.tekton.dev': 'the Tekton operator (Tekton Pipelines, installed when it reconciles the TektonConfig)',
  'triggers.tekton.dev': 'the Tekton operator (Tekton Triggers, installed when it reconciles the TektonConfig)',
  // The EKS snapshot-controller add-on (eksctl `addons` in cluster.yaml) installs the
  // VolumeSnapshot CRDs of kubernetes-csi/external-snapshotter.
  'snapshot.storage.k8s.io': 'the EKS snapshot-controller add-on (eksctl addons)',
  // The Cilium agent and operator register Cilium's CRDs when they start (the chart carries none);
  // Cilium is installed at bootstrap, before Argo CD applies anything.
  'cilium.io': 'the Cilium agent (its CRDs are registered at start, not by the chart)',
};

/**
 * Gatekeeper creates one CRD per ConstraintTemplate at run time, in this group, with the template's
 * parameters schema wrapped in its constraint shape (open-policy-agent/frameworks
 * constraint/pkg/client/crds): served as v1beta1 and v1alpha1.
 */
export const CONSTRAINTS_GROUP = 'constraints.gatekeeper.sh';
export const CONSTRAINT_VERSIONS: readonly string[] = ['v1beta1', 'v1alpha1'];
const TEMPLATES_GROUP = 'templates.gatekeeper.sh';

/** One CRD (or ConstraintTemplate) found in the tree. */
export interface TreeCrd {
  readonly file: string;
  readonly group: string;
  readonly kind: string;
  /** `openAPIV3Schema` of each served version (undefined: the version has no schema). */
  readonly served: ReadonlyMap<string, unknown>;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function get(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = isObject(current) ? current[key] : undefined;
  return current;
}

function crdFromDocument(doc: JsonObject, file: string): TreeCrd | undefined {
  const group = str(get(doc, 'spec', 'group'));
  const kind = str(get(doc, 'spec', 'names', 'kind'));
  const versions = get(doc, 'spec', 'versions');
  if (!group || !kind || !Array.isArray(versions)) return undefined;
  const served = new Map<string, unknown>();
  for (const version of versions) {
    const name = str(get(version, 'name'));
    if (name && get(version, 'served') === true) served.set(name, get(version, 'schema', 'openAPIV3Schema'));
  }
  return { file, group, kind, served };
}

/**
 * Gatekeeper's "legacy schema" (the default for templates older than templates.gatekeeper.sh/v1)
 * keeps unknown parameters: x-kubernetes-preserve-unknown-fields on every object node
 * (frameworks' AddPreserveUnknownFields).
 */
function preserveUnknownFields(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const out: JsonObject = { ...schema };
  if ((out.type === undefined || out.type === 'object') && out['x-kubernetes-preserve-unknown-fields'] === undefined) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  if (isObject(out.properties)) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, preserveUnknownFields(v)]));
  }
  if (out.items !== undefined) out.items = preserveUnknownFields(out.items);
  if (isObject(out.additionalProperties)) out.additionalProperties = preserveUnknownFields(out.additionalProperties);
  return out;
}

/** The constraint CRD Gatekeeper derives from a template: `shape` with the template's parameters. */
export function constraintSchema(shape: JsonObject, parameters: unknown): JsonObject {
  const spec = get(shape, 'properties', 'spec');
  if (!isObject(spec) || !isObject(spec.properties)) throw new Error('the constraint shape has no spec.properties');
  const specProperties: JsonObject = { ...spec.properties };
  if (parameters === undefined) delete specProperties.parameters;
  else specProperties.parameters = parameters;
  return { ...shape, properties: { ...(shape.properties as JsonObject), spec: { ...spec, properties: specProperties } } };
}

function templateFromDocument(doc: JsonObject, file: string): TreeCrd | undefined {
  const kind = str(get(doc, 'spec', 'crd', 'spec', 'names', 'kind'));
  if (!kind) return undefined;
  const validation = get(doc, 'spec', 'crd', 'spec', 'validation');
  const legacySchema = get(validation, 'legacySchema') ?? doc.apiVersion !== `${TEMPLATES_GROUP}/v1`;
  const raw = get(validation, 'openAPIV3Schema');
  const parameters = raw !== undefined && legacySchema === true ? preserveUnknownFields(raw) : raw;
  // The parameters schema; the caller wraps it in the constraint shape.
  return { file, group: CONSTRAINTS_GROUP, kind, served: new Map(CONSTRAINT_VERSIONS.map((v) => [v, parameters])) };
}

function segments(file: string): string[] {
  return path.resolve(file).split(path.sep);
}

function sharedDepth(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** The CRDs and ConstraintTemplates of one tree, by group and kind. */
export class TreeCrds {
  private readonly crds = new Map<string, TreeCrd[]>();
  private readonly templates = new Map<string, TreeCrd[]>();

  static empty(): TreeCrds {
    return new TreeCrds();
  }

  /** Takes note of the document if it is a CustomResourceDefinition or a ConstraintTemplate. */
  add(doc: unknown, file: string): void {
    if (!isObject(doc)) return;
    if (doc.apiVersion === 'apiextensions.k8s.io/v1' && doc.kind === 'CustomResourceDefinition') {
      const crd = crdFromDocument(doc, file);
      if (crd) push(this.crds, `${crd.group}|${crd.kind}`, crd);
    } else if (typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith(`${TEMPLATES_GROUP}/`) && doc.kind === 'ConstraintTemplate') {
      const template = templateFromDocument(doc, file);
      if (template) push(this.templates, template.kind, template);
    }
  }

  /** The CRD for group and kind; with several (one per environment), the one nearest `file`. */
  crd(group: string, kind: string, file: string): TreeCrd | undefined {
    return nearest(this.crds.get(`${group}|${kind}`), file);
  }

  /** The ConstraintTemplate defining this constraint kind, nearest `file`. */
  template(kind: string, file: string): TreeCrd | undefined {
    return nearest(this.templates.get(kind), file);
  }
}

function push(map: Map<string, TreeCrd[]>, key: string, value: TreeCrd): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function nearest(candidates: readonly TreeCrd[] | undefined, file: string): TreeCrd | undefined {
  if (!candidates || candidates.length <= 1) return candidates?.[0];
  const at = segments(file);
  let best = candidates[0];
  let bestDepth = -1;
  for (const candidate of candidates) {
    const depth = sharedDepth(at, segments(candidate.file));
    if (depth > bestDepth) [best, bestDepth] = [candidate, depth];
  }
  return best;
}

/** This repository's `schemas/` folder, found from the running file (tools/ or build/tools/). */
export function findRepoSchemasDir(from: string = __dirname): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'schemas', 'crds');
    if (fs.existsSync(candidate)) return path.dirname(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

/** `<dir>/crds/<group>/<kind lowercase>_<version>.json`, or undefined for odd names. */
export function repoSchemaPath(schemasDir: string, group: string, version: string, kind: string): string | undefined {
  if (![group, version, kind].every((s) => SAFE_NAME.test(s))) return undefined;
  return path.join(schemasDir, 'crds', group, `${kind.toLowerCase()}_${version}.json`);
}

/** Any file of the repo's constraints folder: they all share Gatekeeper's constraint shape. */
export function constraintShapeFile(schemasDir: string): string | undefined {
  const dir = path.join(schemasDir, 'crds', CONSTRAINTS_GROUP);
  if (!fs.existsSync(dir)) return undefined;
  const first = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()[0];
  return first === undefined ? undefined : path.join(dir, first);
}
