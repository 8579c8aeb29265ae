import { ApiKeysService } from '@aero/api-keys';
import { MIGRATIONS } from '@aero/core';
import type { TestApp } from '@aero/testing';
import { createApiKey, createTestAppWithAdmin, createUser } from '@aero/testing';

/** Waits until `check` passes (for a grace period or expiry measured in one second), failing after 10 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Argon2id (~30 ms per hash) and waits of up to a few seconds for grace periods and expiry.
jest.setTimeout(30_000);

describe('API keys (e2e)', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => ({ t, admin } = await createTestAppWithAdmin()));
  afterAll(() => t.close());

  const me = (key: string) => t.http.get('/v1/auth/me').set('X-API-Key', key);

  it('creates a key (201) shown exactly once; reads never show it again', async () => {
    const res = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'Kiosk 1', app: 'kiosk', scopes: ['members:read', 'bookings:write'], rateLimitPerMinute: 300 })
      .expect(201);
    const { key, id } = res.body as { key: string; id: string };
    expect(key).toMatch(/^aero_[0-9a-f]{32}_[0-9A-Za-z]{49}$/);
    expect(res.body).toMatchObject({
      name: 'Kiosk 1',
      app: 'kiosk',
      scopes: ['members:read', 'bookings:write'],
      rateLimitPerMinute: 300,
      status: 'active',
      last4: key.slice(-4),
      createdBy: expect.stringMatching(/^user:/),
      venueIds: null,
    });
    const got = await t.http.get(`/v1/api-keys/${id}`).set(admin).expect(200);
    const listed = await t.http.get('/v1/api-keys').set(admin).expect(200);
    for (const body of [got.body, listed.body]) {
      expect(JSON.stringify(body)).not.toContain(key);
      expect(JSON.stringify(body)).not.toContain(key.slice(38, 60));
    }
    expect(got.body).not.toHaveProperty('key');
    await me(key).expect(200);
  });

  it('rejects a mistyped key by its checksum without a database query', async () => {
    const { key } = await createApiKey(t, { scopes: ['members:read'] });
    const typo = key.slice(0, 50) + (key[50] === 'x' ? 'y' : 'x') + key.slice(51);
    const before = t.queryCount();
    const res = await me(typo).expect(401);
    expect(t.queryCount()).toBe(before);
    expect(res.body.type).toBe('/problems/api-key-invalid');
  });

  it('verifies a cached key with zero database queries', async () => {
    const { key } = await createApiKey(t, { scopes: ['members:read'] });
    await me(key).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the once-a-minute lastUsedAt write land
    const before = t.queryCount();
    for (let i = 0; i < 20; i++) await me(key).expect(200);
    expect(t.queryCount() - before).toBe(0);
  });

  it('records lastUsedAt (at most once a minute)', async () => {
    const created = await createApiKey(t, { scopes: ['members:read'] });
    const unused = await t.http.get(`/v1/api-keys/${created.id}`).set(admin).expect(200);
    expect(unused.body.lastUsedAt).toBeNull();
    await me(created.key).expect(200);
    await eventually(async () => (await t.http.get(`/v1/api-keys/${created.id}`).set(admin)).body.lastUsedAt !== null);
  });

  it('rejects a revoked key on the very next request (204, then 401 api-key-revoked)', async () => {
    const created = await createApiKey(t, { scopes: ['members:read'] });
    await me(created.key).expect(200); // now cached
    await t.http.delete(`/v1/api-keys/${created.id}`).set(admin).expect(204);
    const res = await me(created.key).expect(401);
    expect(res.body.type).toBe('/problems/api-key-revoked');
    const got = await t.http.get(`/v1/api-keys/${created.id}`).set(admin).expect(200);
    expect(got.body).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });
    await t.http.delete(`/v1/api-keys/${created.id}`).set(admin).expect(204);
  });

  it('disables and re-enables a key at once', async () => {
    const created = await createApiKey(t, { scopes: ['members:read'] });
    await me(created.key).expect(200);
    await t.http.patch(`/v1/api-keys/${created.id}`).set(admin).send({ enabled: false }).expect(200);
    expect((await me(created.key).expect(401)).body.type).toBe('/problems/api-key-disabled');
    await t.http.patch(`/v1/api-keys/${created.id}`).set(admin).send({ enabled: true }).expect(200);
    await me(created.key).expect(200);
  });

  it('applies a scope change on the next request, and names the missing scope', async () => {
    const created = await createApiKey(t, { scopes: ['admin'] });
    await t.http.get('/v1/users').set('X-API-Key', created.key).expect(200);
    await t.http.patch(`/v1/api-keys/${created.id}`).set(admin).send({ scopes: ['usage:read'] }).expect(200);
    const res = await t.http.get('/v1/users').set('X-API-Key', created.key).expect(403);
    expect(res.body).toMatchObject({ type: '/problems/scope-missing', missingScopes: ['admin'] });
    expect(res.body.detail).toContain('admin');
  });

  it('rejects an expired key with 401 api-key-expired', async () => {
    const res = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'short-lived', app: 'partner', scopes: ['members:read'], expiresAt: new Date(Date.now() + 1000).toISOString() })
      .expect(201);
    await eventually(async () => (await me(res.body.key)).status === 401);
    expect((await me(res.body.key).expect(401)).body.type).toBe('/problems/api-key-expired');
  });

  it('rotation: both keys work during the grace period, then only the new one', async () => {
    const old = await createApiKey(t, { scopes: ['bookings:read'], app: 'pos', venueIds: ['0b6f4a52-3f3e-4c1e-9d0a-8f0e6c7b5a41'] });
    await me(old.key).expect(200);
    const rotated = await t.http.post(`/v1/api-keys/${old.id}/rotate`).set(admin).send({ gracePeriodSeconds: 1 }).expect(201);
    expect(rotated.body).toMatchObject({ app: 'pos', scopes: ['bookings:read'], venueIds: ['0b6f4a52-3f3e-4c1e-9d0a-8f0e6c7b5a41'] });
    expect(rotated.body.key).not.toBe(old.key);
    // During the grace period: both work.
    const graceState = await t.http.get(`/v1/api-keys/${old.id}`).set(admin).expect(200);
    expect(graceState.body).toMatchObject({ status: 'grace', replacedById: rotated.body.id });
    await me(rotated.body.key).expect(200);
    // After it: the old one says why it fails, the new one keeps working.
    await eventually(async () => (await me(old.key)).status === 401);
    const res = await me(old.key).expect(401);
    expect(res.body).toMatchObject({ type: '/problems/api-key-rotated', replacedById: rotated.body.id });
    await me(rotated.body.key).expect(200);
  });

  it('rotation with no grace stops the old key at once; a rotated or revoked key cannot be rotated again', async () => {
    const old = await createApiKey(t, { scopes: ['members:read'] });
    await me(old.key).expect(200);
    const rotated = await t.http.post(`/v1/api-keys/${old.id}/rotate`).set(admin).send({ gracePeriodSeconds: 0 }).expect(201);
    expect((await me(old.key).expect(401)).body.type).toBe('/problems/api-key-rotated');
    await me(rotated.body.key).expect(200);
    const again = await t.http.post(`/v1/api-keys/${old.id}/rotate`).set(admin).send({}).expect(409);
    expect(again.body.type).toBe('/problems/api-key-not-rotatable');
    await t.http.delete(`/v1/api-keys/${rotated.body.id}`).set(admin).expect(204);
    await t.http.post(`/v1/api-keys/${rotated.body.id}/rotate`).set(admin).send({}).expect(409);
  });

  it('keeps one lineage through rotations, also for chains rotated before the lineage was recorded', async () => {
    const first = (await t.http.post('/v1/api-keys').set(admin).send({ name: 'Chain', app: 'pos', scopes: ['members:read'] }).expect(201)).body;
    const second = (await t.http.post(`/v1/api-keys/${first.id}/rotate`).set(admin).send({ gracePeriodSeconds: 60 }).expect(201)).body;
    const third = (await t.http.post(`/v1/api-keys/${second.id}/rotate`).set(admin).send({ gracePeriodSeconds: 60 }).expect(201)).body;
    const other = await createApiKey(t, { scopes: ['members:read'] });
    const keys = t.app.get(ApiKeysService);
    const lineages = async () => Promise.all([first.key, second.key, third.key, other.key].map(async (k: string) => (await keys.verify(k)).lineageId));
    expect(await lineages()).toEqual([first.id, first.id, first.id, other.id]);
    // Rows from before the column: undo the migration and apply it again; it follows the chain.
    const migration = MIGRATIONS.map((M) => new M()).find((m) => m.name === 'ApiKeyLineage1765200000000');
    const runner = t.dataSource.createQueryRunner();
    try {
      await migration!.down(runner);
      await migration!.up(runner);
    } finally {
      await runner.release();
    }
    for (const id of [first.id, second.id, third.id, other.id]) await t.app.get(ApiKeysService).update(id, {});
    expect(await lineages()).toEqual([first.id, first.id, first.id, other.id]);
    // Rate limits and usage stay per key: each key is still its own principal.
    expect(new Set(await Promise.all([first.key, second.key, third.key].map(async (k: string) => (await keys.verify(k)).id)))).toEqual(
      new Set([first.id, second.id, third.id]),
    );
  });

  it('validates input, naming each bad field', async () => {
    const res = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: '', app: 'Kiosk!', scopes: ['members:read', 'root'], rateLimitPerMinute: 0, venueIds: ['x'] })
      .expect(400);
    const fields = new Set(res.body.errors.map((e: { field: string }) => e.field));
    expect(fields).toEqual(new Set(['name', 'app', 'scopes', 'rateLimitPerMinute', 'venueIds']));
    const past = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'k', app: 'web', scopes: ['members:read'], expiresAt: '2020-01-01T00:00:00Z' })
      .expect(400);
    expect(past.body.errors).toEqual([{ field: 'expiresAt', message: 'must be an instant in the future' }]);
    await t.http.post('/v1/api-keys/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d/rotate').set(admin).send({ gracePeriodSeconds: -1 }).expect(400);
  });

  it('answers 404 for unknown ids', async () => {
    const id = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';
    await t.http.get(`/v1/api-keys/${id}`).set(admin).expect(404);
    await t.http.patch(`/v1/api-keys/${id}`).set(admin).send({ name: 'x' }).expect(404);
    await t.http.delete(`/v1/api-keys/${id}`).set(admin).expect(404);
    expect((await t.http.post(`/v1/api-keys/${id}/rotate`).set(admin).send({}).expect(404)).body.type).toBe(
      '/problems/api-key-not-found',
    );
  });

  it('lets only admins (users or admin-scoped keys) manage keys', async () => {
    const staff = await createUser(t, { role: 'staff' });
    const adminKey = await createApiKey(t, { scopes: ['admin'] });
    const plainKey = await createApiKey(t, { scopes: ['members:read', 'members:write'] });
    await t.http.get('/v1/api-keys').set(staff.authHeader).expect(403);
    await t.http.post('/v1/api-keys').set(plainKey.authHeader).send({ name: 'x', app: 'web', scopes: ['admin'] }).expect(403);
    const made = await t.http.post('/v1/api-keys').set(adminKey.authHeader).send({ name: 'by key', app: 'internal', scopes: ['usage:read'] }).expect(201);
    expect(made.body.createdBy).toBe(`apiKey:${adminKey.id}`);
  });

  it('carries venue restriction and rate limit into the principal', async () => {
    const venueIds = ['0b6f4a52-3f3e-4c1e-9d0a-8f0e6c7b5a41', '1b6f4a52-3f3e-4c1e-9d0a-8f0e6c7b5a42'];
    const created = await createApiKey(t, { scopes: ['bookings:read'], venueIds, rateLimitPerMinute: 60, app: 'kiosk' });
    const res = await me(created.key).expect(200);
    expect(res.body).toMatchObject({ kind: 'apiKey', id: created.id, venueIds, rateLimitPerMinute: 60, app: 'kiosk' });
    await t.http.patch(`/v1/api-keys/${created.id}`).set(admin).send({ venueIds: null, rateLimitPerMinute: null }).expect(200);
    const after = await me(created.key).expect(200);
    expect(after.body.venueIds).toBeUndefined();
    expect(after.body.rateLimitPerMinute).toBeUndefined();
  });
});
