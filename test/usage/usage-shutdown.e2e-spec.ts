import { openTestSql } from '@aero/testing';
import type { ApiProcess } from '../platform/api-process';
import { spawnApi, waitUntilLive } from '../platform/api-process';

jest.setTimeout(120_000);

/** The API as operators run it: SIGTERM right after a burst must not lose a usage record. */
describe('usage records on SIGTERM (e2e)', () => {
  let api: ApiProcess | undefined;

  afterEach(async () => {
    await api?.dispose();
  });

  it('writes every buffered record before the process exits', async () => {
    // No timed flush: whatever is written got there through the shutdown. The run's dialect.
    api = await spawnApi({
      USAGE_FLUSH_INTERVAL_MS: '60000',
      USAGE_FLUSH_BATCH_SIZE: '10000',
    });
    await waitUntilLive(api);
    const base = `http://127.0.0.1:${api.port}`;
    const statuses = await Promise.all(
      Array.from(
        { length: 50 },
        async (_, i) => (await fetch(`${base}${i % 2 ? '/v1/members' : '/health/live'}`)).status,
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(25);
    expect(statuses.filter((s) => s === 401)).toHaveLength(25);

    api.child.kill('SIGTERM');
    // A clean drain exits 0 (the API handles SIGTERM itself).
    expect(await api.exited).toBe(0);

    const db = await openTestSql(api.env);
    try {
      const rows = (
        await db.query<{ route: string; status: number | string; kind: string; n: number | string }>(
          "SELECT route, status, principal_kind AS kind, COUNT(*) AS n FROM usage_events WHERE route IN ('/v1/members', '/health/live') GROUP BY route, status, principal_kind ORDER BY route",
        )
      ).map((r) => ({ route: r.route, status: Number(r.status), kind: r.kind, n: Number(r.n) }));
      // /health/live also answered the readiness polls before the burst.
      const live = rows.find((r) => r.route === '/health/live');
      expect(live?.n).toBeGreaterThanOrEqual(25);
      expect(rows.filter((r) => r.route === '/v1/members')).toEqual([
        { route: '/v1/members', status: 401, kind: 'anonymous', n: 25 },
      ]);
    } finally {
      await db.close();
    }
  });
});
