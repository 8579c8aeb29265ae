import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DisposableRedis, TestApp } from '@aero/testing';
import { createApiKey, createTestApp, startDisposableRedis } from '@aero/testing';

// Chaos: two API instances sharing a Redis of this suite's own, 50 concurrent clients on one key limited to
// 60 a minute and 10 more on a key with a monthly quota of 25, while Redis is paused, stopped, flushed and
// restarted (and an instance restarted). The "minute" window is 20 s here (RATE_LIMIT_MINUTE_WINDOW_SECONDS):
// the same counting, a third of the wait. Each fault runs within one window of fresh keys; every test prints
// what was served against the limit.
jest.setTimeout(120_000);

const WINDOW_SECONDS = 20;
const PER_MINUTE = 60;
const QUOTA = 25;
/**
 * The documented tolerances (docs/operations.md, docs/usage.md): what one instance had not yet seen of the
 * other's count when Redis went away or lost its data (the requests in flight at that moment, a few at 50 a
 * second); for a quota also the units the other instance had not yet written (RATE_LIMIT_QUOTA_FLUSH_MS).
 */
const MINUTE_TOLERANCE = 6;
const QUOTA_TOLERANCE = 4;

/** Each client's pause between requests, and when the fault strikes after the keys' first requests. */
const PACE_MS = 1000;
const FAULT_AT_MS = 600;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Tally {
  served: number;
  refused: number;
  /** Connections refused by an instance that is restarting. */
  network: number;
  other: Record<string, number>;
}

