import { parseConfig } from '../../config/load';
import { OPTIONAL_COMPONENTS, PLATFORM_COMPONENT_IDS } from '../../config/ids';
import { HelmSource } from '../../lib/component';
import { mergeValues } from '../../lib/values-merge';
import { buildEnvironment } from '../../platform';
import { configProblems, configVariant, fixtureEnvironment } from '../support';

/** A Helm component of the fixture's prod environment, and one that renders our own objects. */
const prod = fixtureEnvironment('prod');
const helmComponent = prod.components.find((c) => c.source.type === 'helm')!;
const nativeComponent = prod.components.find((c) => c.source.type === 'manifests' && (PLATFORM_COMPONENT_IDS as readonly string[]).includes(c.id))!;
const optional = Object.keys(OPTIONAL_COMPONENTS)[0];

describe('mergeValues', () => {
  it('merges maps key by key, replaces lists and scalars, and removes a key set to null', () => {
    const base = { a: { b: 1, c: [1, 2], d: 'x' }, e: true };
    expect(mergeValues(base, { a: { b: 2, c: [3], d: null }, f: 1 })).toEqual({ a: { b: 2, c: [3] }, e: true, f: 1 });
    expect(base).toEqual({ a: { b: 1, c: [1, 2], d: 'x' }, e: true });
  });
});

describe('components.<id>.values', () => {
  it('is merged last over the computed values of that component only', () => {
    const text = configVariant((c) => {
      c.components = { [helmComponent.id]: { values: { podAnnotations: { 'example.com/owner': 'platform' } } } };
    });
    const model = buildEnvironment(parseConfig(text), 'prod');
    const before = helmComponent.source as HelmSource;
    const after = model.components.find((c) => c.id === helmComponent.id)!.source as HelmSource;
    expect(after.values).toEqual({ ...JSON.parse(JSON.stringify(before.values)), podAnnotations: { 'example.com/owner': 'platform' } });
    const other = model.components.find((c) => c.id !== helmComponent.id && c.source.type === 'helm')!;
    expect((other.source as HelmSource).values).toEqual((prod.components.find((c) => c.id === other.id)!.source as HelmSource).values);
  });

  it('rejects an unknown component id with a did-you-mean', () => {
    const misspelt = `${helmComponent.id}x`;
    const problems = configProblems(configVariant((c) => (c.components = { [misspelt]: { values: {} } })));
    expect(problems.join('\n')).toMatch(new RegExp(`components\\.${misspelt}.*unknown component "${misspelt}"; did you mean "${helmComponent.id}"\\?`));
  });

  it('refuses values for a component that renders our own objects, naming the key and where to change it', () => {
    const text = configVariant((c) => (c.components = { [nativeComponent.id]: { values: { a: 1 } } }));
    expect(() => buildEnvironment(parseConfig(text), 'prod')).toThrow(`components.${nativeComponent.id}.values: "${nativeComponent.id}" renders objects this repository authors`);
  });
});

describe('components.<id>.enabled', () => {
  it('leaves an optional component out of every environment', () => {
    const text = configVariant((c) => (c.components = { [optional]: { enabled: false } }));
    for (const env of ['dev', 'staging', 'prod']) {
      expect(buildEnvironment(parseConfig(text), env).components.map((c) => c.id)).not.toContain(optional);
    }
  });

  it('refuses to turn off a component others depend on, listing the optional ones', () => {
    const problems = configProblems(configVariant((c) => (c.components = { [helmComponent.id]: { enabled: false } })));
    expect(problems.join('\n')).toMatch(new RegExp(`components\\.${helmComponent.id}\\.enabled.*cannot be turned off.*optional components: ${Object.keys(OPTIONAL_COMPONENTS).join(', ')}`));
  });
});
