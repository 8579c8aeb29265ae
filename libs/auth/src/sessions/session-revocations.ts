import { Injectable } from '@nestjs/common';
import { AppConfig } from '@aero/core';

/**
 * Sessions ended before their access tokens expire (logout, password change, disable), remembered in
 * memory for one access-token lifetime so the guard rejects those tokens at once without a database read.
 * In other instances such tokens stop working when they expire (JWT_ACCESS_TTL_SECONDS, 15 min default).
 */
@Injectable()
export class SessionRevocations {
  private readonly endedUntil = new Map<string, number>();

  constructor(private readonly config: AppConfig) {}

  end(sessionIds: Iterable<string>, now = Date.now()): void {
    const until = now + this.config.jwt.accessTtlSeconds * 1000;
    for (const id of sessionIds) this.endedUntil.set(id, until);
    if (this.endedUntil.size > 1000) this.sweep(now);
  }

  isEnded(sessionId: string, now = Date.now()): boolean {
    const until = this.endedUntil.get(sessionId);
    return until !== undefined && until > now;
  }

  private sweep(now: number): void {
    for (const [id, until] of this.endedUntil) if (until <= now) this.endedUntil.delete(id);
  }
}
