/**
 * Deterministic YAML output and the atomic write of the output tree: only into folders synth made
 * (listed in `<out>/.synth.json`), one synth at a time.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
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
 * The manifest of the folders synth owns in an output folder (`dist/.synth.json`): it replaces or
 * removes a folder there only when the manifest lists it; anything else there is someone else's.
 * Sorted, no pid, no time: it is committed with dist/ like any other file. A top-level file, so
 * the environments' folders hold exactly what was rendered.
 */
export const OWNED_MANIFEST = '.synth.json';

export interface OwnedManifest {
  readonly note: string;
  /** Folders of the output synth wrote, sorted. */
  readonly owned: readonly string[];
}

export function formatOwnedManifest(owned: Iterable<string>): string {
  const manifest: OwnedManifest = {
    note: 'Written by `npm run synth`, which owns the folders listed here: every synth replaces them whole, and removes one once its environment leaves platform.yaml. Files added to them by hand are lost; anything else in this folder is left alone.',
    owned: [...new Set(owned)].sort(),
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The folders the manifest in `outDir` lists (none when there is no manifest; a broken one is an error naming it). */
export function readOwnedManifest(outDir: string): string[] {
  const file = path.join(outDir, OWNED_MANIFEST);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return [];
    throw e;
  }
  let owned: unknown;
  try {
    owned = (JSON.parse(text) as Partial<OwnedManifest>).owned;
  } catch {
    owned = undefined;
  }
  if (!Array.isArray(owned) || !owned.every((x) => typeof x === 'string' && x !== '' && !x.includes('/') && !x.startsWith('.'))) {
    throw new OutputOwnershipError(`${file}: expected {"owned": [folder names]} as synth writes it; delete it (synth takes over folders holding only its own files) or restore it from git`);
  }
  return owned as string[];
}

/** A folder synth was asked to replace but did not make. Nothing has been written. */
export class OutputOwnershipError extends Error {}

export interface WriteTreeOptions {
  /**
   * Also remove every other folder the manifest lists: a full synth, where an owned folder not
   * written this time is an environment no longer configured.
   * @default false
   */
  readonly prune?: boolean;
}

export interface WriteTreeResult {
  /** Files now in the replaced folders (their part of `tree`), plus the manifest. */
  readonly files: number;
  /** Owned folders removed because this write did not produce them (with `prune`). */
  readonly removed: readonly string[];
}

/**
 * Writes `tree` so that `outDir/<sub>` for each sub in `replace` is swapped in whole, never left
 * half-written: everything is rendered into a temporary sibling (named with this process's pid)
 * first, then renamed into place, and `outDir/.synth.json` lists them. A sub that exists but is
 * not listed is replaced only when every file in it is one this write puts there (an earlier
 * synth's output from before the manifest): otherwise nothing is written and OutputOwnershipError
 * names it and the fix. Other children of `outDir` are left as they are, except listed ones with
 * `prune`. Call it holding `lockOutput(outDir)`, after `recoverInterruptedWrite(outDir)`.
 */
export function writeTreeAtomically(outDir: string, tree: FileTree, replace: readonly string[], opts: WriteTreeOptions = {}): WriteTreeResult {
  const resolved = path.resolve(outDir);
  // Listed folders that are gone (deleted by hand) are simply no longer listed.
  const listed = readOwnedManifest(resolved).filter((sub) => exists(path.join(resolved, sub)));
  const refused = replace.flatMap((sub) => {
    const reason = listed.includes(sub) ? undefined : whyNotReplaceable(resolved, sub, tree);
    return reason ? [{ sub, reason }] : [];
  });
  if (refused.length > 0) throw new OutputOwnershipError(refusalMessage(outDir, refused));
  const removed = opts.prune ? listed.filter((sub) => !replace.includes(sub)) : [];

  const parent = path.dirname(resolved);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `${tempPrefix(resolved)}${process.pid}-`));
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
      if (!linkIfUnchanged(path.join(resolved, rel), file, content)) fs.writeFileSync(file, content);
    }
    fs.mkdirSync(resolved, { recursive: true });
    // Listed before the swaps, so a run killed between them still owns what it put in place.
    const manifest = path.join(resolved, OWNED_MANIFEST);
    writeFileAtomically(manifest, formatOwnedManifest([...listed, ...replace]));
    const trash = path.join(tmp, '.replaced');
    fs.mkdirSync(trash);
    for (const sub of replace) {
      const staged = path.join(tmp, sub);
      fs.mkdirSync(staged, { recursive: true });
      swapIn(staged, path.join(resolved, sub), path.join(trash, sub));
    }
    for (const sub of removed) fs.renameSync(path.join(resolved, sub), path.join(trash, sub));
    if (removed.length > 0) writeFileAtomically(manifest, formatOwnedManifest([...listed, ...replace].filter((sub) => !removed.includes(sub))));
  } finally {
    removeLater(tmp);
  }
  const files = [...tree.keys()].filter((rel) => replace.includes(rel.split('/')[0])).length + 1;
  return { files, removed };
}

