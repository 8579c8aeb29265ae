import { generateApiKey } from '@aero/api-keys';
import type { TestApp } from '@aero/testing';
import { createApiKey, createTestApp, createUser, createVenue } from '@aero/testing';
import { randomUUID } from 'node:crypto';

jest.setTimeout(30_000);

/** Tight limits for this suite only (other suites run with generous ones). */
const LIMITS = {
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '4',
  RATE_LIMIT_ANONYMOUS_BURST: '4',
  RATE_LIMIT_STAFF_PER_MINUTE: '6',
  RATE_LIMIT_STAFF_BURST: '6',
  RATE_LIMIT_MEMBER_PER_MINUTE: '3',
  RATE_LIMIT_MEMBER_BURST: '3',
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '5',
};

/** An anonymous request that reaches a handler: logging out an unknown session (204). */
const anonymous = (t: TestApp) => t.http.post('/v1/auth/logout').send({ refreshToken: 'not-a-session' });

describe('rate-limit policies by principal kind (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: LIMITS });
  });
  afterAll(async () => {
    await t.close();
  });

  it('limits each user by their role’s policy, separately from other users', async () => {
    const staff = await createUser(t, { role: 'staff' });
    const member = await createUser(t, { role: 'member' });
    for (let i = 0; i < 3; i++) await t.http.get('/v1/auth/me').set(member.authHeader).expect(200);
    const refused = await t.http.get('/v1/auth/me').set(member.authHeader).expect(429);
    expect(refused.body).toMatchObject({ type: '/problems/rate-limited', limit: 3 });
    // Another user's budget is untouched: staff get six.
    for (let i = 0; i < 6; i++) {
      const res = await t.http.get('/v1/auth/me').set(staff.authHeader).expect(200);
      expect(res.headers['x-ratelimit-remaining']).toBe(String(5 - i));
      expect(res.headers['ratelimit-policy']).toBe('"burst";q=6;w=10, "minute";q=6;w=60');
    }
    await t.http.get('/v1/auth/me').set(staff.authHeader).expect(429);
  });

  it('charges an expensive request more: a page of 100 members costs two units', async () => {
    const staff = await createUser(t, { role: 'staff' });
    const first = await t.http.get('/v1/members?limit=100').set(staff.authHeader).expect(200);
    expect(first.headers['x-ratelimit-remaining']).toBe('4');
    const second = await t.http.get('/v1/members?limit=10').set(staff.authHeader).expect(200);
    expect(second.headers['x-ratelimit-remaining']).toBe('3');
  });

  it('answers invalid range and page parameters with the 400 naming them, never a 429 priced from them', async () => {
    const staff = await createUser(t, { role: 'staff' });
    const venue = await createVenue(t);
    const range = await t.http
      .get(`/v1/sessions?venueId=${venue.id}&from=2000-01-01&to=2100-12-31`)
      .set(staff.authHeader)
      .expect(400);
    expect(range.body).toMatchObject({ type: '/problems/validation-failed', errors: [{ field: 'to' }] });
    const page = await t.http.get('/v1/members?limit=2147483648').set(staff.authHeader).expect(400);
    expect(page.body).toMatchObject({ type: '/problems/validation-failed', errors: [{ field: 'limit' }] });
    // Each refusal cost one unit, as any request does: four of six are left.
    const after = await t.http.get('/v1/auth/me').set(staff.authHeader).expect(200);
    expect(after.headers['x-ratelimit-remaining']).toBe('3');
  });

  it('answers a valid request that costs more than the whole limit with 422 and the maximum, without Retry-After', async () => {
    const key = await createApiKey(t, { scopes: ['members:read'], rateLimitPerMinute: 1 });
    const res = await t.http.get('/v1/members?limit=100').set(key.authHeader).expect(422);
    expect(res.body).toMatchObject({ type: '/problems/cost-exceeds-limit', cost: 2, limit: 1, maximumCost: 1 });
    expect(res.headers['retry-after']).toBeUndefined();
    // Nothing was spent: the key's one request a minute still passes.
    await t.http.get('/v1/members?limit=10').set(key.authHeader).expect(200);
  });

  it('limits anonymous callers per client IP', async () => {
    const own = await createTestApp({ env: LIMITS });
    try {
      for (let i = 0; i < 4; i++) await anonymous(own).expect(204);
      const res = await anonymous(own).expect(429);
      expect(res.body).toMatchObject({ type: '/problems/rate-limited', limit: 4 });
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await own.close();
    }
  });

  it('never limits health, metrics, the problem catalogue or the docs', async () => {
    const own = await createTestApp({ env: { ...LIMITS, RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1', RATE_LIMIT_ANONYMOUS_BURST: '1' } });
    try {
      for (let i = 0; i < 5; i++) {
        for (const path of ['/health/live', '/health/ready', '/metrics', '/problems', '/problems/rate-limited', '/docs-json']) {
          const res = await own.http.get(path);
          expect({ path, status: res.status }).toEqual({ path, status: 200 });
          expect(res.headers.ratelimit).toBeUndefined();
        }
      }
      // The budget of one was never touched by all of the above.
      await anonymous(own).expect(204);
      await anonymous(own).expect(429);
    } finally {
      await own.close();
    }
  });
});

describe('failed credentials are limited per client IP (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: LIMITS });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 401 with the auth-failures budget, then 429 once it is spent, for keys and tokens alike', async () => {
    const guesses = [
      { 'X-API-Key': generateApiKey(randomUUID()) },
      { Authorization: 'Bearer not.a.token' },
      { 'X-API-Key': generateApiKey(randomUUID()) },
      { Authorization: 'Bearer still.not.a-token' },
      { 'X-API-Key': 'aero_garbage' },
    ];
    for (const [i, headers] of guesses.entries()) {
      const res = await t.http.get('/v1/auth/me').set(headers).expect(401);
      expect(res.headers.ratelimit).toBe(`"auth-failures";r=${4 - i};t=${res.headers['x-ratelimit-reset']}`);
    }
    const refused = await t.http.get('/v1/auth/me').set({ 'X-API-Key': generateApiKey(randomUUID()) }).expect(429);
    expect(refused.body).toMatchObject({ type: '/problems/rate-limited', policy: 'auth-failures', limit: 5, windowSeconds: 60 });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await t.http.get('/v1/auth/me').set({ Authorization: 'Bearer guess' }).expect(429);
    // A valid key from the same address still works: only failures spend this budget.
    const key = await createApiKey(t, { scopes: ['members:read'] });
    await t.http.get('/v1/auth/me').set(key.authHeader).expect(200);
  });

  it('limits guessing refresh tokens the same way', async () => {
    // The anonymous budget is wider here, so the failed-credentials one is what runs out.
    const own = await createTestApp({ env: { ...LIMITS, RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100', RATE_LIMIT_ANONYMOUS_BURST: '100' } });
    try {
      const refresh = () => own.http.post('/v1/auth/refresh').send({ refreshToken: `guess-${Math.random()}` });
      for (let i = 0; i < 5; i++) expect((await refresh()).status).toBe(401);
      const res = await refresh().expect(429);
      expect(res.body).toMatchObject({ type: '/problems/rate-limited', policy: 'auth-failures' });
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await own.close();
    }
  });
});

describe('client IP and X-Forwarded-For (e2e)', () => {
  it('ignores X-Forwarded-For from a peer that is not a trusted proxy: spoofing never resets the count', async () => {
    const t = await createTestApp({ env: { ...LIMITS, HTTP_TRUST_PROXY: 'false' } });
    try {
      for (let i = 0; i < 4; i++) await anonymous(t).set('X-Forwarded-For', `198.51.100.${i}`).expect(204);
      const res = await anonymous(t).set('X-Forwarded-For', '203.0.113.77').expect(429);
      expect(res.body.type).toBe('/problems/rate-limited');
    } finally {
      await t.close();
    }
  });

  it('counts each client behind a trusted proxy on its own', async () => {
    const t = await createTestApp({ env: { ...LIMITS, HTTP_TRUST_PROXY: 'loopback' } });
    try {
      for (let i = 0; i < 4; i++) await anonymous(t).set('X-Forwarded-For', '198.51.100.1').expect(204);
      await anonymous(t).set('X-Forwarded-For', '198.51.100.1').expect(429);
      await anonymous(t).set('X-Forwarded-For', '198.51.100.2').expect(204);
    } finally {
      await t.close();
    }
  });
});
