import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '@aero/core';

/** Redis channel on which instances announce ended sessions. */
export const SESSIONS_ENDED_CHANNEL = 'aero:sessions:ended';

/**
 * Sessions ended before their access tokens expire (logout, reuse detection, password or role change,
 * disable), remembered in memory for one access-token lifetime so the guard rejects those tokens at once
 * without a database read. With REDIS_URL the news reaches every instance within milliseconds; without
 * it, other instances refuse such tokens when they expire (JWT_ACCESS_TTL_SECONDS, 15 min by default).
 */
@Injectable()
export class SessionRevocations implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SessionRevocations.name);
  private readonly endedUntil = new Map<string, number>();
  private publisher?: Redis;
  private subscriber?: Redis;
  private subscribed = false;

  constructor(private readonly config: AppConfig) {}

  /** Whether ended sessions are shared with other instances right now. */
  get shared(): boolean {
    return this.subscribed;
  }

  end(sessionIds: Iterable<string>, now = Date.now()): void {
    const ids = [...sessionIds];
    if (ids.length === 0) return;
    const until = now + this.config.jwt.accessTtlSeconds * 1000;
    this.remember(ids, until, now);
    this.publisher?.publish(SESSIONS_ENDED_CHANNEL, JSON.stringify({ ids, until })).catch((error: Error) => {
      this.logger.warn(`could not publish ended sessions: ${error.message}`);
    });
  }

  isEnded(sessionId: string, now = Date.now()): boolean {
    const until = this.endedUntil.get(sessionId);
    return until !== undefined && until > now;
  }

  async onModuleInit(): Promise<void> {
    const url = this.config.redisUrl;
    if (!url) return;
    this.publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.subscriber = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.logger.warn(`redis: ${error.message}`));
    }
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    this.subscriber.on('close', () => (this.subscribed = false));
    this.subscriber.on('ready', () => (this.subscribed = true));
    try {
      await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
      await this.subscriber.subscribe(SESSIONS_ENDED_CHANNEL);
      this.subscribed = true;
    } catch (error) {
      this.logger.warn(`redis unavailable, ended sessions stay local: ${(error as Error).message}`);
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

  private receive(message: string): void {
    try {
      const { ids, until } = JSON.parse(message) as { ids?: unknown; until?: unknown };
      if (!Array.isArray(ids) || typeof until !== 'number') return;
      // Never trust a far-future date from the wire beyond one token lifetime.
      const cap = Date.now() + this.config.jwt.accessTtlSeconds * 1000;
      this.remember(ids.filter((id): id is string => typeof id === 'string'), Math.min(until, cap), Date.now());
    } catch {
      this.logger.warn('ignored a malformed ended-sessions message');
    }
  }

  private remember(ids: string[], until: number, now: number): void {
    for (const id of ids) this.endedUntil.set(id, until);
    if (this.endedUntil.size > 10_000) {
      for (const [id, end] of this.endedUntil) if (end <= now) this.endedUntil.delete(id);
    }
  }
}