/** Renames `staged` to `target`; the previous `target` goes to `trash`, or back if the swap fails. */
function swapIn(staged: string, target: string, trash: string): void {
  const old = `${target}.old-${process.pid}`;
  const had = exists(target);
  if (had) fs.renameSync(target, old);
  try {
    fs.renameSync(staged, target);
  } catch (e) {
    if (had) fs.renameSync(old, target);
    throw e;
  }
  if (had) fs.renameSync(old, trash);
}

/**
 * Why an unlisted `outDir/sub` may not be replaced, or undefined when it may: absent, or holding
 * only files `tree` writes again (nothing synth did not make is lost).
 */
function whyNotReplaceable(outDir: string, sub: string, tree: FileTree): string | undefined {
  const dir = path.join(outDir, sub);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    return undefined;
  }
  if (!st.isDirectory()) return 'is a file, not a folder synth wrote';
  const foreign = filesUnder(dir).filter((f) => !f.regular || !tree.has(`${sub}/${f.rel}`));
  if (foreign.length === 0) return undefined;
  const shown = foreign.slice(0, 3).map((f) => `${sub}/${f.rel}`);
  const more = foreign.length > shown.length ? ` and ${foreign.length - shown.length} more` : '';
  return `was not written by synth (${OWNED_MANIFEST} beside it does not list it) and holds files synth does not write: ${shown.join(', ')}${more}`;
}

function refusalMessage(outDir: string, refused: readonly { sub: string; reason: string }[]): string {
  const lines = refused.map(({ sub, reason }) => `${path.join(outDir, sub)} ${reason}`);
  const folders = refused.map(({ sub }) => path.join(outDir, sub)).join(' ');
  return [
    ...lines,
    `synth replaces only folders it wrote, so it wrote nothing. Move ${folders} out of the way (or delete ${refused.length > 1 ? 'them if they are' : 'it if it is'} old synth output), or pass --out with another folder.`,
  ].join('\n');
}

