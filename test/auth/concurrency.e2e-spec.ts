import type { TestApp } from '@aero/testing';
import { adminAuth, createTestApp, createUser, randomPassword } from '@aero/testing';

jest.setTimeout(30_000);

/** Races that must resolve the same way on every dialect (most telling on PostgreSQL). */
describe('identity under concurrency (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('one refresh token raced five times: exactly one wins, the rest are reuse and end the session', async () => {
    const user = await createUser(t, { role: 'member' });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => t.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken })),
    );
    const statuses = results.map((res) => res.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401, 401]);
    for (const res of results.filter((r) => r.status === 401)) expect(res.body.type).toMatch(/^\/problems\/(refresh-token-reused|invalid-refresh-token)$/);
    // A race on one token is indistinguishable from theft: the winner's new token is revoked too.
    const winner = results.find((res) => res.status === 200);
    await t.http.post('/v1/auth/refresh').send({ refreshToken: winner?.body.refreshToken }).expect(401);
  });

  it('the same email created concurrently (in different cases): one 201, the rest 409', async () => {
    const admin = await adminAuth(t);
    const emails = ['race@example.test', 'RACE@example.test', 'Race@Example.test', 'race@EXAMPLE.test'];
    const results = await Promise.all(
      emails.map((email) => t.http.post('/v1/users').set(admin).send({ email, password: randomPassword(), roles: ['member'] })),
    );
    expect(results.map((res) => res.status).sort()).toEqual([201, 409, 409, 409]);
  });
});
