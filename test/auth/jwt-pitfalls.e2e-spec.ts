import type { TestApp } from '@aero/testing';
import { createTestApp, createUser } from '@aero/testing';
import { accessClaims, bearer, forgeJwt, unsignedJwt } from './forge';

/** RFC 8725 pitfalls: each forged token is refused with 401 on a real route. */
describe('JWT verification pitfalls (e2e)', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await createTestApp();
    key = t.config.jwt.signingKey;
  });
  afterAll(async () => {
    await t.close();
  });

  const now = (): number => Math.floor(Date.now() / 1000);

  it('accepts a token forged with the real key and every claim right (the control)', async () => {
    const res = await t.http.get('/v1/auth/me').set(bearer(forgeJwt({ alg: 'HS256', typ: 'JWT' }, accessClaims(t), key))).expect(200);
    expect(res.body).toMatchObject({ kind: 'user', roles: ['admin'] });
  });

  const cases: [string, () => string, string][] = [
    ['alg none', () => unsignedJwt(accessClaims(t)), 'invalid-token'],
    ['alg NONE with a signature', () => forgeJwt({ alg: 'NONE' }, accessClaims(t), key), 'invalid-token'],
    ['HS384 (another algorithm, right key)', () => forgeJwt({ alg: 'HS384' }, accessClaims(t), key, 'sha384'), 'invalid-token'],
    ['HS512 (another algorithm, right key)', () => forgeJwt({ alg: 'HS512' }, accessClaims(t), key, 'sha512'), 'invalid-token'],
    ['RS256 header signed with the secret (key confusion)', () => forgeJwt({ alg: 'RS256' }, accessClaims(t), key), 'invalid-token'],
    ['wrong issuer', () => forgeJwt({ alg: 'HS256' }, accessClaims(t, { iss: 'https://evil.example' }), key), 'invalid-token'],
    ['wrong audience', () => forgeJwt({ alg: 'HS256' }, accessClaims(t, { aud: 'some-other-api' }), key), 'invalid-token'],
    ['expired', () => forgeJwt({ alg: 'HS256' }, accessClaims(t, { iat: now() - 1000, exp: now() - 100 }), key), 'token-expired'],
    ['no exp', () => forgeJwt({ alg: 'HS256' }, accessClaims(t, { exp: undefined }), key), 'invalid-token'],
    ['a refresh-type token', () => forgeJwt({ alg: 'HS256' }, accessClaims(t, { typ: 'refresh' }), key), 'invalid-token'],
    ['no token type', () => forgeJwt({ alg: 'HS256' }, accessClaims(t, { typ: undefined }), key), 'invalid-token'],
    ['not yet valid (nbf in the future)', () => forgeJwt({ alg: 'HS256' }, accessClaims(t, { nbf: now() + 600 }), key), 'invalid-token'],
    ['signed with another key', () => forgeJwt({ alg: 'HS256' }, accessClaims(t), `${key}x`), 'invalid-token'],
    ['empty bearer', () => '', 'invalid-token'],
  ];

  it.each(cases)('refuses %s with 401', async (_name, make, slug) => {
    const res = await t.http.get('/v1/auth/me').set(bearer(make())).expect(401);
    expect(res.body.type).toBe(`/problems/${slug}`);
  });

  it('refuses a real refresh token presented as an access token', async () => {
    const user = await createUser(t, { role: 'staff' });
    const res = await t.http.get('/v1/auth/me').set(bearer(user.refreshToken)).expect(401);
    expect(res.body.type).toBe('/problems/invalid-token');
  });

  it('refuses a real access token whose claims were edited (member → admin)', async () => {
    const user = await createUser(t, { role: 'member' });
    const [header, payload, signature] = user.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url');
    await t.http.get('/v1/users').set(bearer(`${header}.${edited}.${signature}`)).expect(401);
    await t.http.get('/v1/users').set(user.authHeader).expect(403);
  });

  it('issues HS256 tokens with iss, aud, sub, exp, iat and the access type, valid for 15 minutes', async () => {
    const user = await createUser(t, { role: 'staff' });
    const [header, payload] = user.accessToken.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toMatchObject({ alg: 'HS256' });
    expect(payload).toMatchObject({ iss: t.config.jwt.issuer, aud: t.config.jwt.audience, sub: user.id, typ: 'access' });
    expect(payload.exp - payload.iat).toBe(900);
  });
});
