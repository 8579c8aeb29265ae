import type { UsageFact } from './rollup';
import { HOUR_MS, percentile, rollUp, seriesOf, statusClass, totalsOf } from './rollup';

const H = Date.UTC(2026, 11, 1, 10);
const fact = (overrides: Partial<UsageFact> = {}): UsageFact => ({
  at: H + 60_000,
  principalKind: 'apiKey',
  principalId: 'k1',
  app: 'kiosk',
  method: 'GET',
  route: '/v1/sessions/:id',
  status: 200,
  latencyUs: 1000,
  responseBytes: 100,
  clientIp: '10.0.0.1',
  throttled: false,
  replayed: false,
  ...overrides,
});

describe('usage roll-ups', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });

  it('maps statuses to classes', () => {
    expect([101, 204, 304, 429, 503].map(statusClass)).toEqual(['1xx', '2xx', '3xx', '4xx', '5xx']);
  });

  it('groups per hour, principal, route and status class, with latency percentiles and distinct IPs', () => {
    const facts = [
      ...Array.from({ length: 20 }, (_, i) =>
        fact({ latencyUs: (i + 1) * 1000, clientIp: `10.0.0.${i % 3}` }),
      ),
      fact({ status: 404 }),
      fact({ status: 429, throttled: true }),
      fact({ at: H + HOUR_MS + 5 }),
      fact({ principalId: 'k2' }),
    ];
    const groups = rollUp(facts);
    expect(groups).toHaveLength(4);
    const ok = groups.find((g) => g.principalId === 'k1' && g.hourStart === H && g.statusClass === '2xx');
    expect(ok).toMatchObject({
      requests: 20,
      errors: 0,
      latencyP50Us: 10_000,
      latencyP95Us: 19_000,
      distinctClientIps: 3,
      responseBytes: 2000,
    });
    const errors = groups.find((g) => g.statusClass === '4xx');
    expect(errors).toMatchObject({ requests: 2, errors: 2, throttled: 1 });

    const totals = totalsOf(groups);
    expect(totals).toMatchObject({
      requests: 24,
      errors: 2,
      clientErrors: 2,
      throttled: 1,
      errorRate: 0.0833,
    });
    expect(totals.statuses).toEqual({ '1xx': 0, '2xx': 22, '3xx': 0, '4xx': 2, '5xx': 0 });
  });

  it('fills every bucket of the range, empty ones included', () => {
    const series = seriesOf(rollUp([fact(), fact({ at: H + 2 * HOUR_MS })]), H, H + 4 * HOUR_MS, 'hour');
    expect(series.map((b) => b.requests)).toEqual([1, 0, 1, 0]);
    expect(series[0].start).toBe('2026-12-01T10:00:00.000Z');
    const days = seriesOf(rollUp([fact()]), H - 10 * HOUR_MS, H + 20 * HOUR_MS, 'day');
    expect(days.map((b) => [b.start, b.requests])).toEqual([
      ['2026-12-01T00:00:00.000Z', 1],
      ['2026-12-02T00:00:00.000Z', 0],
    ]);
  });
});
