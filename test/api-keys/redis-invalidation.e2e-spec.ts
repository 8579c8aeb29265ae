import { ApiKeyCache } from '@aero/api-keys';
import type { TestApp } from '@aero/testing';
import { adminAuth, createApiKey, createPeerApp, createTestApp } from '@aero/testing';

/**
 * Two API instances on one database. A change made through instance A must reach instance B's key cache:
 * through Redis pub/sub when REDIS_URL is set (CI's PostgreSQL run sets it), otherwise through B's short
 * cache lifetime (API_KEY_CACHE_TTL_SECONDS), the documented fallback.
 */
const redisUrl = process.env.REDIS_URL;

async function within(ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Argon2id (~30 ms per hash) and waits of up to a few seconds for grace periods and expiry.
jest.setTimeout(30_000);

describe(`API key invalidation across instances (${redisUrl ? 'Redis pub/sub' : 'no Redis: short cache lifetime'}) (e2e)`, () => {
  let a: TestApp;
  let b: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    const redis: Record<string, string> = redisUrl ? { REDIS_URL: redisUrl } : {};
    a = await createTestApp({ shareableDatabase: true, env: { ...redis, API_KEY_CACHE_TTL_SECONDS: '2' } });
    // The same secrets, as every instance of one deployment has.
    b = await createPeerApp(a, { env: { ...redis, API_KEY_CACHE_TTL_SECONDS: '2' } });
    admin = await adminAuth(a);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  if (redisUrl) {
    it('subscribes to invalidations, so cached keys may live a minute', () => {
      for (const app of [a, b]) {
        expect(app.app.get(ApiKeyCache).sharedInvalidation).toBe(true);
        expect(app.app.get(ApiKeyCache).ttlSeconds).toBe(60);
      }
    });

    it('a revoke in instance A drops the key from instance B’s cache at once', async () => {
      const key = await createApiKey(a, { scopes: ['members:read'] });
      await b.http.get('/v1/auth/me').set(key.authHeader).expect(200);
      expect(b.app.get(ApiKeyCache).has(key.id)).toBe(true);
      await a.http.delete(`/v1/api-keys/${key.id}`).set(admin).expect(204);
      // Well inside the 60 s cache lifetime: only the message can have done it.
      await within(5000, async () => !b.app.get(ApiKeyCache).has(key.id));
      const res = await b.http.get('/v1/auth/me').set(key.authHeader).expect(401);
      expect(res.body.type).toBe('/problems/api-key-revoked');
    });

    it('a scope change in instance A applies in instance B within seconds', async () => {
      const key = await createApiKey(a, { scopes: ['admin'] });
      await b.http.get('/v1/users').set(key.authHeader).expect(200);
      await a.http.patch(`/v1/api-keys/${key.id}`).set(admin).send({ scopes: ['members:read'] }).expect(200);
      await within(5000, async () => (await b.http.get('/v1/users').set(key.authHeader)).status === 403);
    });
  } else {
    it('without Redis, caches keys only for API_KEY_CACHE_TTL_SECONDS', () => {
      for (const app of [a, b]) {
        expect(app.app.get(ApiKeyCache).sharedInvalidation).toBe(false);
        expect(app.app.get(ApiKeyCache).ttlSeconds).toBe(2);
      }
    });

    it('a revoke in instance A reaches instance B when B’s cache entry expires', async () => {
      const key = await createApiKey(a, { scopes: ['members:read'] });
      await b.http.get('/v1/auth/me').set(key.authHeader).expect(200);
      await a.http.delete(`/v1/api-keys/${key.id}`).set(admin).expect(204);
      // Instance A itself refuses it on the very next request.
      await a.http.get('/v1/auth/me').set(key.authHeader).expect(401);
      await within(5000, async () => (await b.http.get('/v1/auth/me').set(key.authHeader)).status === 401);
      const res = await b.http.get('/v1/auth/me').set(key.authHeader).expect(401);
      expect(res.body.type).toBe('/problems/api-key-revoked');
    });
  }
});
