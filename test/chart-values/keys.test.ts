import { ENVIRONMENTS, fixtureEnvironment, ROOT } from '../support';
import { loadAllowlists } from './allowlist';
import { ChartReference, loadReference, unknownKeys } from './keys';

const allowlists = loadAllowlists();

/** The pinned charts' own values.yaml, from the vendored packages: no reference data from outside the repository. */
describe('every Helm value key we set exists in the pinned chart', () => {
  const d = ROOT;
  const refs = new Map<string, ChartReference>();
  const ref = (chart: string, version: string) => {
    const k = `${chart}/${version}`;
    if (!refs.has(k)) refs.set(k, loadReference(d, chart, version));
    return refs.get(k)!;
  };
  for (const env of ENVIRONMENTS) {
    for (const c of fixtureEnvironment(env).components) {
      if (c.source.type !== 'helm') continue;
      const { chart, version } = c.source.chart;
      const values = c.source.values;
      it(`${env}: ${c.id} (${chart} ${version}) sets only keys the chart defines`, () => {
        const allow = allowlists.get(chart);
        for (const sub of Object.values(allow?.subcharts ?? {})) ref(sub.split('/')[0], sub.split('/')[1]);
        expect(unknownKeys(values, ref(chart, version), allow, refs)).toEqual([]);
      });
    }
  }
});

describe('the key check itself', () => {
  const reference: ChartReference = { defaults: { a: { b: 1, open: {} }, list: [] }, schema: undefined };
  it('reports a key the defaults do not have', () => {
    expect(unknownKeys({ a: { b: 2, typo: 1 } }, reference, undefined)).toEqual(['a.typo']);
  });
  it('accepts anything below an empty-map default and a free-form path', () => {
    expect(unknownKeys({ a: { open: { x: 1 } }, list: [1] }, reference, undefined)).toEqual([]);
    expect(unknownKeys({ a: { extra: { y: 1 } } }, reference, { freeForm: ['a.extra'], undocumented: [] })).toEqual([]);
  });
  it('accepts an undocumented key only with its proof entry', () => {
    expect(unknownKeys({ hidden: true }, reference, { freeForm: [], undocumented: [{ path: 'hidden', proof: 'templates/x.yaml' }] })).toEqual([]);
    expect(unknownKeys({ hidden: true }, reference, undefined)).toEqual(['hidden']);
  });
});
