/**
 * Shell scripts that Tasks, hooks and CronJobs run live in `.sh` files beside the chart that runs them
 * and are imported as text (`import script from './backup.sh'`): esbuild's text loader at synth
 * (scripts/build.mjs), test/sh-transform.js under jest. CI runs shellcheck over every `.sh` file.
 */
declare module '*.sh' {
  const text: string;
  export default text;
}
