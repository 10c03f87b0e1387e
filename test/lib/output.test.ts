import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FileTree,
  lockOutput,
  OUTPUT_LOCK_DEFAULTS,
  OutputLockTimeoutError,
  OutputOwnershipError,
  outputLockFile,
  OWNED_MANIFEST,
  readOwnedManifest,
  recoverInterruptedWrite,
  writeTreeAtomically,
} from '../../lib/output';

/** A fresh parent folder; the output is `<parent>/dist`, so temp siblings and the lock land in the parent. */
const parents: string[] = [];
function outDir(): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'output-'));
  parents.push(parent);
  return path.join(parent, 'dist');
}
afterAll(() => {
  for (const dir of parents) fs.rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

/** Every entry below `dir` (folders end in /) with file contents. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        out[`${path.relative(dir, p)}/`] = '';
        walk(p);
      } else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

function tree(entries: Record<string, string>): FileTree {
  return new Map(Object.entries(entries));
}

const TREE = tree({ 'dev/a.yaml': 'a: 1\n', 'dev/sub/b.yaml': 'b: 2\n', 'prod/a.yaml': 'a: 3\n' });

function writeLock(out: string, holder: { pid: number; host: string; since?: string }): string {
  const file = outputLockFile(out);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ since: '2026-01-01T00:00:00.000Z', ...holder }));
  return file;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

/** A process that stays alive until the test ends. */
function livePid(): number {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

describe('writeTreeAtomically: synth owns the folders it writes', () => {
  it('lists the folders it writes in a sorted manifest beside them, and nothing else in those folders', () => {
    const out = outDir();
    expect(writeTreeAtomically(out, TREE, ['prod', 'dev'])).toEqual({ files: 4, removed: [] });
    const text = fs.readFileSync(path.join(out, OWNED_MANIFEST), 'utf8');
    expect(JSON.parse(text).owned).toEqual(['dev', 'prod']);
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT|"pid"|\d{5,}/);
    expect(snapshot(path.join(out, 'dev'))).toEqual({ 'a.yaml': 'a: 1\n', 'sub/': '', 'sub/b.yaml': 'b: 2\n' });
    // The same write again: the same bytes.
    writeTreeAtomically(out, TREE, ['dev', 'prod']);
    expect(fs.readFileSync(path.join(out, OWNED_MANIFEST), 'utf8')).toBe(text);
  });

  it('adds to the manifest when it writes one folder, and drops folders deleted by hand', () => {
    const out = outDir();
    writeTreeAtomically(out, TREE, ['dev']);
    writeTreeAtomically(out, TREE, ['prod']);
    expect(readOwnedManifest(out)).toEqual(['dev', 'prod']);
    fs.rmSync(path.join(out, 'dev'), { recursive: true });
    writeTreeAtomically(out, TREE, ['prod']);
    expect(readOwnedManifest(out)).toEqual(['prod']);
  });

  it('refuses a manifest it cannot read, naming it and the fix', () => {
    const out = outDir();
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, OWNED_MANIFEST), JSON.stringify({ owned: ['../home'] }));
    expect(() => writeTreeAtomically(out, TREE, ['dev'], { prune: true })).toThrow(`${path.join(out, OWNED_MANIFEST)}: expected {"owned": [folder names]}`);
    expect(fs.existsSync(path.join(out, 'dev'))).toBe(false);
  });

  it('refuses to replace a folder it did not write, naming it, the foreign file and the fix, and writes nothing', () => {
    const out = outDir();
    fs.mkdirSync(path.join(out, 'prod'), { recursive: true });
    fs.writeFileSync(path.join(out, 'prod', 'notes.txt'), 'mine');
    const parent = path.dirname(out);
    const before = snapshot(parent);
    let error: unknown;
    try {
      writeTreeAtomically(out, TREE, ['dev', 'prod']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutputOwnershipError);
    const message = (error as Error).message;
    expect(message).toContain(`${path.join(out, 'prod')} was not written by synth (${OWNED_MANIFEST} beside it does not list it)`);
    expect(message).toContain('prod/notes.txt');
    expect(message).toMatch(/Move .*prod out of the way .* or pass --out with another folder/);
    expect(message).not.toContain(path.join(out, 'dev'));
    // Nothing written: no dev/, no temporary sibling, the user's file as it was.
    expect(snapshot(parent)).toEqual(before);
  });

  it('refuses a file where it would write a folder', () => {
    const out = outDir();
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'dev'), 'a file');
    expect(() => writeTreeAtomically(out, TREE, ['dev'])).toThrow(`${path.join(out, 'dev')} is a file, not a folder synth wrote`);
    expect(fs.readFileSync(path.join(out, 'dev'), 'utf8')).toBe('a file');
  });

  it('takes over an unlisted folder whose every file is one it writes (output from before the manifest)', () => {
    const out = outDir();
    fs.mkdirSync(path.join(out, 'dev', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(out, 'dev', 'a.yaml'), 'old\n');
    fs.writeFileSync(path.join(out, 'dev', 'sub', 'b.yaml'), 'old\n');
    writeTreeAtomically(out, TREE, ['dev']);
    expect(fs.readFileSync(path.join(out, 'dev', 'a.yaml'), 'utf8')).toBe('a: 1\n');
    expect(readOwnedManifest(out)).toEqual(['dev']);
  });

  it('replaces a listed folder whole, user files in it included', () => {
    const out = outDir();
    writeTreeAtomically(out, TREE, ['dev']);
    fs.writeFileSync(path.join(out, 'dev', 'stray.txt'), 'x');
    writeTreeAtomically(out, TREE, ['dev']);
    expect(fs.existsSync(path.join(out, 'dev', 'stray.txt'))).toBe(false);
  });

  it('with prune, removes listed folders it did not write this time and leaves the rest', () => {
    const out = outDir();
    writeTreeAtomically(out, tree({ ...Object.fromEntries(TREE), 'qa/a.yaml': 'q\n' }), ['dev', 'prod', 'qa']);
    fs.mkdirSync(path.join(out, 'docs'));
    fs.writeFileSync(path.join(out, 'docs', 'notes.txt'), 'mine');
    fs.writeFileSync(path.join(out, 'README.md'), 'mine');
    const { removed } = writeTreeAtomically(out, TREE, ['dev', 'prod'], { prune: true });
    expect(removed).toEqual(['qa']);
    expect(fs.readdirSync(out).sort()).toEqual([OWNED_MANIFEST, 'README.md', 'dev', 'docs', 'prod']);
    expect(readOwnedManifest(out)).toEqual(['dev', 'prod']);
    expect(fs.readFileSync(path.join(out, 'docs', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('without prune (one environment), leaves the other listed folders', () => {
    const out = outDir();
    writeTreeAtomically(out, TREE, ['dev', 'prod']);
    const { removed } = writeTreeAtomically(out, tree({ 'dev/a.yaml': 'new\n' }), ['dev']);
    expect(removed).toEqual([]);
    expect(fs.readFileSync(path.join(out, 'prod', 'a.yaml'), 'utf8')).toBe('a: 3\n');
  });
});

describe('recoverInterruptedWrite', () => {
  it('restores the folder a dead run left between its two renames, and removes its temporary folder', () => {
    const out = outDir();
    writeTreeAtomically(out, TREE, ['dev', 'prod']);
    const before = snapshot(out);
    const pid = deadPid();
    fs.renameSync(path.join(out, 'dev'), path.join(out, `dev.old-${pid}`));
    const tmp = path.join(path.dirname(out), `.dist.tmp-${pid}-abcdef`);
    fs.mkdirSync(path.join(tmp, 'dev'), { recursive: true });
    recoverInterruptedWrite(out);
    expect(snapshot(out)).toEqual(before);
    expect(fs.existsSync(tmp)).toBe(false);
  });

  it('leaves the temporary folder and the old copy of a run that is still alive', () => {
    const out = outDir();
    writeTreeAtomically(out, TREE, ['dev']);
    const pid = livePid();
    const tmp = path.join(path.dirname(out), `.dist.tmp-${pid}-abcdef`);
    fs.mkdirSync(path.join(tmp, 'dev'), { recursive: true });
    fs.mkdirSync(path.join(out, `prod.old-${pid}`));
    recoverInterruptedWrite(out);
    expect(fs.existsSync(tmp)).toBe(true);
    expect(fs.existsSync(path.join(out, `prod.old-${pid}`))).toBe(true);
    expect(fs.existsSync(path.join(out, 'prod'))).toBe(false);
  });

  it('removes temporary folders without a pid (from before pids were in the name) and no other sibling', () => {
    const out = outDir();
    const parent = path.dirname(out);
    fs.mkdirSync(path.join(parent, '.dist.tmp-Xy12zQ'));
    fs.mkdirSync(path.join(parent, '.other.tmp-1-abcdef'));
    recoverInterruptedWrite(out);
    expect(fs.readdirSync(parent)).toEqual(['.other.tmp-1-abcdef']);
  });
});

describe('lockOutput', () => {
  it('creates the lock beside the output, naming its pid and host, and deletes it on release', async () => {
    const out = outDir();
    const lock = await lockOutput(out);
    expect(lock.file).toBe(path.join(path.dirname(out), '.dist.lock'));
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
    lock.release();
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
  });

  it('takes over a stale lock whose holder on this host is no longer running', async () => {
    const out = outDir();
    writeLock(out, { pid: deadPid(), host: os.hostname() });
    const onWait = jest.fn();
    const lock = await lockOutput(out, { timeoutMs: 1000, onWait });
    expect(onWait).not.toHaveBeenCalled();
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock nobody finished writing long ago', async () => {
    const out = outDir();
    const file = outputLockFile(out);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    const old = (Date.now() - OUTPUT_LOCK_DEFAULTS.unreadableStaleMs - 5000) / 1000;
    fs.utimesSync(file, old, old);
    const lock = await lockOutput(out, { timeoutMs: 1000 });
    lock.release();
  });

  it('waits for a live holder, says so once, and gets the lock when it is released', async () => {
    const out = outDir();
    const first = await lockOutput(out);
    const onWait = jest.fn();
    let got = false;
    const second = lockOutput(out, { timeoutMs: 5000, pollMs: 20, onWait }).then((l) => {
      got = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toBe(false);
    expect(onWait).toHaveBeenCalledTimes(1);
    expect(onWait.mock.calls[0][0]).toMatchObject({ pid: process.pid, host: os.hostname() });
    first.release();
    const lock = await second;
    expect(got).toBe(true);
    lock.release();
  });

  it('gives one waiter at a time the lock when several take over the same stale lock', async () => {
    const out = outDir();
    writeLock(out, { pid: deadPid(), host: os.hostname() });
    let holders = 0;
    let most = 0;
    await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const lock = await lockOutput(out, { timeoutMs: 5000, pollMs: 5 });
        holders++;
        most = Math.max(most, holders);
        await new Promise((r) => setTimeout(r, 30));
        holders--;
        lock.release();
      }),
    );
    expect(most).toBe(1);
  });

  it('times out on a live holder with a message naming it and the fix', async () => {
    const out = outDir();
    const pid = livePid();
    const file = writeLock(out, { pid, host: os.hostname() });
    const started = Date.now();
    await expect(lockOutput(out, { timeoutMs: 300, pollMs: 20 })).rejects.toThrow(OutputLockTimeoutError);
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(lockOutput(out, { timeoutMs: 0 })).rejects.toThrow(`held by pid ${pid} on host ${os.hostname()}`);
    await expect(lockOutput(out, { timeoutMs: 0 })).rejects.toThrow(`delete ${file} and run synth again`);
    expect(fs.existsSync(file)).toBe(true);
  });

  it('never takes over a lock held on another host, whose pid it cannot check', async () => {
    const out = outDir();
    const file = writeLock(out, { pid: deadPid(), host: 'build-agent-7' });
    await expect(lockOutput(out, { timeoutMs: 100, pollMs: 20 })).rejects.toThrow(/held by pid \d+ on host build-agent-7 .*If no synth is running on host build-agent-7 any more, delete/);
    expect(fs.existsSync(file)).toBe(true);
  });

  it('does not delete a lock that is no longer its own', async () => {
    const out = outDir();
    const lock = await lockOutput(out);
    const other = writeLock(out, { pid: 1, host: 'elsewhere' });
    lock.release();
    expect(fs.existsSync(other)).toBe(true);
  });
});
