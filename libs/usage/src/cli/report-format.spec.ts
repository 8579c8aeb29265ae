import type { UsageReportLine } from '../usage.service';
import { formatCsv, formatTable, parseSince, sparkline } from './report-format';

const line = (overrides: Partial<UsageReportLine> = {}): UsageReportLine => ({
  principalKind: 'apiKey',
  principalId: 'k-1',
  app: 'kiosk',
  requests: 1200,
  errors: 3,
  throttled: 0,
  errorRate: 0.0025,
  throttleRate: 0,
  latencyP95Ms: 12.34,
  hourly: [0, 1, 4, 8],
  ...overrides,
});

describe('usage report formats', () => {
  it('parses --since durations', () => {
    expect(parseSince('24h')).toBe(86_400_000);
    expect(parseSince('7d')).toBe(7 * 86_400_000);
    expect(parseSince('90m')).toBe(5_400_000);
    expect(parseSince('1w')).toBeNaN();
  });

  it('draws one cell per hour scaled to the busiest, merging hours beyond 48 cells', () => {
    expect(sparkline([0, 1, 4, 8])).toBe(' ▁▄█');
    expect(sparkline(new Array(168).fill(1))).toHaveLength(42);
  });

  it('aligns the table, numbers to the right', () => {
    const table = formatTable([
      line(),
      line({ principalKind: 'anonymous', principalId: '', app: '', requests: 7, latencyP95Ms: 1 }),
    ]);
    expect(table.split('\n')).toEqual([
      'PRINCIPAL   APP    REQUESTS  ERRORS  THROTTLED  P95 MS  HOURLY',
      'apiKey:k-1  kiosk      1200       3          0    12.3   ▁▄█',
      'anonymous   -             7       3          0     1.0   ▁▄█',
    ]);
  });

  it('writes CSV with a header and quotes only where needed', () => {
    expect(formatCsv([line({ app: 'a,b' })])).toBe(
      'principal_kind,principal_id,app,requests,errors,throttled,error_rate,throttle_rate,p95_ms\napiKey,k-1,"a,b",1200,3,0,0.0025,0,12.34',
    );
  });
});
