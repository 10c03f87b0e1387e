/**
 * Deterministic YAML output and the atomic write of the output tree.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

/** One YAML document: keys sorted, no line folding, no anchors. Byte-identical for equal input. */
export function toYaml(doc: unknown): string {
  return yaml.dump(doc, { sortKeys: true, lineWidth: -1, noRefs: true, quotingType: '"' });
}

/**
 * `toYaml` remembered across runs by the content of the object: a rendered chart's objects (tens
 * of MB of CRD schemas) are dumped once, not on every synth. Keyed by the sha1 of the object's
 * JSON, so any change to an object dumps it again; `save` keeps only the entries this run used.
 */
export class YamlMemo {
  private readonly known: Map<string, string>;
  private readonly used = new Map<string, string>();
  private added = 0;

  constructor(private readonly file?: string) {
    let entries: Record<string, string> = {};
    if (file) {
      try {
        entries = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
      } catch {
        // No memo yet (or a torn one): start empty.
      }
    }
    this.known = new Map(Object.entries(entries));
  }

  readonly dump = (doc: unknown): string => {
    const key = createHash('sha1').update(JSON.stringify(doc)).digest('base64');
    let text = this.used.get(key) ?? this.known.get(key);
    if (text === undefined) {
      text = toYaml(doc);
      this.added++;
    }
    this.used.set(key, text);
    return text;
  };

  save(): void {
    if (!this.file || (this.added === 0 && this.used.size === this.known.size)) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const part = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(part, JSON.stringify(Object.fromEntries(this.used)));
    fs.renameSync(part, this.file);
  }
}

export function toYamlDocuments(docs: readonly unknown[]): string {
  return docs.map(toYaml).join('---\n');
}

/** Relative path (POSIX separators) → file content. */
export type FileTree = Map<string, string>;

export function addFile(tree: FileTree, file: string, content: string): void {
  if (tree.has(file)) throw new Error(`two outputs want the same file: ${file}`);
  tree.set(file, content);
}

/**
 * Writes `tree` so that `outDir/<sub>` for each sub in `replace` is swapped in whole, never left
 * half-written: everything is rendered into a temporary sibling first, then renamed into place.
 * Other children of `outDir` are left as they are.
 */
export function writeTreeAtomically(outDir: string, tree: FileTree, replace: readonly string[]): void {
  const parent = path.dirname(path.resolve(outDir));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(outDir)}.tmp-`));
  try {
    const made = new Set<string>();
    for (const [rel, content] of [...tree.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const file = path.join(tmp, rel);
      const dir = path.dirname(file);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      // A file whose content did not change is linked from the current tree instead of written:
      // most of dist (rendered CRDs) is the same from one synth to the next.
      if (!linkIfUnchanged(path.join(outDir, rel), file, content)) fs.writeFileSync(file, content);
    }
    fs.mkdirSync(outDir, { recursive: true });
    const trash = path.join(tmp, '.replaced');
    fs.mkdirSync(trash);
    for (const sub of replace) {
      const target = path.join(outDir, sub);
      const staged = path.join(tmp, sub);
      if (!fs.existsSync(staged)) fs.mkdirSync(staged, { recursive: true });
      const old = `${target}.old-${process.pid}`;
      if (fs.existsSync(target)) fs.renameSync(target, old);
      fs.renameSync(staged, target);
      if (fs.existsSync(old)) fs.renameSync(old, path.join(trash, sub));
    }
  } finally {
    removeLater(tmp);
  }
}

/** Hard-links `current` to `staged` when it holds exactly `content`; false when it does not (or cannot). */
function linkIfUnchanged(current: string, staged: string, content: string): boolean {
  try {
    const st = fs.statSync(current);
    if (!st.isFile() || st.size !== Buffer.byteLength(content)) return false;
    if (fs.readFileSync(current, 'utf8') !== content) return false;
    fs.linkSync(current, staged);
    return true;
  } catch {
    return false;
  }
}

/**
 * Deletes a folder: synchronously when small, otherwise in a detached `rm` so a large replaced tree
 * (tens of thousands of files) does not hold up the command. The folder is a dot-named `.tmp-`
 * sibling that `recoverInterruptedWrite` also removes.
 */
function removeLater(dir: string): void {
  const entries = fs.readdirSync(dir, { recursive: true }).length;
  if (entries < 500) {
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  }
  spawn('rm', ['-rf', dir], { detached: true, stdio: 'ignore' }).unref();
}

/** Restores a `<sub>.old-*` left by a synth killed between its two renames, and drops stale temp dirs. */
export function recoverInterruptedWrite(outDir: string): void {
  const parent = path.dirname(path.resolve(outDir));
  if (fs.existsSync(parent)) {
    for (const e of fs.readdirSync(parent)) {
      if (e.startsWith(`.${path.basename(outDir)}.tmp-`)) fs.rmSync(path.join(parent, e), { recursive: true, force: true });
    }
  }
  if (!fs.existsSync(outDir)) return;
  for (const e of fs.readdirSync(outDir)) {
    const m = /^(.*)\.old-\d+$/.exec(e);
    if (!m) continue;
    const target = path.join(outDir, m[1]);
    if (fs.existsSync(target)) fs.rmSync(path.join(outDir, e), { recursive: true, force: true });
    else fs.renameSync(path.join(outDir, e), target);
  }
}
