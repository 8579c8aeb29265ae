import type { PrincipalBaseline, PrincipalWindow } from './anomalies';
import { countByReason, detectAnomalies, principalKey } from './anomalies';

const win = (overrides: Partial<PrincipalWindow> = {}): PrincipalWindow => ({
  principalKind: 'apiKey',
  principalId: 'k1',
  app: 'kiosk',
  requests: 50,
  errors: 0,
  throttled: 0,
  distinctClientIps: 1,
  ...overrides,
});
const baseline = (overrides: Partial<PrincipalBaseline> = {}): Map<string, PrincipalBaseline> =>
  new Map([
    [
      principalKey('apiKey', 'k1'),
      { requests: 1200, errors: 12, throttled: 0, activeHours: 24, maxClientIpsPerHour: 2, ...overrides },
    ],
  ]);

describe('anomaly flags', () => {
  it('flags a burst of errors against a clean baseline, saying why', () => {
    const [anomaly] = detectAnomalies([win({ errors: 48 })], baseline());
    expect(anomaly.reasons).toEqual([
      {
        code: 'errorRate',
        observed: 0.96,
        baseline: 0.01,
        message: '96% of 50 requests failed (4xx/5xx) in the last hour, against 1% before',
      },
    ]);
  });

  it('flags errors of a new key (no baseline) too, but not its mere volume', () => {
    const flagged = detectAnomalies([win({ requests: 5000, errors: 5000 })], new Map());
    expect(flagged[0].reasons.map((r) => r.code)).toEqual(['errorRate']);
  });

  it('does not flag a key whose error rate is as high as usual, or too few requests to judge', () => {
    expect(detectAnomalies([win({ errors: 30 })], baseline({ errors: 700 }))).toEqual([]);
    expect(detectAnomalies([win({ requests: 10, errors: 10 })], baseline())).toEqual([]);
  });

  it('flags volume far above the usual hour, a high 429 rate and many more client IPs', () => {
    const [anomaly] = detectAnomalies(
      [win({ requests: 600, throttled: 300, distinctClientIps: 12 })],
      baseline(),
    );
    expect(anomaly.reasons.map((r) => r.code)).toEqual(['volume', 'throttleRate', 'clientIps']);
    expect(anomaly.reasons[0].message).toBe(
      '600 requests in the last hour, 12× the usual 50 per active hour',
    );
    expect(countByReason([anomaly])).toEqual({ volume: 1, errorRate: 0, throttleRate: 1, clientIps: 1 });
  });
});
