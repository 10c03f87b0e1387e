#!/usr/bin/env node
// `npx cdk8s …` in this repository runs this file (package.json "bin": npx prefers the project's own
// bin of that name), which runs the pinned cdk8s-cli with its npm upgrade check off. cdk8s-cli reads
// that switch only from --check-upgrade or CDK8S_CHECK_UPGRADE, never from cdk8s.yaml, and the check
// runs before the app, so neither cdk8s.yaml nor main.ts can turn it off. Set CDK8S_CHECK_UPGRADE=true
// to have the check back.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../node_modules/cdk8s-cli/bin/cdk8s', import.meta.url));
const run = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { CDK8S_CHECK_UPGRADE: 'false', ...process.env },
});
if (run.error) {
  process.stderr.write(`error: cannot run cdk8s-cli (${run.error.message}); run npm ci first\n`);
  process.exit(1);
}
process.exit(run.status ?? 1);