/** Every entry below `dir` that is not a folder (POSIX relative paths); `regular` is false for symlinks and the like. */
function filesUnder(dir: string): { rel: string; regular: boolean }[] {
  const out: { rel: string; regular: boolean }[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), rel);
      else out.push({ rel, regular: e.isFile() });
    }
  };
  walk(dir, '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
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
 * (tens of thousands of files) does not hold up the command. The folder is a dot-named `.tmp-<pid>-`
 * sibling that `recoverInterruptedWrite` also removes once this process is gone.
 */
function removeLater(dir: string): void {
  const entries = fs.readdirSync(dir, { recursive: true }).length;
  if (entries < 500) {
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  }
  spawn('rm', ['-rf', dir], { detached: true, stdio: 'ignore' }).unref();
}

/** `<sub>.old-<pid>`: the previous `<sub>` between the two renames of a swap. */
const OLD_COPY = /^(.*)\.old-(\d+)$/;

/** `.<out>.tmp-`: the prefix of the temporary siblings of `outDir`, followed by the writer's pid. */
function tempPrefix(outDir: string): string {
  return `.${path.basename(outDir)}.tmp-`;
}

/**
 * Cleans up after writes that did not finish, touching only what a dead process left: restores a
 * `<sub>.old-<pid>` left by a synth killed between its two renames, and deletes the temporary
 * siblings of processes no longer running (and unnamed ones from before pids were in the name).
 * Call it holding `lockOutput(outDir)`.
 */
export function recoverInterruptedWrite(outDir: string): void {
  const resolved = path.resolve(outDir);
  const parent = path.dirname(resolved);
  const prefix = tempPrefix(resolved);
  if (exists(parent)) {
    for (const e of fs.readdirSync(parent)) {
      if (!e.startsWith(prefix)) continue;
      const pid = /^(\d+)-/.exec(e.slice(prefix.length));
      if (pid && isOtherLiveProcess(Number(pid[1]))) continue;
      try {
        fs.rmSync(path.join(parent, e), { recursive: true, force: true });
      } catch {
        // A detached `rm` of the same finished write is still deleting it: it will be gone.
      }
    }
  }
  if (!exists(resolved)) return;
  for (const e of fs.readdirSync(resolved)) {
    const m = OLD_COPY.exec(e);
    if (!m || isOtherLiveProcess(Number(m[2]))) continue;
    const target = path.join(resolved, m[1]);
    if (exists(target)) fs.rmSync(path.join(resolved, e), { recursive: true, force: true });
    else fs.renameSync(path.join(resolved, e), target);
  }
}

/** Whether a process with this pid runs on this host (EPERM: it does, as another user). */
export function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM';
  }
}

function isOtherLiveProcess(pid: number): boolean {
  return pid !== process.pid && isRunning(pid);
}

/** Writes a file whole or not at all (temp file, then rename). */
export function writeFileAtomically(file: string, content: string): void {
  const part = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(part, content);
  fs.renameSync(part, file);
}

// ---------------------------------------------------------------------------------------------
// The output lock: one synth writes an output folder at a time.

/** Who holds an output lock (the lock file's JSON). */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly since: string;
}

export interface OutputLockOptions {
  /**
   * How long to wait for another synth to finish writing, in milliseconds.
   * @default OUTPUT_LOCK_DEFAULTS.timeoutMs (10 minutes: a cold synth renders every chart first)
   */
  readonly timeoutMs?: number;
  /** @default OUTPUT_LOCK_DEFAULTS.pollMs */
  readonly pollMs?: number;
  /** Called once, when the lock is held by another run and this one starts waiting. */
  readonly onWait?: (holder: LockHolder | undefined, lockFile: string) => void;
}

export const OUTPUT_LOCK_DEFAULTS = {
  timeoutMs: 600_000,
  pollMs: 100,
  /** A lock or takeover file with no readable holder is a writer killed mid-write once this old. */
  unreadableStaleMs: 10_000,
} as const;

/** Another synth held the output lock for longer than the timeout. */
export class OutputLockTimeoutError extends Error {}

export interface OutputLock {
  readonly file: string;
  /** Deletes the lock file if it is still this process's. Idempotent. */
  release(): void;
}

/** `.<out>.lock` beside the output folder (`.dist.lock`). */
export function outputLockFile(outDir: string): string {
  const resolved = path.resolve(outDir);
  return path.join(path.dirname(resolved), `.${path.basename(resolved)}.lock`);
}

/**
 * Takes the lock on `outDir`: a file created with O_EXCL beside it, naming this process's pid and
 * host. While another live run holds it, polls every `pollMs` until `timeoutMs`, then throws
 * OutputLockTimeoutError naming the holder and the fix. A lock whose holder was on this host and
 * is no longer running is stale and taken over. Released by `release()`, at process exit, and on
 * SIGINT/SIGTERM/SIGHUP (which the write's synchronous renames finish before).
 */
