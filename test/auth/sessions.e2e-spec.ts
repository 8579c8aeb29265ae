import type { TestApp } from '@aero/testing';
import { adminAuth, createApiKey, createTestApp, createTestAppWithAdmin, createUser, randomPassword } from '@aero/testing';

// Argon2id (~30 ms per hash) and waits of up to a few seconds for grace periods and expiry.
jest.setTimeout(30_000);

describe('sign-in and sessions (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const login = (email: string, password: string) => t.http.post('/v1/auth/login').send({ email, password });

  it('signs in with email (any case) and password, answering the token pair', async () => {
    const user = await createUser(t, { role: 'staff' });
    const res = await login(user.email.toUpperCase(), user.password).expect(200);
    expect(res.body).toEqual({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refreshToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 900,
      deviceToken: expect.stringMatching(/^v1\.[\w-]{16}\.\d{13}\.[\w-]{43}$/),
    });
    const me = await t.http.get('/v1/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
    expect(me.body).toMatchObject({ kind: 'user', id: user.id, roles: ['staff'] });
  });

  it('answers a wrong password and an unknown email with the same 401, not saying which', async () => {
    const user = await createUser(t, { role: 'staff' });
    const wrongPassword = await login(user.email, 'not the password').expect(401);
    const unknownEmail = await login('nobody@example.test', user.password).expect(401);
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
    expect(strip(wrongPassword.body)).toEqual(strip(unknownEmail.body));
    expect(wrongPassword.body.type).toBe('/problems/invalid-credentials');
  });

  it('validates the login body, naming the field', async () => {
    const res = await t.http.post('/v1/auth/login').send({ email: 'a@example.test' }).expect(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'password' })]));
  });

  it('rotates the refresh token on every use', async () => {
    const user = await createUser(t, { role: 'member' });
    const first = await t.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    const second = await t.http.post('/v1/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(200);
    await t.http.get('/v1/auth/me').set('Authorization', `Bearer ${second.body.accessToken}`).expect(200);
  });

  it('revokes the whole session when a used refresh token comes back (theft detection)', async () => {
    const user = await createUser(t, { role: 'member' });
    const rotated = await t.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
    const reuse = await t.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    expect(reuse.body.type).toBe('/problems/refresh-token-reused');
    // The thief's or the user's newer token is dead too, and so are the session's access tokens.
    const newer = await t.http.post('/v1/auth/refresh').send({ refreshToken: rotated.body.refreshToken }).expect(401);
    expect(newer.body.type).toBe('/problems/invalid-refresh-token');
    const access = await t.http.get('/v1/auth/me').set('Authorization', `Bearer ${rotated.body.accessToken}`).expect(401);
    expect(access.body.type).toBe('/problems/session-ended');
    await t.http.get('/v1/auth/me').set(user.authHeader).expect(401);
  });

  it('leaves the user’s other sessions alone when one family is revoked', async () => {
    const user = await createUser(t, { role: 'member' });
    const other = await login(user.email, user.password).expect(200);
    await t.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
    await t.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    await t.http.post('/v1/auth/refresh').send({ refreshToken: other.body.refreshToken }).expect(200);
  });

  it('ends a session at its absolute lifetime however often it was refreshed', async () => {
    const short = await createTestApp({ env: { JWT_REFRESH_TTL_SECONDS: '300' } });
    try {
      const user = await createUser(short, { role: 'member' });
      const stored = async () => (await short.dataSource.getRepository('refresh_tokens').find()) as { expiresAt: Date; familyId: string }[];
      const [first] = await stored();
      const rotated = await short.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
      await short.http.post('/v1/auth/refresh').send({ refreshToken: rotated.body.refreshToken }).expect(200);
      const rows = await stored();
      expect(rows).toHaveLength(3);
      expect(new Set(rows.map((row) => new Date(row.expiresAt).getTime()))).toEqual(new Set([new Date(first.expiresAt).getTime()]));
    } finally {
      await short.close();
    }
  });

  it('refuses an unknown refresh token', async () => {
    const res = await t.http.post('/v1/auth/refresh').send({ refreshToken: 'rt_made-up' }).expect(401);
    expect(res.body.type).toBe('/problems/invalid-refresh-token');
  });

  it('logout ends the session: its refresh token and access token stop working', async () => {
    const user = await createUser(t, { role: 'staff' });
    await t.http.get('/v1/auth/me').set(user.authHeader).expect(200);
    await t.http.post('/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
    await t.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    const res = await t.http.get('/v1/auth/me').set(user.authHeader).expect(401);
    expect(res.body.type).toBe('/problems/session-ended');
    // Logging out twice, or with a made-up token, is harmless and says nothing.
    await t.http.post('/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
    await t.http.post('/v1/auth/logout').send({ refreshToken: 'rt_unknown' }).expect(204);
  });

  it('disabling a user ends every session and blocks sign-in', async () => {
    const admin = await adminAuth(t);
    const user = await createUser(t, { role: 'staff' });
    const second = await login(user.email, user.password).expect(200);
    await t.http.patch(`/v1/users/${user.id}`).set(admin).send({ disabled: true }).expect(200);
    await t.http.get('/v1/auth/me').set(user.authHeader).expect(401);
    await t.http.get('/v1/auth/me').set('Authorization', `Bearer ${second.body.accessToken}`).expect(401);
    await t.http.post('/v1/auth/refresh').send({ refreshToken: second.body.refreshToken }).expect(401);
    const denied = await login(user.email, user.password).expect(401);
    expect(denied.body.type).toBe('/problems/invalid-credentials');
    // Re-enabling lets them sign in again, with fresh sessions only.
    await t.http.patch(`/v1/users/${user.id}`).set(admin).send({ disabled: false }).expect(200);
    await login(user.email, user.password).expect(200);
    await t.http.get('/v1/auth/me').set(user.authHeader).expect(401);
  });

  it('changing a password ends every session; only the new password signs in', async () => {
    const admin = await adminAuth(t);
    const user = await createUser(t, { role: 'member' });
    const newPassword = randomPassword();
    await t.http.patch(`/v1/users/${user.id}`).set(admin).send({ password: newPassword }).expect(200);
    await t.http.get('/v1/auth/me').set(user.authHeader).expect(401);
    await t.http.post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    await login(user.email, user.password).expect(401);
    await login(user.email, newPassword).expect(200);
  });

  it('a user changes their own password: other sessions end, this device gets new tokens', async () => {
    const user = await createUser(t, { role: 'member' });
    const otherDevice = await login(user.email, user.password).expect(200);
    const newPassword = randomPassword();
    const wrong = await t.http
      .post('/v1/auth/password')
      .set(user.authHeader)
      .send({ currentPassword: 'not my password', newPassword })
      .expect(400);
    expect(wrong.body.errors).toEqual([{ field: 'currentPassword', message: 'is incorrect' }]);
    const weak = await t.http
      .post('/v1/auth/password')
      .set(user.authHeader)
      .send({ currentPassword: user.password, newPassword: 'password1' })
      .expect(400);
    expect(weak.body.errors).toEqual([{ field: 'newPassword', message: 'is too common; choose a less guessable password' }]);

    const changed = await t.http
      .post('/v1/auth/password')
      .set(user.authHeader)
      .send({ currentPassword: user.password, newPassword })
      .expect(200);
    await t.http.get('/v1/auth/me').set('Authorization', `Bearer ${changed.body.accessToken}`).expect(200);
    await t.http.get('/v1/auth/me').set(user.authHeader).expect(401);
    await t.http.get('/v1/auth/me').set('Authorization', `Bearer ${otherDevice.body.accessToken}`).expect(401);
    await t.http.post('/v1/auth/refresh').send({ refreshToken: otherDevice.body.refreshToken }).expect(401);
    await login(user.email, user.password).expect(401);
    await login(user.email, newPassword).expect(200);
  });

  it('API keys, even admin ones, have no password to change', async () => {
    const key = await createApiKey(t, { scopes: ['admin'] });
    const res = await t.http
      .post('/v1/auth/password')
      .set(key.authHeader)
      .send({ currentPassword: 'whatever-it-is', newPassword: randomPassword() })
      .expect(403);
    expect(res.body.type).toBe('/problems/user-required');
  });

  it('changing roles ends sessions so no token carries the old roles', async () => {
    const admin = await adminAuth(t);
    const user = await createUser(t, { role: 'staff' });
    await t.http.patch(`/v1/users/${user.id}`).set(admin).send({ roles: ['member'] }).expect(200);
    await t.http.get('/v1/auth/me').set(user.authHeader).expect(401);
    const fresh = await login(user.email, user.password).expect(200);
    const me = await t.http.get('/v1/auth/me').set('Authorization', `Bearer ${fresh.body.accessToken}`).expect(200);
    expect(me.body.roles).toEqual(['member']);
  });

  it('changing the linked member or venues ends sessions; the next token carries the new ones', async () => {
    const admin = await adminAuth(t);
    const user = await createUser(t, { role: 'member', memberId: '6c1c1f3e-8a4b-4e55-9d7b-0a6f3b2c1d00' });
    const memberId = '7c1c1f3e-8a4b-4e55-9d7b-0a6f3b2c1d01';
    const venueIds = ['0b6f4a52-3f3e-4c1e-9d0a-8f0e6c7b5a41'];
    await t.http.patch(`/v1/users/${user.id}`).set(admin).send({ memberId, venueIds }).expect(200);
    await t.http.get('/v1/auth/me').set(user.authHeader).expect(401);
    const fresh = await login(user.email, user.password).expect(200);
    const me = await t.http.get('/v1/auth/me').set('Authorization', `Bearer ${fresh.body.accessToken}`).expect(200);
    expect(me.body).toMatchObject({ memberId, venueIds });
  });
});

describe('login throttling (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTH_LOGIN_MAX_FAILURES: '3', AUTH_LOGIN_LOCKOUT_SECONDS: '120' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('slows an account after repeated failures: 429 with Retry-After, even for the right password', async () => {
    const user = await createUser(t, { role: 'staff' });
    for (let i = 0; i < 3; i++) {
      await t.http.post('/v1/auth/login').send({ email: user.email, password: `wrong-${i}-password` }).expect(401);
    }
    const res = await t.http.post('/v1/auth/login').send({ email: user.email, password: user.password }).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(120);
    expect(res.body.type).toBe('/problems/login-throttled');
  });

  it('slows a client address that fails across many accounts', async () => {
    const victim = await createUser(t, { role: 'staff' });
    // Three failures per account lock the account; four times that from one address locks the address.
    let status = 401;
    for (let i = 0; i < 12 && status === 401; i++) {
      status = (await t.http.post('/v1/auth/login').send({ email: `guess-${i}@example.test`, password: 'wrong-password' })).status;
    }
    const res = await t.http.post('/v1/auth/login').send({ email: victim.email, password: victim.password }).expect(429);
    expect(res.headers['retry-after']).toBeDefined();
  });
});

