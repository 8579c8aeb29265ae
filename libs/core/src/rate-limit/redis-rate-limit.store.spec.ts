import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisRateLimitStore } from './redis-rate-limit.store';
import type { WindowRequest } from './rate-limit.types';

/** The consume script against the machine's Redis (REDIS_URL or 127.0.0.1:6379), under a prefix of its own. */
describe('RedisRateLimitStore (real Redis)', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  const prefix = `test:rl-unit:${randomBytes(6).toString('hex')}:`;
  let store: RedisRateLimitStore;

  beforeAll(async () => {
    await redis.connect();
    store = new RedisRateLimitStore(redis, prefix);
  });
  afterAll(async () => {
    await store.reset('');
    await redis.quit();
  });

  const windows = (subject: string, cost = 1, burstMs = 1000): WindowRequest[] => [
    { key: `{${subject}}:burst`, policy: 'burst', limit: 3, windowMs: burstMs, cost },
    { key: `{${subject}}:minute`, policy: 'minute', limit: 5, windowMs: 60_000, cost },
  ];

  it('counts in every window atomically and refuses without counting once one is full', async () => {
    for (let i = 1; i <= 3; i++) {
      const result = await store.consume(windows('a'));
      expect(result.allowed).toBe(true);
      expect(result.windows.map((w) => w.count)).toEqual([i, i]);
    }
    const refused = await store.consume(windows('a'));
    expect(refused.allowed).toBe(false);
    expect(refused.windows.map((w) => w.count)).toEqual([3, 3]);
    expect(refused.windows[0].resetMs).toBeGreaterThan(0);
    expect(refused.windows[0].resetMs).toBeLessThanOrEqual(1000);
    expect(refused.windows[1].resetMs).toBeGreaterThan(59_000);
  });

  it('sets the expiry once, at the first count, so the window does not slide', async () => {
    await store.consume(windows('b', 1, 60_000));
    const ttlBefore = await redis.pttl(`${prefix}{b}:burst`);
    await store.consume(windows('b', 1, 60_000));
    const ttlAfter = await redis.pttl(`${prefix}{b}:burst`);
    expect(ttlAfter).toBeLessThanOrEqual(ttlBefore);
  });

  it('is exact under concurrency: 50 parallel requests for a limit of 5 → 5 allowed', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => store.consume(windows('c', 1, 60_000))));
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
    const wide: WindowRequest[] = [{ key: '{d}:minute', policy: 'minute', limit: 5, windowMs: 60_000, cost: 1 }];
    const many = await Promise.all(Array.from({ length: 50 }, () => store.consume(wide)));
    expect(many.filter((r) => r.allowed)).toHaveLength(5);
  });

  it('reads at cost 0, gives back at a negative cost without going below zero, and resets by prefix', async () => {
    await store.consume(windows('e', 2));
    expect((await store.consume(windows('e', 0))).windows.map((w) => w.count)).toEqual([2, 2]);
    await store.consume(windows('e', -10));
    expect((await store.consume(windows('e', 0))).windows.map((w) => w.count)).toEqual([0, 0]);
    await store.consume(windows('e', 1));
    expect(await store.reset('{e}')).toBe(2);
    expect((await store.consume(windows('e', 0))).windows.map((w) => w.count)).toEqual([0, 0]);
  });

  it('resumes a counter Redis lost from the floor this instance knew, with the window time it had left', async () => {
    const minute: WindowRequest[] = [{ key: '{f}:minute', policy: 'minute', limit: 10, windowMs: 60_000, cost: 1 }];
    const seeded = await store.consume(minute, Date.now(), [{ count: 9, remainingMs: 30_000 }]);
    expect(seeded.allowed).toBe(true);
    expect(seeded.windows[0].count).toBe(10);
    expect(seeded.windows[0].resetMs).toBeLessThanOrEqual(30_000);
    expect((await store.consume(minute)).allowed).toBe(false);
    // A floor never lowers or adds to a counter Redis still has.
    const kept = await store.consume(minute, Date.now(), [{ count: 2, remainingMs: 30_000 }]);
    expect(kept.windows[0].count).toBe(10);
  });

  it('merges what an instance counted alone: added to the count Redis has, or to the one it knew', async () => {
    const minute: WindowRequest[] = [{ key: '{g}:minute', policy: 'minute', limit: 100, windowMs: 60_000, cost: 1 }];
    await store.consume(minute);
    expect(await store.merge('{g}:minute', 4, 1, 30_000)).toBe(5);
    expect(await store.merge('{h}:minute', 4, 7, 30_000)).toBe(11);
    const ttl = await redis.pttl(`${prefix}{h}:minute`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('counts live instances through the heartbeat and forgets silent ones', async () => {
    const now = Date.now();
    expect(await store.heartbeat('one', now - 20_000, 10_000)).toBe(1);
    expect(await store.heartbeat('two', now, 10_000)).toBe(1);
    expect(await store.heartbeat('three', now, 10_000)).toBe(2);
  });
});
