import type { TestApp } from '@aero/testing';
import { adminAuth, createPeerApp, createTestApp, createUser } from '@aero/testing';

/**
 * Two API instances on one database: a session ended through instance A (disable, logout) must stop its
 * access tokens in instance B too — at once through Redis when REDIS_URL is set, otherwise at B's next
 * read of the stored revocations (AUTH_REVOCATIONS_POLL_SECONDS); the refresh token is dead everywhere at
 * once (it lives in the database).
 */
const redisUrl = process.env.REDIS_URL;

jest.setTimeout(30_000);

async function within(ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(`ended sessions across instances (${redisUrl ? 'Redis pub/sub' : 'no Redis: revocation poll'}) (e2e)`, () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const redis: Record<string, string> = redisUrl ? { REDIS_URL: redisUrl } : {};
    a = await createTestApp({ shareableDatabase: true, env: redis });
    b = await createPeerApp(a, {
      env: {
        ...redis,
        // With Redis, only the message can stop the token in time; without, B's poll does.
        AUTH_REVOCATIONS_POLL_SECONDS: redisUrl ? '300' : '1',
      },
    });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('a user disabled through instance A cannot refresh through instance B', async () => {
    const user = await createUser(a, { role: 'staff' });
    await a.http.patch(`/v1/users/${user.id}`).set(await adminAuth(a)).send({ disabled: true }).expect(200);
    await b.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
  });

  if (redisUrl) {
    it('a logout through instance A stops the access token in instance B within moments', async () => {
      const user = await createUser(a, { role: 'member' });
      await b.http.get('/v1/auth/me').set(user.authHeader).expect(200);
      await a.http.post('/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
      await within(5000, async () => (await b.http.get('/v1/auth/me').set(user.authHeader)).status === 401);
      expect((await b.http.get('/v1/auth/me').set(user.authHeader)).body.type).toBe('/problems/session-ended');
    });
  } else {
    it('without Redis, instance B refuses the access token of an ended session after its next poll', async () => {
      const user = await createUser(a, { role: 'member' });
      await b.http.get('/v1/auth/me').set(user.authHeader).expect(200);
      await a.http.post('/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
      await a.http.get('/v1/auth/me').set(user.authHeader).expect(401);
      // B reads new revocations every AUTH_REVOCATIONS_POLL_SECONDS (1 s here).
      await within(10_000, async () => (await b.http.get('/v1/auth/me').set(user.authHeader)).status === 401);
      expect((await b.http.get('/v1/auth/me').set(user.authHeader)).body.type).toBe('/problems/session-ended');
    });
  }
});
