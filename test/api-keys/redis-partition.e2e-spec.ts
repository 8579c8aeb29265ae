import { ApiKeyCache } from '@aero/api-keys';
import type { DisposableRedis, TcpProxy, TestApp } from '@aero/testing';
import { adminAuth, createApiKey, createPeerApp, createTestApp, startDisposableRedis, startTcpProxy } from '@aero/testing';

/**
 * Two instances on one database and a Redis of this test's own; instance B reaches it through a proxy that
 * can black-hole it: the connection stays open and nothing arrives (a partition, a stalled Redis), so B is
 * never told it lost pub/sub. A key revoked through A must still be refused by B within the short cache
 * lifetime, not the minute a subscribed cache keeps keys.
 */
jest.setTimeout(60_000);

async function within(ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('API key revocation while Redis answers nothing (e2e)', () => {
  let redis: DisposableRedis;
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await startDisposableRedis();
    proxy = await startTcpProxy(redis.port);
    const env = { API_KEY_CACHE_TTL_SECONDS: '2', RATE_LIMIT_REDIS_TIMEOUT_MS: '100', RATE_LIMIT_REDIS_BREAKER_SECONDS: '1' };
    a = await createTestApp({ shareableDatabase: true, env: { ...env, REDIS_URL: redis.url } });
    b = await createPeerApp(a, { env: { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
  });
  afterAll(async () => {
    proxy?.setMode('pass');
    await b?.close();
    await a?.close();
    await proxy?.close();
    await redis?.dispose();
  });

  it('instance B refuses a key revoked through A within API_KEY_CACHE_TTL_SECONDS, not a minute later', async () => {
    const admin = await adminAuth(a);
    const key = await createApiKey(a, { scopes: ['members:read'] });
    await b.http.get('/v1/auth/me').set(key.authHeader).expect(200);
    expect(b.app.get(ApiKeyCache).ttlSeconds).toBe(60);

    proxy.setMode('black-hole');
    // B's rate limiter notices that Redis answers nothing (its calls time out) and opens its breaker.
    await within(10_000, async () => {
      await b.http.get('/v1/auth/me').set(key.authHeader);
      return b.app.get(ApiKeyCache).ttlSeconds === 2;
    });
    await a.http.delete(`/v1/api-keys/${key.id}`).set(admin).expect(204);
    // The revocation's message never reaches B; the 2 s lifetime bounds it (the key was cached long before).
    await within(10_000, async () => (await b.http.get('/v1/auth/me').set(key.authHeader)).status === 401);
    const res = await b.http.get('/v1/auth/me').set(key.authHeader).expect(401);
    expect(res.body.type).toBe('/problems/api-key-revoked');
  });
});
