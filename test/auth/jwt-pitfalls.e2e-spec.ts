import type { TestApp } from '@aero/testing';
import { createTestApp, createUser } from '@aero/testing';
import { accessClaims, bearer, forgeJwt, forgeUnencodedJwt, forgeWithEmbeddedKey, unsignedJwt } from './forge';

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

  /**
   * The JOSE header may carry only `alg` and `typ` (RFC 7515 §4.1.11, RFC 8725 §3): each of these is signed
   * with the real key, so only the header policy stands between it and a 200.
   */
  const headerCases: [string, () => string][] = [
    ['crit naming an extension we do not implement (crit: ["exp2"])', () => forgeJwt({ alg: 'HS256', typ: 'JWT', crit: ['exp2'], exp2: now() + 60 }, accessClaims(t), key)],
    ['an empty crit list', () => forgeJwt({ alg: 'HS256', crit: [] }, accessClaims(t), key)],
    ['b64: false, an unencoded payload (RFC 7797)', () => forgeUnencodedJwt(accessClaims(t, { email: 'forged@example' }), key)],
    ['a kid that is a path (../../etc/passwd)', () => forgeJwt({ alg: 'HS256', kid: '../../../../../../etc/passwd' }, accessClaims(t), key)],
    ['a kid that is SQL', () => forgeJwt({ alg: 'HS256', kid: "x' UNION SELECT 'known-key' --" }, accessClaims(t), key)],
    ['a jku pointing at a key set', () => forgeJwt({ alg: 'HS256', jku: 'http://127.0.0.1:9/.well-known/jwks.json' }, accessClaims(t), key)],
    ['an x5u pointing at a certificate', () => forgeJwt({ alg: 'HS256', x5u: 'http://127.0.0.1:9/cert.pem' }, accessClaims(t), key)],
    ["an embedded jwk with the attacker's key, signed with it", () => forgeWithEmbeddedKey(accessClaims(t), 'attacker-chosen-key-0123456789abcdef')],
    ['an embedded jwk, signed with the real key', () => forgeJwt({ alg: 'HS256', jwk: { kty: 'oct', k: 'AAAA' } }, accessClaims(t), key)],
    ['a typ other than JWT', () => forgeJwt({ alg: 'HS256', typ: 'at+jwt' }, accessClaims(t), key)],
  ];

  it.each(headerCases)('refuses a header with %s with 401 invalid-token', async (_name, make) => {
    const res = await t.http.get('/v1/auth/me').set(bearer(make())).expect(401);
    expect(res.body.type).toBe('/problems/invalid-token');
  });

  it('says which header parameter it refused', async () => {
    const res = await t.http.get('/v1/auth/me').set(bearer(forgeJwt({ alg: 'HS256', crit: ['exp2'], exp2: 1 }, accessClaims(t), key))).expect(401);
    expect(res.body.detail).toBe("The token header carries 'crit', 'exp2'; only 'alg' and 'typ' are accepted.");
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