export async function lockOutput(outDir: string, opts: OutputLockOptions = {}): Promise<OutputLock> {
  const file = outputLockFile(outDir);
  const timeoutMs = opts.timeoutMs ?? OUTPUT_LOCK_DEFAULTS.timeoutMs;
  const pollMs = opts.pollMs ?? OUTPUT_LOCK_DEFAULTS.pollMs;
  const deadline = Date.now() + timeoutMs;
  const mine = `${JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() } satisfies LockHolder)}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let waiting = false;
  for (;;) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      return holdLock(file, mine);
    } catch (e) {
      if (errorCode(e) !== 'EEXIST') throw e;
    }
    const seen = readLock(file);
    if (seen === undefined) continue; // released between the two calls: try again at once
    if (isStale(seen) && takeOver(file, seen.text, mine)) continue;
    const left = deadline - Date.now();
    if (left <= 0) throw new OutputLockTimeoutError(lockTimeoutMessage(file, seen.holder, timeoutMs));
    if (!waiting) {
      waiting = true;
      opts.onWait?.(seen.holder, file);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
  }
}

/** Describes a lock's holder for messages: `pid 123 on host ci-7 since 2026-…`. */
export function describeHolder(holder: LockHolder | undefined): string {
  return holder ? `pid ${holder.pid} on host ${holder.host} since ${holder.since}` : 'a run whose lock file is not readable yet';
}

function lockTimeoutMessage(file: string, holder: LockHolder | undefined, timeoutMs: number): string {
  const where = holder && holder.host !== os.hostname() ? ` on host ${holder.host}` : '';
  return (
    `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${file}, held by ${describeHolder(holder)}. ` +
    `If no synth is running${where} any more, delete ${file} and run synth again.`
  );
}

interface SeenLock {
  readonly text: string;
  readonly holder?: LockHolder;
  readonly ageMs: number;
}

function readLock(file: string): SeenLock | undefined {
  try {
    const ageMs = Date.now() - fs.statSync(file).mtimeMs;
    const text = fs.readFileSync(file, 'utf8');
    return { text, ageMs, holder: parseHolder(text) };
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string') return { pid: h.pid, host: h.host, since: h.since };
  } catch {
    // Being written (created, not yet filled), or not ours.
  }
  return undefined;
}

/** A holder on this host that is not running, or a lock nobody finished writing long ago. Other hosts' pids cannot be checked. */
function isStale(seen: SeenLock): boolean {
  if (!seen.holder) return seen.ageMs > OUTPUT_LOCK_DEFAULTS.unreadableStaleMs;
  return seen.holder.host === os.hostname() && !isRunning(seen.holder.pid);
}

/**
 * Deletes the stale lock whose text is `stale`, if it is still that one. Two waiters may find the
 * same stale lock: a second O_EXCL file (`.takeover`) lets one of them check and delete at a time,
 * so none deletes a lock another has just taken. True when the lock was deleted.
 */
function takeOver(file: string, stale: string, mine: string): boolean {
  const guard = `${file}.takeover`;
  try {
    fs.writeFileSync(guard, mine, { flag: 'wx' });
  } catch (e) {
    if (errorCode(e) !== 'EEXIST') throw e;
    // Another waiter is taking over right now; a guard left by one killed in between is dropped once old.
    const left = readLock(guard);
    if (left && left.ageMs > OUTPUT_LOCK_DEFAULTS.unreadableStaleMs) fs.rmSync(guard, { force: true });
    return false;
  }
  try {
    const now = readLock(file);
    if (now?.text !== stale) return false;
    fs.rmSync(file, { force: true });
    return true;
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

const RELEASE_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function holdLock(file: string, mine: string): OutputLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    for (const s of RELEASE_SIGNALS) process.removeListener(s, onSignal);
    process.removeListener('exit', release);
    try {
      if (fs.readFileSync(file, 'utf8') === mine) fs.rmSync(file, { force: true });
    } catch {
      // Already gone (deleted by hand).
    }
  };
  // Released on the signal, then the signal's default (exit) once no one else listens for it.
  const onSignal = (signal: NodeJS.Signals) => {
    release();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  for (const s of RELEASE_SIGNALS) process.once(s, onSignal);
  process.once('exit', release);
  return { file, release };
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function errorCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}
