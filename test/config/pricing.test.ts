import { resolveEnvironment } from '../../config/defaults';
import { nodeGroups } from '../../eksctl/node-groups';
import { configProblems as problems, configVariant as variant, ENVIRONMENTS, fixtureConfig } from '../support';

describe('pricing', () => {
  it('prices every instance type of every node group in the fixture, spot groups at a spot price', () => {
    const cfg = fixtureConfig();
    let checked = 0;
    for (const name of ENVIRONMENTS) {
      for (const g of nodeGroups(resolveEnvironment(cfg, name))) {
        for (const type of g.instanceTypes) {
          const price = cfg.pricing.instanceTypes[type];
          expect({ group: g.name, type, onDemand: price?.onDemand !== undefined }).toEqual({ group: g.name, type, onDemand: true });
          if (g.spot) expect({ group: g.name, type, spot: price?.spot !== undefined }).toEqual({ group: g.name, type, spot: true });
          if (g.spot) expect(price.spot!).toBeLessThan(price.onDemand);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('carries the prices into every environment', () => {
    const cfg = fixtureConfig();
    for (const name of ENVIRONMENTS) expect(resolveEnvironment(cfg, name).pricing).toEqual(cfg.pricing);
  });

  it('names the key to add when a node group runs an instance type without a price', () => {
    const text = variant((c) => {
      delete c.pricing.instanceTypes['m5.large'];
    });
    const found = problems(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^pricing\.instanceTypes\.m5\.large: no price for instance type m5\.large, which these node groups run: dev spot \(SPOT\), prod spot \(SPOT\), staging spot \(SPOT\); add pricing\.instanceTypes\."m5\.large": \{ onDemand: <USD per hour>, spot: <USD per hour> \} with eu-west-1's current Linux price$/);
  });

  it('names the spot price a spot group needs when only the on-demand price is there', () => {
    const text = variant((c) => {
      delete c.pricing.instanceTypes['t3a.large'].spot;
    });
    expect(problems(text)).toEqual([expect.stringMatching(/^pricing\.instanceTypes\.t3a\.large\.spot: no spot price for instance type t3a\.large, which these node groups run: dev spot \(SPOT\)/)]);
  });

  it('asks for every price when pricing is missing altogether', () => {
    const text = variant((c) => {
      delete c.pricing;
    });
    const found = problems(text);
    const cfg = fixtureConfig();
    const types = new Set(ENVIRONMENTS.flatMap((name) => nodeGroups(resolveEnvironment(cfg, name)).flatMap((g) => g.instanceTypes)));
    expect(found).toHaveLength(types.size);
    for (const p of found) expect(p).toMatch(/^pricing\.instanceTypes\.[a-z0-9.]+: no price for instance type /);
  });

  it('refuses a spot price above the on-demand price and a price that is not a positive number', () => {
    expect(
      problems(
        variant((c) => {
          c.pricing.instanceTypes['t3.large'].spot = 0.5;
        }),
      ),
    ).toEqual(['pricing.instanceTypes.t3.large.spot: spot price 0.5 is above the on-demand price 0.0912; spot is sold below on-demand, check both numbers']);
    expect(
      problems(
        variant((c) => {
          c.pricing.instanceTypes['t3.large'].onDemand = '0.09';
        }),
      )[0],
    ).toMatch(/^pricing\.instanceTypes\.t3\.large\.onDemand: expected an hourly price in US dollars such as 0\.0912/);
    expect(
      problems(
        variant((c) => {
          c.pricing.instanceTypes['t3.large'].onDemand = 66;
          c.pricing.instanceTypes['t3.large'].spot = 0;
        }),
      )[0],
    ).toMatch(/^pricing\.instanceTypes\.t3\.large\.spot: expected an hourly price in US dollars such as 0\.0912/);
  });
});
