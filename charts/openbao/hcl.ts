/**
 * The OpenBao server configuration (HCL), rendered from typed input. Values are written as HCL
 * literals (strings JSON-escaped, which HCL accepts), so nothing is spliced in unescaped.
 */

export type HclValue = string | number | boolean | readonly HclValue[] | { readonly [key: string]: HclValue };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** One HCL value: `"text"`, `3`, `true`, `["a", "b"]` or a `{ key = value }` map. */
export function hclValue(v: HclValue, indent = ''): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${(v as readonly HclValue[]).map((x) => hclValue(x, indent)).join(', ')}]`;
  const entries = Object.entries(v as { readonly [key: string]: HclValue });
  if (entries.length === 0) return '{}';
  const inner = `${indent}  `;
  const lines = entries.map(([k, x]) => `${inner}${IDENTIFIER.test(k) ? k : JSON.stringify(k)} = ${hclValue(x, inner)}`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/** A block `type "label" ... { attributes and nested blocks }`. */
export interface HclBlock {
  readonly type: string;
  readonly labels?: readonly string[];
  readonly attributes?: { readonly [key: string]: HclValue };
  readonly blocks?: readonly HclBlock[];
}

export function hclBlock(b: HclBlock, indent = ''): string {
  const head = [b.type, ...(b.labels ?? []).map((l) => JSON.stringify(l))].join(' ');
  const inner = `${indent}  `;
  const body = [
    ...Object.entries(b.attributes ?? {}).map(([k, v]) => `${inner}${k} = ${hclValue(v, inner)}`),
    ...(b.blocks ?? []).map((child) => hclBlock(child, inner)),
  ];
  return body.length === 0 ? `${indent}${head} {}` : `${indent}${head} {\n${body.join('\n')}\n${indent}}`;
}

/** One API request of a self-initialization `initialize` block. */
export interface InitRequest {
  readonly name: string;
  readonly operation: 'create' | 'update' | 'read' | 'delete';
  readonly path: string;
  readonly data: { readonly [key: string]: HclValue };
}

/** An `initialize "<name>" { request "<name>" { ... } }` stanza (OpenBao 2.4+ declarative self-initialization). */
export function initializeBlock(name: string, requests: readonly InitRequest[]): HclBlock {
  const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
  for (const n of [name, ...requests.map((r) => r.name)]) {
    if (!NAME.test(n)) throw new Error(`openbao: self-init block name "${n}" must match ${NAME} (OpenBao rejects it otherwise)`);
  }
  return {
    type: 'initialize',
    labels: [name],
    blocks: requests.map((r) => ({
      type: 'request',
      labels: [r.name],
      attributes: { operation: r.operation, path: r.path, data: r.data },
    })),
  };
}

/** An ACL policy rule: `path "<path>" { capabilities = [...] }`. */
export interface PolicyRule {
  readonly path: string;
  readonly capabilities: readonly ('create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny')[];
}

/** The policy document OpenBao stores (itself HCL, passed as one string). */
export function policyDocument(rules: readonly PolicyRule[]): string {
  return rules.map((r) => hclBlock({ type: 'path', labels: [r.path], attributes: { capabilities: r.capabilities } })).join('\n');
}
