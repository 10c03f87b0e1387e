/**
 * Semantic diff of two rendered trees (path under dist/ → file content): per environment and
 * Application, the objects added, removed and changed, each change down to the field (JSON paths,
 * old → new), and for Helm Applications the chart version and valuesObject changes. Pure: the
 * trees come from the caller (tools/diff.ts reads them from git or renders them).
 */
import * as yaml from 'js-yaml';
import { FileTree } from './output';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface FieldChange {
  /** `spec.template.spec.containers[name=app].image`; relative to valuesObject for Helm values. */
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

export interface FileChange {
  readonly file: string;
  readonly op: 'added' | 'removed' | 'changed';
  readonly linesAdded: readonly string[];
  readonly linesRemoved: readonly string[];
}

/** The changes of one Application (or of a folder no Application syncs: `bootstrap/`, `eksctl/`). */
export interface GroupDiff {
  readonly env: string;
  /** The Application name, `app-of-apps` for the AppProjects, `<folder>/` or a top-level file. */
  readonly name: string;
  readonly op: 'added' | 'removed' | 'changed';
  readonly chart?: { readonly before?: string; readonly after?: string };
  readonly values: readonly FieldChange[];
  readonly objects: readonly ObjectChange[];
  readonly files: readonly FileChange[];
}

export interface TreeDiff {
  readonly groups: readonly GroupDiff[];
  readonly envsAdded: readonly string[];
  readonly envsRemoved: readonly string[];
}

const isObject = (v: unknown): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function keyPath(base: string, key: string): string {
  const plain = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key);
  return plain ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`;
}

/** Arrays whose elements are objects with distinct string `name`s (containers, env, ports) match by name. */
function namedElements(a: Json[]): Map<string, Json> | undefined {
  const m = new Map<string, Json>();
  for (const x of a) {
    if (!isObject(x) || typeof x.name !== 'string' || m.has(x.name)) return undefined;
    m.set(x.name, x);
  }
  return m;
}

/** Field-level differences between two JSON values, in path order. */
export function diffFields(before: Json | undefined, after: Json | undefined, path = ''): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (a: Json | undefined, b: Json | undefined, p: string) => {
    if (deepEqual(a, b)) return;
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
      const na = namedElements(a);
      const nb = namedElements(b);
      if (na && nb && (na.size > 0 || nb.size > 0)) {
        for (const name of [...new Set([...na.keys(), ...nb.keys()])].sort()) walk(na.get(name), nb.get(name), `${p}[name=${name}]`);
        return;
      }
      if (a.every((x) => !isObject(x) && !Array.isArray(x)) && b.every((x) => !isObject(x) && !Array.isArray(x))) {
        out.push({ path: p, op: 'changed', before: a, after: b });
        return;
      }
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${p}[${i}]`);
      return;
    }
    out.push({ path: p, op: 'changed', before: a, after: b });
  };
  walk(before, after, path);
  return out;
}

interface ParsedObject {
  readonly key: string;
  readonly doc: Json;
}

function objectKey(doc: Json, file: string, index: number): string {
  if (isObject(doc) && typeof doc.kind === 'string' && isObject(doc.metadata) && typeof doc.metadata.name === 'string') {
    const ns = typeof doc.metadata.namespace === 'string' ? `${doc.metadata.namespace}/` : '';
    return `${doc.kind} ${ns}${doc.metadata.name}`;
  }
  return `${file}#${index}`;
}

function parseYaml(file: string, text: string): ParsedObject[] {
  const docs = yaml.loadAll(text, undefined, { filename: file }) as Json[];
  return docs
    .map((doc, i) => ({ doc, i }))
    .filter(({ doc }) => doc !== null && doc !== undefined)
    .map(({ doc, i }) => ({ key: objectKey(doc, file, i), doc }));
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

function lineDiff(before: string, after: string): { added: string[]; removed: string[] } {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const l of text.split('\n')) m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const a = count(before);
  const b = count(after);
  const added = after.split('\n').filter((l) => {
    const n = a.get(l) ?? 0;
    if (n > 0) {
      a.set(l, n - 1);
      return false;
    }
    return true;
  });
  const removed = before.split('\n').filter((l) => {
    const n = b.get(l) ?? 0;
    if (n > 0) {
      b.set(l, n - 1);
      return false;
    }
    return true;
  });
  return { added, removed };
}

