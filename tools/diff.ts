// CLI: what a change does to the rendered output, per environment and Application, field by field.
//   npm run diff -- [--base REF] [--format text|markdown] [--config FILE] [--render-base]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { labelDomainOf } from '../config/defaults';
import { loadConfigFile } from '../config/load';
import { DEFAULT_MARKDOWN_CAP, diffTrees, isEmpty, renderMarkdown, renderText } from '../lib/diff';
import { parseFlags, runCliAsync, UsageError } from '../lib/cli';
import { FileTree } from '../lib/output';
import { DIST_PATH, renderAll } from '../synth';

export const USAGE = `Usage: npm run diff -- [--base REF] [--format text|markdown] [--config FILE]
                       [--render-base] [--max-chars N] [--exit-code]

Renders the working tree (the current code and platform.yaml) and compares it with the output at
the base ref. Per environment: first one line per chart (or vendored source) whose version changed,
read from the Applications' <labelDomain>/source annotation (labelDomain as the config sets it,
default platform.<dns.domain>), with how many files under manifests/<id>/ changed, were added and
removed, e.g.
  cert-manager v1.21.1 → v1.22.0: 4 objects changed, 1 added, 0 removed
then per Application the objects added and removed (kind and name) and each changed object field
by field (JSON paths, old → new). A changed list shows the elements added and removed (the whole
list when short); values are never cut.

The base output is the ${DIST_PATH}/ tree committed at REF (what Argo CD runs from). When REF has no
${DIST_PATH}/, or with --render-base, REF is checked out into a temporary git worktree and rendered
with its own build (node scripts/build.mjs && node build/main.js).

Options:
  --base REF        git ref to compare with (default: the merge base of HEAD and the default
                    branch: origin/HEAD, else origin/main, origin/master, main, master)
  --format FORMAT   text (default) or markdown (a PR comment: one collapsible block per
                    Application, capped at --max-chars by leaving out whole objects)
  --config FILE     platform config of the working tree (default: platform.yaml)
  --render-base     render REF instead of reading its committed ${DIST_PATH}/
  --max-chars N     markdown size cap (default ${DEFAULT_MARKDOWN_CAP}); objects that do not fit are
                    left out whole and counted
  --exit-code       exit 1 when something changed (like git diff --exit-code)
  -h, --help        this text

No change prints so and exits 0.`;

export interface DiffOptions {
  readonly base?: string;
  readonly format: 'text' | 'markdown';
  readonly config: string;
  readonly renderBase: boolean;
  readonly maxChars: number;
  readonly exitCode: boolean;
}

export { UsageError };

export function parseArgs(argv: readonly string[]): DiffOptions | 'help' {
  const f = parseFlags(argv, { values: ['--base', '--format', '--config', '--max-chars'], switches: ['--render-base', '--exit-code'] });
  if (f === 'help') return 'help';
  const format = f.values.get('--format') ?? 'text';
  if (format !== 'text' && format !== 'markdown') throw new UsageError(`--format must be text or markdown, got "${format}"`);
  const maxChars = Number(f.values.get('--max-chars') ?? DEFAULT_MARKDOWN_CAP);
  if (!Number.isInteger(maxChars) || maxChars < 1000) throw new UsageError(`--max-chars must be a whole number of at least 1000, got "${f.values.get('--max-chars')}"`);
  return {
    ...(f.values.has('--base') ? { base: f.values.get('--base') } : {}),
    format,
    config: f.values.get('--config') ?? 'platform.yaml',
    renderBase: f.switches.has('--render-base'),
    maxChars,
    exitCode: f.switches.has('--exit-code'),
  };
}

/** A git failure or a base that cannot be found or rendered. */
export class GitError extends Error {}

