import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { AppConfig, RateLimitStorage, RedisClient, WindowRequest } from '@aero/core';
import { CONSUME_SCRIPT, RateLimiterService, RedisRateLimitStore, loadConfig } from '@aero/core';
import { LoginThrottle } from './login-throttle';

/**
 * Redis Cluster runs a command that touches several keys only when all of them hash to one slot; with
 * keys of several `{hash tags}` it answers CROSSSLOT and the request would fail over to per-instance
 * counting for good. These tests drive the real key builders and the real store into a client that
 * records every multi-key command, and pin that each one's keys share one tag.
 */

/** The part of a key Redis Cluster hashes: the first non-empty `{…}`, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}

interface Recorded {
  command: string;
  keys: string[];
}

/** Just enough of an ioredis client for RedisRateLimitStore: custom commands are recorded, not run. */
function recordingClient(recorded: Recorded[]): RedisClient {
  const client: Record<string, unknown> = {
    defineCommand(name: string) {
      client[name] = (numKeys: number, ...rest: (string | number)[]) => {
        const keys = rest.slice(0, numKeys).map(String);
        recorded.push({ command: name, keys });
        return Promise.resolve([1, ...keys.flatMap(() => [1, 60_000])]);
      };
    },
  };
  return client as unknown as RedisClient;
}

function storageOver(store: RedisRateLimitStore): RateLimitStorage {
  return { consume: (windows: WindowRequest[]) => store.consume(windows) } as unknown as RateLimitStorage;
}

describe('Redis keys of one command share one hash tag (Redis Cluster)', () => {
  let config: AppConfig;
  let recorded: Recorded[];
  let storage: RateLimitStorage;

  beforeEach(() => {
    config = loadConfig({ NODE_ENV: 'test', JWT_SIGNING_KEY: 'k'.repeat(64), API_KEY_PEPPER: 'p'.repeat(64) }, '/nonexistent');
    recorded = [];
    storage = storageOver(new RedisRateLimitStore(recordingClient(recorded), config.rateLimit.redisKeyPrefix));
  });

  const expectOneTagPerCommand = (): void => {
    expect(recorded.length).toBeGreaterThan(0);
    for (const { command, keys } of recorded) {
      const tags = new Set(keys.map(hashTag));
      expect({ command, keys, tags: [...tags] }).toEqual({ command, keys, tags: [hashTag(keys[0])] });
    }
  };

  it('rate-limit windows of every subject (IP, user, API key with its monthly quota) are one slot', async () => {
    const limiter = new RateLimiterService(config, storage);
    await limiter.check(undefined, '203.0.113.7');
    await limiter.check(undefined, '2001:db8::1');
    await limiter.check({ kind: 'user', id: 'u1', roles: ['member'] }, '203.0.113.7');
    await limiter.check({ kind: 'apiKey', id: 'k1', roles: [], monthlyQuota: 1000, rateLimitPerMinute: 50 }, '203.0.113.7');
    await limiter.authenticationFailed('203.0.113.7');
    expect(recorded.some((r) => r.keys.length === 3)).toBe(true);
    expectOneTagPerCommand();
  });

  it('each login-throttle call keeps its windows in one slot (the account one, then the address one), with braces in the email too', async () => {
    const throttle = new LoginThrottle(config, storage);
    for (const email of ['ada@example.com', 'we{ir}d@example.com', 'x}{y@example.com']) {
      const attempt = await throttle.begin(email, '198.51.100.4');
      await attempt.succeeded();
    }
    expect(recorded.some((r) => r.keys.length === 2)).toBe(true);
    expectOneTagPerCommand();
  });

  it('the consume script touches only the keys it is given (no key built inside Lua)', () => {
    const calls = [...CONSUME_SCRIPT.matchAll(/redis\.call\('([A-Z]+)',\s*([^,)]+)/g)];
    expect(calls.length).toBeGreaterThan(0);
    for (const [, command, firstArgument] of calls) expect({ command, key: firstArgument.trim() }).toEqual({ command, key: 'KEYS[i]' });
  });

  it('no other code sends multi-key commands, transactions or scripts to Redis', () => {
    // A new MULTI, script or multi-key command must be added to the tests above before this list changes.
    const multiKey = /\.(multi|pipeline|eval|evalsha|mget|mset|msetnx|unlink|sunionstore|sinterstore|sdiffstore|zunionstore|zinterstore|rename|renamenx|smove|lmove|rpoplpush|copy|defineCommand)\(/;
    const root = join(__dirname, '..', '..', '..', '..');
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && multiKey.test(readFileSync(path, 'utf8'))) found.push(relative(root, path));
      }
    };
    walk(join(root, 'libs'));
    walk(join(root, 'apps'));
    expect(found.sort()).toEqual(['libs/core/src/rate-limit/redis-rate-limit.store.ts']);
  });
});
