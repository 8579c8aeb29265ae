import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, BroadcastService } from '@aero/core';

/** Redis channel on which instances announce ended sessions. */
export const SESSIONS_ENDED_CHANNEL = 'aero:sessions:ended';

/**
 * Sessions ended before their access tokens expire (logout, reuse detection, password or role change,
 * disable), remembered in memory for one access-token lifetime so the guard rejects those tokens at once
 * without a database read. With REDIS_URL the news reaches every instance within milliseconds; without
 * it, other instances refuse such tokens when they expire (JWT_ACCESS_TTL_SECONDS, 15 min by default).
 */
@Injectable()
export class SessionRevocations {
  private readonly logger = new Logger(SessionRevocations.name);
  private readonly endedUntil = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly broadcast: BroadcastService,
  ) {
    broadcast.subscribe(SESSIONS_ENDED_CHANNEL, (message) => this.receive(message));
  }

  /** Whether ended sessions are shared with other instances right now. */
  get shared(): boolean {
    return this.broadcast.shared;
  }

  end(sessionIds: Iterable<string>, now = Date.now()): void {
    const ids = [...sessionIds];
    if (ids.length === 0) return;
    const until = now + this.config.jwt.accessTtlSeconds * 1000;
    this.remember(ids, until, now);
    void this.broadcast.publish(SESSIONS_ENDED_CHANNEL, JSON.stringify({ ids, until }));
  }

  isEnded(sessionId: string, now = Date.now()): boolean {
    const until = this.endedUntil.get(sessionId);
    return until !== undefined && until > now;
  }

  private receive(message: string): void {
    try {
      const { ids, until } = JSON.parse(message) as { ids?: unknown; until?: unknown };
      if (!Array.isArray(ids) || typeof until !== 'number') return;
      // Never trust a far-future date from the wire beyond one token lifetime.
      const cap = Date.now() + this.config.jwt.accessTtlSeconds * 1000;
      this.remember(
        ids.filter((id): id is string => typeof id === 'string'),
        Math.min(until, cap),
        Date.now(),
      );
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
