// Validation of a rendered tree from what the tree itself installs: built-in kinds against the
// Kubernetes 1.34 API (kubernetes-models), custom resources against the CRDs and ConstraintTemplates
// rendered in the same tree, the few CRDs installed at run time against schema files kept in this
// repository (tools/validate/crds.ts), plus eksctl and Helm values when their schemas are given.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { createStructuralAjv, DocumentValidator, toValidator } from './validate/ajv';
import { BuiltinKinds, KUBERNETES_MODELS_VERSION, parseApiVersion } from './validate/builtin';
import {
  CONSTRAINTS_GROUP,
  constraintSchema,
  constraintShapeFile,
  findRepoSchemasDir,
  OUT_OF_TREE_CRDS,
  repoSchemaPath,
  TreeCrd,
  TreeCrds,
} from './validate/crds';
import { DocumentProblem, formatErrors, isObject, typeName } from './validate/errors';
import {
  EKSCTL_API_VERSION,
  EKSCTL_KIND,
  eksctlValidator,
  isValuesFile,
  readJson,
  VALUES_FILE_CHARTS,
  valuesValidator,
} from './validate/external';
import { structuralToAjv } from './validate/structural';

export type { DocumentProblem, DocumentValidator };
export { formatErrors, toJsonPath } from './validate/errors';
export { dedupeSubschemas, toJsPattern } from './validate/schema-utils';
export { EKSCTL_API_VERSION, EKSCTL_KIND, VALUES_FILE_CHARTS } from './validate/external';
export { OUT_OF_TREE_CRDS } from './validate/crds';

/** Where a document's schema came from. */
export type SchemaSource = 'builtin' | 'crd' | 'repo' | 'eksctl' | 'values' | 'none';

export const SOURCE_LABELS: Readonly<Record<SchemaSource, string>> = {
  builtin: `built-in (kubernetes-models ${KUBERNETES_MODELS_VERSION})`,
  crd: 'CRD from dist',
  repo: 'repo schema',
  eksctl: 'eksctl schema',
  values: 'chart values schema',
  none: 'no schema',
};

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
  /** Documents checked, by where their schema came from (`none`: unknown kinds, all invalid). */
  readonly bySource: Readonly<Record<SchemaSource, number>>;
  /** eksctl ClusterConfig documents not validated because no --schemas DIR was given. */
  readonly skippedEksctl: number;
  /** `*-values.yaml` files not validated because no chart schema is known or present. */
  readonly skippedValuesFiles: number;
}

interface Resolved {
  readonly source: SchemaSource;
  readonly validate: DocumentValidator;
}

type Resolution = Resolved | 'skip-eksctl';

export interface SchemaSetOptions {
  /** Root with `eksctl/schema.json`; without it the eksctl ClusterConfig is not validated. */
  readonly schemasDir?: string;
  /** `<chart>/<version>/values.schema.json` for the Helm values files in the tree. */
  readonly chartValuesDir?: string;
  /** This repository's `schemas/` (default: found next to the running code). */
  readonly repoSchemasDir?: string;
}

const noSchema = (message: string): Resolved => {
  const problems = [{ path: '.', message }];
  return { source: 'none', validate: () => problems };
};

function sha1(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value) ?? 'undefined').digest('base64url');
}

/** Every schema compiles once, on first use, and is shared by equal CRDs of all environments. */
export class SchemaSet {
  readonly schemasDir?: string;
  readonly chartValuesDir?: string;
  readonly repoSchemasDir?: string;
  private readonly builtins = new BuiltinKinds();
  private structural: ReturnType<typeof createStructuralAjv> | undefined;
  private readonly compiled = new Map<string, DocumentValidator>();
  private readonly fromCrd = new WeakMap<TreeCrd, Map<string, Resolved>>();
  private readonly values = new Map<string, DocumentValidator | undefined>();
  private eksctl: DocumentValidator | undefined;

  constructor(options: SchemaSetOptions = {}) {
    this.schemasDir = options.schemasDir;
    this.chartValuesDir = options.chartValuesDir;
    this.repoSchemasDir = options.repoSchemasDir ?? findRepoSchemasDir();
  }