function git(args: readonly string[], cwd: string): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw new GitError(`git ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new GitError(`git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

function tryGit(args: readonly string[], cwd: string): string | undefined {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export interface BaseRef {
  /** What the user asked for, or how the default was found. */
  readonly label: string;
  readonly sha: string;
}

/** The explicit ref, or the merge base of HEAD and the first default-branch candidate that exists. */
export function resolveBase(cwd: string, explicit?: string): BaseRef {
  if (explicit) {
    const sha = tryGit(['rev-parse', '--verify', '--quiet', `${explicit}^{commit}`], cwd);
    if (!sha) throw new GitError(`--base ${explicit}: no such commit in this repository`);
    return { label: explicit, sha };
  }
  for (const candidate of ['origin/HEAD', 'origin/main', 'origin/master', 'main', 'master']) {
    if (!tryGit(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], cwd)) continue;
    const sha = tryGit(['merge-base', 'HEAD', candidate], cwd);
    if (sha) return { label: `merge-base(HEAD, ${candidate})`, sha };
  }
  throw new GitError('no default branch found (tried origin/HEAD, origin/main, origin/master, main, master); pass --base REF');
}

/** Git's object id of a blob with this content (sha1, or sha256 in a repository using it). */
function blobId(content: string, algorithm: 'sha1' | 'sha256'): string {
  return createHash(algorithm).update(`blob ${Buffer.byteLength(content)}\0`).update(content).digest('hex');
}

/**
 * The rendered tree committed at `sha` under `distDir` (relative to the repository root), or
 * undefined. Given `known` (the tree it will be compared with), files whose blob is that same
 * content are not read from git: the known text is reused, so only the files that differ are read.
 */
export function committedTree(cwd: string, sha: string, distDir: string, known?: FileTree): FileTree | undefined {
  const entries = git(['ls-tree', '-r', '-z', '--full-tree', sha, '--', `${distDir}/`], cwd)
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [, type, id] = line.slice(0, tab).split(' ');
      return { type, id, name: line.slice(tab + 1) };
    })
    .filter((e) => e.type === 'blob');
  if (entries.length === 0) return undefined;
  const tree: FileTree = new Map();
  const toRead: { id: string; rel: string }[] = [];
  for (const e of entries) {
    const rel = e.name.slice(distDir.length + 1);
    const same = known?.get(rel);
    if (same !== undefined && blobId(same, e.id.length === 64 ? 'sha256' : 'sha1') === e.id) tree.set(rel, same);
    else {
      tree.set(rel, '');
      toRead.push({ id: e.id, rel });
    }
  }
  if (toRead.length === 0) return tree;
  const r = spawnSync('git', ['cat-file', '--batch'], { cwd, input: toRead.map((e) => `${e.id}\n`).join(''), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new GitError(`git cat-file --batch failed: ${r.stderr.toString().trim()}`);
  const out = r.stdout;
  let at = 0;
  for (const { rel } of toRead) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString('utf8');
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) throw new GitError(`git cat-file: unexpected header "${header}" for ${rel}`);
    const size = Number(m[2]);
    tree.set(rel, out.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    at = eol + 1 + size + 1;
  }
  return tree;
}

export function readTree(dir: string): FileTree {
  const tree: FileTree = new Map();
  const walk = (sub: string) => {
    for (const e of fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else if (e.isFile()) tree.set(rel, fs.readFileSync(path.join(dir, rel), 'utf8'));
    }
  };
  walk('');
  return tree;
}

/** Checks `sha` out into a temporary worktree and renders it with its own build. */
export function renderedTree(cwd: string, sha: string, prefix: string): FileTree {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-diff-'));
  const worktree = path.join(tmp, 'tree');
  const out = path.join(tmp, 'out');
  git(['worktree', 'add', '--detach', '--quiet', worktree, sha], cwd);
  try {
    const project = path.join(worktree, prefix);
    const modules = path.join(cwd, 'node_modules');
    if (fs.existsSync(modules) && !fs.existsSync(path.join(project, 'node_modules'))) fs.symlinkSync(modules, path.join(project, 'node_modules'), 'dir');
    if (!fs.existsSync(path.join(project, 'scripts', 'build.mjs'))) throw new GitError(`${sha.slice(0, 12)} has no scripts/build.mjs to render it with`);
    const run = (args: string[]) => {
      const r = spawnSync(process.execPath, args, { cwd: project, encoding: 'utf8', maxBuffer: 1 << 28 });
      if (r.status !== 0) throw new GitError(`rendering ${sha.slice(0, 12)}: node ${args.join(' ')} failed:\n${(r.stderr || r.stdout).trim()}`);
    };
    run(['scripts/build.mjs']);
    const main = fs.readFileSync(path.join(project, 'main.ts'), 'utf8');
    run(['build/main.js', '--out', out, ...(main.includes('--skip-capacity-check') ? ['--skip-capacity-check'] : [])]);
    return readTree(out);
  } finally {
    spawnSync('git', ['worktree', 'remove', '--force', worktree], { cwd });
    spawnSync('git', ['worktree', 'prune'], { cwd });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export async function diff(opts: DiffOptions, cwd = process.cwd()): Promise<{ output: string; changed: boolean }> {
  const prefix = git(['rev-parse', '--show-prefix'], cwd).trim().replace(/\/$/, '');
  const distDir = prefix ? `${prefix}/${DIST_PATH}` : DIST_PATH;
  const base = resolveBase(cwd, opts.base);
  const config = loadConfigFile(path.resolve(cwd, opts.config));
  const after = await renderAll(config);
  const committed = opts.renderBase ? undefined : committedTree(cwd, base.sha, distDir, after);
  const before = committed ?? renderedTree(cwd, base.sha, prefix);
  const label = `${base.label} @ ${base.sha.slice(0, 12)}${committed ? ` (committed ${DIST_PATH}/)` : ' (rendered)'}`;
  // The base is read with the working tree's key: a changed labelDomain shows as the annotation renamed.
  const d = diffTrees(before, after, { sourceAnnotation: labelDomainOf(config).source });
  return { output: opts.format === 'markdown' ? renderMarkdown(d, label, opts.maxChars) : renderText(d, label), changed: !isEmpty(d) };
}

export function main(argv: readonly string[]): Promise<number> {
  // 1 means "changed" with --exit-code, so failures exit 2.
  return runCliAsync(
    USAGE,
    async () => {
      const opts = parseArgs(argv);
      if (opts === 'help') {
        console.log(USAGE);
        return 0;
      }
      const { output, changed } = await diff(opts);
      process.stdout.write(output);
      return opts.exitCode && changed ? 1 : 0;
    },
    2,
  );
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
