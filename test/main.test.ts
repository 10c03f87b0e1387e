import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { parseArgs, UsageError } from '../main';
import { FIXTURE_CONFIG_TEXT, FIXTURES, ROOT } from './support';

const CLI = path.join(ROOT, 'build', 'main.js');

/**
 * Where the CLI runs: a folder with the fixture config and its permissions lock, so its default
 * platform.yaml is the fixture and what synth writes beside the config (renovate.json) lands there.
 */
let project = '';

beforeAll(() => {
  execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT });
  project = tmp();
  for (const f of ['platform.yaml', 'permissions.lock.json']) fs.copyFileSync(path.join(FIXTURES, f), path.join(project, f));
});

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync('node', [CLI, ...args], { cwd: project, encoding: 'utf8', env: { ...process.env, ...env } });
}

/** `run` without waiting: for runs started at the same time. */
function runAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [CLI, ...args], { cwd: project });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync('node', ['-e', '']).pid!;
}

const made: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every file below `dir` with its content. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

describe('npm run synth', () => {
  it('parses its flags and rejects unknown ones', () => {
    expect(parseArgs(['--config', 'a.yaml', '--env=dev', '--out', 'o'])).toEqual({ config: 'a.yaml', env: 'dev', out: 'o' });
    expect(parseArgs(['--help'])).toBe('help');
    expect(() => parseArgs(['--nope'])).toThrow(UsageError);
    expect(() => parseArgs(['--out'])).toThrow('--out needs a value');
    expect(parseArgs(['--lock-timeout', '30'])).toEqual({ config: 'platform.yaml', out: 'dist', lockTimeoutSeconds: 30 });
    expect(() => parseArgs(['--lock-timeout', '1m'])).toThrow('--lock-timeout: expected a whole number of seconds, got "1m"');
    expect(parseArgs(['--strict', '--env', 'prod'])).toEqual({ config: 'platform.yaml', out: 'dist', env: 'prod', strict: true });
  });

  it('prints usage with --help', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: npm run synth -- [--config FILE] [--env NAME] [--out DIR]');
  });

  it('renders every environment, byte-identically in another timezone and locale', () => {
    const a = tmp();
    const b = tmp();
    expect(run(['--out', a]).status).toBe(0);
    expect(run(['--out', b], { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' }).status).toBe(0);
    const sa = snapshot(a);
    expect(Object.keys(sa).some((f) => f.startsWith('prod/eksctl/cluster.yaml'))).toBe(true);
    expect(snapshot(b)).toEqual(sa);
  });

  it('renders only the named environment and leaves the others untouched', () => {
    const out = tmp();
    fs.mkdirSync(path.join(out, 'prod'));
    fs.writeFileSync(path.join(out, 'prod', 'keep.txt'), 'x');
    expect(run(['--out', out, '--env', 'dev']).status).toBe(0);
    expect(fs.readFileSync(path.join(out, 'prod', 'keep.txt'), 'utf8')).toBe('x');
    expect(fs.existsSync(path.join(out, 'dev', 'eksctl', 'cluster.yaml'))).toBe(true);
  });

  it('fails on bad input with status 1, the key path and fix, no stack trace, and the output folder as it was', () => {
    const out = tmp();
    expect(run(['--out', out]).status).toBe(0);
    const before = snapshot(out);
    const bad = path.join(tmp(), 'platform.yaml');
    fs.writeFileSync(bad, FIXTURE_CONFIG_TEXT.replace('port: 8080', 'port: http'));
    const r = run(['--config', bad, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('services[0].port: expected an integer 1-65535, got "http"');
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(snapshot(out)).toEqual(before);
  });

  it('names a missing config file', () => {
    const r = run(['--config', '/nonexistent.yaml', '--out', tmp()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/nonexistent.yaml: invalid configuration');
    expect(r.stderr).toContain('file not found');
  });

  it('rejects an unknown environment', () => {
    const r = run(['--env', 'qa', '--out', tmp()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--env qa: no such environment; defined: dev, staging, prod');
  });

  it('restores the previous output when a synth was killed between its two renames', () => {
    const out = tmp();
    expect(run(['--out', out]).status).toBe(0);
    const before = snapshot(out);
    // A synth killed between its two renames leaves <env>.old-<pid> and no <env>: the next run recovers it.
    fs.renameSync(path.join(out, 'dev'), path.join(out, `dev.old-${deadPid()}`));
    fs.mkdirSync(path.join(path.dirname(out), `.${path.basename(out)}.tmp-stale`));
    const { recoverInterruptedWrite } = require('../lib/output');
    recoverInterruptedWrite(out);
    expect(snapshot(out)).toEqual(before);
    expect(fs.existsSync(path.join(path.dirname(out), `.${path.basename(out)}.tmp-stale`))).toBe(false);
  });

  it('refuses to replace a folder it did not make, naming it and the fix, with status 1 and nothing written', () => {
    const out = tmp();
    fs.mkdirSync(path.join(out, 'prod'));
    fs.writeFileSync(path.join(out, 'prod', 'notes.txt'), 'my notes');
    const parent = path.dirname(out);
    const siblings = fs.readdirSync(parent).filter((e) => e.startsWith(`.${path.basename(out)}.`));
    const r = run(['--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${path.join(out, 'prod')} was not written by synth (.synth.json beside it does not list it) and holds files synth does not write: prod/notes.txt`);
    expect(r.stderr).toContain('out of the way');
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(snapshot(out)).toEqual({ 'prod/notes.txt': 'my notes' });
    expect(fs.readdirSync(parent).filter((e) => e.startsWith(`.${path.basename(out)}.`))).toEqual(siblings);
  });

  it('removes the folder of an environment no longer in the config on a full synth, and only then', () => {
    const out = tmp();
    expect(run(['--out', out]).status).toBe(0);
    // A folder synth wrote for an environment since removed from platform.yaml.
    fs.cpSync(path.join(out, 'dev'), path.join(out, 'qa'), { recursive: true });
    const manifest = path.join(out, '.synth.json');
    expect(JSON.parse(fs.readFileSync(manifest, 'utf8')).owned).toEqual(['dev', 'prod', 'staging']);
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('"prod"', '"prod",\n    "qa"'));
    fs.mkdirSync(path.join(out, 'docs'));
    expect(run(['--out', out, '--env', 'dev']).status).toBe(0);
    expect(fs.existsSync(path.join(out, 'qa', 'PLAN.md'))).toBe(true);
    const r = run(['--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`removed ${path.join(out, 'qa')}/: no such environment in platform.yaml any more`);
    expect(fs.readdirSync(out).sort()).toEqual(['.synth.json', 'dev', 'docs', 'prod', 'staging']);
    expect(JSON.parse(fs.readFileSync(manifest, 'utf8')).owned).toEqual(['dev', 'prod', 'staging']);
  });

  it('serializes four runs started at once on one output: all succeed and the tree is byte-identical to a single run', async () => {
    const single = tmp();
    expect(run(['--out', single]).status).toBe(0);
    const out = tmp();
    expect(run(['--out', out]).status).toBe(0);
    fs.writeFileSync(path.join(out, 'dev', 'PLAN.md'), 'stale'); // every run has something to replace
    const started = Date.now();
    const runs = await Promise.all([1, 2, 3, 4].map(() => runAsync(['--out', out])));
    const ms = Date.now() - started;
    for (const r of runs) {
      expect(r.stderr).not.toMatch(/ENOENT|ENOTEMPTY|EEXIST|^error/m);
      expect(r.status).toBe(0);
    }
    expect(snapshot(out)).toEqual(snapshot(single));
    expect(fs.existsSync(path.join(path.dirname(out), `.${path.basename(out)}.lock`))).toBe(false);
    console.log(`4 parallel synth runs on one output: ${ms} ms`);
  });

  it('takes over the lock of a synth that died, and waits for a live one up to --lock-timeout', () => {
    const out = tmp();
    const lock = path.join(path.dirname(out), `.${path.basename(out)}.lock`);
    fs.writeFileSync(lock, JSON.stringify({ pid: deadPid(), host: os.hostname(), since: '2026-01-01T00:00:00.000Z' }));
    expect(run(['--out', out, '--env', 'dev']).status).toBe(0);
    expect(fs.existsSync(lock)).toBe(false);
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const r = run(['--out', out, '--env', 'dev', '--lock-timeout', '1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`waiting for ${lock}: another synth is writing`);
    expect(r.stderr).toContain(`error: timed out after 1 s waiting for ${lock}, held by pid ${process.pid} on host ${os.hostname()}`);
    fs.rmSync(lock);
  });
});

describe('what the plans report beyond the capacity check', () => {
  /**
   * The fixture config with a prod that fits at its maximum but reports both findings: services at
   * 6 replicas (the microservices over the seed's allocation) and spot starting at 1 node per zone
   * (below what the requests need at rest).
   */
  function overConfig(): string {
    const dir = tmp();
    const cfg = yaml.load(FIXTURE_CONFIG_TEXT) as { environments: Record<string, Record<string, unknown>> };
    cfg.environments.prod = { ...cfg.environments.prod, nodeGroups: { spot: { minSize: 1, maxSize: 3 } }, services: { minReplicas: 6, maxReplicas: 6 } };
    const file = path.join(dir, 'platform.yaml');
    fs.writeFileSync(file, yaml.dump(cfg));
    return file;
  }

  /** The lines of the plans' findings on stderr (config warnings, printed apart, are another matter). */
  const planLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('note:') || /workflow \S+ requests|over the seed/.test(l));

  it('prints at most one note line on stderr for the fixture config, never a warning per workflow', () => {
    const r = run(['--out', tmp()]);
    expect(r.status).toBe(0);
    const lines = planLines(r.stderr);
    expect(lines.length).toBeLessThanOrEqual(1);
    for (const l of lines) expect(l).toMatch(/^note: .*; see "Capacity" in .*PLAN\.md \(--strict makes this an error\)$/);
  });

  it('sums seed overruns and a minimum below the need in one note naming the PLAN.md, which says the same', () => {
    const out = tmp();
    const r = run(['--config', overConfig(), '--env', 'prod', '--out', out]);
    expect(r.status).toBe(0);
    const lines = planLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^note: \d+ workflows? \([a-z, ]*apps\) requests? more than the seed allocates, in prod; prod starts at \d+ nodes but needs \d+ at rest; /);
    expect(lines[0]).toContain(`see "Capacity" in ${path.join(out, 'prod', 'PLAN.md')}`);
    const plan = fs.readFileSync(path.join(out, 'prod', 'PLAN.md'), 'utf8');
    expect(plan).toContain('**Status: needs scale-out**');
    expect(plan).toContain('set environments.prod.nodeGroups.spot.minSize: ');
    expect(plan).toMatch(/\| Microservices \|.*\*\*\d+% \/ \d+% over\*\*/);
  });

  it('fails with --strict, writing nothing, listing every finding', () => {
    const config = overConfig();
    const out = tmp();
    const r = run(['--config', config, '--env', 'prod', '--out', out, '--strict']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: --strict: \d+ findings in the capacity plan, nothing written:\n/);
    expect(r.stderr).toMatch(/\n {2}prod: workflow apps requests [\d.]+ CPU \/ [\d.]+ Gi, over the seed's allocation of ~5\.00 CPU \/ ~10\.00 Gi/);
    expect(r.stderr).toMatch(/\n {2}prod: the node groups start at \d+ nodes, below the \d+ the requests need at rest, .*set environments\.prod\.nodeGroups\.spot\.minSize: \d+ \(now 1\) in platform\.yaml/);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(snapshot(out)).toEqual({});
    expect(fs.readdirSync(path.dirname(config))).toEqual(['platform.yaml']);
  });
});

describe('cdk8s synth', () => {
  it('runs the same synth without deleting dist/ first, and bare `npx cdk8s synth` prints no stack trace or upgrade notice', () => {
    // A project folder of its own: cdk8s.yaml's app runs in it and writes its dist/.
    const project = tmp();
    for (const f of ['platform.yaml', 'permissions.lock.json']) fs.copyFileSync(path.join(FIXTURES, f), path.join(project, f));
    // package.json carries the "bin" that makes `npx cdk8s` run scripts/cdk8s.mjs.
    for (const f of ['cdk8s.yaml', 'package.json']) fs.copyFileSync(path.join(ROOT, f), path.join(project, f));
    for (const d of ['scripts', 'node_modules']) fs.symlinkSync(path.join(ROOT, d), path.join(project, d));
    fs.mkdirSync(path.join(project, 'dist'));
    fs.writeFileSync(path.join(project, 'dist', 'README.md'), 'mine');
    const env = { ...process.env };
    delete env.CDK8S_CHECK_UPGRADE;
    const r = spawnSync('npx', ['cdk8s', 'synth'], { cwd: project, encoding: 'utf8', env });
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+/);
    expect(r.stderr).not.toMatch(/new version|Error/);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(project, 'dist', 'README.md'), 'utf8')).toBe('mine');
    expect(fs.existsSync(path.join(project, 'dist', 'prod', 'eksctl', 'cluster.yaml'))).toBe(true);
    expect(r.stdout).toContain('cdk.out/synth.yaml');
  });
});
