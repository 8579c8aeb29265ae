import { createHmac } from 'node:crypto';
import type { TestApp } from '@aero/testing';

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Hand-made JWTs, as an attacker would build them with node:crypto. */
export function forgeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: string,
  hmac: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): string {
  const body = `${b64(header)}.${b64(payload)}`;
  return `${body}.${createHmac(hmac, key).update(body).digest('base64url')}`;
}

/**
 * A JWS with an unencoded payload (RFC 7797, `b64: false`): the signature covers the header and the raw
 * JSON, which sits in the token as it is. The claims must hold no `.`.
 */
export function forgeUnencodedJwt(payload: Record<string, unknown>, key: string): string {
  const header = b64({ alg: 'HS256', b64: false, crit: ['b64'] });
  const json = JSON.stringify(payload);
  if (json.includes('.')) throw new Error('an unencoded payload cannot hold a dot in the compact form');
  return `${header}.${json}.${createHmac('sha256', key).update(`${header}.${json}`).digest('base64url')}`;
}

/** The classic embedded-key attack: the attacker's own key in the `jwk` header, and the token signed with it. */
export function forgeWithEmbeddedKey(payload: Record<string, unknown>, attackerKey: string): string {
  const jwk = { kty: 'oct', k: Buffer.from(attackerKey).toString('base64url') };
  return forgeJwt({ alg: 'HS256', typ: 'JWT', jwk }, payload, attackerKey);
}

export function unsignedJwt(payload: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

/** Claims of a valid access token for this app; override to break one thing at a time. */
export function accessClaims(t: TestApp, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: t.config.jwt.issuer,
    aud: t.config.jwt.audience,
    sub: '00000000-0000-4000-8000-000000000001',
    iat: now,
    exp: now + 300,
    typ: 'access',
    sid: '00000000-0000-4000-8000-000000000002',
    roles: ['admin'],
    email: 'forged@example.test',
    ...overrides,
  };
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}
