import { randomUUID } from 'node:crypto';
import type { BeforeApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { RateLimitConfig } from '../config/app-config';
import { dialectErrors } from '../database/dialect';
import { MetricsService } from '../metrics/metrics.service';
import type { RedisClient } from '../shared-state/redis-client';
import { createRedisClient } from '../shared-state/redis-client';
import { MemoryRateLimitStore } from './memory-rate-limit.store';
import { QuotaLedger } from './quota-ledger';
import type { WindowFloor } from './redis-rate-limit.store';
import { RedisRateLimitStore } from './redis-rate-limit.store';
import type { ConsumeResult, WindowRequest, WindowState } from './rate-limit.types';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

export type RateLimitSharing = 'redis' | 'local' | 'local-redis-down';

/** Why a request was decided without Redis (the `reason` label of `rate_limit_fallbacks_total`). */
export type FallbackReason = 'timeout' | 'error' | 'unavailable' | 'breaker_open';

class RedisTimeoutError extends Error {}

/** Each instance announces itself this often while Redis is up; an instance silent for LIVE_MS is gone. */
const HEARTBEAT_MS = 2000;
const LIVE_MS = 10_000;
/** Known windows are swept once the map holds this many. */
const SWEEP_SIZE = 20_000;

/** What this instance knows of one window: the count Redis last answered, and what it counted alone since. */
interface Known {
  /** The window's count as Redis last answered it (or the stored quota count, for a quota met without Redis). */
  shared: number;
  /** Local time at which the window resets. */
  resetAt: number;
  /** Units this instance let through on its own (Redis unreachable) and has not yet added to Redis. */
  local: number;
}

const DEFAULTS: Pick<RateLimitConfig, 'redisBreakerFailures' | 'expectedInstances' | 'quotaFlushMs'> = {
  redisBreakerFailures: 3,
  expectedInstances: 1,
  quotaFlushMs: 1000,
};

/**
 * Where the counters live. Without REDIS_URL: this instance's memory (monthly quotas also in the database).
 * With it: Redis, one atomic call per request, so every instance spends one budget.
 *
 * Redis trouble, as an SRE expects it:
 * - a call not answered within RATE_LIMIT_REDIS_TIMEOUT_MS (or failing) decides that one request locally
 *   (counted here too: a late call Redis still runs is counted twice at worst, never zero times);
 *   only RATE_LIMIT_REDIS_BREAKER_FAILURES such calls in a row, or a lost connection, open the breaker;
 * - while open (RATE_LIMIT_REDIS_BREAKER_SECONDS, then Redis is tried again), each instance serves its share
 *   of what was left of each window when Redis went away: (limit − count last known) ÷ N, N being the number
 *   of instances its heartbeat saw in Redis (at least RATE_LIMIT_EXPECTED_INSTANCES). It never restarts a
 *   window from zero, so the instances together stay within the limit;
 * - when Redis answers again, what each instance counted alone is added to Redis's counters;
 * - when Redis lost a counter (flushed, restarted, failed over), the window resumes from the count this
 *   instance last knew, and a monthly quota from its durable count in the database (QuotaLedger).
 * Each change of mode is logged once; /metrics has the mode, the fallbacks by reason and the instance count.
 *
 * Also fulfils @nestjs/throttler's storage contract (`increment`, one window per call) for the package's own
 * guard; the API's RateLimitGuard calls `consume` instead, once per request for every window.
 */
@Injectable()
export class RateLimitStorage implements ThrottlerStorage, OnModuleInit, BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  readonly memory = new MemoryRateLimitStore();
  readonly instanceId = randomUUID();
  private readonly known = new Map<string, Known>();
  private readonly ledger: QuotaLedger;
  private redis?: RedisClient;
  private shared?: RedisRateLimitStore;
  private openUntil = 0;
  private down = false;
  private failures = 0;
  private initialized = false;
  private instances = 1;
  private heartbeatTimer?: NodeJS.Timeout;
  private flushTimer?: NodeJS.Timeout;
  private merging?: Promise<void>;
  private fallbacks?: Counter;

  constructor(
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {
    let source: DataSource | undefined;
    let looked = false;
    const dataSource = (): DataSource | undefined => {
      if (!looked) {
        looked = true;
        try {
          source = this.moduleRef.get(DataSource, { strict: false });
        } catch {
          source = undefined;
        }
      }
      return source;
    };
    this.ledger = new QuotaLedger(dataSource, config.db?.type ? dialectErrors(config.db.type) : undefined);
  }

  private get settings(): RateLimitConfig {
    return { ...DEFAULTS, ...this.config.rateLimit };
  }

  /** `redis` when counting in Redis, `local` without Redis, `local-redis-down` while falling back. */
  get sharing(): RateLimitSharing {
    if (!this.shared) return 'local';
    return this.down ? 'local-redis-down' : 'redis';
  }

  /** Instances sharing the limits, as the heartbeat last saw them (at least the configured number). */
  get instanceCount(): number {
    return Math.max(this.instances, this.settings.expectedInstances);
  }

  async onModuleInit(): Promise<void> {
    // Also reached through @nestjs/throttler's storage provider, which hands out this same instance.
    if (this.initialized) return;
    this.initialized = true;
    this.registerMetrics();
    this.flushTimer = setInterval(() => void this.ledger.flush(), this.settings.quotaFlushMs);
    this.flushTimer.unref();
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
      await this.heartbeat();
    } catch (error) {
      this.markDown(error as Error, Date.now());
    }
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  /** Before the database closes: write the quota counts this instance still holds. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.ledger.flush();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.flushTimer);
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
    // Awaited only when this instance meets a quota for the first time: no promise on the usual path.
    const missing = this.ledger.enabled ? this.unknownQuotas(windows) : undefined;
    if (missing) await this.ledger.load(missing, now);
    if (!this.shared || !this.redis) return this.counted(this.memoryConsume(windows, now), now);
    const reason = this.unavailable(now);
    if (reason) return this.fallback(windows, now, reason);
    try {
      const floors = windows.map((window) => this.floorOf(window, now));
      const result = await this.withTimeout(this.shared.consume(windows, now, floors), timeoutMs);
      this.markUp(now);
      this.remember(result, now);
      return this.counted(result, now);
    } catch (error) {
      const timedOut = error instanceof RedisTimeoutError || /timed? ?out/i.test((error as Error).message);
      this.failed(error as Error, now);
      // Counted here too, even when Redis may still count the late call: twice at worst, never zero times.
      // Redis's next answer replaces this view unless the breaker opened (then it is added to Redis later).
      return this.fallback(windows, now, timedOut ? 'timeout' : 'error');
    }
  }

  /** Forgets counters whose keys start with `keyPrefix`, in Redis and in this instance. */
  async reset(keyPrefix: string): Promise<number> {
    const local = await this.memory.reset(keyPrefix);
    for (const key of this.known.keys()) if (key.startsWith(keyPrefix)) this.known.delete(key);
    // A monthly quota's stored count goes too, or it would come back when Redis next loses its data.
    if (this.ledger.enabled) await this.ledger.reset(keyPrefix);
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

  /** Writes the monthly quotas' counts now (tests, shutdown); the timer does it every RATE_LIMIT_QUOTA_FLUSH_MS. */
  flushQuotas(): Promise<void> {
    return this.ledger.flush();
  }

  /** Without Redis: the memory store, with a monthly quota starting from its stored count. */
  private memoryConsume(windows: WindowRequest[], now: number): ConsumeResult {
    if (this.ledger.enabled) {
      for (const window of windows) if (window.durable) this.memory.raiseTo(window.key, this.ledger.known(window.key) ?? 0, window.windowMs, now);
    }
    return this.memory.consumeSync(windows, now);
  }

  /** An allowed request's quota units, for the database. */
  private counted(result: ConsumeResult, now: number): ConsumeResult {
    if (!result.allowed || !this.ledger.enabled) return result;
    for (const state of result.windows) {
      const { durable, cost, key } = state.request;
      if (durable && cost !== 0) this.ledger.add(key, durable, cost, now);
    }
    return result;
  }

  private unknownQuotas(windows: WindowRequest[]): string[] | undefined {
    let missing: string[] | undefined;
    for (const window of windows) {
      if (window.durable && this.ledger.known(window.key) === undefined) (missing ??= []).push(window.key);
    }
    return missing;
  }

  /** Why Redis is not to be asked now, if it is not. */
  private unavailable(now: number): FallbackReason | undefined {
    if (this.down && now < this.openUntil) return 'breaker_open';
    if (this.redis?.status !== 'ready') {
      // A lost connection is a dead Redis, not a slow one: open the breaker at once.
      if (!this.down) this.markDown(new Error(`connection ${this.redis?.status ?? 'closed'}`), now);
      else this.openUntil = now + this.config.rateLimit.redisBreakerSeconds * 1000;
      return 'unavailable';
    }
    return undefined;
  }

  /** Counts one failed call; opens the breaker after enough in a row. */
  private failed(error: Error, now: number): void {
    this.failures++;
    if (this.down || this.failures >= this.settings.redisBreakerFailures) this.markDown(error, now);
  }

  /** Where each window resumes should Redis no longer have it: the count this instance last knew. */
  private floorOf(window: WindowRequest, now: number): WindowFloor | undefined {
    const known = this.known.get(window.key);
    let count = known && known.resetAt > now ? known.shared + known.local : 0;
    let remainingMs = known && known.resetAt > now ? known.resetAt - now : window.windowMs;
    if (window.durable) {
      count = Math.max(count, this.ledger.known(window.key) ?? 0);
      remainingMs = window.windowMs;
    }
    return count > 0 ? { count, remainingMs } : undefined;
  }

  /** What Redis answered, kept as this instance's view of each window. */
  private remember(result: ConsumeResult, now: number): void {
    if (this.known.size > SWEEP_SIZE) this.sweep(now);
    for (const state of result.windows) {
      const entry = this.known.get(state.request.key);
      // Counted alone and being added to Redis right now: the merge sets the count.
      if (entry && entry.local > 0 && this.merging) continue;
      if (entry) {
        entry.shared = state.count;
        entry.resetAt = now + state.resetMs;
        entry.local = 0;
      } else {
        this.known.set(state.request.key, { shared: state.count, resetAt: now + state.resetMs, local: 0 });
      }
    }
  }

  /** Decides a request without Redis: each window allows this instance its share of what was left. */
  private fallback(windows: WindowRequest[], now: number, reason: FallbackReason): ConsumeResult {
    this.fallbacks?.inc({ reason });
    const divisor = this.instanceCount;
    const entries: Known[] = [];
    const allowances: number[] = [];
    let allowed = true;
    for (const window of windows) {
      let entry = this.known.get(window.key);
      if (!entry || entry.resetAt <= now) {
        const stored = window.durable ? (this.ledger.known(window.key) ?? 0) : 0;
        entry = { shared: stored, resetAt: now + window.windowMs, local: 0 };
        if (window.cost > 0) this.known.set(window.key, entry);
      }
      const allowance = Math.floor(Math.max(0, window.limit - entry.shared) / divisor);
      entries.push(entry);
      allowances.push(allowance);
      if (window.cost > 0 && entry.local + window.cost > allowance) allowed = false;
    }
    const states: WindowState[] = windows.map((request, i) => {
      const entry = entries[i];
      if (allowed && request.cost !== 0) entry.local = Math.max(0, entry.local + request.cost);
      // Shown as the limit minus what this instance may still serve.
      const used = request.limit - Math.max(0, allowances[i] - entry.local);
      return { request, count: used, resetMs: entry.resetAt - now };
    });
    return this.counted({ allowed, windows: states }, now);
  }

  private markDown(error: Error, now: number): void {
    this.openUntil = now + this.config.rateLimit.redisBreakerSeconds * 1000;
    if (this.down) return;
    this.down = true;
    const why = error instanceof RedisTimeoutError ? error.message : `failed: ${error.message}`;
    this.logger.warn(
      `redis ${why}; each instance now serves 1/${this.instanceCount} of what is left of each limit, ` +
        `retrying Redis every ${this.config.rateLimit.redisBreakerSeconds}s`,
    );
  }

  private markUp(now: number): void {
    this.failures = 0;
    if (!this.down) return;
    this.down = false;
    this.logger.log('redis is back: rate limits are shared again; adding what was counted meanwhile');
    this.merging ??= this.mergeLocal(now).finally(() => (this.merging = undefined));
  }

  /** Adds to Redis what each window counted here while Redis was unreachable. */
  private async mergeLocal(now: number): Promise<void> {
    const shared = this.shared;
    if (!shared) return;
    let merged = 0;
    for (const [key, entry] of this.known) {
      if (entry.local === 0) continue;
      if (entry.resetAt <= now) {
        entry.local = 0;
        continue;
      }
      try {
        entry.shared = await this.withTimeout(shared.merge(key, entry.local, entry.shared, entry.resetAt - now), 5000);
        entry.local = 0;
        merged++;
      } catch (error) {
        this.logger.warn(`could not add local counts to Redis (kept for the next attempt): ${(error as Error).message}`);
        return;
      }
    }
    if (merged > 0) this.logger.log(`added ${merged} window(s) counted without Redis to Redis`);
  }

  private async heartbeat(): Promise<void> {
    const shared = this.shared;
    if (!shared || this.redis?.status !== 'ready') return;
    try {
      const count = await this.withTimeout(shared.heartbeat(this.instanceId, Date.now(), LIVE_MS), 5000);
      // Kept through an outage: the instances that were there share what is left.
      if (count > 0) this.instances = count;
    } catch {
      // The breaker reports Redis trouble; a missed heartbeat keeps the last count.
    }
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.known) if (entry.resetAt <= now) this.known.delete(key);
  }

  /** Mode, fallbacks and instances in /metrics, where the app has metrics (the CLI has none). */
  private registerMetrics(): void {
    let metrics: MetricsService;
    try {
      metrics = this.moduleRef.get(MetricsService, { strict: false });
    } catch {
      return;
    }
    const sharing = (): RateLimitSharing => this.sharing;
    const instances = (): number => this.instanceCount;
    const unflushed = (): number => this.ledger.unflushed;
    new Gauge({
      name: 'rate_limit_shared',
      help: 'Whether rate-limit counters are shared through Redis (1) or counted per instance (0)',
      registers: [metrics.registry],
      collect(this: Gauge) {
        this.set(sharing() === 'redis' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'rate_limit_mode',
      help: "This instance's limiter mode: 1 for the current one (redis, local without Redis, fallback while Redis is unreachable)",
      labelNames: ['mode'],
      registers: [metrics.registry],
      collect(this: Gauge) {
        const mode = sharing();
        this.set({ mode: 'redis' }, mode === 'redis' ? 1 : 0);
        this.set({ mode: 'local' }, mode === 'local' ? 1 : 0);
        this.set({ mode: 'fallback' }, mode === 'local-redis-down' ? 1 : 0);
      },
    });
    this.fallbacks = new Counter({
      name: 'rate_limit_fallbacks_total',
      help: 'Requests decided without Redis, by reason (timeout, error, unavailable, breaker_open)',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
    for (const reason of ['timeout', 'error', 'unavailable', 'breaker_open']) this.fallbacks.inc({ reason }, 0);
    new Gauge({
      name: 'rate_limit_instances',
      help: 'Instances each limit is shared between while Redis is unreachable (seen by the heartbeat, at least RATE_LIMIT_EXPECTED_INSTANCES)',
      registers: [metrics.registry],
      collect(this: Gauge) {
        this.set(instances());
      },
    });
    new Gauge({
      name: 'rate_limit_quota_unflushed',
      help: 'Monthly-quota units counted by this instance and not yet written to the database',
      registers: [metrics.registry],
      collect(this: Gauge) {
        this.set(unflushed());
      },
    });
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
