import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, BroadcastService } from '@aero/core';
import { SessionRevocationEntity } from './session-revocation.entity';
import { SessionRevocationsRepository } from './session-revocations.repository';

/** Redis channel on which instances announce ended sessions. */
export const SESSIONS_ENDED_CHANNEL = 'aero:sessions:ended';
/**
 * How far back each catch-up reads before its last known point: covers a revoking transaction that
 * commits after it stamped `revoked_at`, and clocks of instances that differ by up to this much.
 */
export const CATCH_UP_OVERLAP_MS = 60_000;
/** Old revocations are deleted at most this often by each instance (not on every poll). */
export const PRUNE_INTERVAL_MS = 10 * 60_000;

/**
 * Sessions ended before their access tokens expire (logout, reuse detection, password or role change,
 * disable, deletion). The guard asks `isEnded` on every request: a Map lookup, never a query.
 *
 * How every instance learns of them:
 * - each revocation is a row of `session_revocations`, written in the transaction that ends the session,
 *   so an instance started (or restarted) later loads it at boot;
 * - through Redis pub/sub when REDIS_URL is set: other instances know within milliseconds; when Redis
 *   comes back after an outage (or first becomes reachable), the instance re-reads what it missed;
 * - a background poll every AUTH_REVOCATIONS_POLL_SECONDS (2 s) reads the rows recorded since its last
 *   read, which bounds the delay at about that interval even without Redis or with a lost message.
 * Rows and memory entries live one access-token lifetime (plus the overlap), then are pruned.
 */
@Injectable()
export class SessionRevocations {
  private readonly logger = new Logger(SessionRevocations.name);
  private readonly endedUntil = new Map<string, number>();
  /** Local time at which the last successful catch-up started; undefined until the boot load. */
  private knownUntil?: number;
  private lastPrune = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly broadcast: BroadcastService,
    private readonly rows: SessionRevocationsRepository,
  ) {
    broadcast.subscribe(SESSIONS_ENDED_CHANNEL, (message) => this.receive(message));
    // Messages published while we were not subscribed are lost: read them from the database.
    broadcast.onConnectionChange((shared) => {
      if (shared && this.timer) void this.catchUp();
    });
  }

  /** Whether ended sessions are shared with other instances right now. */
  get shared(): boolean {
    return this.broadcast.shared;
  }

  /** The documented bound without Redis: how often the database is read for new revocations. */
  get pollIntervalMs(): number {
    return this.config.jwt.revocationsPollSeconds * 1000;
  }

  /**
   * Loads what is stored and keeps it current (poll, Redis reconnects). Started by the authentication
   * guard, so only an app that authenticates requests does it (not the CLI, which may run before the
   * table exists).
   */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.catchUp(), this.pollIntervalMs);
    this.timer.unref();
    await this.catchUp();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Ends these sessions of a user everywhere. Call it inside the transaction that ends them, so the
   * revocation is stored exactly when the sessions end; this instance refuses their tokens at once.
   */
  async end(userId: string, sessionIds: Iterable<string>, now = Date.now()): Promise<void> {
    const ids = [...new Set(sessionIds)];
    if (ids.length === 0) return;
    const until = now + this.lifetimeMs();
    await this.rows.insert(
      ids.map((sessionId) =>
        Object.assign(new SessionRevocationEntity(), {
          id: randomUUID(),
          sessionId,
          userId,
          revokedAt: new Date(now),
          expiresAt: new Date(until),
        }),
      ),
    );
    this.remember(ids, until);
    void this.broadcast.publish(SESSIONS_ENDED_CHANNEL, JSON.stringify({ ids, until }));
  }

  isEnded(sessionId: string, now = Date.now()): boolean {
    const until = this.endedUntil.get(sessionId);
    return until !== undefined && until > now;
  }

  /**
   * Reads from the database what this instance may have missed: everything still relevant at boot, then
   * what was recorded since the last successful read (minus an overlap). A failed read keeps the last
   * known point, so the next one covers the gap. Never runs twice at once.
   */
  catchUp(): Promise<void> {
    this.running ??= this.read().finally(() => (this.running = undefined));
    return this.running;
  }

  private async read(): Promise<void> {
    const startedAt = Date.now();
    const now = new Date(startedAt);
    try {
      const found =
        this.knownUntil === undefined
          ? await this.rows.findLive(now)
          : await this.rows.findRecordedSince(new Date(this.knownUntil - CATCH_UP_OVERLAP_MS), now);
      for (const row of found)
        this.endedUntil.set(
          row.sessionId,
          Math.max(this.endedUntil.get(row.sessionId) ?? 0, row.expiresAt.getTime()),
        );
      this.knownUntil = startedAt;
    } catch (error) {
      // Until a read succeeds, the next one starts over from everything still relevant.
      this.logger.warn(`could not read ended sessions, will retry: ${(error as Error).message}`);
      return;
    }
    this.forgetExpired(startedAt);
    if (startedAt - this.lastPrune >= PRUNE_INTERVAL_MS) {
      this.lastPrune = startedAt;
      await this.rows
        .deleteExpired(now)
        .catch((error: Error) => this.logger.warn(`could not prune ended sessions: ${error.message}`));
    }
  }

  /** One access-token lifetime, plus the overlap for clocks and commit delays. */
  private lifetimeMs(): number {
    return this.config.jwt.accessTtlSeconds * 1000 + CATCH_UP_OVERLAP_MS;
  }

  private receive(message: string): void {
    try {
      const { ids, until } = JSON.parse(message) as { ids?: unknown; until?: unknown };
      if (!Array.isArray(ids) || typeof until !== 'number') return;
      // Never trust a far-future date from the wire beyond one token lifetime.
      this.remember(
        ids.filter((id): id is string => typeof id === 'string'),
        Math.min(until, Date.now() + this.lifetimeMs()),
      );
    } catch {
      this.logger.warn('ignored a malformed ended-sessions message');
    }
  }

  private remember(ids: string[], until: number): void {
    for (const id of ids) this.endedUntil.set(id, Math.max(this.endedUntil.get(id) ?? 0, until));
  }

  private forgetExpired(now: number): void {
    for (const [id, until] of this.endedUntil) if (until <= now) this.endedUntil.delete(id);
  }
}
