/**
 * Every bash block of every bootstrap README passes shellcheck: the operator pastes them as they
 * are. CI installs shellcheck; without it the check says that it skipped.
 */
import { spawnSync } from 'node:child_process';
import { ENVIRONMENTS, renderedFixture } from '../support';

jest.setTimeout(120_000);

const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;

/** The fenced ```bash blocks of a Markdown text, with the line each starts on. */
export function bashBlocks(markdown: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```bash') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    out.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return out;
}

describe('bash blocks of the bootstrap README', () => {
  it('are found by the block reader', () => {
    expect(bashBlocks('text\n```bash\necho a\n```\nmore\n```bash\necho b\necho c\n```\n')).toEqual([
      { line: 3, code: 'echo a' },
      { line: 7, code: 'echo b\necho c' },
    ]);
  });

  if (!shellcheck) {
    it('are not checked: shellcheck is not installed (CI installs it)', () => {
      console.warn('\n*** SKIPPED: shellcheck is not on PATH, so the README bash blocks were not checked. ***\n');
      expect(shellcheck).toBe(false);
    });
    return;
  }

  it.each(ENVIRONMENTS)('pass shellcheck in %s, read as one script in order', async (env) => {
    const readme = (await renderedFixture(env)).get(`${env}/bootstrap/README.md`)!;
    const blocks = bashBlocks(readme);
    expect(blocks.length).toBeGreaterThan(5);
    // One script, so variables and functions defined in an earlier block count as defined.
    const script = ['#!/usr/bin/env bash', ...blocks.map((b) => `# README line ${b.line}\n${b.code}`)].join('\n');
    const r = spawnSync('shellcheck', ['--shell=bash', '--format=gcc', '-'], { input: script, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
