/**
 * Semantic diff of two rendered trees (path under dist/ → file content): per environment and
 * Application, the objects added, removed and changed, each change down to the field (JSON paths,
 * old → new). Charts are rendered at synth, so a chart bump is changed objects under
 * `manifests/<id>/` plus the Application's source annotation (`helm:<chart>@<version>`): each
 * environment opens with one line per source whose version changed and how many of its files
 * changed. Pure: the trees come from the caller (tools/diff.ts reads them from git or renders them).
 *
 * Fast on a full rendered tree (thousands of files, tens of MB): a file whose text is the same on
 * both sides holds the same objects, so only files that differ are parsed.
 */
import * as yaml from 'js-yaml';
import { FileTree } from './output';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface FieldChange {
  /** `spec.template.spec.containers[name=app].image`, relative to the object. */
  readonly path: string;
  readonly op: 'added' | 'removed' | 'changed';
  readonly before?: Json;
  readonly after?: Json;
}

export interface ObjectChange {
  /** `Kind namespace/name`, `Kind name` (cluster-scoped) or `file#n` (a document that is no object). */
  readonly key: string;
  readonly op: 'added' | 'removed' | 'changed';
  readonly fields: readonly FieldChange[];
}

/** A file that is not YAML (PLAN.md, a README), compared line by line. */
export interface FileChange {
  readonly file: string;
  readonly op: 'added' | 'removed' | 'changed';
  readonly linesAdded: readonly string[];
  readonly linesRemoved: readonly string[];
}

/** Files that differ, by what happened to them. */
export interface FileCounts {
  readonly changed: number;
  readonly added: number;
  readonly removed: number;
}

/** A source annotation with a version: `helm:<chart>@<version>`, `vendored:<repo>@<commit>`. */
export interface VersionedSource {
  readonly type: string;
  readonly name: string;
  readonly version: string;
}

/** `helm:cert-manager@v1.21.1` → helm, cert-manager, v1.21.1; undefined for `cdk8s` and other unversioned sources. */
export function parseSource(text: string | undefined): VersionedSource | undefined {
  const m = text === undefined ? null : /^([a-z][a-z0-9-]*):(.+)@([^@/\s]+)$/.exec(text);
  return m ? { type: m[1], name: m[2], version: m[3] } : undefined;
}

/** The changes of one Application (or of a folder no Application syncs: `bootstrap/`, `eksctl/`). */
export interface GroupDiff {
  readonly env: string;
  /** The Application name, `app-of-apps` for the AppProjects, `<folder>/` or a top-level file. */
  readonly name: string;
  readonly op: 'added' | 'removed' | 'changed';
  /** The Application's source annotation on each side, when it changed (or the Application was added or removed). */
  readonly source?: { readonly before?: string; readonly after?: string };
  /** Files under `manifests/<name>/` that differ. */
  readonly manifests: FileCounts;
  readonly objects: readonly ObjectChange[];
  readonly files: readonly FileChange[];
}

/** An Application whose source changed version (a chart bump, a new vendored commit). */
export interface VersionChange {
  readonly env: string;
  readonly app: string;
  readonly before: VersionedSource;
  readonly after: VersionedSource;
  /** Files under `manifests/<app>/` that differ: one object per file. */
  readonly manifests: FileCounts;
}

export interface TreeDiff {
  readonly groups: readonly GroupDiff[];
  readonly versions: readonly VersionChange[];
  readonly envsAdded: readonly string[];
  readonly envsRemoved: readonly string[];
}

export interface TreeDiffOptions {
  /** The Application annotation naming what its objects were rendered from (argocd's SOURCE_ANNOTATION). */
  readonly sourceAnnotation: string;
}

const isObject = (v: unknown): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: Json | undefined): boolean => v === null || typeof v !== 'object';

