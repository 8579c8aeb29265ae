import 'reflect-metadata';
import { createHmac } from 'node:crypto';
import type { AppConfig } from '@aero/core';
import { AppError } from '@aero/core';
import { TokenService } from './token.service';

const SECRET = 'unit-test-signing-key-0123456789abcdef';
const config = {
  jwt: { signingKey: SECRET, issuer: 'aero-core-api', audience: 'aero-apps', accessTtlSeconds: 900, refreshTtlSeconds: 3600 },
} as AppConfig;

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Builds a JWT by hand, as an attacker would. */
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, key = SECRET, hmac = 'sha256'): string {
  const body = `${b64(header)}.${b64(payload)}`;
  return `${body}.${createHmac(hmac, key).update(body).digest('base64url')}`;
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'aero-core-api',
    aud: 'aero-apps',
    sub: 'b0f7d1a2-0000-4000-8000-000000000001',
    iat: now,
    exp: now + 600,
    typ: 'access',
    sid: 'c0f7d1a2-0000-4000-8000-000000000002',
    roles: ['staff'],
    email: 'staff@example.test',
    ...overrides,
  };
}

function problemOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof AppError ? error.problem.slug : 'not-an-app-error';
  }
  return undefined;
}

describe('TokenService', () => {
  const tokens = new TokenService(config);

  it('round-trips its own access token with roles, member and venues', () => {
    const token = tokens.signAccessToken({
      userId: 'u1',
      sessionId: 's1',
      roles: ['member'],
      email: 'm@example.test',
      memberId: 'm1',
      venueIds: ['v1'],
    });
    expect(tokens.verifyAccessToken(token)).toMatchObject({
      sub: 'u1',
      sid: 's1',
      roles: ['member'],
      mid: 'm1',
      vids: ['v1'],
      typ: 'access',
      iss: 'aero-core-api',
      aud: 'aero-apps',
    });
  });

  it('pins HS256 in the header and sets a 15-minute expiry', () => {
    const token = tokens.signAccessToken({ userId: 'u1', sessionId: 's1', roles: ['staff'], email: 'x@example.test' });
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { alg: string };
    const payload = tokens.verifyAccessToken(token);
    expect(header.alg).toBe('HS256');
    expect(payload.exp - payload.iat).toBe(900);
  });

  it('accepts a correctly forged token (the control for the cases below)', () => {
    expect(problemOf(() => tokens.verifyAccessToken(forge({ alg: 'HS256', typ: 'JWT' }, claims())))).toBeUndefined();
  });

  it.each([
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`, 'invalid-token'],
    ['HS512 with the right key', forge({ alg: 'HS512', typ: 'JWT' }, claims(), SECRET, 'sha512'), 'invalid-token'],
    ['RS256 header (key confusion)', forge({ alg: 'RS256', typ: 'JWT' }, claims()), 'invalid-token'],
    ['another key', forge({ alg: 'HS256' }, claims(), 'another-key-of-sufficient-length-000'), 'invalid-token'],
    ['wrong issuer', forge({ alg: 'HS256' }, claims({ iss: 'evil' })), 'invalid-token'],
    ['wrong audience', forge({ alg: 'HS256' }, claims({ aud: 'other-app' })), 'invalid-token'],
    ['no exp', forge({ alg: 'HS256' }, claims({ exp: undefined })), 'invalid-token'],
    ['expired', forge({ alg: 'HS256' }, claims({ exp: Math.floor(Date.now() / 1000) - 5 })), 'token-expired'],
    ['refresh type', forge({ alg: 'HS256' }, claims({ typ: 'refresh' })), 'invalid-token'],
    ['no type', forge({ alg: 'HS256' }, claims({ typ: undefined })), 'invalid-token'],
    ['unknown role', forge({ alg: 'HS256' }, claims({ roles: ['superuser'] })), 'invalid-token'],
    ['an opaque refresh token', tokens.newRefreshToken(), 'invalid-token'],
    ['garbage', 'not.a.jwt', 'invalid-token'],
  ])('rejects %s', (_name, token, slug) => {
    expect(problemOf(() => tokens.verifyAccessToken(token))).toBe(slug);
  });

  it('signs with exactly the header it lets through without parsing ({"alg":"HS256","typ":"JWT"})', () => {
    const token = tokens.signAccessToken({ userId: 'u1', sessionId: 's1', roles: ['staff'], email: 'x@example.test' });
    expect(token.split('.')[0]).toBe(b64({ alg: 'HS256', typ: 'JWT' }));
  });

  it.each([
    ['crit naming an unknown parameter', { alg: 'HS256', typ: 'JWT', crit: ['exp2'], exp2: 1 }],
    ['an empty crit', { alg: 'HS256', crit: [] }],
    ['b64 false (RFC 7797)', { alg: 'HS256', b64: false, crit: ['b64'] }],
    ['a kid (path traversal)', { alg: 'HS256', kid: '../../../../etc/passwd' }],
    ['a kid (SQL)', { alg: 'HS256', kid: "x' UNION SELECT 'secret' --" }],
    ['a jku', { alg: 'HS256', jku: 'http://127.0.0.1:9/jwks.json' }],
    ['an x5u', { alg: 'HS256', x5u: 'http://127.0.0.1:9/cert.pem' }],
    ['an embedded jwk', { alg: 'HS256', jwk: { kty: 'oct', k: b64('attacker') } }],
    ['a typ other than JWT', { alg: 'HS256', typ: 'refresh+jwt' }],
  ])('rejects a header with %s, even signed with the real key', (_name, header) => {
    expect(problemOf(() => tokens.verifyAccessToken(forge(header, claims())))).toBe('invalid-token');
  });

  it('names the parameter it refused, and accepts typ in any case', () => {
    let detail: string | undefined;
    try {
      tokens.verifyAccessToken(forge({ alg: 'HS256', crit: ['exp2'], exp2: 1 }, claims()));
    } catch (error) {
      detail = (error as AppError).detail;
    }
    expect(detail).toBe("The token header carries 'crit', 'exp2'; only 'alg' and 'typ' are accepted.");
    expect(problemOf(() => tokens.verifyAccessToken(forge({ alg: 'HS256', typ: 'jwt' }, claims())))).toBeUndefined();
    expect(problemOf(() => tokens.verifyAccessToken(`${b64([1])}.${b64(claims())}.x`))).toBe('invalid-token');
    expect(problemOf(() => tokens.verifyAccessToken(`%%%.${b64(claims())}.x`))).toBe('invalid-token');
  });

  it('rejects a token whose payload was edited after signing', () => {
    const token = forge({ alg: 'HS256' }, claims());
    const [header, , signature] = token.split('.');
    const tampered = `${header}.${b64(claims({ roles: ['admin'] }))}.${signature}`;
    expect(problemOf(() => tokens.verifyAccessToken(tampered))).toBe('invalid-token');
  });

  it('makes refresh tokens of 256 random bits and hashes them with SHA-256', () => {
    const token = tokens.newRefreshToken();
    expect(Buffer.from(token.slice(3), 'base64url')).toHaveLength(32);
    expect(tokens.newRefreshToken()).not.toBe(token);
    expect(tokens.hashRefreshToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens.hashRefreshToken(token)).not.toContain(token.slice(3, 20));
  });
});
