import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../main';
import { ROOT, SHIPPED_CONFIG_TEXT } from './support';

const CLI = path.join(ROOT, 'build', 'main.js');

beforeAll(() => {
  execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT });
});

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync('node', [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
}

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
    fs.writeFileSync(bad, SHIPPED_CONFIG_TEXT.replace('port: 8080', 'port: http'));
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
    fs.renameSync(path.join(out, 'dev'), path.join(out, 'dev.old-12345'));
    fs.mkdirSync(path.join(path.dirname(out), `.${path.basename(out)}.tmp-stale`));
    const { recoverInterruptedWrite } = require('../lib/output');
    recoverInterruptedWrite(out);
    expect(snapshot(out)).toEqual(before);
    expect(fs.existsSync(path.join(path.dirname(out), `.${path.basename(out)}.tmp-stale`))).toBe(false);
  });
});