interface Group {
  objects: Map<string, { doc: Json; file: string }>;
  texts: Map<string, string>;
}

function collect(tree: FileTree): Map<string, Map<string, Group>> {
  const envs = new Map<string, Map<string, Group>>();
  for (const [rel, content] of [...tree.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!rel.includes('/')) continue;
    const { env, group } = groupOf(rel);
    if (!envs.has(env)) envs.set(env, new Map());
    const groups = envs.get(env)!;
    if (!groups.has(group)) groups.set(group, { objects: new Map(), texts: new Map() });
    const g = groups.get(group)!;
    if (isYaml(rel)) {
      for (const o of parseYaml(rel.slice(env.length + 1), content)) g.objects.set(o.key, { doc: o.doc, file: rel });
    } else {
      g.texts.set(rel, content);
    }
  }
  return envs;
}

function helmApplication(doc: Json | undefined): { chart: string; values: Json | undefined; rest: Json } | undefined {
  if (!isObject(doc) || doc.kind !== 'Application' || !isObject(doc.spec) || !isObject(doc.spec.source)) return undefined;
  const source = doc.spec.source;
  if (typeof source.chart !== 'string') return undefined;
  const helm = isObject(source.helm) ? source.helm : {};
  const { valuesObject, ...helmRest } = helm;
  const { targetRevision, ...sourceRest } = source;
  const rest: Json = { ...doc, spec: { ...doc.spec, source: { ...sourceRest, helm: helmRest } } };
  return { chart: `${source.chart} ${String(targetRevision)}`, values: valuesObject, rest };
}

function diffGroup(env: string, name: string, a: Group | undefined, b: Group | undefined): GroupDiff | undefined {
  const before = a ?? { objects: new Map(), texts: new Map() };
  const after = b ?? { objects: new Map(), texts: new Map() };
  let chart: GroupDiff['chart'];
  let values: FieldChange[] = [];
  const objects: ObjectChange[] = [];
  for (const key of [...new Set([...before.objects.keys(), ...after.objects.keys()])].sort()) {
    const x = before.objects.get(key)?.doc;
    const y = after.objects.get(key)?.doc;
    if (x === undefined) {
      objects.push({ key, op: 'added', fields: [] });
      continue;
    }
    if (y === undefined) {
      objects.push({ key, op: 'removed', fields: [] });
      continue;
    }
    const hx = helmApplication(x);
    const hy = helmApplication(y);
    if (hx && hy) {
      if (hx.chart !== hy.chart) chart = { before: hx.chart, after: hy.chart };
      values = diffFields(hx.values, hy.values);
      const fields = diffFields(hx.rest, hy.rest);
      if (fields.length > 0) objects.push({ key, op: 'changed', fields });
      continue;
    }
    const fields = diffFields(x, y);
    if (fields.length > 0) objects.push({ key, op: 'changed', fields });
  }
  // A Helm Application added or removed still names its chart.
  const onlyApp = (g: Group) => [...g.objects.values()].map((o) => helmApplication(o.doc)).find((h) => h !== undefined);
  if (!a && b) chart = onlyApp(after) ? { after: onlyApp(after)!.chart } : undefined;
  if (a && !b) chart = onlyApp(before) ? { before: onlyApp(before)!.chart } : undefined;

  const files: FileChange[] = [];
  for (const file of [...new Set([...before.texts.keys(), ...after.texts.keys()])].sort()) {
    const x = before.texts.get(file);
    const y = after.texts.get(file);
    if (x === y) continue;
    const { added, removed } = lineDiff(x ?? '', y ?? '');
    files.push({ file, op: x === undefined ? 'added' : y === undefined ? 'removed' : 'changed', linesAdded: added, linesRemoved: removed });
  }
  if (!chart && values.length === 0 && objects.length === 0 && files.length === 0) return undefined;
  return { env, name, op: !a ? 'added' : !b ? 'removed' : 'changed', chart, values, objects, files };
}