  /**
   * For objects outside a tree (a component's objects in a unit test): built-in kinds, eksctl,
   * and, with no CRDs to go by, any schema file the repository keeps for the kind, or else one
   * under `<schemasDir>/crds/` laid out the same way (a CRDs-catalog checkout). Trees never use
   * the latter. Undefined when nothing applies.
   */
  readonly forObject = (apiVersion: string, kind: string): DocumentValidator | undefined => {
    const resolution = this.resolve(apiVersion, kind, '.', TreeCrds.empty(), 'the tree', true);
    return resolution === 'skip-eksctl' || resolution.source === 'none' ? undefined : resolution.validate;
  };

  /** Undefined when the values file maps to no chart or the chart ships no values.schema.json. */
  readonly forValuesFile = (fileName: string): DocumentValidator | undefined => {
    if (!this.chartValuesDir) return undefined;
    if (!this.values.has(fileName)) this.values.set(fileName, valuesValidator(this.chartValuesDir, fileName));
    return this.values.get(fileName);
  };

  resolve(apiVersion: string, kind: string, file: string, tree: TreeCrds, treeName: string, anyRepoSchema = false): Resolution {
    if (apiVersion === EKSCTL_API_VERSION && kind === EKSCTL_KIND) {
      if (!this.schemasDir) return 'skip-eksctl';
      this.eksctl ??= eksctlValidator(this.schemasDir);
      return { source: 'eksctl', validate: this.eksctl };
    }
    const builtin = this.builtins.lookup(apiVersion, kind);
    if (builtin?.kind === 'served') return { source: 'builtin', validate: (doc) => formatErrors(builtin.validate(doc), doc) };
    if (builtin?.kind === 'removed') {
      const problems = [{ path: '.apiVersion', message: builtin.message }];
      return { source: 'builtin', validate: () => problems };
    }
    const api = parseApiVersion(apiVersion);
    if (!api || api.group === '' || this.builtins.isBuiltinGroup(api.group)) {
      return noSchema(`${apiVersion} ${kind} is not a kind of Kubernetes ${KUBERNETES_MODELS_VERSION}`);
    }
    return this.resolveCustom(api.group, api.version, kind, file, tree, treeName, anyRepoSchema);
  }

  private resolveCustom(
    group: string,
    version: string,
    kind: string,
    file: string,
    tree: TreeCrds,
    treeName: string,
    anyRepoSchema: boolean,
  ): Resolved {
    const crd = tree.crd(group, kind, file);
    if (crd) return this.fromTree(crd, version, kind, (schema) => schema);
    if (group === CONSTRAINTS_GROUP) {
      const template = tree.template(kind, file);
      if (template) return this.fromTree(template, version, kind, (parameters) => this.constraintCrdSchema(parameters));
      return this.fromRepo(group, version, kind, 'Gatekeeper, from a ConstraintTemplate not in the tree');
    }
    const installedBy = OUT_OF_TREE_CRDS[group];
    if (installedBy) return this.fromRepo(group, version, kind, installedBy);
    if (anyRepoSchema) {
      for (const dir of [this.repoSchemasDir, this.schemasDir]) {
        const fromFile = dir ? this.fromSchemaFile(dir, group, version, kind) : undefined;
        if (fromFile) return fromFile;
      }
    }
    return noSchema(
      `no CustomResourceDefinition for ${kind}.${group} in ${treeName}, and ${group} is not installed outside it ` +
        '(OUT_OF_TREE_CRDS in tools/validate/crds.ts)',
    );
  }

  private fromTree(crd: TreeCrd, version: string, kind: string, toSchema: (schema: unknown) => unknown): Resolved {
    let byVersion = this.fromCrd.get(crd);
    if (!byVersion) this.fromCrd.set(crd, (byVersion = new Map()));
    let resolved = byVersion.get(version);
    if (!resolved) byVersion.set(version, (resolved = this.compileFromTree(crd, version, kind, toSchema)));
    return resolved;
  }

