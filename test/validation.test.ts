import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderAll } from '../synth';
import { loadSchemaSet, validateTree } from '../tools/validate-core';
import { referenceDir, fixtureConfig } from './support';

const schemas = referenceDir('SCHEMAS_DIR');
const chartValues = process.env.CHART_VALUES_DIR;

describe('every rendered document validates against the schemas', () => {
  if (!schemas) {
    it('is skipped without SCHEMAS_DIR', () => expect(schemas).toBeUndefined());
    return;
  }
  it('has no invalid document and no kind without a schema, in any environment', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-'));
    for (const [rel, content] of await renderAll(fixtureConfig())) {
      fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
    const issues = validateTree(dir, loadSchemaSet(schemas, chartValues));
    expect(issues.map((i) => `${i.file}: ${i.object}: ${i.path}: ${i.message}`)).toEqual([]);
  });
});
