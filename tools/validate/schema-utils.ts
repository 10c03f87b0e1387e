// Helpers for JSON Schema documents: walking the schema positions of a schema, translating Go
// regular expressions, sharing repeated subtrees so Ajv compiles them once.
import { createHash } from 'node:crypto';
import { isObject } from './errors';

export type JsonObject = Record<string, unknown>;

export function withoutKeys(node: JsonObject, keys: readonly string[]): JsonObject {
  return Object.fromEntries(Object.entries(node).filter(([k]) => !keys.includes(k)));
}

// Schema rewriting. mapSchema walks only schema positions (never enum/default/example values).

export interface NodeContext {
  /** Direct member of anyOf/oneOf/allOf/not: closing it would reject its siblings' fields. */
  readonly isBranch: boolean;
}

export type NodeVisitor = (node: JsonObject, ctx: NodeContext) => JsonObject;

const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas'];
const SCHEMA_KEYWORDS = [
  'items', 'additionalItems', 'additionalProperties', 'if', 'then', 'else', 'contains',
  'propertyNames', 'unevaluatedProperties', 'unevaluatedItems',
];
const BRANCH_KEYWORDS = ['anyOf', 'oneOf', 'allOf', 'not'];

/** Shallow copy of a schema node with each child schema replaced by `fn(child, isBranch)`. */
export function mapChildren(node: JsonObject, fn: (child: unknown, isBranch: boolean) => unknown): JsonObject {
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

export function rewrite(schema: JsonObject, visit: NodeVisitor): JsonObject {
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

/** Where shared subtrees go: `#/definitions` of the schema itself, or schemas registered apart. */
export interface SubschemaStore {
  /** The `$ref` for a subtree with this hash; `define` is called once per hash to register it. */
  ref(hash: string, define: () => JsonObject): string;
}

/**
 * CRDs repeat big subtrees (Argo's ApplicationSet nests the same generator and template schemas
 * dozens of times: 2 MB of JSON), and CRDs of one tree share many more (every operator embeds
 * the Pod template, Affinity, Volume...). Ajv generates code per occurrence, so such subtrees
 * become `$ref`s and compile once: into the schema's own `definitions` (repeated subtrees only),
 * or, with a `store`, into schemas registered once for all the CRDs compiled with that store.
 * Nodes inside anyOf/oneOf branches stay inline so that a composition's errors share its
 * schemaPath (see formatErrors).
 */
export function dedupeSubschemas(schema: JsonObject, store?: SubschemaStore): JsonObject {
  const { info, counts } = hashNodes(schema);
  const definitions: JsonObject = {};
  const local: SubschemaStore = {
    ref(hash, define) {
      const name = `${DEDUPE_PREFIX}${hash}`;
      if (!(name in definitions)) {
        definitions[name] = true; // placeholder guards against re-entry
        definitions[name] = define();
      }
      return `#/definitions/${name}`;
    },
  };
  const target = store ?? local;
  const rewriteNode = (node: unknown, inBranch: boolean, isTop: boolean): unknown => {
    if (!isObject(node)) return node;
    const meta = info.get(node);
    const repeated = store !== undefined || (meta !== undefined && (counts.get(meta.hash) ?? 0) > 1);
    if (!isTop && !inBranch && meta && meta.size >= DEDUPE_MIN_SIZE && repeated) {
      return { $ref: target.ref(meta.hash, () => rewriteNode(node, false, true) as JsonObject) };
    }
    return mapChildren(node, (child, isBranch) => rewriteNode(child, inBranch || isBranch, false));
  };
  const rewritten = rewriteNode(schema, false, true) as JsonObject;
  if (Object.keys(definitions).length === 0) return rewritten;
  const existing = isObject(rewritten.definitions) ? rewritten.definitions : {};
  return { ...rewritten, definitions: { ...existing, ...definitions } };
}
