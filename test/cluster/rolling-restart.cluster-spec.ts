import type { ClusterSeed } from './harness';
import { Cluster, pollUntil, startLoad, UNLIMITED } from './harness';

jest.setTimeout(180_000);

interface StoredBooking {
  id: string;
  member_id: string;
  session_id: string;
}

describe('rolling restart behind HAProxy (cluster: 3 production instances, Redis Cluster, PostgreSQL primary + replica)', () => {
  let cluster: Cluster | undefined;
  let seed: ClusterSeed;

  beforeAll(async () => {
    cluster = await Cluster.up({ env: UNLIMITED });
    seed = await cluster.seed();
  });

  afterAll(async () => {
    await cluster?.down();
  });

  it('restarts every instance one at a time under load: 0 failed requests, 0 lost or duplicated bookings, usage counts match', async () => {
    const c = cluster as Cluster;
    const pidsBefore = await c.script('status');
    const load = startLoad({ base: c.base, seed, clients: 6 });
    // Traffic on every instance before the first one goes.
    await pollUntil(
      async () => load.counts.operations,
      (n) => n >= 60,
      30,
    );
    await c.script('rolling-restart');
    await pollUntil(
      async () => load.counts.operations,
      (n) => n >= 120,
      30,
    );
    const counts = await load.stop();
    const pidsAfter = await c.script('status');

    const stored = await c.query<StoredBooking>('SELECT id, member_id, session_id FROM bookings');
    const storedIds = new Set(stored.map((row) => row.id));
    const acknowledged = new Set(counts.bookingsByKey.values());
    const lost = [...acknowledged].filter((id) => !storedIds.has(id));
    const unacknowledged = stored.filter((row) => !acknowledged.has(row.id));
    const pairs = new Set(stored.map((row) => `${row.member_id}/${row.session_id}`));
    const duplicated = stored.length - pairs.size + unacknowledged.length;

    const served = counts.answeredByKey.get(seed.kioskKey) ?? 0;
    const usage = await pollUntil(
      async () => {
        const res = await fetch(`${c.base}/v1/usage/keys/${seed.kioskKeyId}`, {
          headers: { 'x-api-key': seed.adminKey },
        });
        return ((await res.json()) as { totals?: { requests: number } }).totals?.requests ?? -1;
      },
      (requests) => requests === served,
    );

    process.stdout.write(
      `rolling restart under load: ${counts.operations} operations (${JSON.stringify(counts.byKind)}), ` +
        `${counts.failed} failed, ${counts.retriedStatuses} attempts retried on 429/503; bookings: ` +
        `${acknowledged.size} acknowledged, ${stored.length} stored, ${lost.length} lost, ${duplicated} duplicated; ` +
        `usage of the kiosk key: ${usage} recorded for ${served} answered\n`,
    );
    expect(counts.failures).toEqual([]);
    expect(counts.failed).toBe(0);
    expect(lost).toEqual([]);
    expect(duplicated).toBe(0);
    expect(stored.length).toBe(acknowledged.size);
    expect(usage).toBe(served);
    // Every instance really was replaced (new processes), and all are back in rotation.
    const pids = (status: string): string[] =>
      status
        .split('\n')
        .filter((line) => line.startsWith('api'))
        .map((line) => line.split(/\s+/)[1]);
    expect(pids(pidsAfter)).toHaveLength(3);
    for (const [i, pid] of pids(pidsAfter).entries()) expect(pid).not.toBe(pids(pidsBefore)[i]);
    expect(pidsAfter.match(/haproxy=UP/g)).toHaveLength(3);
  });

  it('passes X-Request-Id through and records the address HAProxy saw, not an X-Forwarded-For the client made up', async () => {
    const c = cluster as Cluster;
    const recorded = async (): Promise<number> =>
      Number(
        (
          await c.query<{ n: string }>('SELECT count(*) AS n FROM usage_events WHERE principal_id = $1', [
            seed.kioskKeyId,
          ])
        )[0].n,
      );
    const before = await recorded();
    const requestId = `trace-${Date.now()}`;
    const res = await fetch(`${c.base}/v1/members/${seed.memberIds[0]}`, {
      headers: { 'x-api-key': seed.kioskKey, 'x-request-id': requestId, 'x-forwarded-for': '203.0.113.9' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    // Without an id of its own, the request still gets one (HAProxy's UUID, kept by the API).
    const anonymous = await fetch(`${c.base}/health/live`);
    expect(anonymous.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    expect(await pollUntil(recorded, (n) => n > before)).toBe(before + 1);
    const ips = await c.query<{ client_ip: string }>(
      'SELECT DISTINCT client_ip FROM usage_events WHERE principal_id = $1',
      [seed.kioskKeyId],
    );
    expect(ips.map((row) => row.client_ip)).toEqual(['127.0.0.1']);
  });
});
