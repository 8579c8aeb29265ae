import { Injectable, Optional } from '@nestjs/common';
import { AppConfig, BroadcastService, RateLimitStorage } from '@aero/core';
import type { ApiKeyEntity } from './api-key.entity';

/** Redis channel on which every instance announces keys whose cached state is stale. */
export const INVALIDATION_CHANNEL = 'aero:api-keys:invalidate';
/** Cache lifetime while subscribed to Redis: messages do the work, the TTL only bounds a lost message. */
export const SUBSCRIBED_TTL_SECONDS = 60;

interface Entry {
  /** null remembers "no such key" so unknown ids cannot make every request hit the database. */
  key: ApiKeyEntity | null;
  cachedAt: number;
}

/**
 * In-process cache of API key rows, so verifying a known key costs no database query. A change
 * (revoke, rotate, disable, scope change) drops the entry here at once and, through Redis pub/sub when
 * REDIS_URL is set, in every other instance within milliseconds. Without Redis (or while it is
 * unreachable) entries live only API_KEY_CACHE_TTL_SECONDS (5 s by default), which bounds staleness
 * elsewhere. "Unreachable" includes a Redis whose connection stays open but answers nothing (a partition,
 * a stalled server): the rate limiter's breaker sees that, and the short lifetime then applies at once to
 * every entry, however long ago it was cached.
 */
@Injectable()
export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly config: AppConfig,
    private readonly broadcast: BroadcastService,
    @Optional() private readonly limits?: RateLimitStorage,
  ) {
    broadcast.subscribe(INVALIDATION_CHANNEL, (id) => this.entries.delete(id));
    // Invalidations may have been missed while disconnected: forget everything (and while disconnected,
    // entries live only the short TTL).
    broadcast.onConnectionChange(() => this.entries.clear());
  }

  /** Whether invalidations currently arrive from other instances through Redis. */
  get sharedInvalidation(): boolean {
    return this.broadcast.shared;
  }

  get ttlSeconds(): number {
    const subscribed = this.broadcast.shared && this.limits?.sharing !== 'local-redis-down';
    return subscribed ? SUBSCRIBED_TTL_SECONDS : this.config.apiKeys.cacheTtlSeconds;
  }

  /** The cached row (null: known not to exist), or undefined on a miss. */
  get(id: string, now = Date.now()): ApiKeyEntity | null | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    // The lifetime that applies now, not when it was cached: it shortens as soon as Redis is unreachable.
    if (now - entry.cachedAt >= this.ttlSeconds * 1000) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.key;
  }

  set(id: string, key: ApiKeyEntity | null, now = Date.now()): void {
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(id, { key, cachedAt: now });
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Drops the key here and tells the other instances. */
  async invalidate(id: string): Promise<void> {
    this.entries.delete(id);
    await this.broadcast.publish(INVALIDATION_CHANNEL, id);
  }
}
