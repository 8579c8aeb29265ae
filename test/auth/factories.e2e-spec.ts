import type { TestApp } from '@aero/testing';
import { adminAuth, createApiKey, createTestApp, createUser } from '@aero/testing';

describe('identity factories (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('createUser signs the user in: /me answers with their roles, member and venues', async () => {
    const memberId = '6c1c1f3e-8a4b-4e55-9d7b-0a6f3b2c1d00';
    const venueIds = ['0b6f4a52-3f3e-4c1e-9d0a-8f0e6c7b5a41'];
    const user = await createUser(t, { role: 'member', memberId, venueIds });
    const res = await t.http.get('/v1/auth/me').set(user.authHeader).expect(200);
    expect(res.body).toEqual({ kind: 'user', id: user.id, roles: ['member'], scopes: [], email: user.email, memberId, venueIds });
  });

  it('createApiKey makes a working key carrying its scopes, app, venues and limit', async () => {
    const venueIds = ['0b6f4a52-3f3e-4c1e-9d0a-8f0e6c7b5a41'];
    const key = await createApiKey(t, { scopes: ['members:read'], app: 'kiosk', venueIds, rateLimitPerMinute: 120 });
    expect(key.key).toMatch(/^aero_/);
    const res = await t.http.get('/v1/auth/me').set(key.authHeader).expect(200);
    expect(res.body).toEqual({
      kind: 'apiKey',
      id: key.id,
      roles: [],
      scopes: ['members:read'],
      app: 'kiosk',
      venueIds,
      rateLimitPerMinute: 120,
    });
  });

  it('adminAuth returns the same admin header for one app', async () => {
    const first = await adminAuth(t);
    expect(await adminAuth(t)).toBe(first);
    const res = await t.http.get('/v1/users').set(first).expect(200);
    expect(res.body.data.some((u: { roles: string[] }) => u.roles.includes('admin'))).toBe(true);
  });
});
