import { Injectable } from '@nestjs/common';
import { AppError } from '@aero/core';
import { EventsService } from '@aero/events';
import { holderSubject } from './access';
import { BookingsProblems } from './bookings.errors';
import { BookingsRepository } from './bookings.repository';
import type { HoldEntity } from './hold.entity';
import { toHoldResponse } from './hold-response';
import type { SessionEntity } from './session.entity';

/**
 * Taking and giving back places. Places are only ever taken by the repository's single conditional UPDATE
 * (`booked + n <= capacity AND status = 'scheduled'`); this class adds the rules around it. Call inside
 * `TransactionService.run`.
 */
/** Expiry is the clock's doing, whoever's request or sweep noticed it. */
const HOLD_EXPIRY = { kind: 'system', id: 'hold-expiry' } as const;

@Injectable()
export class CapacityService {
  constructor(
    private readonly repo: BookingsRepository,
    private readonly events: EventsService,
  ) {}

  /**
   * Takes `n` places or throws 409: session-cancelled, session-over, or session-full with `remaining`.
   * When the session looks full, lapsed holds on it are released first (the read-time check), then it
   * tries once more.
   */
  async take(session: SessionEntity, n: number, now: Date): Promise<void> {
    if (session.status === 'cancelled') {
      throw new AppError(BookingsProblems.sessionCancelled, 'This session was cancelled.');
    }
    if (new Date(session.endsAt) <= now) {
      throw new AppError(BookingsProblems.sessionOver, 'This session has already ended.');
    }
    if (await this.repo.takePlaces(session.id, n, now)) return;
    if ((await this.expireLapsed(session.id, now)) > 0 && (await this.repo.takePlaces(session.id, n, now)))
      return;
    const current = await this.repo.findSession(session.id);
    if (!current || current.status === 'cancelled') {
      throw new AppError(BookingsProblems.sessionCancelled, 'This session was cancelled.');
    }
    const remaining = Math.max(0, current.capacity - current.booked);
    throw new AppError(
      BookingsProblems.sessionFull,
      remaining === 0
        ? 'The session is full.'
        : `Only ${remaining} place${remaining === 1 ? '' : 's'} left; ${n} requested.`,
      { remaining, requested: n },
    );
  }

  /** Expires the lapsed holds of one session, giving their places back; returns how many. */
  async expireLapsed(sessionId: string, now: Date): Promise<number> {
    let count = 0;
    for (const hold of await this.repo.lapsedHolds(now, 1000, sessionId))
      if (await this.expire(hold, now)) count++;
    return count;
  }

  /** Expires the lapsed holds of one holder (by owner key), giving their places back; returns how many. */
  async expireLapsedOf(ownerKey: string, now: Date): Promise<number> {
    let count = 0;
    for (const hold of await this.repo.lapsedHoldsOf(ownerKey, now, 1000)) if (await this.expire(hold, now)) count++;
    return count;
  }

  release(sessionId: string, n: number, now: Date): Promise<void> {
    return this.repo.releasePlaces(sessionId, n, now);
  }

  /**
   * Expires an active hold and gives its places (and its holder's open-hold count and allowance) back,
   * once. Returns whether this call did it. Holder, then allowance, then session: the lock order of every
   * write here.
   */
  async expire(hold: HoldEntity, now: Date): Promise<boolean> {
    if (!(await this.repo.transitionHold(hold.id, 'active', 'expired'))) return false;
    await this.repo.releaseOpenHold(hold.ownerKey);
    await this.repo.releaseAllowance(hold.sessionId, holderSubject(hold.ownerKey), hold.quantity);
    await this.repo.releasePlaces(hold.sessionId, hold.quantity, now);
    // Every way a hold expires passes here (the sweeper, or making room at read time): one event each.
    const data = toHoldResponse({ ...hold, status: 'expired' }, now);
    await this.events.record('hold.expired', { venueId: hold.venueId, actor: HOLD_EXPIRY, data });
    return true;
  }
}
