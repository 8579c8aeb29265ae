import { randomBytes } from 'node:crypto';
import type { ModuleRef } from '@nestjs/core';
import type { TcpProxy } from '@aero/testing';
import { startTcpProxy } from '@aero/testing';
import type { AppConfig, RateLimitConfig } from '../config/app-config';
import { RateLimitStorage } from './rate-limit.storage';
import type { WindowRequest } from './rate-limit.types';

const redisPort = Number(new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').port || 6379);
const noModules = { get: () => { throw new Error('none here'); } } as unknown as ModuleRef;

function config(redisUrl: string, overrides: Partial<RateLimitConfig> = {}): AppConfig {
  const tier = { perMinute: 1000, burst: 1000 };
  return {
    redisUrl,
    rateLimit: {
      enabled: true,
      burstWindowSeconds: 10,
      apiKey: tier,
      admin: tier,
      staff: tier,
      member: tier,
      anonymous: tier,
      authFailuresPerMinute: 1000,
      redisKeyPrefix: `test:rl-storage:${randomBytes(6).toString('hex')}:`,
      redisTimeoutMs: 100,
      redisBreakerSeconds: 60,
      redisBreakerFailures: 3,
      expectedInstances: 2,
      quotaFlushMs: 1000,
      minuteWindowMs: 60_000,
      ...overrides,
    },
  } as unknown as AppConfig;
}

const minute = (key: string, limit = 10): WindowRequest[] => [{ key: `{${key}}:minute`, policy: 'minute', limit, windowMs: 60_000, cost: 1 }];

/** The storage in front of the machine's Redis through a proxy of the test's own, which can slow or cut it. */
describe('RateLimitStorage when Redis is slow or gone', () => {
  let proxy: TcpProxy;
  let storage: RateLimitStorage;

  beforeEach(async () => {
    proxy = await startTcpProxy(redisPort);
    storage = new RateLimitStorage(config(`redis://127.0.0.1:${proxy.port}`), noModules);
    await storage.onModuleInit();
  });
  afterEach(async () => {
    proxy.setMode('pass');
    await storage.reset('').catch(() => undefined);
    await storage.onModuleDestroy();
    await proxy.close();
  });

  it('decides one late answer locally without leaving Redis; only consecutive late answers open the breaker', async () => {
    expect((await storage.consume(minute('a'))).allowed).toBe(true);
    proxy.setMode('slow', 400);
    expect((await storage.consume(minute('a'))).allowed).toBe(true);
    expect(storage.sharing).toBe('redis');
    await storage.consume(minute('a'));
    expect(storage.sharing).toBe('redis');
    await storage.consume(minute('a'));
    expect(storage.sharing).toBe('local-redis-down');
  });

  it('without Redis serves its share of what was left, never a fresh whole limit', async () => {
    for (let i = 0; i < 4; i++) expect((await storage.consume(minute('b'))).allowed).toBe(true);
    proxy.setMode('cut');
    let served = 0;
    for (let i = 0; i < 20; i++) if ((await storage.consume(minute('b'))).allowed) served++;
    // 6 of 10 were left, shared by 2 instances: 3 here.
    expect(served).toBe(3);
    expect(storage.sharing).toBe('local-redis-down');
    // A key this instance never saw: half of the limit.
    let fresh = 0;
    for (let i = 0; i < 20; i++) if ((await storage.consume(minute('c'))).allowed) fresh++;
    expect(fresh).toBe(5);
  });
});