/** Everything that differs between two rendered trees (paths relative to dist/). */
export function diffTrees(before: FileTree, after: FileTree): TreeDiff {
  const a = collect(before);
  const b = collect(after);
  const groups: GroupDiff[] = [];
  for (const env of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const ga = a.get(env) ?? new Map<string, Group>();
    const gb = b.get(env) ?? new Map<string, Group>();
    for (const name of [...new Set([...ga.keys(), ...gb.keys()])].sort()) {
      const d = diffGroup(env, name, ga.get(name), gb.get(name));
      if (d) groups.push(d);
    }
  }
  return {
    groups,
    envsAdded: [...b.keys()].filter((e) => !a.has(e)).sort(),
    envsRemoved: [...a.keys()].filter((e) => !b.has(e)).sort(),
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** A value on one line: JSON, long values cut; multi-line strings summarized by line count. */
export function formatValue(v: Json | undefined, max = 100): string {
  if (typeof v === 'string' && v.includes('\n')) return `(text, ${v.split('\n').length} lines)`;
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function fieldLines(fields: readonly FieldChange[], indent: string, limit: number): string[] {
  const lines: string[] = [];
  for (const f of fields.slice(0, limit)) {
    if (f.op === 'added') lines.push(`+${indent}${f.path}: ${formatValue(f.after)}`);
    else if (f.op === 'removed') lines.push(`-${indent}${f.path}: ${formatValue(f.before)}`);
    else if (typeof f.before === 'string' && typeof f.after === 'string' && (f.before.includes('\n') || f.after.includes('\n'))) {
      const { added, removed } = lineDiff(f.before, f.after);
      lines.push(` ${indent}${f.path}: text changed (+${added.length} -${removed.length} lines)`);
      for (const l of removed.slice(0, 5)) lines.push(`-${indent}  ${l}`);
      for (const l of added.slice(0, 5)) lines.push(`+${indent}  ${l}`);
    } else {
      lines.push(`-${indent}${f.path}: ${formatValue(f.before)}`);
      lines.push(`+${indent}${f.path}: ${formatValue(f.after)}`);
    }
  }
  if (fields.length > limit) lines.push(` ${indent}… ${fields.length - limit} more field changes`);
  return lines;
}

/** Body lines of one group, `diff`-style: `+` added, `-` removed, a changed field as both. */
export function groupLines(g: GroupDiff, fieldLimit = 40): string[] {
  const lines: string[] = [];
  if (g.chart) lines.push(g.chart.before && g.chart.after ? ` chart: ${g.chart.before} → ${g.chart.after}` : g.chart.after ? `+chart: ${g.chart.after}` : `-chart: ${g.chart.before}`);
  if (g.values.length > 0) {
    lines.push(` values (${g.values.length} changes):`);
    lines.push(...fieldLines(g.values, '  ', fieldLimit));
  }
  for (const o of g.objects) {
    if (o.op === 'added') lines.push(`+${o.key}`);
    else if (o.op === 'removed') lines.push(`-${o.key}`);
    else {
      lines.push(` ${o.key}:`);
      lines.push(...fieldLines(o.fields, '  ', fieldLimit));
    }
  }
  for (const f of g.files) {
    lines.push(` ${f.file}: ${f.op} (+${f.linesAdded.length} -${f.linesRemoved.length} lines)`);
    if (f.op === 'changed') {
      for (const l of f.linesRemoved.slice(0, 10)) lines.push(`-  ${l}`);
      for (const l of f.linesAdded.slice(0, 10)) lines.push(`+  ${l}`);
      const more = Math.max(0, f.linesRemoved.length - 10) + Math.max(0, f.linesAdded.length - 10);
      if (more > 0) lines.push(`   … ${more} more changed lines`);
    }
  }
  return lines;
}

/** `chart cilium 1.20.0 → 1.21.0, 3 values, 1 object changed` */
export function groupSummary(g: GroupDiff): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (g.op !== 'changed') {
    const what = [
      ...(g.chart ? [`chart ${g.chart.after ?? g.chart.before}`] : []),
      ...(g.objects.length ? [plural(g.objects.length, 'object')] : []),
      ...(g.files.length ? [plural(g.files.length, 'file')] : []),
    ];
    return `${g.op}${what.length ? ` (${what.join(', ')})` : ''}`;
  }
  const parts: string[] = [];
  if (g.chart?.before && g.chart.after) parts.push(`chart ${g.chart.before} → ${g.chart.after}`);
  if (g.values.length) parts.push(plural(g.values.length, 'value'));
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

export function changeCount(g: GroupDiff): number {
  return (g.chart ? 1 : 0) + g.values.length + g.objects.reduce((n, o) => n + Math.max(1, o.fields.length), 0) + g.files.length;
}

export function isEmpty(d: TreeDiff): boolean {
  return d.groups.length === 0;
}

function summaryRows(d: TreeDiff): string[][] {
  const envs = [...new Set(d.groups.map((g) => g.env))].sort();
  return envs.map((env) => {
    const gs = d.groups.filter((g) => g.env === env);
    const n = (op: GroupDiff['op']) => gs.filter((g) => g.op === op).length;
    const objects = (op: ObjectChange['op']) => gs.reduce((s, g) => s + g.objects.filter((o) => o.op === op).length, 0);
    return [env, String(n('added')), String(n('removed')), String(n('changed')), `+${objects('added')} -${objects('removed')} ~${objects('changed')}`];
  });
}

export function renderText(d: TreeDiff, base: string): string {
  if (isEmpty(d)) return `No rendered changes against ${base}.\n`;
  const out = [`Rendered diff against ${base}`, ''];
  for (const e of d.envsAdded) out.push(`environment ${e}: added`);
  for (const e of d.envsRemoved) out.push(`environment ${e}: removed`);
  let env = '';
  for (const g of d.groups) {
    if (g.env !== env) {
      env = g.env;
      out.push(`== ${env} ==`);
    }
    out.push(`${g.name}: ${groupSummary(g)}`);
    out.push(...groupLines(g).map((l) => `  ${l}`));
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** GitHub's comment limit is 65536 characters; leave room for the sticky-comment header. */
export const DEFAULT_MARKDOWN_CAP = 60000;

export function renderMarkdown(d: TreeDiff, base: string, cap = DEFAULT_MARKDOWN_CAP): string {
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
  let text = head.join('\n');
  let env = '';
  let cutGroups = 0;
  let cutChanges = 0;
  const footerRoom = 400;
  for (const g of d.groups) {
    const envHeading = g.env !== env ? `\n#### ${g.env}\n\n` : '';
    const body = groupLines(g).join('\n').replace(/```/g, '`\u200b``');
    const block = `${envHeading}<details><summary><code>${g.name}</code>: ${groupSummary(g)}</summary>\n\n\`\`\`diff\n${body}\n\`\`\`\n\n</details>\n`;
    if (cutGroups > 0 || text.length + block.length + footerRoom > cap) {
      cutGroups++;
      cutChanges += changeCount(g);
      continue;
    }
    text += block;
    env = g.env;
  }
  if (cutGroups > 0) {
    text += `\n_${cutGroups} more Application${cutGroups === 1 ? '' : 's'} (${cutChanges} changes) not shown: this comment is capped at ${cap} characters. Run \`npm run diff\` locally for everything._\n`;
  }
  return text;
}
