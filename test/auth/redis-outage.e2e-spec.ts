import { BroadcastService } from '@aero/core';
import type { DisposableRedis, TestApp } from '@aero/testing';
import { adminAuth, createApiKey, createPeerApp, createTestApp, createUser, startDisposableRedis } from '@aero/testing';

/**
 * An instance that boots while Redis is down must not stay deaf once Redis returns: it subscribes,
 * reads from the database the session revocations it missed, drops the API keys it cached, and from
 * then on hears every revocation within moments. Polls and cache lifetimes are set to their maximum
 * (300 s) so that only the reconnection can explain what the test sees.
 */
jest.setTimeout(60_000);

async function within(ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const SLOW = { AUTH_REVOCATIONS_POLL_SECONDS: '300', API_KEY_CACHE_TTL_SECONDS: '300' };

describe('Redis down when an instance boots (e2e)', () => {
  let redis: DisposableRedis;
  let a: TestApp;
  let b: TestApp;
  let admin: Record<string, string>;
  const shared = (app: TestApp): boolean => app.app.get(BroadcastService).shared;
  const status = async (app: TestApp, auth: Record<string, string>): Promise<number> =>
    (await app.http.get('/v1/auth/me').set(auth)).status;

  beforeAll(async () => {
    redis = await startDisposableRedis();
    a = await createTestApp({ shareableDatabase: true, env: { ...SLOW, REDIS_URL: redis.url } });
    admin = await adminAuth(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.dispose();
  });

  it('catches up on what it missed once Redis returns, then hears new revocations at once', async () => {
    const missedUser = await createUser(a, { role: 'member' });
    const liveUser = await createUser(a, { role: 'member' });
    const missedKey = await createApiKey(a, { scopes: ['members:read'] });
    const liveKey = await createApiKey(a, { scopes: ['members:read'] });

    await redis.stop();
    b = await createPeerApp(a, { env: { ...SLOW, REDIS_URL: redis.url } });
    expect(shared(b)).toBe(false);
    for (const auth of [
      missedUser.authHeader,
      liveUser.authHeader,
      missedKey.authHeader,
      liveKey.authHeader,
    ]) {
      expect(await status(b, auth)).toBe(200); // the keys are now in B's cache for 300 s
    }

    // Revoked through A while Redis is down: the messages are lost.
    await a.http.post('/v1/auth/logout').send({ refreshToken: missedUser.refreshToken }).expect(204);
    await a.http.delete(`/v1/api-keys/${missedKey.id}`).set(admin).expect(204);
    expect(await status(b, missedUser.authHeader)).toBe(200);
    expect(await status(b, missedKey.authHeader)).toBe(200);

    await redis.start();
    await within(15_000, async () => shared(a) && shared(b));
    await within(5000, async () => (await status(b, missedUser.authHeader)) === 401);
    await within(5000, async () => (await status(b, missedKey.authHeader)) === 401);
    expect((await b.http.get('/v1/auth/me').set(missedUser.authHeader)).body.type).toBe(
      '/problems/session-ended',
    );
    expect((await b.http.get('/v1/auth/me').set(missedKey.authHeader)).body.type).toBe(
      '/problems/api-key-revoked',
    );

    // Now subscribed: revocations through A reach B through Redis, long before any poll or cache expiry.
    expect(await status(b, liveUser.authHeader)).toBe(200);
    expect(await status(b, liveKey.authHeader)).toBe(200);
    await a.http.post('/v1/auth/logout').send({ refreshToken: liveUser.refreshToken }).expect(204);
    await a.http.delete(`/v1/api-keys/${liveKey.id}`).set(admin).expect(204);
    await within(5000, async () => (await status(b, liveUser.authHeader)) === 401);
    await within(5000, async () => (await status(b, liveKey.authHeader)) === 401);
  });
});
