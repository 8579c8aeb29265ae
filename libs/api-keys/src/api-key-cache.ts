import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '@aero/core';
import type { ApiKeyEntity } from './api-key.entity';

/** Redis channel on which every instance announces keys whose cached state is stale. */
export const INVALIDATION_CHANNEL = 'aero:api-keys:invalidate';
/** Cache lifetime while subscribed to Redis: messages do the work, the TTL only bounds a lost message. */
export const SUBSCRIBED_TTL_SECONDS = 60;

interface Entry {
  /** null remembers "no such key" so unknown ids cannot make every request hit the database. */
  key: ApiKeyEntity | null;
  expiresAt: number;
}

/**
 * In-process cache of API key rows, so verifying a known key costs no database query. A change
 * (revoke, rotate, disable, scope change) drops the entry here at once and, through Redis pub/sub when
 * REDIS_URL is set, in every other instance within milliseconds. Without Redis (or while it is
 * unreachable) entries live only API_KEY_CACHE_TTL_SECONDS (5 s by default), which bounds staleness
 * elsewhere.
 */
@Injectable()
export class ApiKeyCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ApiKeyCache.name);
  private readonly entries = new Map<string, Entry>();
  private publisher?: Redis;
  private subscriber?: Redis;
  private subscribed = false;

  constructor(private readonly config: AppConfig) {}

  /** Whether invalidations currently arrive from other instances through Redis. */
  get sharedInvalidation(): boolean {
    return this.subscribed;
  }

  get ttlSeconds(): number {
    return this.subscribed ? SUBSCRIBED_TTL_SECONDS : this.config.apiKeys.cacheTtlSeconds;
  }

  /** The cached row (null: known not to exist), or undefined on a miss. */
  get(id: string, now = Date.now()): ApiKeyEntity | null | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.key;
  }

  set(id: string, key: ApiKeyEntity | null, now = Date.now()): void {
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(id, { key, expiresAt: now + this.ttlSeconds * 1000 });
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Drops the key here and tells the other instances. */
  async invalidate(id: string): Promise<void> {
    this.entries.delete(id);
    if (!this.publisher) return;
    try {
      await this.publisher.publish(INVALIDATION_CHANNEL, id);
    } catch (error) {
      this.logger.warn(`could not publish an API key invalidation: ${(error as Error).message}`);
    }
  }

  async onModuleInit(): Promise<void> {
    const url = this.config.redisUrl;
    if (!url) return;
    const options = { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false };
    this.publisher = new Redis(url, options);
    this.subscriber = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.logger.warn(`redis: ${error.message}`));
    }
    this.subscriber.on('message', (_channel: string, id: string) => this.entries.delete(id));
    // Messages may have been missed while disconnected: forget everything and fall back to the short TTL.
    this.subscriber.on('close', () => {
      this.subscribed = false;
      this.entries.clear();
    });
    this.subscriber.on('ready', () => {
      this.entries.clear();
      this.subscribed = true;
    });
    try {
      await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
      await this.subscriber.subscribe(INVALIDATION_CHANNEL);
      this.subscribed = true;
    } catch (error) {
      this.logger.warn(`redis unavailable, API key cache falls back to a ${this.config.apiKeys.cacheTtlSeconds} s lifetime: ${(error as Error).message}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.subscribed = false;
    for (const client of [this.subscriber, this.publisher]) {
      if (!client) continue;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    }
  }
}