describe('user management (e2e)', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => ({ t, admin } = await createTestAppWithAdmin()));
  afterAll(() => t.close());

  it('creates a user (201) and never returns the password or its hash', async () => {
    const password = randomPassword();
    const res = await t.http
      .post('/v1/users')
      .set(admin)
      .send({ email: 'New.Staff@Example.test', password, roles: ['staff'] })
      .expect(201);
    expect(res.body).toMatchObject({ email: 'new.staff@example.test', roles: ['staff'], disabled: false, memberId: null });
    expect(JSON.stringify(res.body)).not.toContain(password);
    expect(JSON.stringify(res.body)).not.toContain('argon2');
    await t.http.post('/v1/auth/login').send({ email: 'new.staff@example.test', password }).expect(200);
  });

  it('refuses a second user with the same email in another case (409)', async () => {
    await t.http.post('/v1/users').set(admin).send({ email: 'dup@example.test', password: randomPassword(), roles: ['member'] }).expect(201);
    const res = await t.http
      .post('/v1/users')
      .set(admin)
      .send({ email: 'DUP@example.test', password: randomPassword(), roles: ['member'] })
      .expect(409);
    expect(res.body.type).toBe('/problems/email-taken');
  });

  it.each([
    ['too short', 'short1', 'must be at least 8 characters'],
    ['too long', 'x'.repeat(129), 'must be at most 128 characters'],
    ['common', 'password123', 'is too common; choose a less guessable password'],
  ])('refuses a %s password with 400 naming the password field', async (_name, password, message) => {
    const res = await t.http.post('/v1/users').set(admin).send({ email: 'weak@example.test', password, roles: ['member'] }).expect(400);
    expect(res.body.errors).toContainEqual({ field: 'password', message });
  });

  it('refuses unknown roles and fields', async () => {
    const res = await t.http
      .post('/v1/users')
      .set(admin)
      .send({ email: 'r@example.test', password: randomPassword(), roles: ['root'], isAdmin: true })
      .expect(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['roles', 'isAdmin']));
  });

  it('links a member profile and venues, pages through users, and 404s unknown ids', async () => {
    const memberId = '11111111-2222-4333-8444-555555555555';
    const created = await t.http
      .post('/v1/users')
      .set(admin)
      .send({ email: 'linked@example.test', password: randomPassword(), roles: ['member'], memberId })
      .expect(201);
    const got = await t.http.get(`/v1/users/${created.body.id}`).set(admin).expect(200);
    expect(got.body.memberId).toBe(memberId);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; nextCursor: string | null } } = await t.http
        .get(`/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(admin)
        .expect(200);
      seen.push(...page.body.data.map((u) => u.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(created.body.id);

    await t.http.get('/v1/users/6f1c1f3e-8a4b-4e55-9d7b-0a6f3b2c1d99').set(admin).expect(404);
    const bad = await t.http.get('/v1/users/not-a-uuid').set(admin).expect(400);
    expect(bad.body.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
  });

  it('lets only admins manage users; staff get 403 naming the role', async () => {
    const staff = await createUser(t, { role: 'staff' });
    const res = await t.http.get('/v1/users').set(staff.authHeader).expect(403);
    expect(res.body).toMatchObject({ type: '/problems/role-required', requiredRoles: ['admin'] });
    await t.http.post('/v1/users').set(staff.authHeader).send({ email: 'x@example.test', password: randomPassword(), roles: ['admin'] }).expect(403);
  });

  it('shows every signed-in user their own account at /v1/users/me', async () => {
    const member = await createUser(t, { role: 'member' });
    const res = await t.http.get('/v1/users/me').set(member.authHeader).expect(200);
    expect(res.body).toMatchObject({ id: member.id, email: member.email, roles: ['member'] });
  });
});
