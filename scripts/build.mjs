// Bundles the CLI entry points with esbuild: synth runs precompiled JavaScript, never a
// type-checker (type-checking is `npm test`'s job). A build takes ~150-250 ms; when no input
// changed since the last build (inputs recorded from esbuild's metafile) it is skipped.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';

const tools = readdirSync('tools').filter((f) => f.endsWith('.ts')).sort().map((f) => `tools/${f}`);
const entryPoints = ['main.ts', ...tools];
const record = 'build/.inputs.json';

function upToDate() {
  if (!existsSync(record)) return false;
  const { entries, inputs, builtAt } = JSON.parse(readFileSync(record, 'utf8'));
  if (JSON.stringify(entries) !== JSON.stringify(entryPoints)) return false;
  return inputs.every((f) => existsSync(f) && statSync(f).mtimeMs <= builtAt);
}

if (!upToDate()) {
  const builtAt = Date.now();
  const result = await build({
    entryPoints,
    outdir: 'build',
    outbase: '.',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: false,
    metafile: true,
    logLevel: 'warning',
  });
  mkdirSync('build', { recursive: true });
  const inputs = Object.keys(result.metafile.inputs).concat(['scripts/build.mjs', 'package.json']);
  writeFileSync(record, JSON.stringify({ entries: entryPoints, inputs, builtAt }));
}
