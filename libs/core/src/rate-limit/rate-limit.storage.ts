import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Gauge } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import type { RedisClient } from '../shared-state/redis-client';
import { createRedisClient } from '../shared-state/redis-client';
import { MemoryRateLimitStore } from './memory-rate-limit.store';
import { RedisRateLimitStore } from './redis-rate-limit.store';
import type { ConsumeResult, RateLimitStore, WindowRequest } from './rate-limit.types';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

export type RateLimitSharing = 'redis' | 'local' | 'local-redis-down';

class RedisTimeoutError extends Error {}

/**
 * Where the counters live. Without REDIS_URL: this instance's memory. With it: Redis, one atomic call per
 * request, so every instance spends one budget. A Redis call that fails or has not answered within
 * RATE_LIMIT_REDIS_TIMEOUT_MS opens a breaker: for RATE_LIMIT_REDIS_BREAKER_SECONDS the instance counts on
 * its own (requests never fail because Redis did), then Redis is tried again and sharing resumes by itself.
 * Each change of state is logged once and shown in /metrics and /health/ready.
 *
 * Also fulfils @nestjs/throttler's storage contract (`increment`, one window per call) for the package's own
 * guard; the API's RateLimitGuard calls `consume` instead, once per request for every window.
 */
@Injectable()
export class RateLimitStorage implements ThrottlerStorage, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  readonly memory = new MemoryRateLimitStore();
  private redis?: RedisClient;
  private shared?: RedisRateLimitStore;
  private openUntil = 0;
  private down = false;
  private initialized = false;

  constructor(
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** `redis` when counting in Redis, `local` without Redis, `local-redis-down` while falling back. */
  get sharing(): RateLimitSharing {
    if (!this.shared) return 'local';
    return this.down ? 'local-redis-down' : 'redis';
  }

  async onModuleInit(): Promise<void> {
    // Also reached through @nestjs/throttler's storage provider, which hands out this same instance.
    if (this.initialized) return;
    this.initialized = true;
    this.registerGauge();
    const { redisTimeoutMs, redisKeyPrefix } = this.config.rateLimit;
    this.redis = createRedisClient(this.config, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: redisTimeoutMs,
      connectTimeout: 5000,
      retryStrategy: () => 500,
    });
    if (!this.redis) return;
    // Connection errors are reported once, as a state change, by the breaker.
    this.redis.on('error', () => undefined);
    this.shared = new RedisRateLimitStore(this.redis, redisKeyPrefix);
    try {
      // Boot waits (briefly) for Redis, so the first requests already share; ioredis keeps reconnecting after.
      await this.withTimeout(this.redis.connect(), 5000);
      // Loaded now, so the first request's EVALSHA does not need a second round trip.
      await this.withTimeout(this.shared.load(), 5000);
    } catch (error) {
      this.markDown(error as Error, Date.now());
    }
  }

  async onModuleDestroy(): Promise<void> {
    const client = this.redis;
    this.redis = undefined;
    if (!client) return;
    try {
      await client.quit();
    } catch {
      client.disconnect();
    }
  }

  /** Checks and counts every window of one request at once (see RateLimitStore). */
  async consume(windows: WindowRequest[], now = Date.now(), timeoutMs?: number): Promise<ConsumeResult> {
    const store = this.currentStore(now);
    if (store === this.memory) return this.memory.consumeSync(windows, now);
    try {
      const result = await this.withTimeout(store.consume(windows, now), timeoutMs);
      this.markUp();
      return result;
    } catch (error) {
      this.markDown(error as Error, now);
      return this.memory.consumeSync(windows, now);
    }
  }

  /** Forgets counters whose keys start with `keyPrefix`, in Redis and in this instance. */
  async reset(keyPrefix: string): Promise<number> {
    const local = await this.memory.reset(keyPrefix);
    if (!this.shared) return local;
    return this.withTimeout(this.shared.reset(keyPrefix), 5000);
  }

  /** @nestjs/throttler's storage contract: one window per call. */
  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const result = await this.consume([{ key: `throttler:${throttlerName}:${key}`, policy: throttlerName, limit, windowMs: ttl, cost: 1 }]);
    const window = result.windows[0];
    const seconds = Math.ceil(window.resetMs / 1000);
    return {
      totalHits: result.allowed ? window.count : window.count + 1,
      timeToExpire: seconds,
      isBlocked: !result.allowed,
      timeToBlockExpire: result.allowed ? 0 : Math.max(seconds, Math.ceil(blockDuration / 1000)),
    };
  }

  /** `rate_limit_shared` in /metrics, where the app has metrics (the CLI has none). */
  private registerGauge(): void {
    let metrics: MetricsService;
    try {
      metrics = this.moduleRef.get(MetricsService, { strict: false });
    } catch {
      return;
    }
    const sharing = (): RateLimitSharing => this.sharing;
    new Gauge({
      name: 'rate_limit_shared',
      help: 'Whether rate-limit counters are shared through Redis (1) or counted per instance (0)',
      registers: [metrics.registry],
      collect(this: Gauge) {
        this.set(sharing() === 'redis' ? 1 : 0);
      },
    });
  }

  private currentStore(now: number): RateLimitStore {
    if (!this.shared || !this.redis) return this.memory;
    if (this.down && now < this.openUntil) return this.memory;
    if (this.redis.status !== 'ready') {
      if (!this.down) this.markDown(new Error(`connection ${this.redis.status}`), now);
      else this.openUntil = now + this.config.rateLimit.redisBreakerSeconds * 1000;
      return this.memory;
    }
    return this.shared;
  }

  private markDown(error: Error, now: number): void {
    this.openUntil = now + this.config.rateLimit.redisBreakerSeconds * 1000;
    if (this.down) return;
    this.down = true;
    const why = error instanceof RedisTimeoutError ? error.message : `failed: ${error.message}`;
    this.logger.warn(
      `redis ${why}; counting rate limits per instance, retrying Redis every ${this.config.rateLimit.redisBreakerSeconds}s`,
    );
  }

  private markUp(): void {
    if (!this.down) return;
    this.down = false;
    this.memory.clear();
    this.logger.log('redis is back: rate limits are shared again');
  }

  private withTimeout<T>(promise: Promise<T>, ms = this.config.rateLimit.redisTimeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RedisTimeoutError(`did not answer within ${ms} ms`)), ms);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
