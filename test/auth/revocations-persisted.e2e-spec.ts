import type { TestApp } from '@aero/testing';
import { adminAuth, createApiKey, createPeerApp, createTestApp, createUser } from '@aero/testing';

/**
 * Ended sessions are stored, not only remembered: an instance started (or restarted) after a logout,
 * a disable or a deletion refuses the old access token at once, and a running instance without Redis
 * refuses it within AUTH_REVOCATIONS_POLL_SECONDS. None of it costs an authenticated request a query.
 */
jest.setTimeout(60_000);

async function within(ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('revocations that survive restarts (no Redis) (e2e)', () => {
  let a: TestApp;
  let admin: Record<string, string>;
  const others: TestApp[] = [];

  /** Another instance of the same deployment on A's database (same secrets, no Redis). */
  async function startInstance(env: Record<string, string> = {}): Promise<TestApp> {
    const instance = await createPeerApp(a, { env });
    others.push(instance);
    return instance;
  }

  beforeAll(async () => {
    // A polls rarely, so nothing but the requests under test reaches its database.
    a = await createTestApp({ shareableDatabase: true, env: { AUTH_REVOCATIONS_POLL_SECONDS: '300' } });
    admin = await adminAuth(a);
  });
  afterAll(async () => {
    for (const instance of others) await instance.close();
    await a.close();
  });

  it('an instance restarted after a logout refuses the old access token', async () => {
    const user = await createUser(a, { role: 'member' });
    const before = await startInstance();
    await before.http.get('/v1/auth/me').set(user.authHeader).expect(200);
    await before.close();
    await a.http.post('/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);

    const restarted = await startInstance();
    const res = await restarted.http.get('/v1/auth/me').set(user.authHeader).expect(401);
    expect(res.body.type).toBe('/problems/session-ended');
  });

  it('an instance started after a user was disabled refuses their access token', async () => {
    const user = await createUser(a, { role: 'staff' });
    await a.http.patch(`/v1/users/${user.id}`).set(admin).send({ disabled: true }).expect(200);

    const later = await startInstance();
    const res = await later.http.get('/v1/auth/me').set(user.authHeader).expect(401);
    expect(res.body.type).toBe('/problems/session-ended');
    await later.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
  });

  it('a deleted user’s access token is refused at once and by an instance started later', async () => {
    const user = await createUser(a, { role: 'member' });
    await a.http.get('/v1/auth/me').set(user.authHeader).expect(200);
    await a.http.delete(`/v1/users/${user.id}`).set(admin).expect(204);

    const now = await a.http.get('/v1/auth/me').set(user.authHeader).expect(401);
    expect(now.body.type).toBe('/problems/session-ended');
    await a.http.get(`/v1/users/${user.id}`).set(admin).expect(404);
    await a.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    await a.http.post('/v1/auth/login').send({ email: user.email, password: user.password }).expect(401);

    const later = await startInstance();
    const res = await later.http.get('/v1/auth/me').set(user.authHeader).expect(401);
    expect(res.body.type).toBe('/problems/session-ended');
  });

  it('deleting an unknown user is a 404 problem', async () => {
    const res = await a.http.delete('/v1/users/00000000-0000-4000-8000-000000000000').set(admin).expect(404);
    expect(res.body.type).toBe('/problems/user-not-found');
  });

  it('a running instance without Redis refuses an ended session within AUTH_REVOCATIONS_POLL_SECONDS', async () => {
    const running = await startInstance({ AUTH_REVOCATIONS_POLL_SECONDS: '1' });
    const user = await createUser(a, { role: 'member' });
    await running.http.get('/v1/auth/me').set(user.authHeader).expect(200);
    await a.http.post('/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
    // The bound is one poll interval (1 s here) plus the read; allow generously for a loaded machine.
    await within(
      10_000,
      async () => (await running.http.get('/v1/auth/me').set(user.authHeader)).status === 401,
    );
    const res = await running.http.get('/v1/auth/me').set(user.authHeader).expect(401);
    expect(res.body.type).toBe('/problems/session-ended');
  });

  it('authenticates a JWT and a cached API key with zero database queries', async () => {
    const user = await createUser(a, { role: 'member' });
    const key = await createApiKey(a, { scopes: ['members:read'] });
    await a.http.get('/v1/auth/me').set(key.authHeader).expect(200);
    // Let the once-a-minute lastUsedAt write (queued after the first response) land first.
    await within(2000, async () => {
      const settled = a.queryCount();
      await new Promise((resolve) => setTimeout(resolve, 20));
      return a.queryCount() === settled;
    });
    const before = a.queryCount();
    for (let i = 0; i < 10; i++) {
      await a.http.get('/v1/auth/me').set(user.authHeader).expect(200);
      await a.http.get('/v1/auth/me').set(key.authHeader).expect(200);
    }
    expect(a.queryCount() - before).toBe(0);
  });
});
