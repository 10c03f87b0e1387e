/**
 * The project folder (the one holding package.json), found from this file's location so it is the
 * same whether the code runs bundled (build/main.js, build/tools/*.js) or from source under ts-jest
 * (lib/), and whatever the current directory is.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const found = new Map<string, string>();

/** The nearest folder at or above `from` that holds a package.json. */
export function projectRoot(from: string = __dirname): string {
  const start = path.resolve(from);
  const known = found.get(start);
  if (known) return known;
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      found.set(start, dir);
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json in ${start} or any folder above it`);
  }
}
