// Bundles the CLI entry points with esbuild: synth runs precompiled JavaScript, never a
// type-checker (type-checking is `npm test`'s job). Takes ~100 ms.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';

const tools = readdirSync('tools').filter((f) => f.endsWith('.ts')).map((f) => `tools/${f}`);
await build({
  entryPoints: ['main.ts', ...tools],
  outdir: 'build',
  outbase: '.',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: false,
  logLevel: 'warning',
});
