const { ratiosOf, regressions } = require('../bench/gate') as {
  ratiosOf: (result: object) => Record<string, number>;
  regressions: (result: object, baseline: { ratios: Record<string, number> }) => { name: string; change: number }[];
};

const PIPELINE = 'health ÷ floor, server CPU per request';

/**
 * A bench/run.js result with these req/s and server CPU µs per request of floor and health (ratios derived as
 * run.js derives them).
 */
function result(rps: Record<string, number>, cpu = { floor: 10, health: 40 }): object {
  const scenarios = Object.fromEntries(
    Object.entries(rps).map(([name, value]) => [name, { rps: value, ratioToHealth: value / rps.health }]),
  );
  return {
    scenarios,
    targets: {
      'health ÷ floor': { median: rps.health / rps.floor },
      [PIPELINE]: { median: cpu.floor / cpu.health },
      'memberByJwt ÷ memberByKey': { median: rps.memberByJwt / rps.memberByKey },
    },
  };
}

const before = result({ floor: 20000, health: 5000, memberByKey: 3000, memberByJwt: 2800, bookingWrite: 1000 });
const baseline = { ratios: ratiosOf(before) };

describe('the quick bench regression gate', () => {
  it('takes the pipeline, every scenario against health, and the targets as ratios', () => {
    expect(baseline.ratios).toEqual({
      [PIPELINE]: 0.25,
      'memberByKey ÷ health': 0.6,
      'memberByJwt ÷ health': 0.56,
      'bookingWrite ÷ health': 0.2,
      'memberByJwt ÷ memberByKey': 2800 / 3000,
    });
  });

  it('passes a run whose ratios moved less than 20 %, even on a machine twice as slow', () => {
    const slower = result({ floor: 10000, health: 2500, memberByKey: 1300, memberByJwt: 1250, bookingWrite: 420 });
    expect(regressions(slower, baseline)).toEqual([]);
  });

  it('names the one ratio that fell more than 20 %', () => {
    const regressed = result({ floor: 20000, health: 5000, memberByKey: 3000, memberByJwt: 2800, bookingWrite: 700 });
    expect(regressions(regressed, baseline)).toEqual([
      expect.objectContaining({ name: 'bookingWrite ÷ health', change: 0.7 }),
    ]);
  });

  it('sees a slower pipeline as the server CPU of health rising against the floor', () => {
    const heavier = result({ floor: 20000, health: 3500, memberByKey: 2100, memberByJwt: 1960, bookingWrite: 700 }, { floor: 10, health: 55 });
    expect(regressions(heavier, baseline).map((r) => r.name)).toEqual([PIPELINE]);
  });

  it('does not gate health ÷ floor in req/s, which the load generator bounds near the floor rate', () => {
    const clientBound = result({ floor: 40000, health: 5000, memberByKey: 3000, memberByJwt: 2800, bookingWrite: 1000 });
    expect(regressions(clientBound, baseline)).toEqual([]);
  });
});
