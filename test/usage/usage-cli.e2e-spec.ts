import { randomUUID } from 'node:crypto';
import { CliSandbox } from '@aero/testing';

jest.setTimeout(120_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** TypeORM's UTC datetime text on SQLite. */
const sqliteTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

interface Line {
  principal: { kind: string; id: string };
  app: string;
  requests: number;
  errors: number;
  throttled: number;
  latencyP95Ms: number;
  hourly: number[];
}

/** usage:report and usage:prune as an operator runs them, on a ledger written straight into SQLite. */
describe('usage CLI commands (e2e)', () => {
  let sandbox: CliSandbox;
  const key = randomUUID();
  const user = randomUUID();
  const now = Date.now();

  /** An instant and a flag as the sandbox's dialect stores them (SQLite: text and 0/1). */
  const at = (ms: number): string | Date => (sandbox.dialect === 'sqlite' ? sqliteTime(ms) : new Date(ms));
  const flag = (value: boolean): boolean | number => (sandbox.dialect === 'postgres' ? value : value ? 1 : 0);

  const insert = async (
    rows: Array<{ at: number; kind: string; id: string; status: number; app?: string; latencyUs?: number }>,
  ): Promise<void> => {
    for (const r of rows) {
      await sandbox.query(
        `INSERT INTO usage_events (id, occurred_at, principal_kind, principal_id, app, method, route, status, latency_us, response_bytes, client_ip, throttled, replayed)
         VALUES ($1, $2, $3, $4, $5, 'GET', '/v1/auth/me', $6, $7, 120, '10.0.0.1', $8, $9)`,
        randomUUID(),
        at(r.at),
        r.kind,
        r.id,
        r.app ?? '',
        r.status,
        r.latencyUs ?? 2000,
        flag(r.status === 429),
        flag(false),
      );
    }
  };

  beforeAll(async () => {
    sandbox = await CliSandbox.create('aero-usage-cli-');
    sandbox.json(['db:migrate', '--json']);
    const rows: Parameters<typeof insert>[0] = [];
    // The key: 10 requests two hours ago (2 of them 429), 5 in the last minutes (one 500).
    for (let i = 0; i < 10; i++)
      rows.push({ at: now - 2 * HOUR, kind: 'apiKey', id: key, app: 'kiosk', status: i < 2 ? 429 : 200 });
    for (let i = 0; i < 5; i++)
      rows.push({
        at: now - 60_000,
        kind: 'apiKey',
        id: key,
        app: 'kiosk',
        status: i === 0 ? 500 : 200,
        latencyUs: 40_000,
      });
    // The user: 3 requests an hour ago.
    for (let i = 0; i < 3; i++) rows.push({ at: now - HOUR, kind: 'user', id: user, status: 200 });
    // Past raw retention (14 days) and past roll-up retention (400 days).
    for (let i = 0; i < 4; i++)
      rows.push({ at: now - 20 * DAY, kind: 'apiKey', id: key, app: 'kiosk', status: 200 });
    rows.push({ at: now - 500 * DAY, kind: 'apiKey', id: key, app: 'kiosk', status: 200 });
    await insert(rows);
  });
  afterAll(async () => {
    await sandbox.dispose();
  });

  it('usage:report --format json reports each principal of the last 24 hours, busiest first', () => {
    const report = sandbox.json<{ from: string; to: string; principals: Line[] }>([
      'usage:report',
      '--format',
      'json',
    ]);
    expect(report.principals.map((p) => [p.principal, p.requests, p.errors, p.throttled])).toEqual([
      [{ kind: 'apiKey', id: key }, 15, 3, 2],
      [{ kind: 'user', id: user }, 3, 0, 0],
    ]);
    expect(report.principals[0].hourly).toHaveLength(24);
    expect(report.principals[0].hourly.reduce((a, b) => a + b, 0)).toBe(15);
    expect(Date.parse(report.to) - Date.parse(report.from)).toBeGreaterThanOrEqual(24 * HOUR);
  });

  it('usage:report prints an aligned table with an hourly sparkline, and CSV for one key', () => {
    const table = sandbox.run(['usage:report']);
    expect({ status: table.status, stderr: table.stderr }).toEqual({ status: 0, stderr: '' });
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Usage from \S+ to \S+$/);
    expect(lines[1]).toMatch(/^PRINCIPAL\s+APP\s+REQUESTS\s+ERRORS\s+THROTTLED\s+P95 MS\s+HOURLY$/);
    expect(lines[2]).toMatch(
      new RegExp(`^apiKey:${key}\\s+kiosk\\s+15\\s+3\\s+2\\s+\\d+\\.\\d\\s+[ ▁▂▃▄▅▆▇█]*[▁▂▃▄▅▆▇█]$`),
    );
    expect(lines[3]).toMatch(new RegExp(`^user:${user}\\s+-\\s+3\\s+0\\s+0\\s`));
    // Columns line up: REQUESTS ends where each count ends.
    const end = lines[1].indexOf('REQUESTS') + 'REQUESTS'.length;
    expect(lines[2].slice(end - 2, end)).toBe('15');
    expect(lines[3].slice(end - 1, end)).toBe('3');

    const csv = sandbox.run(['usage:report', '--key', key, '--since', '7d', '--format', 'csv']);
    expect(csv.status).toBe(0);
    expect(csv.stdout.trimEnd().split('\n')).toEqual([
      'principal_kind,principal_id,app,requests,errors,throttled,error_rate,throttle_rate,p95_ms',
      expect.stringMatching(new RegExp(`^apiKey,${key},kiosk,15,3,2,0\\.2,0\\.1333,\\d+(\\.\\d+)?$`)),
    ]);
  });

  it('usage:report explains itself with --help and refuses bad options in one line', () => {
    const help = sandbox.run(['usage:report', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: aero usage:report [options]');
    for (const flag of ['--since', '--key', '--user', '--format']) expect(help.stdout).toContain(flag);

    const since = sandbox.run(['usage:report', '--since', '1w']);
    expect(since.status).toBe(1);
    expect(since.stderr).toBe('error: --since must be like 24h, 7d or 90m (at most 31d)\n');
    const format = sandbox.run(['usage:report', '--format', 'xml']);
    expect(format.stderr).toBe('error: --format must be one of table, json, csv\n');
    const both = sandbox.run(['usage:report', '--key', key, '--user', user]);
    expect(both.stderr).toBe('error: give --key or --user, not both\n');
    expect(sandbox.run(['usage:prune', '--help']).stdout).toContain(
      'Usage: aero usage:prune [options]',
    );
  });

  it('usage:prune rolls up closed hours and applies retention; the report reads the same afterwards', async () => {
    const before = sandbox.json<{ principals: Line[] }>(['usage:report', '--format', 'json']);
    const pruned = sandbox.json<{ hoursRolledUp: number; rawDeleted: number; rollupsDeleted: number }>([
      'usage:prune',
      '--json',
    ]);
    // The 500-day-old hour is rolled up, then its roll-up is past retention too.
    expect(pruned).toMatchObject({ rawDeleted: 5, rollupsDeleted: 1 });
    expect(pruned.hoursRolledUp).toBeGreaterThanOrEqual(3);
    const [counts] = await sandbox.query<{ n: number | string; old: number | string }>(
      'SELECT COUNT(*) AS n, SUM(CASE WHEN occurred_at < $1 THEN 1 ELSE 0 END) AS old FROM usage_events',
      at(now - 14 * DAY),
    );
    expect({ n: Number(counts.n), old: Number(counts.old) }).toEqual({ n: 18, old: 0 });

    const after = sandbox.json<{ principals: Line[] }>(['usage:report', '--format', 'json']);
    expect(after.principals.map((p) => [p.principal.id, p.requests, p.errors, p.throttled])).toEqual(
      before.principals.map((p) => [p.principal.id, p.requests, p.errors, p.throttled]),
    );
    // Nothing left to do the second time.
    expect(sandbox.json(['usage:prune', '--json'])).toEqual({
      hoursRolledUp: 0,
      rawDeleted: 0,
      rollupsDeleted: 0,
    });
    expect(sandbox.run(['usage:prune']).stdout).toMatch(
      /^Rolled up 0 hour\(s\); deleted 0 raw record\(s\) older than 14 days and 0 hourly roll-up\(s\) older than 400 days\.\n$/,
    );
  });
});
