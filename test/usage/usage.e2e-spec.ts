import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { UsageRecorder, UsageScheduler, UsageService } from '@aero/usage';
import type { CreatedApiKey, TestApp } from '@aero/testing';
import { adminAuth, createApiKey, createPeerApp, createTestApp, createUser, randomPassword } from '@aero/testing';

/** Fast flushes, so "within two flush intervals" is a short wait. */
const FLUSH_MS = 200;
/** Two flush intervals, plus room for a machine under load (the condition is polled, never slept on). */
const WITHIN_MS = 2 * FLUSH_MS + 4000;

async function within<T>(ms: number, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not reached within ${ms} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Totals {
  requests: number;
  errors: number;
  clientErrors: number;
  serverErrors: number;
  throttled: number;
  statuses: Record<string, number>;
}
interface Report {
  principal: { kind: string; id: string };
  totals: Totals;
  series: Array<{ start: string; requests: number }>;
  routes: Array<{ method: string; route: string; requests: number; errors: number; throttled: number }>;
}

jest.setTimeout(60_000);

describe('usage ledger (e2e)', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  const keyUsage = async (app: TestApp, keyId: string): Promise<Report> =>
    (
      (await app.http
        .get(`/v1/usage/keys/${keyId}`)
        .set(await adminAuth(app))
        .expect(200)) as Response
    ).body as Report;
  const usageShows = (app: TestApp, keyId: string, n: number): Promise<Report> =>
    within(
      WITHIN_MS,
      () => keyUsage(app, keyId),
      (r) => r.totals.requests >= n,
    );

  beforeAll(async () => {
    t = await createTestApp({
      env: { USAGE_FLUSH_INTERVAL_MS: String(FLUSH_MS), AUTH_LOGIN_MAX_FAILURES: '2' },
    });
    admin = await adminAuth(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('N requests with a key show as exactly N, with the right status breakdown, within two flush intervals', async () => {
    const key = await createApiKey(t, { scopes: ['members:read'], app: 'kiosk' });
    for (let i = 0; i < 6; i++) await t.http.get('/v1/auth/me').set(key.authHeader).expect(200);
    for (let i = 0; i < 3; i++)
      await t.http.get(`/v1/members/${randomUUID()}`).set(key.authHeader).expect(404);
    await t.http.get('/v1/api-keys').set(key.authHeader).expect(403);

    const report = await usageShows(t, key.id, 10);
    expect(report.principal).toEqual({ kind: 'apiKey', id: key.id });
    expect(report.totals).toMatchObject({
      requests: 10,
      errors: 4,
      clientErrors: 4,
      serverErrors: 0,
      throttled: 0,
    });
    expect(report.totals.statuses).toEqual({ '1xx': 0, '2xx': 6, '3xx': 0, '4xx': 4, '5xx': 0 });
    // Route templates, never the raw path with the member id in it.
    expect(report.routes).toEqual(
      expect.arrayContaining([
        { method: 'GET', route: '/v1/auth/me', requests: 6, errors: 0, throttled: 0 },
        { method: 'GET', route: '/v1/members/:id', requests: 3, errors: 3, throttled: 0 },
        { method: 'GET', route: '/v1/api-keys', requests: 1, errors: 1, throttled: 0 },
      ]),
    );
    expect(report.series.reduce((sum, bucket) => sum + bucket.requests, 0)).toBe(10);

    // The key reads its own usage: the same 10 (this request is recorded once it has finished).
    const own = (await t.http.get('/v1/usage').set(key.authHeader).expect(200)).body as Report;
    expect(own.principal).toEqual({ kind: 'apiKey', id: key.id });
    expect(own.totals.requests).toBe(10);
  });

  it('a user reads their own usage, bucketed per day', async () => {
    const user = await createUser(t, { role: 'staff' });
    for (let i = 0; i < 3; i++) await t.http.get('/v1/auth/me').set(user.authHeader).expect(200);
    // An admin watches through /v1/usage/users/:id (the user's own reads would count as usage too).
    await within(
      WITHIN_MS,
      async () => (await t.http.get(`/v1/usage/users/${user.id}`).set(admin).expect(200)).body as Report,
      (r) => r.totals.requests >= 3,
    );
    const report = (await t.http.get('/v1/usage?granularity=day').set(user.authHeader).expect(200))
      .body as Report;
    expect(report.principal).toEqual({ kind: 'user', id: user.id });
    expect(report.totals.requests).toBe(3);
    expect(report.series).toHaveLength(30);
    expect(report.series.at(-1)?.requests).toBe(3);
  });

  it('records requests refused with 401 (anonymous) and 429 (login throttle) as well', async () => {
    const route = '/v1/auth/me';
    const before = (await t.http.get('/v1/usage/summary').set(admin).expect(200)).body as {
      totals: Totals;
    };
    for (let i = 0; i < 3; i++) await t.http.get(route).set('X-API-Key', 'aero_not-a-real-key').expect(401);
    const email = `throttled-${randomUUID()}@example.test`;
    const login = () => t.http.post('/v1/auth/login').send({ email, password: randomPassword() });
    await login().expect(401);
    await login().expect(401);
    await login().expect(429);

    const after = await within(
      WITHIN_MS,
      async () =>
        (await t.http.get('/v1/usage/summary').set(admin).expect(200)).body as {
          totals: Totals;
          topPrincipals: Array<{ principal: { kind: string } }>;
        },
      (s) =>
        s.totals.throttled >= before.totals.throttled + 1 &&
        s.totals.statuses['4xx'] >= before.totals.statuses['4xx'] + 6,
    );
    expect(after.totals.throttled - before.totals.throttled).toBe(1);
    expect(after.totals.statuses['4xx'] - before.totals.statuses['4xx']).toBe(6);
    expect(after.topPrincipals.map((p) => p.principal.kind)).toContain('anonymous');
  });

  it('flags a synthetic burst of errors from one key as an anomaly, with its reason, in the summary and /metrics', async () => {
    const key = await createApiKey(t, { scopes: ['members:read'], app: 'kiosk' });
    const calm = await createApiKey(t, { scopes: ['members:read'], app: 'kiosk' });
    for (let i = 0; i < 25; i++) await t.http.get('/v1/api-keys').set(key.authHeader).expect(403);
    for (let i = 0; i < 25; i++) await t.http.get('/v1/auth/me').set(calm.authHeader).expect(200);
    await usageShows(t, key.id, 25);
    await usageShows(t, calm.id, 25);

    const summary = (await t.http.get('/v1/usage/summary').set(admin).expect(200)).body as {
      anomalies: Array<{
        principal: { kind: string; id: string };
        app: string;
        requests: number;
        reasons: Array<{ code: string; observed: number; message: string }>;
      }>;
    };
    const flagged = summary.anomalies.find((a) => a.principal.id === key.id);
    expect(flagged).toMatchObject({ principal: { kind: 'apiKey', id: key.id }, app: 'kiosk', requests: 25 });
    expect(flagged?.reasons).toEqual([
      expect.objectContaining({
        code: 'errorRate',
        observed: 1,
        message: expect.stringContaining('100% of 25 requests failed'),
      }),
    ]);
    // A key as busy but well-behaved is not flagged.
    expect(summary.anomalies.map((a) => a.principal.id)).not.toContain(calm.id);

    await t.app.get(UsageScheduler).runOnce();
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^usage_anomalies\{reason="errorRate"\} [1-9]/m);
    expect(metrics).toMatch(/^usage_records_total\{outcome="written"\} [1-9]/m);
  });

  it('lets a venue-restricted usage:read key see only keys and users restricted to its venues', async () => {
    const [v1, v2] = [randomUUID(), randomUUID()];
    const reader = await createApiKey(t, { scopes: ['usage:read'], venueIds: [v1] });
    const sameVenue = await createApiKey(t, { scopes: ['members:read'], venueIds: [v1] });
    const wider = await createApiKey(t, { scopes: ['members:read'], venueIds: [v1, v2] });
    const everywhere = await createApiKey(t, { scopes: ['members:read'] });
    const staffHere = await createUser(t, { role: 'staff', venueIds: [v1] });
    const staffEverywhere = await createUser(t, { role: 'staff' });

    await t.http.get(`/v1/usage/keys/${sameVenue.id}`).set(reader.authHeader).expect(200);
    await t.http.get(`/v1/usage/users/${staffHere.id}`).set(reader.authHeader).expect(200);
    for (const path of [
      `keys/${wider.id}`,
      `keys/${everywhere.id}`,
      `users/${staffEverywhere.id}`,
      `keys/${randomUUID()}`,
    ]) {
      const res = await t.http.get(`/v1/usage/${path}`).set(reader.authHeader).expect(404);
      expect(res.body.type).toBe('/problems/usage-principal-not-found');
    }
    // Without usage:read a key reads only its own usage; the summary is for admins.
    await t.http.get(`/v1/usage/keys/${sameVenue.id}`).set(everywhere.authHeader).expect(403);
    await t.http.get('/v1/usage/summary').set(reader.authHeader).expect(403);
    await t.http.get('/v1/usage').expect(401);
  });

  it('answers a bad range with 400 naming the field', async () => {
    const field = async (query: string): Promise<string[]> => {
      const res = await t.http.get(`/v1/usage${query}`).set(admin).expect(400);
      return (res.body.errors as Array<{ field: string }>).map((e) => e.field);
    };
    expect(await field('?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z')).toEqual(['to']);
    expect(await field('?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z')).toEqual(['from']);
    expect(await field('?from=yesterday')).toEqual(['from']);
    expect(await field('?granularity=week')).toEqual(['granularity']);
    const summary = await t.http
      .get('/v1/usage/summary?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z')
      .set(admin)
      .expect(400);
    expect(summary.body.errors[0].field).toBe('from');
  });

  it('refuses ISO 8601 forms that are not a real date or instant (week and ordinal dates, no offset) with 400, not 500', async () => {
    // The generated-input suite found GET /v1/usage/summary?from=2026-W10 answering 500.
    for (const path of ['/v1/usage/summary', '/v1/usage']) {
      for (const [query, name] of [
        ['from=2026-W10', 'from'],
        ['from=2026-070', 'from'],
        ['to=2026-12-01T00:00:00', 'to'],
        ['to=2026-02-30', 'to'],
      ]) {
        const res = await t.http.get(`${path}?${query}`).set(admin).expect(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([name]);
      }
    }
    // A date, and an instant with an offset, are still read.
    await t.http.get('/v1/usage/summary?from=2026-11-30&to=2026-12-01T00:00:00%2B01:00').set(admin).expect(200);
  });
});

describe('usage recording costs no database query (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No timed flush during the test: records stay in the buffer until asked.
    t = await createTestApp({ env: { USAGE_FLUSH_INTERVAL_MS: '60000', USAGE_FLUSH_BATCH_SIZE: '10000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('buffers every request without a statement, and writes them all in one flush', async () => {
    const key = await createApiKey(t, { scopes: [] });
    await t.http.get('/v1/auth/me').set(key.authHeader).expect(200); // warms the key cache and lastUsedAt
    const recorder = t.app.get(UsageRecorder);
    const buffered = recorder.buffered;
    const queries = t.queryCount();
    for (let i = 0; i < 20; i++) await t.http.get('/v1/auth/me').set(key.authHeader).expect(200);
    for (let i = 0; i < 5; i++) await t.http.get('/v1/auth/me').expect(401);
    expect(t.queryCount() - queries).toBe(0);
    expect(recorder.buffered - buffered).toBe(25);

    await recorder.flush();
    expect(recorder.buffered).toBe(0);
    const now = Date.now();
    const report = await t.app
      .get(UsageService)
      .report(
        { principalKind: 'apiKey', principalId: key.id },
        { from: now - 3_600_000, to: now + 3_600_000 },
        'hour',
      );
    expect(report.totals.requests).toBe(21);
  });
});

describe('usage with two API instances (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: Record<string, string>;
  let key: CreatedApiKey;

  beforeAll(async () => {
    const env = { USAGE_FLUSH_INTERVAL_MS: String(FLUSH_MS) };
    a = await createTestApp({ shareableDatabase: true, env });
    b = await createPeerApp(a, { env });
    admin = await adminAuth(a);
    key = await createApiKey(a, { scopes: ['members:read'] });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('counts requests served by either instance exactly once', async () => {
    for (let i = 0; i < 4; i++) await a.http.get('/v1/auth/me').set(key.authHeader).expect(200);
    for (let i = 0; i < 6; i++)
      await b.http.get(`/v1/members/${randomUUID()}`).set(key.authHeader).expect(404);
    const fromA = await within(
      WITHIN_MS,
      async () => (await a.http.get(`/v1/usage/keys/${key.id}`).set(admin).expect(200)).body as Report,
      (r) => r.totals.requests >= 10,
    );
    expect(fromA.totals).toMatchObject({ requests: 10, errors: 6 });
    const fromB = (await b.http.get(`/v1/usage/keys/${key.id}`).set(admin).expect(200)).body as Report;
    expect(fromB.totals).toEqual(fromA.totals);
  });

  it('rolls each closed hour up exactly once when both instances run the job at the same time', async () => {
    const later = Date.now() + 3 * 3_600_000;
    const [rolledA, rolledB] = await Promise.all([
      a.app.get(UsageService).rollUpClosedHours(later),
      b.app.get(UsageService).rollUpClosedHours(later),
    ]);
    expect(rolledA + rolledB).toBeGreaterThanOrEqual(1);
    // Read back from the roll-ups now (the hours are closed): still exactly 10, not 20.
    const report = (await a.http.get(`/v1/usage/keys/${key.id}`).set(admin).expect(200)).body as Report;
    expect(report.totals).toMatchObject({
      requests: 10,
      errors: 6,
      statuses: expect.objectContaining({ '2xx': 4, '4xx': 6 }),
    });
    // Running it again finds nothing left to do.
    expect(await a.app.get(UsageService).rollUpClosedHours(later)).toBe(0);
  });
});

describe('usage on graceful shutdown (e2e)', () => {
  it('writes every buffered record when the app closes right after a burst', async () => {
    const reader = await createTestApp({ shareableDatabase: true });
    try {
      const writer = await createPeerApp(reader, {
        env: { USAGE_FLUSH_INTERVAL_MS: '60000', USAGE_FLUSH_BATCH_SIZE: '10000' },
      });
      const key = await createApiKey(writer, { scopes: [] });
      await Promise.all(
        Array.from({ length: 40 }, () => writer.http.get('/v1/auth/me').set(key.authHeader).expect(200)),
      );
      expect(writer.app.get(UsageRecorder).buffered).toBeGreaterThanOrEqual(40);
      await writer.close();

      const report = (
        await reader.http
          .get(`/v1/usage/keys/${key.id}`)
          .set(await adminAuth(reader))
          .expect(200)
      ).body as Report;
      expect(report.totals.requests).toBe(40);
    } finally {
      await reader.close();
    }
  });
});
