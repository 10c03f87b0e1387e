// Jest transform for `.sh` files: the module's default export is the script's text, as esbuild's
// text loader gives it at synth (scripts/build.mjs). The file is read again because jest hands
// transforms the source with its shebang line removed.
const fs = require('node:fs');

module.exports = {
  process(_source, filename) {
    const text = fs.readFileSync(filename, 'utf8');
    return { code: `module.exports = ${JSON.stringify(text)};` };
  },
  getCacheKey(_source, filename) {
    return `${filename}:${fs.readFileSync(filename, 'utf8')}`;
  },
};
