/**
 * Deterministic YAML output and the atomic write of the output tree.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

/** One YAML document: keys sorted, no line folding, no anchors. Byte-identical for equal input. */
export function toYaml(doc: unknown): string {
  return yaml.dump(doc, { sortKeys: true, lineWidth: -1, noRefs: true, quotingType: '"' });
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
      fs.writeFileSync(file, content);
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

/**
 * Deletes a folder: synchronously when small, otherwise in a detached `rm` so a large replaced tree
 * (tens of thousands of files) does not hold up the command. The folder is a dot-named `.tmp-`
 * sibling that `recoverInterruptedWrite` also removes.
 */
function removeLater(dir: string): void {
  const entries = fs.readdirSync(dir, { recursive: true }).length;
  if (entries < 5000) {
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
