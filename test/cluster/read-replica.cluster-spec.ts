import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ReadDataSource } from '@aero/core';
import type { PostgresWithReplica, TestApp } from '@aero/testing';
import { createApiKey, createTestApp, createUser, startPostgresWithReplica } from '@aero/testing';

// Read replica: a PostgreSQL primary with a streaming replica started by scripts/pg-replica.sh. Two API
// instances on it: "tolerant" accepts a minute of lag, "strict" half a second. Stale-tolerant routes
// (usage reports, the events feed, the admin lists) are answered from the replica while it is fresh enough,
// and from the primary — with no error — when it lags past the bound or is stopped.
jest.setTimeout(90_000);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 50));
  }
}

describe('read replica: stale-tolerant reads on the replica, the primary as fallback', () => {
  let pg: PostgresWithReplica;
  let tolerant: TestApp;
  let strict: TestApp;
  let primary: Client;
  let auth: Record<string, string>;
  let adminId: string;
  let database: { env: Record<string, string>; drop: () => Promise<void> };
  let env: Record<string, string>;
  const counts = { replica: 0, primary: 0, errors: 0 };

  beforeAll(async () => {
    pg = await startPostgresWithReplica();
    database = { env: pg.env, drop: async () => undefined };
    // One signing key and pepper: a token from one instance is good on the other, as behind a load balancer.
    env = {
      JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
      API_KEY_PEPPER: randomBytes(32).toString('hex'),
      WEBHOOKS_SECRET_KEY: randomBytes(32).toString('hex'),
      WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true',
      USAGE_FLUSH_INTERVAL_MS: '100',
      DB_REPLICA_CHECK_INTERVAL_MS: '200',
      DB_CONNECT_TIMEOUT_MS: '2000',
    };
    tolerant = await createTestApp({ database, env: { ...env, DB_REPLICA_MAX_LAG_MS: '60000' } });
    strict = await createTestApp({
      database,
      env: { ...env, DB_REPLICA_MAX_LAG_MS: '500', DB_MIGRATIONS_RUN: 'false' },
    });
    const admin = await createUser(tolerant, { role: 'admin' });
    auth = admin.authHeader;
    adminId = admin.id;
    primary = new Client({
      host: '127.0.0.1',
      port: pg.primaryPort,
      user: 'postgres',
      database: pg.env.DB_DATABASE,
    });
    await primary.connect();
  });

  afterAll(async () => {
    await primary?.end();
    await strict?.close();
    await tolerant?.close();
    await pg?.dispose();
    console.log(
      `read replica: reads answered by the replica ${counts.replica}, by the primary ${counts.primary}, errors ${counts.errors}`,
    );
  });

  const reader = (app: TestApp): ReadDataSource => app.app.get(ReadDataSource);
  const storedRequests = async (): Promise<number> =>
    Number(
      (await primary.query('SELECT count(*) AS n FROM usage_events WHERE principal_id = $1', [adminId]))
        .rows[0].n,
    );
  const reportedRequests = async (app: TestApp): Promise<number> => {
    const response = await app.http.get('/v1/usage').set(auth);
    if (response.status !== 200) counts.errors++;
    expect(response.status).toBe(200);
    return (response.body as { totals: { requests: number } }).totals.requests;
  };

  it('reads through the seam go to the replica; everything else stays on the primary', async () => {
    const seam = reader(tolerant);
    await until('the replica to be in use', async () => ((await seam.check()) === 'up' ? true : undefined));
    const inSeam = await seam.read(
      async () => (await seam.manager.query('SELECT pg_is_in_recovery() AS r'))[0].r as boolean,
    );
    const outside = (await seam.manager.query('SELECT pg_is_in_recovery() AS r'))[0].r as boolean;
    expect({ inSeam, outside }).toEqual({ inSeam: true, outside: false });
    counts.replica++;
  });

  it('a replica whose replay is paused serves stale reports within the bound; past it the primary answers', async () => {
    await until('both instances on the replica', async () =>
      (await reader(tolerant).check()) === 'up' && (await reader(strict).check()) === 'up' ? true : undefined,
    );
    const before = await reportedRequests(tolerant);
    await pg.pauseReplay();
    try {
      for (let i = 0; i < 5; i++) expect((await tolerant.http.get('/v1/auth/me').set(auth)).status).toBe(200);
      // The usage buffer is flushed to the primary within ~100 ms; the replica receives it but does not replay.
      const stored = await until('the requests stored on the primary', async () => {
        const n = await storedRequests();
        return n >= before + 6 ? n : undefined;
      });
      await until('the strict instance to see the lag', async () =>
        (await reader(strict).check()) === 'lagging' ? true : undefined,
      );

      const stale = await reportedRequests(tolerant);
      counts.replica++;
      const fresh = await reportedRequests(strict);
      counts.primary++;
      expect(reader(tolerant).state).toBe('up');
      expect(stale).toBeLessThan(stored);
      expect(fresh).toBeGreaterThanOrEqual(stored);
      const metrics = (await strict.http.get('/metrics')).text;
      expect(metrics).toMatch(/^db_replica_up 0$/m);
      expect(metrics).toMatch(/^db_replica_fallbacks_total\{reason="lagging"\} [1-9]/m);
    } finally {
      await pg.resumeReplay();
    }
    await until('the strict instance back on the replica', async () =>
      (await reader(strict).check()) === 'up' ? true : undefined,
    );
  });

  interface FeedPage {
    data: { id: string; type: string; data: { id?: string } }[];
    nextCursor: string;
    hasMore: boolean;
  }
  const feedPage = async (app: TestApp, after?: string, limit = 100): Promise<FeedPage> => {
    const response = await app.http
      .get('/v1/events')
      .query({ limit, ...(after ? { after } : {}) })
      .set(auth);
    if (response.status !== 200) counts.errors++;
    expect(response.status).toBe(200);
    return response.body as FeedPage;
  };
  /** Pages to the end of the feed; how many events it showed. */
  const feedEnd = async (app: TestApp): Promise<number> => {
    let page = await feedPage(app);
    let shown = page.data.length;
    while (page.hasMore) {
      page = await feedPage(app, page.nextCursor);
      shown += page.data.length;
    }
    return shown;
  };
  const listedKeyIds = async (app: TestApp): Promise<string[]> => {
    const response = await app.http.get('/v1/api-keys').query({ limit: 100 }).set(auth);
    if (response.status !== 200) counts.errors++;
    expect(response.status).toBe(200);
    return (response.body as { data: { id: string }[] }).data.map((key) => key.id);
  };

  it('the events feed and the admin lists come from the replica within the bound; a cursor past it is answered by the primary', async () => {
    await until('both instances on the replica', async () =>
      (await reader(tolerant).check()) === 'up' && (await reader(strict).check()) === 'up' ? true : undefined,
    );
    const first = await createApiKey(tolerant, { scopes: ['members:read'] });
    // The key's event is stamped by the first feed read and reaches the replica once replayed.
    const cursor = await until('the replica to have the first key and its event', async () => {
      await reader(tolerant).check();
      if (!(await listedKeyIds(tolerant)).includes(first.id)) return undefined;
      let page = await feedPage(tolerant);
      const seen = [...page.data];
      while (page.hasMore) {
        page = await feedPage(tolerant, page.nextCursor);
        seen.push(...page.data);
      }
      return seen.some((event) => event.type === 'api_key.created' && event.data.id === first.id)
        ? page.nextCursor
        : undefined;
    });

    await pg.pauseReplay();
    let collected: FeedPage['data'] = [];
    const created: string[] = [];
    try {
      for (let i = 0; i < 3; i++) created.push((await createApiKey(tolerant, { scopes: ['members:read'] })).id);
      await until('the strict instance to see the lag', async () =>
        (await reader(strict).check()) === 'lagging' ? true : undefined,
      );
      expect(reader(tolerant).state).toBe('up');

      // Within the tolerant bound the replica answers: the new keys and their events are not there yet.
      const staleKeys = await listedKeyIds(tolerant);
      const staleFeed = await feedPage(tolerant, cursor);
      counts.replica += 2;
      expect(staleKeys).toContain(first.id);
      expect(staleKeys).not.toContain(created[0]);
      expect(staleFeed.data).toEqual([]);
      // Past the strict bound the primary answers, with everything.
      expect(await listedKeyIds(strict)).toEqual(expect.arrayContaining(created));
      counts.primary++;

      // A partner pages from the strict instance (primary), then its next page lands on the tolerant one, whose
      // replica has not seen that cursor yet: the primary answers it, so the partner is not sent back.
      const fresh = await feedPage(strict, cursor, 2);
      counts.primary++;
      const next = await feedPage(tolerant, fresh.nextCursor);
      counts.primary++;
      collected = [...fresh.data, ...next.data];
      const metrics = (await tolerant.http.get('/metrics')).text;
      expect(metrics).toMatch(/^db_replica_fallbacks_total\{reason="behind"\} [1-9]/m);
    } finally {
      await pg.resumeReplay();
    }
    const keyEvents = collected.filter((event) => event.type === 'api_key.created');
    expect(keyEvents.map((event) => event.data.id)).toEqual(created);
    expect(new Set(collected.map((event) => event.id)).size).toBe(collected.length);
    console.log(`events feed across a lagging replica: ${collected.length} events collected, ${keyEvents.length} of ${created.length} created keys, no repeats`);
    await until('the strict instance back on the replica', async () =>
      (await reader(strict).check()) === 'up' ? true : undefined,
    );
  });

  it('a stopped replica: reports come from the primary with no error, and the replica is used again once back', async () => {
    let late: TestApp | undefined;
    await until('the replica in use', async () =>
      (await reader(tolerant).check()) === 'up' ? true : undefined,
    );
    expect((await tolerant.http.get('/v1/auth/me').set(auth)).status).toBe(200);
    const hookKey = await createApiKey(tolerant, { scopes: ['members:read'] });
    const hook = await tolerant.http
      .post('/v1/webhook-endpoints')
      .set(auth)
      .send({ url: 'http://127.0.0.1:9/hook', types: ['booking.created'] });
    expect(hook.status).toBe(201);
    const hookId = (hook.body as { id: string }).id;
    const stored = await until('the request stored', async () => {
      const n = await storedRequests();
      return n > 0 ? n : undefined;
    });
    await pg.stopReplica();
    try {
      // Straight away, before the periodic check noticed: the read fails on the replica and is retried on the primary.
      for (let i = 0; i < 5; i++) {
        expect(await reportedRequests(tolerant)).toBeGreaterThanOrEqual(stored);
        counts.primary++;
      }
      expect(reader(tolerant).state).toBe('down');
      // The feed and every admin list answer from the primary, and the replica's failures never reach the
      // primary's circuit breaker (which would refuse everything once open).
      for (let round = 0; round < 3; round++) {
        expect(await feedEnd(tolerant)).toBeGreaterThan(0);
        expect(await listedKeyIds(tolerant)).toContain(hookKey.id);
        for (const path of ['/v1/users', '/v1/webhook-endpoints', `/v1/webhook-endpoints/${hookId}/deliveries`]) {
          const response = await tolerant.http.get(path).set(auth);
          if (response.status !== 200) counts.errors++;
          expect({ path, status: response.status }).toEqual({ path, status: 200 });
          counts.primary++;
        }
      }
      const breaker = (await tolerant.http.get('/metrics')).text;
      expect(breaker).toMatch(/^db_circuit_breaker_state\{state="closed"\} 1$/m);
      expect(breaker).not.toMatch(/^db_circuit_breaker_transitions_total\{to="open"\} [1-9]/m);
      expect((await tolerant.http.get('/metrics')).text).toMatch(/^db_replica_lag_seconds -1$/m);

      // An instance that starts while the replica is down boots, and answers from the primary.
      late = await createTestApp({
        database,
        env: { ...env, DB_MIGRATIONS_RUN: 'false', DB_REPLICA_MAX_LAG_MS: '60000' },
      });
      expect(reader(late).state).toBe('down');
      expect(await reportedRequests(late)).toBeGreaterThanOrEqual(stored);
      counts.primary++;
    } finally {
      await pg.startReplica();
    }
    const started = late;
    if (started)
      await until('the late instance on the replica', async () =>
        (await reader(started).check()) === 'up' ? true : undefined,
      );
    await until('the replica in use again', async () =>
      (await reader(tolerant).check()) === 'up' ? true : undefined,
    );
    expect(await reportedRequests(tolerant)).toBeGreaterThanOrEqual(stored);
    counts.replica++;
    await late?.close();
  });
});