  private compileFromTree(crd: TreeCrd, version: string, kind: string, toSchema: (schema: unknown) => unknown): Resolved {
    if (!crd.served.has(version)) {
      const served = [...crd.served.keys()].join(', ') || 'none';
      return noSchema(`${crd.group}/${version} is not served by the ${kind} CRD in ${crd.file} (served: ${served})`);
    }
    let schema: unknown;
    try {
      schema = toSchema(crd.served.get(version));
    } catch (error) {
      return noSchema(`no schema for ${crd.group}/${version} ${kind}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { source: 'crd', validate: this.compileStructural(schema, `${crd.file} ${version}`) };
  }

  private fromRepo(group: string, version: string, kind: string, installedBy: string): Resolved {
    const resolved = this.repoSchemasDir ? this.fromSchemaFile(this.repoSchemasDir, group, version, kind) : undefined;
    if (resolved) return resolved;
    const wanted = `schemas/crds/${group}/${kind.toLowerCase()}_${version}.json`;
    return noSchema(`no schema for ${group}/${version} ${kind}: its CRD comes from ${installedBy}; add ${wanted}`);
  }

  /** `<dir>/crds/<group>/<kind>_<version>.json`, compiled once; undefined when there is none. */
  private fromSchemaFile(dir: string, group: string, version: string, kind: string): Resolved | undefined {
    const file = repoSchemaPath(dir, group, version, kind);
    if (!file || !fs.existsSync(file)) return undefined;
    const key = `file:${file}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.compileStructural(readJson(file), path.relative(process.cwd(), file));
      this.compiled.set(key, validate);
    }
    return { source: 'repo', validate };
  }

  private constraintCrdSchema(parameters: unknown): unknown {
    const shapeFile = this.repoSchemasDir ? constraintShapeFile(this.repoSchemasDir) : undefined;
    if (!shapeFile) throw new Error(`no constraint shape: schemas/crds/${CONSTRAINTS_GROUP}/ is missing`);
    return constraintSchema(readJson(shapeFile), parameters);
  }

  private compileStructural(schema: unknown, source: string): DocumentValidator {
    const key = `schema:${sha1(schema)}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      this.structural ??= createStructuralAjv(this.builtins);
      const { ajv, store } = this.structural;
      validate = toValidator(() => ajv.compile(structuralToAjv(schema, store)), source);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

export function loadSchemaSet(schemasDir?: string, chartValuesDir?: string, repoSchemasDir?: string): SchemaSet {
  return new SchemaSet({ schemasDir, chartValuesDir, repoSchemasDir });
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

function parseDocuments(text: string): unknown[] {
  // CORE_SCHEMA: no YAML timestamps, so `2024-01-01` stays the string Kubernetes sees.
  return yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA }).filter((d) => d !== null && d !== undefined);
}

interface ParsedFile {
  readonly file: string;
  readonly docs: readonly unknown[];
}

function newCounts(): Record<SchemaSource, number> {
  return { builtin: 0, crd: 0, repo: 0, eksctl: 0, values: 0, none: 0 };
}

class TreeValidation {
  readonly issues: ValidationIssue[] = [];
  readonly bySource = newCounts();
  files = 0;
  documents = 0;
  invalidDocuments = 0;
  skippedEksctl = 0;
  skippedValuesFiles = 0;

  record(file: string, doc: unknown, source: SchemaSource, problems: readonly DocumentProblem[], object = describeObject(doc)): void {
    this.documents++;
    this.bySource[source]++;
    if (problems.length > 0) this.invalidDocuments++;
    for (const p of problems) this.issues.push({ file, object, path: p.path, message: p.message });
  }

  report(): ValidationReport {
    const { issues, files, documents, invalidDocuments, bySource, skippedEksctl, skippedValuesFiles } = this;
    return { issues, files, documents, invalidDocuments, bySource, skippedEksctl, skippedValuesFiles };
  }
}

function checkObject(
  doc: unknown,
  file: string,
  set: SchemaSet,
  tree: TreeCrds,
  treeName: string,
): { readonly source: SchemaSource; readonly problems: readonly DocumentProblem[] } | 'skip-eksctl' {
  if (!isObject(doc)) return { source: 'none', problems: [{ path: '.', message: `document must be a mapping, got ${typeName(doc)}` }] };
  const apiVersion = str(doc.apiVersion);
  const kind = str(doc.kind);
  if (!apiVersion || !kind) {
    const problems = [
      ...(apiVersion ? [] : [{ path: '.apiVersion', message: 'missing required field "apiVersion"' }]),
      ...(kind ? [] : [{ path: '.kind', message: 'missing required field "kind"' }]),
    ];
    return { source: 'none', problems };
  }
  const resolution = set.resolve(apiVersion, kind, file, tree, treeName);
  if (resolution === 'skip-eksctl') return resolution;
  return { source: resolution.source, problems: resolution.validate(doc) };
}

function parseFile(file: string, result: TreeValidation): ParsedFile | undefined {
  try {
    return { file, docs: parseDocuments(fs.readFileSync(file, 'utf8')) };
  } catch (error) {
    const message = `YAML parse error: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
    result.files++;
    result.invalidDocuments++;
    result.issues.push({ file, object: '<file>', path: '.', message });
    return undefined;
  }
}

/**
 * Reads every file first (the CRDs anywhere in the tree must be known before the custom
 * resources are checked), then checks each document.
 */
export function validateTreeWithStats(root: string, set: SchemaSet = new SchemaSet()): ValidationReport {
  const result = new TreeValidation();
  const parsed: ParsedFile[] = [];
  for (const rel of listYamlFiles(root)) {
    const file = path.join(root, rel);
    const base = path.basename(rel);
    if (isValuesFile(rel)) {
      const validate = set.forValuesFile(base);
      if (!validate) {
        result.skippedValuesFiles++;
        continue;
      }
      const values = parseFile(file, result);
      if (!values) continue;
      result.files++;
      const chart = VALUES_FILE_CHARTS[base];
      for (const doc of values.docs) result.record(file, doc, 'values', validate(doc), `Values ${chart.chart}@${chart.version}`);
      continue;
    }
    const objects = parseFile(file, result);
    if (objects) parsed.push(objects);
  }
  const tree = new TreeCrds();
  for (const { file, docs } of parsed) for (const doc of docs) tree.add(doc, file);
  for (const { file, docs } of parsed) {
    result.files++;
    for (const doc of docs) {
      const checked = checkObject(doc, file, set, tree, root);
      if (checked === 'skip-eksctl') result.skippedEksctl++;
      else result.record(file, doc, checked.source, checked.problems);
    }
  }
  return result.report();
}

export function validateTree(root: string, set?: SchemaSet): ValidationIssue[] {
  return [...validateTreeWithStats(root, set).issues];
}

export function formatIssue(issue: ValidationIssue): string {
  return `${issue.file}: ${issue.object}: ${issue.path}: ${issue.message}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Notes on what was not validated, then the counts by source, then the totals. */
export function formatSummary(report: ValidationReport, elapsedMs?: number): string[] {
  const lines: string[] = [];
  if (report.skippedEksctl > 0) {
    lines.push(`skipped ${plural(report.skippedEksctl, 'eksctl ClusterConfig document')}: pass --schemas DIR (with eksctl/schema.json) to validate them`);
  }
  if (report.skippedValuesFiles > 0) {
    lines.push(`skipped ${plural(report.skippedValuesFiles, 'Helm values file')} without a chart schema (--chart-values DIR)`);
  }
  const sources = (Object.keys(SOURCE_LABELS) as SchemaSource[])
    .filter((s) => report.bySource[s] > 0 || s === 'builtin' || s === 'crd' || s === 'repo')
    .map((s) => `${SOURCE_LABELS[s]} ${report.bySource[s]}`);
  lines.push(`by schema source: ${sources.join(', ')}`);
  const time = elapsedMs === undefined ? '' : ` (${(elapsedMs / 1000).toFixed(1)} s)`;
  lines.push(`${plural(report.documents, 'document')} in ${plural(report.files, 'file')}, ${report.invalidDocuments} invalid${time}`);
  return lines;
}
