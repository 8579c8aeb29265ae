import 'reflect-metadata';
import type { Request } from 'express';
import type { AppConfig } from '@aero/core';
import { AppError } from '@aero/core';
import type { SessionRevocations } from '../sessions/session-revocations';
import { TokenService } from '../tokens/token.service';
import { VerifiedTokenCache } from '../tokens/verified-token-cache';
import { JwtStrategy } from './jwt.strategy';

const USER = 'b0f7d1a2-0000-4000-8000-000000000001';
const SESSION = 'c0f7d1a2-0000-4000-8000-000000000002';

function configWith(verifiedCacheSize: number): AppConfig {
  return {
    jwt: {
      signingKey: 'unit-test-signing-key-0123456789abcdef',
      issuer: 'aero-core-api',
      audience: 'aero-apps',
      accessTtlSeconds: 900,
      refreshTtlSeconds: 3600,
      verifiedCacheSize,
    },
  } as AppConfig;
}

function bearer(token: string): Request {
  return { headers: { authorization: `Bearer ${token}` } } as unknown as Request;
}

function problemOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error.problem.slug;
    throw error;
  }
  return undefined;
}

describe('JwtStrategy with the verified-token cache', () => {
  const ended = new Set<string>();
  const revocations = { isEnded: (sid: string) => ended.has(sid) } as unknown as SessionRevocations;

  function setUp(cacheSize = 100): { strategy: JwtStrategy; tokens: TokenService; verifications: () => number } {
    const config = configWith(cacheSize);
    const tokens = new TokenService(config);
    const verify = jest.spyOn(tokens, 'verifyAccessToken');
    return { strategy: new JwtStrategy(tokens, revocations, config), tokens, verifications: () => verify.mock.calls.length };
  }

  beforeEach(() => ended.clear());

  it('verifies a token once and answers repeats from the cache with the same principal', () => {
    const { strategy, tokens, verifications } = setUp();
    const token = tokens.signAccessToken({ userId: USER, sessionId: SESSION, roles: ['staff'], email: 's@example.test' });
    const first = strategy.validate(bearer(token));
    const second = strategy.validate(bearer(token));
    expect(second).toEqual(first);
    expect(first).toMatchObject({ kind: 'user', id: USER, roles: ['staff'] });
    expect(verifications()).toBe(1);
  });

  it('refuses a cached token as soon as its session ends', () => {
    const { strategy, tokens } = setUp();
    const token = tokens.signAccessToken({ userId: USER, sessionId: SESSION, roles: ['staff'], email: 's@example.test' });
    strategy.validate(bearer(token));
    ended.add(SESSION);
    expect(problemOf(() => strategy.validate(bearer(token)))).toBe('session-ended');
  });

  it('never caches a token that failed verification', () => {
    const { strategy, tokens, verifications } = setUp();
    const token = tokens.signAccessToken({ userId: USER, sessionId: SESSION, roles: ['staff'], email: 's@example.test' });
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(problemOf(() => strategy.validate(bearer(tampered)))).toBe('invalid-token');
    expect(problemOf(() => strategy.validate(bearer(tampered)))).toBe('invalid-token');
    expect(verifications()).toBe(2);
  });

  it('verifies every time when the cache is turned off', () => {
    const { strategy, tokens, verifications } = setUp(0);
    const token = tokens.signAccessToken({ userId: USER, sessionId: SESSION, roles: ['staff'], email: 's@example.test' });
    strategy.validate(bearer(token));
    strategy.validate(bearer(token));
    expect(verifications()).toBe(2);
  });
});

describe('VerifiedTokenCache', () => {
  const claims = (sid: string, exp: number) =>
    ({ sid, exp, sub: USER, roles: [], typ: 'access' }) as unknown as Parameters<VerifiedTokenCache['remember']>[1];

  it('stops answering for a token once its expiry has passed', () => {
    const cache = new VerifiedTokenCache(10);
    cache.remember('t1', claims('s1', 1_000));
    expect(cache.get('t1', 999_999)).toBeDefined();
    expect(cache.get('t1', 1_000_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most its capacity, dropping the least recently used first', () => {
    const cache = new VerifiedTokenCache(2);
    cache.remember('a', claims('sa', 9e9));
    cache.remember('b', claims('sb', 9e9));
    expect(cache.get('a', 0)).toBeDefined(); // a is now the most recently used
    cache.remember('c', claims('sc', 9e9));
    expect(cache.size).toBe(2);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)?.sid).toBe('sa');
    expect(cache.get('c', 0)?.sid).toBe('sc');
  });
});
