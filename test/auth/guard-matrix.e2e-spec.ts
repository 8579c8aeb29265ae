import { randomUUID } from 'node:crypto';
import { generateApiKey } from '@aero/api-keys';
import type { TestApp } from '@aero/testing';
import { createApiKey, createTestApp, createUser } from '@aero/testing';
import { accessClaims, bearer, forgeJwt } from './forge';

/**
 * Every kind of credential against every kind of route. Routes:
 * - public: GET /problems (credentials are ignored entirely);
 * - user-only: GET /v1/users/me (any role, no API key except admin ones);
 * - key-allowed: GET /v1/auth/me (any user, any key);
 * - admin: GET /v1/users.
 */
// Argon2id (~30 ms per hash) and waits of up to a few seconds for grace periods and expiry.
jest.setTimeout(30_000);

describe('authentication guard: credentials × routes (e2e)', () => {
  let t: TestApp;
  const creds: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    t = await createTestApp();
    const member = await createUser(t, { role: 'member' });
    const admin = await createUser(t, { role: 'admin' });
    const key = await createApiKey(t, { scopes: ['members:read'] });
    const adminKey = await createApiKey(t, { scopes: ['admin'] });
    const revoked = await createApiKey(t, { scopes: ['members:read'] });
    const disabled = await createApiKey(t, { scopes: ['members:read'] });
    const rotated = await createApiKey(t, { scopes: ['members:read'] });
    const adminHeader = admin.authHeader;
    await t.http.delete(`/v1/api-keys/${revoked.id}`).set(adminHeader).expect(204);
    await t.http.patch(`/v1/api-keys/${disabled.id}`).set(adminHeader).send({ enabled: false }).expect(200);
    await t.http.post(`/v1/api-keys/${rotated.id}/rotate`).set(adminHeader).send({ gracePeriodSeconds: 0 }).expect(201);
    // Well-formed, valid checksum, but no such key.
    const unknownKey = generateApiKey(randomUUID());
    const signingKey = t.config.jwt.signingKey;

    Object.assign(creds, {
      none: {},
      memberJwt: member.authHeader,
      adminJwt: admin.authHeader,
      key: key.authHeader,
      adminKey: adminKey.authHeader,
      both: { ...member.authHeader, ...key.authHeader },
      expiredJwt: bearer(forgeJwt({ alg: 'HS256' }, accessClaims(t, { exp: Math.floor(Date.now() / 1000) - 60 }), signingKey)),
      badSignatureJwt: bearer(forgeJwt({ alg: 'HS256' }, accessClaims(t), 'not-the-signing-key-0123456789abcdef')),
      refreshTokenAsJwt: bearer(member.refreshToken),
      basicScheme: { Authorization: 'Basic YWRtaW46YWRtaW4=' },
      malformedKey: { 'X-API-Key': 'aero_not-a-key' },
      typoKey: { 'X-API-Key': `${key.key.slice(0, -1)}${key.key.endsWith('A') ? 'B' : 'A'}` },
      unknownKey: { 'X-API-Key': unknownKey },
      revokedKey: revoked.authHeader,
      disabledKey: disabled.authHeader,
      rotatedKey: rotated.authHeader,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const routes = {
    public: '/problems',
    userOnly: '/v1/users/me',
    keyAllowed: '/v1/auth/me',
    admin: '/v1/users',
  } as const;

  // [credential, public, user-only, key-allowed, admin, problem slug for the failures, slug on user-only if other]
  const matrix: [string, number, number, number, number, string?, string?][] = [
    ['none', 200, 401, 401, 401, 'unauthenticated'],
    ['memberJwt', 200, 200, 200, 403, 'role-required'],
    ['adminJwt', 200, 200, 200, 200],
    ['key', 200, 403, 200, 403, 'scope-missing', 'user-required'],
    ['adminKey', 200, 403, 200, 200, 'user-required'],
    ['both', 200, 400, 400, 400, 'ambiguous-credentials'],
    ['expiredJwt', 200, 401, 401, 401, 'token-expired'],
    ['badSignatureJwt', 200, 401, 401, 401, 'invalid-token'],
    ['refreshTokenAsJwt', 200, 401, 401, 401, 'invalid-token'],
    ['basicScheme', 200, 401, 401, 401, 'invalid-token'],
    ['malformedKey', 200, 401, 401, 401, 'api-key-invalid'],
    ['typoKey', 200, 401, 401, 401, 'api-key-invalid'],
    ['unknownKey', 200, 401, 401, 401, 'api-key-invalid'],
    ['revokedKey', 200, 401, 401, 401, 'api-key-revoked'],
    ['disabledKey', 200, 401, 401, 401, 'api-key-disabled'],
    ['rotatedKey', 200, 401, 401, 401, 'api-key-rotated'],
  ];

  it.each(matrix)('%s → public %i, user-only %i, key-allowed %i, admin %i', async (name, ...rest) => {
    const [expectPublic, expectUser, expectKey, expectAdmin, slug, userOnlySlug] = rest;
    const expected: Record<keyof typeof routes, number> = {
      public: expectPublic,
      userOnly: expectUser,
      keyAllowed: expectKey,
      admin: expectAdmin,
    };
    for (const [route, url] of Object.entries(routes) as [keyof typeof routes, string][]) {
      const res = await t.http.get(url).set(creds[name]);
      expect({ route, status: res.status }).toEqual({ route, status: expected[route] });
      if (res.status >= 400) {
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.type).toBe(`/problems/${route === 'userOnly' ? (userOnlySlug ?? slug) : slug}`);
      }
    }
  });

  it('names the missing scope of a key', async () => {
    const res = await t.http.get('/v1/users').set(creds.key).expect(403);
    expect(res.body).toMatchObject({ type: '/problems/scope-missing', missingScopes: ['admin'] });
  });

  it('rejects both headers even when each is valid, naming the conflict', async () => {
    const res = await t.http.get('/v1/auth/me').set({ ...creds.adminJwt, ...creds.adminKey }).expect(400);
    expect(res.body).toMatchObject({
      type: '/problems/ambiguous-credentials',
      errors: [{ field: 'X-API-Key', message: 'must not be sent together with Authorization' }],
    });
  });

  it('distinguishes an expired token from an invalid one in the problem type', async () => {
    const expired = await t.http.get('/v1/auth/me').set(creds.expiredJwt).expect(401);
    const invalid = await t.http.get('/v1/auth/me').set(creds.badSignatureJwt).expect(401);
    expect([expired.body.type, invalid.body.type]).toEqual(['/problems/token-expired', '/problems/invalid-token']);
  });
});
