// `npm run <tool>` runs `node scripts/run.mjs <entry> [args]`: builds if an input changed, then
// runs the bundled entry's exported main() in this same process (one Node start, not two).
import { createRequire } from 'node:module';
import { ensureBuilt } from './build.mjs';

const [entry, ...args] = process.argv.slice(2);
await ensureBuilt();
const mod = createRequire(import.meta.url)(`../build/${entry}.js`);
process.exitCode = await mod.main(args);
