import type { RateLimitConfig } from '../config/app-config';
import { formatLimit, formatPolicy, nearestExhaustion, rateLimitHeaders } from './rate-limit.headers';
import { MemoryRateLimitStore } from './memory-rate-limit.store';
import { monthWindow, tierLimits, trackerFor, windowsFor } from './rate-limit.policies';
import type { WindowRequest, WindowState } from './rate-limit.types';

const config: RateLimitConfig = {
  enabled: true,
  burstWindowSeconds: 10,
  apiKey: { perMinute: 600, burst: 200 },
  admin: { perMinute: 1200, burst: 300 },
  staff: { perMinute: 600, burst: 200 },
  member: { perMinute: 300, burst: 100 },
  anonymous: { perMinute: 120, burst: 40 },
  authFailuresPerMinute: 30,
  redisKeyPrefix: 'x:',
  redisTimeoutMs: 50,
  redisBreakerSeconds: 5,
  redisBreakerFailures: 3,
  expectedInstances: 1,
  quotaFlushMs: 1000,
  minuteWindowMs: 60_000,
};

describe('tracker precedence', () => {
  it('counts an API key by the key, whatever else is known', () => {
    expect(trackerFor({ kind: 'apiKey', id: 'k1', roles: [] }, '10.0.0.1')).toEqual({ id: 'key:k1', tier: 'apiKey' });
  });

  it('counts a user by the user, under their highest role', () => {
    expect(trackerFor({ kind: 'user', id: 'u1', roles: ['member', 'staff'] }, '10.0.0.1')).toEqual({ id: 'user:u1', tier: 'staff' });
    expect(trackerFor({ kind: 'user', id: 'u2', roles: ['admin'] }, '10.0.0.1').tier).toBe('admin');
    expect(trackerFor({ kind: 'user', id: 'u3', roles: [] }, '10.0.0.1').tier).toBe('member');
  });

  it('counts everyone else by client IP, IPv6 by its /64', () => {
    expect(trackerFor(undefined, '10.0.0.1')).toEqual({ id: 'ip:10.0.0.1', tier: 'anonymous' });
    expect(trackerFor(undefined, '2001:db8:1:2:aaaa::1').id).toBe(trackerFor(undefined, '2001:db8:1:2:bbbb::9').id);
    expect(trackerFor(undefined, '2001:db8:1:2::1').id).not.toBe(trackerFor(undefined, '2001:db8:1:3::1').id);
  });
});

describe('policies', () => {
  it('uses a key’s own per-minute limit, with a burst that never undercuts it for small limits', () => {
    const key = { kind: 'apiKey' as const, id: 'k', roles: [], rateLimitPerMinute: 60 };
    expect(tierLimits(config, trackerFor(key, undefined), key)).toEqual({ perMinute: 60, burst: 60 });
    const big = { ...key, rateLimitPerMinute: 60_000 };
    expect(tierLimits(config, trackerFor(big, undefined), big)).toEqual({ perMinute: 60_000, burst: 20_000 });
  });

  it('adds the monthly quota window to a key that has one, counting requests not cost', () => {
    const key = { kind: 'apiKey' as const, id: 'k', roles: [], monthlyQuota: 1000 };
    const now = Date.UTC(2026, 1, 27, 12); // February 2026: 28 days
    const windows = windowsFor(config, trackerFor(key, undefined), key, 3, now);
    expect(windows.map((w) => [w.policy, w.limit, w.cost])).toEqual([
      ['burst', 200, 3],
      ['minute', 600, 3],
      ['quota', 1000, 1],
    ]);
    expect(windows[2].key).toBe('{key:k}:quota:2026-02');
    expect(windows[2].policyWindowSeconds).toBe(28 * 86400);
    expect(windows[2].windowMs).toBe(Date.UTC(2026, 2, 1) - now);
  });

  it('keeps every window of one subject in one Redis hash slot', () => {
    const windows = windowsFor(config, trackerFor(undefined, '10.1.1.1'), undefined, 1, 0);
    expect(windows.every((w) => w.key.startsWith('{ip:10.1.1.1}:'))).toBe(true);
  });

  it('ends a month at the next UTC month start, December included', () => {
    const now = Date.UTC(2026, 11, 31, 23, 59, 30);
    expect(monthWindow(now)).toEqual({ suffix: '2026-12', lengthMs: 31 * 86_400_000, remainingMs: 30_000 });
  });
});