describe('chaos: rate limits and quotas through Redis faults', () => {
  let redis: DisposableRedis;
  let apps: TestApp[];
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startDisposableRedis();
    env = {
      REDIS_URL: redis.url,
      RATE_LIMIT_REDIS_KEY_PREFIX: `test:rl-chaos:${randomBytes(6).toString('hex')}:`,
      RATE_LIMIT_MINUTE_WINDOW_SECONDS: String(WINDOW_SECONDS),
      RATE_LIMIT_REDIS_BREAKER_SECONDS: '1',
      RATE_LIMIT_QUOTA_FLUSH_MS: '500',
      RATE_LIMIT_EXPECTED_INSTANCES: '2',
    };
    const first = await createTestApp({ shareableDatabase: true, env, skipContractCheck: true });
    env = { ...env, JWT_SIGNING_KEY: first.config.jwt.signingKey, API_KEY_PEPPER: first.config.apiKeys.pepper };
    apps = [first, await createTestApp({ database: first.database, env, skipContractCheck: true })];
  });

  afterAll(async () => {
    for (const app of [...(apps ?? [])].reverse()) await app.close().catch(() => undefined);
    await redis?.dispose();
  });

  async function redisCommand(...args: string[]): Promise<void> {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      await client.call(args[0], ...args.slice(1));
    } finally {
      client.disconnect();
    }
  }

  async function mode(app: TestApp): Promise<string> {
    const res = await app.http.get('/health/ready');
    return (res.body?.details?.rateLimits?.sharing as string) ?? 'unknown';
  }

  /** Waits (bounded) until every instance shares through Redis again: each fault starts from a healthy state. */
  async function healthy(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const modes = await Promise.all(apps.map(mode));
      if (modes.every((m) => m === 'redis')) return;
      if (Date.now() > deadline) throw new Error(`instances did not share again: ${modes.join(', ')}`);
      await sleep(100);
    }
  }

  /** One client: requests one after another, alternating instances, until `until`. */
  async function client(header: Record<string, string>, offset: number, until: number, tally: Tally): Promise<void> {
    for (let i = offset; Date.now() < until; i++) {
      try {
        const res = await apps[i % apps.length].http.get('/v1/auth/me').set(header).timeout(5000);
        if (res.status === 200) tally.served++;
        else if (res.status === 429) tally.refused++;
        else tally.other[res.status] = (tally.other[res.status] ?? 0) + 1;
      } catch {
        // A restarting instance: its connections are refused for a moment.
        tally.network++;
      }
      // One request a second each: the key's budget is not yet spent when the fault strikes.
      await sleep(PACE_MS);
    }
  }

  async function underLoad(
    name: string,
    runMs: number,
    fault: () => Promise<void>,
    expected = { minuteBound: true, network: false },
  ): Promise<{ minute: Tally; quota: Tally }> {
    await healthy();
    const minuteKey = await createApiKey(apps[0], { scopes: ['members:read'], rateLimitPerMinute: PER_MINUTE });
    const quotaKey = await createApiKey(apps[0], { scopes: ['members:read'], monthlyQuota: QUOTA });
    const minute: Tally = { served: 0, refused: 0, network: 0, other: {} };
    const quota: Tally = { served: 0, refused: 0, network: 0, other: {} };
    // Every request is sent within one window of the keys' first request (a second short of its end).
    const until = Date.now() + Math.min(runMs, (WINDOW_SECONDS - 1) * 1000);
    // Spread over the first second, as real clients are.
    const clients = [
      ...Array.from({ length: 50 }, (_, i) => sleep((i * PACE_MS) / 50).then(() => client(minuteKey.authHeader, i, until, minute))),
      ...Array.from({ length: 10 }, (_, i) => sleep((i * PACE_MS) / 10).then(() => client(quotaKey.authHeader, i, until, quota))),
    ];
    await fault();
    await Promise.all(clients);
    console.log(
      `${name}: 60/min key served ${minute.served} (refused ${minute.refused}, network ${minute.network}, other ${JSON.stringify(minute.other)}); ` +
        `quota of 25 served ${quota.served} (refused ${quota.refused}, network ${quota.network}, other ${JSON.stringify(quota.other)})`,
    );
    expect(minute.other).toEqual({});
    expect(quota.other).toEqual({});
    if (!expected.network) expect(minute.network + quota.network).toBe(0);
    expect(minute.served).toBeGreaterThan(0);
    if (expected.minuteBound) expect(minute.served).toBeLessThanOrEqual(PER_MINUTE + MINUTE_TOLERANCE);
    expect(quota.served).toBeLessThanOrEqual(QUOTA + QUOTA_TOLERANCE);
    return { minute, quota };
  }

  it('Redis paused for 2 s (CLIENT PAUSE)', async () => {
    await underLoad('pause 2 s', 8000, async () => {
      await sleep(FAULT_AT_MS);
      await redisCommand('CLIENT', 'PAUSE', '2000', 'ALL');
    });
  });

  it('Redis stopped for 15 s, then started empty', async () => {
    await underLoad('stop 15 s', 19_000, async () => {
      await sleep(FAULT_AT_MS);
      await redis.stop();
      await sleep(15_000);
      await redis.start();
    });
  });

  it('Redis flushed (FLUSHALL)', async () => {
    await underLoad('flush', 6000, async () => {
      await sleep(FAULT_AT_MS);
      await redisCommand('FLUSHALL');
    });
  });

  it('Redis restarted (killed and started empty at once)', async () => {
    await underLoad('restart', 8000, async () => {
      await sleep(FAULT_AT_MS);
      await redis.stop();
      await redis.start();
    });
  });

  it('an instance restarted while Redis is flushed: the quota resumes from the database', async () => {
    const { quota } = await underLoad('instance restart + flush', 8000, async () => {
      await sleep(FAULT_AT_MS);
      // A graceful restart writes what the instance counted before it stops.
      await apps[1].close();
      await redisCommand('FLUSHALL');
      apps[1] = await createTestApp({ database: apps[0].database, env, skipContractCheck: true });
      // A new instance that lost Redis's data too knows nothing of the minute window (it is not stored): that
      // double fault is outside the minute's bound and is reported only.
    }, { minuteBound: false, network: true });
    expect(quota.served).toBeGreaterThan(0);
  });
});