function keyPath(base: string, key: string): string {
  const plain = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key);
  return plain ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`;
}

/** Arrays whose elements are objects with distinct string `name`s (containers, env, ports) match by name. */
function namedElements(a: readonly Json[]): Map<string, Json> | undefined {
  const m = new Map<string, Json>();
  for (const x of a) {
    if (!isObject(x) || typeof x.name !== 'string' || m.has(x.name)) return undefined;
    m.set(x.name, x);
  }
  return m;
}

/** JSON with sorted keys: equal values, equal strings. */
function canonical(v: Json | undefined): string {
  return JSON.stringify(v, (_k, x: unknown) => (isObject(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x)) ?? 'undefined';
}

/** Pairs of indexes of a longest common subsequence of `a` and `b` (by equal strings). */
function commonSubsequence(a: readonly string[], b: readonly string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (a[i] === b[j]) pairs.push([i++, j++]);
    else if (table[i + 1][j] >= table[i][j + 1]) i++;
    else j++;
  }
  return pairs;
}

/** Above this many element pairs, lists of objects are compared by position instead of aligned. */
const MAX_ALIGNMENT_CELLS = 250_000;

/**
 * Field-level differences between two JSON values, in path order. Lists of named objects match by
 * name; other lists of objects are aligned on their unchanged elements, so an element inserted in
 * the middle is one addition rather than a change of every element after it. A list of scalars
 * that changed is one change holding both lists (the renderer shows what was added and removed).
 */
export function diffFields(before: Json | undefined, after: Json | undefined, path = ''): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (a: Json | undefined, b: Json | undefined, p: string): void => {
    if (a === b) return;
    if (a === undefined) {
      out.push({ path: p, op: 'added', after: b });
      return;
    }
    if (b === undefined) {
      out.push({ path: p, op: 'removed', before: a });
      return;
    }
    if (isObject(a) && isObject(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) walk(a[k], b[k], keyPath(p, k));
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      walkList(a, b, p);
      return;
    }
    out.push({ path: p, op: 'changed', before: a, after: b });
  };
  const walkList = (a: Json[], b: Json[], p: string): void => {
    if (a.every(isScalar) && b.every(isScalar)) {
      if (a.length !== b.length || a.some((x, i) => x !== b[i])) out.push({ path: p, op: 'changed', before: a, after: b });
      return;
    }
    const na = namedElements(a);
    const nb = namedElements(b);
    if (na && nb && (na.size > 0 || nb.size > 0)) {
      for (const name of [...new Set([...na.keys(), ...nb.keys()])].sort()) walk(na.get(name), nb.get(name), `${p}[name=${name}]`);
      return;
    }
    if (a.length * b.length > MAX_ALIGNMENT_CELLS) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${p}[${i}]`);
      return;
    }
    // Align on unchanged elements; between two anchors, as many removed as added elements are
    // changes of each other (walked field by field), otherwise additions and removals.
    const anchors = [...commonSubsequence(a.map(canonical), b.map(canonical)), [a.length, b.length] as [number, number]];
    let i = 0;
    let j = 0;
    for (const [ai, bj] of anchors) {
      if (ai - i === bj - j) {
        for (let k = 0; k < ai - i; k++) walk(a[i + k], b[j + k], `${p}[${j + k}]`);
      } else {
        for (let k = i; k < ai; k++) out.push({ path: `${p}[${k}]`, op: 'removed', before: a[k] });
        for (let k = j; k < bj; k++) out.push({ path: `${p}[${k}]`, op: 'added', after: b[k] });
      }
      i = ai + 1;
      j = bj + 1;
    }
  };
  walk(before, after, path);
  return out;
}

function objectKey(doc: Json, file: string, index: number): string {
  if (isObject(doc) && typeof doc.kind === 'string' && isObject(doc.metadata) && typeof doc.metadata.name === 'string') {
    const ns = typeof doc.metadata.namespace === 'string' ? `${doc.metadata.namespace}/` : '';
    return `${doc.kind} ${ns}${doc.metadata.name}`;
  }
  return `${file}#${index}`;
}

function parseYaml(file: string, text: string): { key: string; doc: Json }[] {
  const docs = yaml.loadAll(text, undefined, { filename: file }) as Json[];
  return docs.flatMap((doc, i) => (doc === null || doc === undefined ? [] : [{ key: objectKey(doc, file, i), doc }]));
}

const isYaml = (file: string) => /\.ya?ml$/.test(file);

/**
 * Which group a file belongs to: `<env>/apps/application-<id>.yaml` and `<env>/manifests/<id>/…`
 * to Application `<id>`; the AppProjects to `app-of-apps`; other folders to `<folder>/`; a
 * top-level file (PLAN.md) to itself.
 */