describe('RateLimit headers (IETF httpapi draft)', () => {
  it('writes policies and the current limit as the draft’s examples do', () => {
    expect(formatPolicy('default', 100, 10)).toBe('"default";q=100;w=10');
    expect(formatLimit('default', 50, 30)).toBe('"default";r=50;t=30');
    expect(formatPolicy('burst', 100, 60)).toBe('"burst";q=100;w=60');
    expect(formatLimit('burst', 42, 17)).toBe('"burst";r=42;t=17');
  });

  const state = (policy: string, limit: number, count: number, resetMs: number, windowMs = 60_000): WindowState => ({
    request: { key: policy, policy, limit, windowMs, cost: 1 },
    count,
    resetMs,
  });

  it('lists every policy and reports the one nearest exhaustion, with the X- trio for older clients', () => {
    const states = [state('burst', 10, 2, 4000, 10_000), state('minute', 60, 57, 17_000)];
    const nearest = nearestExhaustion(states);
    expect(rateLimitHeaders(states, nearest)).toEqual({
      'RateLimit-Policy': '"burst";q=10;w=10, "minute";q=60;w=60',
      RateLimit: '"minute";r=3;t=17',
      'X-RateLimit-Limit': '60',
      'X-RateLimit-Remaining': '3',
      'X-RateLimit-Reset': '17',
    });
  });

  it('prefers, among equally spent windows, the one that resets last', () => {
    const states = [state('burst', 10, 10, 3000, 10_000), state('minute', 10, 10, 50_000)];
    expect(nearestExhaustion(states).request.policy).toBe('minute');
  });

  it('escapes quotes in policy names as structured-field strings', () => {
    expect(formatPolicy('a"b', 1, 1)).toBe('"a\\"b";q=1;w=1');
  });
});

describe('MemoryRateLimitStore', () => {
  const windows = (cost = 1): WindowRequest[] => [
    { key: 's:burst', policy: 'burst', limit: 3, windowMs: 1000, cost },
    { key: 's:minute', policy: 'minute', limit: 5, windowMs: 60_000, cost },
  ];

  it('allows a request only when every window has room, and then counts it in all of them', () => {
    const store = new MemoryRateLimitStore();
    for (let i = 0; i < 3; i++) expect(store.consumeSync(windows(), 0).allowed).toBe(true);
    const refused = store.consumeSync(windows(), 10);
    expect(refused.allowed).toBe(false);
    expect(refused.windows.map((w) => w.count)).toEqual([3, 3]);
    // The burst window resets; the minute window still has two.
    expect(store.consumeSync(windows(), 1000).allowed).toBe(true);
    expect(store.consumeSync(windows(), 1001).allowed).toBe(true);
    const minuteSpent = store.consumeSync(windows(), 1002);
    expect(minuteSpent.allowed).toBe(false);
    expect(minuteSpent.windows[1]).toMatchObject({ count: 5, resetMs: 60_000 - 1002 });
  });

  it('reads without counting at cost 0 and gives back at a negative cost', () => {
    const store = new MemoryRateLimitStore();
    store.consumeSync(windows(2), 0);
    expect(store.consumeSync(windows(0), 0).windows.map((w) => w.count)).toEqual([2, 2]);
    store.consumeSync(windows(-5), 0);
    expect(store.consumeSync(windows(0), 0).windows.map((w) => w.count)).toEqual([0, 0]);
  });

  it('keeps one counter per window however many hits it takes', () => {
    const store = new MemoryRateLimitStore();
    const busy: WindowRequest[] = [{ key: 'busy', policy: 'minute', limit: 1e9, windowMs: 60_000, cost: 1 }];
    for (let i = 0; i < 10_000; i++) store.consumeSync(busy, i);
    expect(store.size).toBe(1);
  });
});
