// The renovate.json generator as a command (`npm run synth` also rewrites the file):
//   node build/tools/renovate.js [--write]   (prints it, or writes ./renovate.json)
import * as path from 'node:path';
import { loadConfigFile } from '../config/load';
import { RENOVATE_FILE, renovateJson, writeRenovateJson } from '../lib/renovate';

export function main(argv: readonly string[]): number {
  try {
    if (argv.includes('-h') || argv.includes('--help')) {
      console.log('Usage: node build/tools/renovate.js [--write]\n\nPrints renovate.json generated from ./platform.yaml and the component model, or writes ./renovate.json\n(npm run synth does that too, after rendering every environment).');
      return 0;
    }
    const text = renovateJson(loadConfigFile('platform.yaml'));
    if (argv.includes('--write')) writeRenovateJson(path.resolve(RENOVATE_FILE), text);
    else process.stdout.write(text);
    return 0;
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
