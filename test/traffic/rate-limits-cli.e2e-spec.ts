import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { WindowRequest } from '@aero/core';
import { loadConfig, RedisRateLimitStore, trackerFor, windowsFor } from '@aero/core';
import type { DisposableRedis } from '@aero/testing';
import { CliSandbox, startDisposableRedis } from '@aero/testing';

jest.setTimeout(120_000);

interface Status {
  tracker: string;
  tier: string;
  sharing: string;
  windows: { policy: string; limit: number; used: number; remaining: number; windowSeconds: number }[];
}

/** rate-limits:* and the API-key limit flags as an operator runs them, with counters in Redis. */
describe('rate-limit CLI commands (e2e)', () => {
  let sandbox: CliSandbox;
  let redis: DisposableRedis;
  let client: Redis;
  const prefix = `test:rl-cli:${randomBytes(6).toString('hex')}:`;
  const json = <T>(args: string[]): T => sandbox.json<T>(args);

  beforeAll(async () => {
    sandbox = await CliSandbox.create('aero-rate-limits-cli-');
    redis = await startDisposableRedis();
    // A minute-long burst window: the counters spent below must outlive a few CLI starts on a loaded machine.
    Object.assign(sandbox.env, { REDIS_URL: redis.url, RATE_LIMIT_REDIS_KEY_PREFIX: prefix, RATE_LIMIT_BURST_WINDOW_SECONDS: '60' });
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.dispose();
    await sandbox?.dispose();
  });

  /** Spends `n` requests of a key the way the API's guard does (same windows, same script, same prefix). */
  async function spend(subject: { kind: 'apiKey'; id: string; roles: string[]; rateLimitPerMinute?: number; monthlyQuota?: number }, n: number) {
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_SIGNING_KEY: 'k'.repeat(32),
      API_KEY_PEPPER: 'p'.repeat(32),
      RATE_LIMIT_BURST_WINDOW_SECONDS: '60',
    }).rateLimit;
    const store = new RedisRateLimitStore(client, prefix);
    const windows: WindowRequest[] = windowsFor(config, trackerFor(subject, undefined), subject, 1, Date.now());
    for (let i = 0; i < n; i++) await store.consume(windows);
  }

  it('api-keys:create and api-keys:update set the per-minute limit and the monthly quota', () => {
    const created = json<{ id: string; rateLimitPerMinute: number; monthlyQuota: number }>([
      'api-keys:create', '--name', 'Partner batch', '--app', 'partner', '--scopes', 'members:read',
      '--rate-limit-per-minute', '120', '--monthly-quota', '100000', '--json',
    ]);
    expect(created).toMatchObject({ rateLimitPerMinute: 120, monthlyQuota: 100000 });
    const updated = json<{ rateLimitPerMinute: number | null; monthlyQuota: number | null }>([
      'api-keys:update', created.id, '--rate-limit-per-minute', '60', '--monthly-quota', 'none', '--json',
    ]);
    expect(updated).toMatchObject({ rateLimitPerMinute: 60, monthlyQuota: null });
    const bad = sandbox.run(['api-keys:update', created.id, '--monthly-quota', '0']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--monthly-quota must be a positive integer or none');
    const nothing = sandbox.run(['api-keys:update', created.id]);
    expect(nothing.status).toBe(1);
    expect(nothing.stderr).toContain('nothing to change');
  });

  it('rate-limits:status shows a key’s effective policy and counters; rate-limits:reset clears them', async () => {
    const key = json<{ id: string }>([
      'api-keys:create', '--name', 'Kiosk 3', '--app', 'kiosk', '--scopes', 'members:read',
      '--rate-limit-per-minute', '30', '--monthly-quota', '5000', '--json',
    ]);
    await spend({ kind: 'apiKey', id: key.id, roles: [], rateLimitPerMinute: 30, monthlyQuota: 5000 }, 7);

    const status = json<Status>(['rate-limits:status', '--key', key.id, '--json']);
    expect(status).toMatchObject({ tracker: `key:${key.id}`, tier: 'apiKey', sharing: 'redis' });
    expect(status.windows.map((w) => [w.policy, w.limit, w.used])).toEqual([
      ['burst', 30, 7],
      ['minute', 30, 7],
      ['quota', 5000, 7],
    ]);
    const human = sandbox.run(['rate-limits:status', '--key', key.id]);
    expect(human.stdout).toContain(`API key ${key.id}: tier apiKey`);
    expect(human.stdout).toContain('counters: shared in Redis');

    const reset = json<{ removed: number }>(['rate-limits:reset', '--key', key.id, '--json']);
    expect(reset.removed).toBe(3);
    const after = json<Status>(['rate-limits:status', '--key', key.id, '--json']);
    expect(after.windows.every((w) => w.used === 0)).toBe(true);
  });

  it('rate-limits:status --ip shows the anonymous and failed-credential budgets; bad targets exit 1 saying why', () => {
    const status = json<Status>(['rate-limits:status', '--ip', '203.0.113.7', '--json']);
    expect(status).toMatchObject({ tracker: 'ip:203.0.113.7', tier: 'anonymous' });
    expect(status.windows.map((w) => w.policy)).toEqual(['burst', 'minute', 'auth-failures']);

    const none = sandbox.run(['rate-limits:reset']);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('pass exactly one of --key <id>, --user <id> or --ip <address>');
    const badIp = sandbox.run(['rate-limits:status', '--ip', 'not-an-ip']);
    expect(badIp.status).toBe(1);
    expect(badIp.stderr).toContain('--ip must be an IPv4 or IPv6 address');
    const unknown = sandbox.run(['rate-limits:status', '--key', '7d1e2f30-0000-4000-8000-000000000001']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no API key 7d1e2f30-0000-4000-8000-000000000001');
  });
});