export function groupOf(rel: string): { env: string; group: string } {
  const [env, first, second] = rel.split('/');
  if (second === undefined) return { env, group: first };
  if (first === 'apps') {
    const m = /^application-(.+)\.ya?ml$/.exec(second);
    return { env, group: m ? m[1] : 'app-of-apps' };
  }
  if (first === 'manifests') return { env, group: second };
  return { env, group: `${first}/` };
}

/** Lines only in `after` and lines only in `before`, as multisets (order ignored). */
function lineDiff(before: string, after: string): { added: string[]; removed: string[] } {
  const { added, removed } = multisetDiff(before.split('\n'), after.split('\n'), (l) => l);
  return { added, removed };
}

/** Elements of `b` not matched in `a` and of `a` not matched in `b`, each in its list's order. */
function multisetDiff<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): { added: T[]; removed: T[] } {
  const count = (xs: readonly T[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
    return m;
  };
  const only = (xs: readonly T[], other: Map<string, number>) =>
    xs.filter((x) => {
      const n = other.get(key(x)) ?? 0;
      if (n > 0) other.set(key(x), n - 1);
      return n === 0;
    });
  return { added: only(b, count(a)), removed: only(a, count(b)) };
}

interface Slot {
  readonly env: string;
  readonly group: string;
  inBefore: boolean;
  inAfter: boolean;
  readonly differing: string[];
}

/** Files of one group whose text differs: only these are parsed. */
function diffGroup(slot: Slot, before: FileTree, after: FileTree, opts: TreeDiffOptions): GroupDiff | undefined {
  const { env, group: name } = slot;
  const objectsBefore = new Map<string, Json>();
  const objectsAfter = new Map<string, Json>();
  const files: FileChange[] = [];
  const manifests = { changed: 0, added: 0, removed: 0 };
  const manifestsDir = `${env}/manifests/${name}/`;
  for (const rel of slot.differing.sort()) {
    const x = before.get(rel);
    const y = after.get(rel);
    const op = x === undefined ? 'added' : y === undefined ? 'removed' : 'changed';
    if (rel.startsWith(manifestsDir)) manifests[op]++;
    if (isYaml(rel)) {
      const file = rel.slice(env.length + 1);
      if (x !== undefined) for (const o of parseYaml(file, x)) objectsBefore.set(o.key, o.doc);
      if (y !== undefined) for (const o of parseYaml(file, y)) objectsAfter.set(o.key, o.doc);
    } else {
      const { added, removed } = lineDiff(x ?? '', y ?? '');
      files.push({ file: rel, op, linesAdded: added, linesRemoved: removed });
    }
  }
  const objects: ObjectChange[] = [];
  for (const key of [...new Set([...objectsBefore.keys(), ...objectsAfter.keys()])].sort()) {
    const x = objectsBefore.get(key);
    const y = objectsAfter.get(key);
    if (x === undefined) objects.push({ key, op: 'added', fields: [] });
    else if (y === undefined) objects.push({ key, op: 'removed', fields: [] });
    else {
      const fields = diffFields(x, y);
      if (fields.length > 0) objects.push({ key, op: 'changed', fields });
    }
  }
  // The Application is parsed only when its file differs, so an unchanged source is never read.
  const sourceOf = (objs: Map<string, Json>): string | undefined => {
    for (const o of objs.values()) {
      if (isObject(o) && o.kind === 'Application' && isObject(o.metadata) && isObject(o.metadata.annotations)) {
        const s = o.metadata.annotations[opts.sourceAnnotation];
        if (typeof s === 'string') return s;
      }
    }
    return undefined;
  };
  const sb = sourceOf(objectsBefore);
  const sa = sourceOf(objectsAfter);
  const source = sb !== sa ? { ...(sb !== undefined ? { before: sb } : {}), ...(sa !== undefined ? { after: sa } : {}) } : undefined;
  if (!source && objects.length === 0 && files.length === 0) return undefined;
  const op = !slot.inBefore ? 'added' : !slot.inAfter ? 'removed' : 'changed';
  return { env, name, op, ...(source ? { source } : {}), manifests, objects, files };
}

/** Everything that differs between two rendered trees (paths relative to dist/). */
export function diffTrees(before: FileTree, after: FileTree, opts: TreeDiffOptions): TreeDiff {
  const slots = new Map<string, Slot>();
  const envsBefore = new Set<string>();
  const envsAfter = new Set<string>();
  const slotOf = (rel: string): Slot => {
    const { env, group } = groupOf(rel);
    const id = `${env}\0${group}`;
    let s = slots.get(id);
    if (!s) slots.set(id, (s = { env, group, inBefore: false, inAfter: false, differing: [] }));
    return s;
  };
  for (const [rel, text] of before) {
    if (!rel.includes('/')) continue;
    const s = slotOf(rel);
    s.inBefore = true;
    envsBefore.add(s.env);
    if (after.get(rel) !== text) s.differing.push(rel);
  }
  for (const rel of after.keys()) {
    if (!rel.includes('/')) continue;
    const s = slotOf(rel);
    s.inAfter = true;
    envsAfter.add(s.env);
    if (!before.has(rel)) s.differing.push(rel);
  }
  const ordered = [...slots.values()].filter((s) => s.differing.length > 0).sort((a, b) => (a.env !== b.env ? (a.env < b.env ? -1 : 1) : a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  const groups = ordered.map((s) => diffGroup(s, before, after, opts)).filter((g): g is GroupDiff => g !== undefined);
  const versions: VersionChange[] = [];
  for (const g of groups) {
    const b = parseSource(g.source?.before);
    const a = parseSource(g.source?.after);
    if (b && a && b.type === a.type) versions.push({ env: g.env, app: g.name, before: b, after: a, manifests: g.manifests });
  }
  return {
    groups,
    versions,
    envsAdded: [...envsAfter].filter((e) => !envsBefore.has(e)).sort(),
    envsRemoved: [...envsBefore].filter((e) => !envsAfter.has(e)).sort(),
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering. Nothing is cut inside a value: long lists show what was added and removed, large
// values are expanded into their fields, and what a limit leaves out is counted.

/** Values up to this many characters of JSON stay on one line. */
const INLINE_MAX = 100;

export interface RenderLimits {
  /** Field changes shown per object. */
  readonly fields: number;
  /** Fields shown of one added or removed value that is expanded. */
  readonly leaves: number;
  /** Lines shown per side of a changed text (a multi-line string, PLAN.md). */
  readonly textLines: number;
}

export const DEFAULT_LIMITS: RenderLimits = { fields: 40, leaves: 40, textLines: 10 };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A scalar in full (JSON); a multi-line string by its line count (its lines are diffed where it changed). */
export function formatScalar(v: Json | undefined): string {
  if (typeof v === 'string' && v.includes('\n')) return `(text, ${v.split('\n').length} lines)`;
  return JSON.stringify(v) ?? 'undefined';
}

/** The value on one line when it is short and holds no multi-line string, else undefined. */
function inline(v: Json | undefined): string | undefined {
  if (isScalar(v)) return formatScalar(v);
  const s = JSON.stringify(v);
  return s.length <= INLINE_MAX && !s.includes('\\n') ? s : undefined;
}

/** A value as `path: value` pairs: short values whole, others expanded into their fields, down to scalars. */
function leaves(v: Json | undefined, path: string, out: { path: string; value: Json | undefined; text: string }[]): void {
  const one = inline(v);
  if (one !== undefined) {
    out.push({ path, value: v, text: one });
    return;
  }
  if (Array.isArray(v)) {
    const named = namedElements(v);
    v.forEach((x, i) => leaves(x, named ? `${path}[name=${(x as { name: string }).name}]` : `${path}[${i}]`, out));
    return;
  }
  if (isObject(v)) for (const k of Object.keys(v).sort()) leaves(v[k], keyPath(path, k), out);
}

/** An added or removed value, field by field; a multi-line string with its first lines. */
function valueLines(sign: '+' | '-', indent: string, path: string, v: Json | undefined, limits: RenderLimits): string[] {
  const all: { path: string; value: Json | undefined; text: string }[] = [];
  leaves(v, path, all);
  const lines: string[] = [];
  for (const l of all.slice(0, limits.leaves)) {
    lines.push(`${sign}${indent}${l.path}: ${l.text}`);
    if (typeof l.value === 'string' && l.value.includes('\n')) {
      const text = l.value.split('\n');
      lines.push(...text.slice(0, limits.textLines).map((t) => `${sign}${indent}  ${t}`));
      if (text.length > limits.textLines) lines.push(` ${indent}  … ${text.length - limits.textLines} more lines`);
    }
  }
  if (all.length > limits.leaves) lines.push(` ${indent}… ${all.length - limits.leaves} more fields under ${path}`);
  return lines;
}

function textLines(indent: string, path: string, before: string, after: string, limits: RenderLimits): string[] {
  const { added, removed } = lineDiff(before, after);
  const lines = [` ${indent}${path}: text changed (+${added.length} -${removed.length} lines)`];
  for (const l of removed.slice(0, limits.textLines)) lines.push(`-${indent}  ${l}`);
  for (const l of added.slice(0, limits.textLines)) lines.push(`+${indent}  ${l}`);
  const more = Math.max(0, removed.length - limits.textLines) + Math.max(0, added.length - limits.textLines);
  if (more > 0) lines.push(` ${indent}  … ${more} more changed lines`);
  return lines;
}

/**
 * A changed list of scalars: both lists when short; otherwise the elements added and removed, each
 * in full (or, when only the order changed, the new order).
 */
function listLines(indent: string, path: string, a: Json[], b: Json[]): string[] {
  const ia = inline(a);
  const ib = inline(b);
  if (ia !== undefined && ib !== undefined) return [`-${indent}${path}: ${ia}`, `+${indent}${path}: ${ib}`];
  const { added, removed } = multisetDiff(a, b, (x) => JSON.stringify(x));
  if (added.length === 0 && removed.length === 0) {
    return [` ${indent}${path}: the same ${a.length} elements in a new order:`, ...b.map((x) => ` ${indent}  ${formatScalar(x)}`)];
  }
  return [
    ` ${indent}${path}: ${a.length} → ${b.length} elements (+${added.length} -${removed.length})`,
    ...removed.map((x) => `-${indent}  ${formatScalar(x)}`),
    ...added.map((x) => `+${indent}  ${formatScalar(x)}`),
  ];
}

function fieldLines(fields: readonly FieldChange[], indent: string, limits: RenderLimits): string[] {
  const lines: string[] = [];
  for (const f of fields.slice(0, limits.fields)) {
    if (f.op === 'added') lines.push(...valueLines('+', indent, f.path, f.after, limits));
    else if (f.op === 'removed') lines.push(...valueLines('-', indent, f.path, f.before, limits));
    else if (typeof f.before === 'string' && typeof f.after === 'string' && (f.before.includes('\n') || f.after.includes('\n'))) {
      lines.push(...textLines(indent, f.path, f.before, f.after, limits));
    } else if (Array.isArray(f.before) && Array.isArray(f.after)) {
      lines.push(...listLines(indent, f.path, f.before, f.after));
    } else {
      lines.push(...valueLines('-', indent, f.path, f.before, limits), ...valueLines('+', indent, f.path, f.after, limits));
    }
  }
  if (fields.length > limits.fields) lines.push(` ${indent}… ${fields.length - limits.fields} more field changes`);
  return lines;
}

/** The lines of one object change: `+Kind ns/name`, `-Kind ns/name`, or its header and changed fields. */
export function objectLines(o: ObjectChange, limits: RenderLimits = DEFAULT_LIMITS): string[] {
  if (o.op === 'added') return [`+${o.key}`];
  if (o.op === 'removed') return [`-${o.key}`];
  return [` ${o.key}:`, ...fieldLines(o.fields, '  ', limits)];
}

function fileLines(f: FileChange, limits: RenderLimits): string[] {
  const lines = [` ${f.file}: ${f.op} (+${f.linesAdded.length} -${f.linesRemoved.length} lines)`];
  if (f.op !== 'changed') return lines;
  for (const l of f.linesRemoved.slice(0, limits.textLines)) lines.push(`-  ${l}`);
  for (const l of f.linesAdded.slice(0, limits.textLines)) lines.push(`+  ${l}`);
  const more = Math.max(0, f.linesRemoved.length - limits.textLines) + Math.max(0, f.linesAdded.length - limits.textLines);
  if (more > 0) lines.push(`   … ${more} more changed lines`);
  return lines;
}

/**
 * A field changed the same way in at least this many objects of one Application is shown once for
 * all of them (a chart bump changes the `helm.sh/chart` label of every object it renders).
 */
export const SHARED_MIN_OBJECTS = 3;

/** Part of a group's body that is shown or left out whole, and how many objects and files it shows. */
interface Unit {
  readonly lines: string[];
  readonly objects: number;
  readonly files: number;
  /** The objects after it leave out what this shows: without it, nothing after it is shown. */
  readonly required: boolean;
}

/** `3 Deployment, 1 Service` for many objects, the keys themselves for a few. */
function objectsDescription(keys: readonly string[]): string {
  if (keys.length <= 3) return keys.join(', ');
  const kinds = new Map<string, number>();
  for (const k of keys) kinds.set(k.split(' ')[0], (kinds.get(k.split(' ')[0]) ?? 0) + 1);
  return [...kinds].sort(([a], [b]) => (a < b ? -1 : 1)).map(([kind, n]) => `${n} ${kind}`).join(', ');
}

/**
 * The body of one group: first the field changes shared by many objects (once, with which objects),
 * then one unit per object with what else changed in it, then one per file.
 */
function groupUnits(g: GroupDiff, limits: RenderLimits): Unit[] {
  const changed = g.objects.filter((o) => o.op === 'changed');
  const id = (f: FieldChange) => `${f.op}\0${f.path}\0${canonical(f.before)}\0${canonical(f.after)}`;
  const holders = new Map<string, { change: FieldChange; keys: string[] }>();
  for (const o of changed) {
    for (const f of o.fields) {
      const k = id(f);
      const h = holders.get(k);
      if (h) h.keys.push(o.key);
      else holders.set(k, { change: f, keys: [o.key] });
    }
  }
  const shared = new Set([...holders].filter(([, h]) => h.keys.length >= SHARED_MIN_OBJECTS).map(([k]) => k));
  const units: Unit[] = [];
  if (shared.size > 0) {
    const bySet = new Map<string, { keys: string[]; changes: FieldChange[] }>();
    for (const k of shared) {
      const h = holders.get(k)!;
      const set = h.keys.join('\n');
      const s = bySet.get(set);
      if (s) s.changes.push(h.change);
      else bySet.set(set, { keys: h.keys, changes: [h.change] });
    }
    const lines: string[] = [];
    for (const s of [...bySet.values()].sort((a, b) => b.keys.length - a.keys.length)) {
      lines.push(` the same in ${plural(s.keys.length, 'object')} (${objectsDescription(s.keys)}):`, ...fieldLines(s.changes, '  ', limits));
    }
    const only = changed.filter((o) => o.fields.every((f) => shared.has(id(f)))).length;
    if (only > 0) lines.push(` ${plural(only, 'other object')} ${only === 1 ? 'changes' : 'change'} nothing else`);
    units.push({ lines, objects: only, files: 0, required: true });
  }
  for (const o of g.objects) {
    const fields = o.fields.filter((f) => !shared.has(id(f)));
    if (o.op === 'changed' && fields.length === 0) continue;
    units.push({ lines: objectLines({ ...o, fields }, limits), objects: 1, files: 0, required: false });
  }
  for (const f of g.files) units.push({ lines: fileLines(f, limits), objects: 0, files: 1, required: false });
  return units;
}

/** Body lines of one group, `diff`-style: `+` added, `-` removed, a changed field as both. */
export function groupLines(g: GroupDiff, limits: RenderLimits = DEFAULT_LIMITS): string[] {
  return groupUnits(g, limits).flatMap((u) => u.lines);
}

/** `cert-manager v1.21.1 → v1.22.0`, or both sources in full when more than the version changed. */
function sourceChange(before: string | undefined, after: string | undefined): string {
  const b = parseSource(before);
  const a = parseSource(after);
  if (b && a && b.type === a.type) return b.name === a.name ? `${a.name} ${b.version} → ${a.version}` : `${b.name} ${b.version} → ${a.name} ${a.version}`;
  return `source ${before ?? '(none)'} → ${after ?? '(none)'}`;
}

/** `cert-manager v1.21.1 → v1.22.0: 4 objects changed, 1 added, 0 removed` (files under manifests/<app>/). */
export function versionLine(v: VersionChange): string {
  const what = sourceChange(`${v.before.type}:${v.before.name}@${v.before.version}`, `${v.after.type}:${v.after.name}@${v.after.version}`);
  const app = v.app === v.after.name ? '' : ` (Application ${v.app})`;
  return `${what}${app}: ${plural(v.manifests.changed, 'object')} changed, ${v.manifests.added} added, ${v.manifests.removed} removed`;
}

/** `cert-manager v1.21.1 → v1.22.0, 1 object added, 5 objects changed` */
export function groupSummary(g: GroupDiff): string {
  if (g.op !== 'changed') {
    const source = g.source?.after ?? g.source?.before;
    const what = [
      ...(source ? [source] : []),
      ...(g.objects.length ? [plural(g.objects.length, 'object')] : []),
      ...(g.files.length ? [plural(g.files.length, 'file')] : []),
    ];
    return `${g.op}${what.length ? ` (${what.join(', ')})` : ''}`;
  }
  const parts: string[] = [];
  if (g.source) parts.push(sourceChange(g.source.before, g.source.after));
  for (const op of ['added', 'removed', 'changed'] as const) {
    const n = g.objects.filter((o) => o.op === op).length;
    if (n) parts.push(`${plural(n, 'object')} ${op}`);
  }
  for (const op of ['added', 'removed', 'changed'] as const) {
    const n = g.files.filter((f) => f.op === op).length;
    if (n) parts.push(`${plural(n, 'file')} ${op}`);
  }
  return parts.join(', ');
}

export function isEmpty(d: TreeDiff): boolean {
  return d.groups.length === 0;
}

function envsOf(d: TreeDiff): string[] {
  return [...new Set(d.groups.map((g) => g.env))].sort();
}

function summaryRows(d: TreeDiff): string[][] {
  return envsOf(d).map((env) => {
    const gs = d.groups.filter((g) => g.env === env);
    const n = (op: GroupDiff['op']) => gs.filter((g) => g.op === op).length;
    const objects = (op: ObjectChange['op']) => gs.reduce((s, g) => s + g.objects.filter((o) => o.op === op).length, 0);
    return [env, String(n('added')), String(n('removed')), String(n('changed')), `+${objects('added')} -${objects('removed')} ~${objects('changed')}`];
  });
}

export function renderText(d: TreeDiff, base: string, limits: RenderLimits = DEFAULT_LIMITS): string {
  if (isEmpty(d)) return `No rendered changes against ${base}.\n`;
  const out = [`Rendered diff against ${base}`, ''];
  for (const e of d.envsAdded) out.push(`environment ${e}: added`);
  for (const e of d.envsRemoved) out.push(`environment ${e}: removed`);
  /** Group name and body → the environment where it was shown first. */
  const seen = new Map<string, string>();
  for (const env of envsOf(d)) {
    out.push(`== ${env} ==`);
    const versions = d.versions.filter((v) => v.env === env);
    if (versions.length > 0) out.push('versions:', ...versions.map((v) => `  ${versionLine(v)}`), '');
    for (const g of d.groups.filter((x) => x.env === env)) {
      const body = groupLines(g, limits);
      const same = seen.get(`${g.name}\0${body.join('\n')}`);
      out.push(`${g.name}: ${groupSummary(g)}`);
      if (same) out.push(`  (the same changes as in ${same})`);
      else {
        seen.set(`${g.name}\0${body.join('\n')}`, env);
        out.push(...body.map((l) => `  ${l}`));
      }
      out.push('');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** GitHub's comment limit is 65536 characters; leave room for the sticky-comment header. */
export const DEFAULT_MARKDOWN_CAP = 60000;

/** Room kept for the closing note on what was left out. */
const FOOTER_ROOM = 400;
/** Room kept in a block for its `… N more … not shown` line. */
const LEFT_OUT_ROOM = 80;

/** `3 objects and 1 file`, `1 object`, or empty. */
function leftOut(n: { object: number; file: number }): string {
  return [...(n.object ? [plural(n.object, 'object')] : []), ...(n.file ? [plural(n.file, 'file')] : [])].join(' and ');
}

const fence = (text: string) => text.replace(/```/g, '`\u200b``');

/**
 * A pull request comment: a summary table, per environment the version changes and one
 * collapsible block per Application. It never exceeds `cap` characters: objects (and files) are
 * shown or left out whole, never cut inside, and what is left out is counted, per Application and
 * in total.
 */
export function renderMarkdown(d: TreeDiff, base: string, cap = DEFAULT_MARKDOWN_CAP, limits: RenderLimits = DEFAULT_LIMITS): string {
  const title = `### Rendered changes against \`${base}\``;
  if (isEmpty(d)) return `${title}\n\nNo rendered changes: every environment renders the same objects.\n`;
  const head = [
    title,
    '',
    '| Environment | Applications added | removed | changed | Objects (+ added, - removed, ~ changed) |',
    '| --- | ---: | ---: | ---: | --- |',
    ...summaryRows(d).map((r) => `| ${r.join(' | ')} |`),
    '',
  ];
  for (const e of d.envsAdded) head.push(`Environment **${e}** is new.`, '');
  for (const e of d.envsRemoved) head.push(`Environment **${e}** is removed.`, '');
  let text = `${head.join('\n')}\n`;
  const room = () => cap - FOOTER_ROOM - text.length;
  const left = { object: 0, file: 0, version: 0, apps: 0 };
  /** Group name and body → the environment where it was shown in full. */
  const seen = new Map<string, string>();

  for (const env of envsOf(d)) {
    const heading = `#### ${env}\n\n`;
    const envFits = heading.length + LEFT_OUT_ROOM <= room();
    if (envFits) text += heading;
    const versions = d.versions.filter((v) => v.env === env).map((v) => `- ${fence(versionLine(v))}\n`);
    for (const line of versions) {
      if (envFits && line.length + 1 <= room()) text += line;
      else left.version++;
    }
    if (envFits && versions.length > 0) text += '\n';
    for (const g of d.groups.filter((x) => x.env === env)) {
      const units = groupUnits(g, limits).map((u) => ({ ...u, text: `${fence(u.lines.join('\n'))}\n` }));
      const full = units.map((u) => u.text).join('');
      const same = seen.get(`${g.name}\0${full}`);
      if (same) {
        const block = `<details><summary><code>${g.name}</code>: ${fence(groupSummary(g))}</summary>\n\nThe same changes as in ${same}.\n\n</details>\n\n`;
        if (envFits && block.length <= room()) {
          text += block;
          continue;
        }
      }
      const open = `<details><summary><code>${g.name}</code>: ${fence(groupSummary(g))}</summary>\n\n\`\`\`diff\n`;
      const close = '```\n\n</details>\n\n';
      const fixed = open.length + close.length + LEFT_OUT_ROOM;
      const shown = envFits && fixed <= room();
      const here = { object: 0, file: 0 };
      let body = '';
      let blocked = !shown;
      for (const u of units) {
        if (!blocked && fixed + body.length + u.text.length <= room()) {
          body += u.text;
          continue;
        }
        here.object += u.objects;
        here.file += u.files;
        if (u.required) blocked = true;
      }
      left.object += here.object;
      left.file += here.file;
      if (here.object + here.file > 0) left.apps++;
      else if (shown) seen.set(`${g.name}\0${full}`, env);
      if (shown) text += `${open}${body}${here.object + here.file > 0 ? `… ${leftOut(here)} not shown (comment size cap)\n` : ''}${close}`;
    }
  }
  if (left.object + left.file + left.version > 0) {
    const what = [leftOut(left), ...(left.version ? [plural(left.version, 'version line')] : [])].filter(Boolean).join(', ');
    const where = left.apps ? ` of ${plural(left.apps, 'Application')}` : '';
    text += `_${what}${where} not shown: this comment is capped at ${cap} characters. Run \`npm run diff\` locally for everything._\n`;
  }
  return text;
}
