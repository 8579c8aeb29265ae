import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '@aero/auth';
import { canAccessVenue, isStaffOrAdmin } from '@aero/auth';
import { AppConfig, AppError, TransactionService } from '@aero/core';
import { isMemberScoped } from '@aero/members';
import { ownerKeyOf } from './access';
import { BookingsProblems } from './bookings.errors';
import { BookingsRepository } from './bookings.repository';
import { CapacityService } from './capacity.service';
import type { HoldCreateDto, HoldResponseDto } from './dto/hold.dto';
import { HoldEntity } from './hold.entity';
import { SessionsService } from './sessions.service';

/** Holds: places set aside for `BOOKINGS_HOLD_TTL_SECONDS` while a guest checks out. */
@Injectable()
export class HoldsService {
  private readonly logger = new Logger(HoldsService.name);

  constructor(
    private readonly repo: BookingsRepository,
    private readonly sessions: SessionsService,
    private readonly capacity: CapacityService,
    private readonly tx: TransactionService,
    private readonly config: AppConfig,
  ) {}

  async create(principal: Principal, dto: HoldCreateDto): Promise<HoldResponseDto> {
    return this.tx.run(async () => {
      const now = new Date();
      const { session, venue } = await this.sessions.findVisible(principal, dto.sessionId);
      if (!venue.active)
        throw new AppError(BookingsProblems.venueInactive, 'This venue is not taking bookings.');
      // One guest cannot sit on a session's places (OWASP API6): member users keep only a few holds each.
      const max = this.config.bookings.maxActivePerMemberSession;
      if (
        isMemberScoped(principal) &&
        (await this.repo.countLiveHolds(ownerKeyOf(principal), session.id, now)) >= max
      ) {
        throw new AppError(
          BookingsProblems.holdLimit,
          `You already hold places on this session ${max} time(s).`,
          { limit: max },
        );
      }
      await this.capacity.take(session, dto.quantity, now);
      const hold = Object.assign(new HoldEntity(), {
        id: randomUUID(),
        sessionId: session.id,
        venueId: session.venueId,
        quantity: dto.quantity,
        status: 'active',
        ownerKey: ownerKeyOf(principal),
        expiresAt: new Date(now.getTime() + this.config.bookings.holdTtlSeconds * 1000),
        createdAt: now,
      });
      await this.repo.insertHold(hold);
      return toHoldResponse(hold, now);
    });
  }

  /** Gives the places back. Idempotent: releasing a released, expired or converted hold changes nothing. */
  async release(principal: Principal, id: string): Promise<void> {
    await this.tx.run(async () => {
      const hold = await this.findUsable(principal, id);
      if (await this.repo.transitionHold(hold.id, 'active', 'released')) {
        await this.capacity.release(hold.sessionId, hold.quantity, new Date());
      }
    });
  }

  async get(principal: Principal, id: string): Promise<HoldResponseDto> {
    return toHoldResponse(await this.tx.read(() => this.findUsable(principal, id)), new Date());
  }

  /**
   * Expires every active hold past its expiry and gives its places back; each in its own short
   * transaction. Returns how many were expired. `now` is a parameter so tests can move time.
   */
  async sweepExpired(now = new Date(), batch = 500): Promise<number> {
    let expired = 0;
    for (;;) {
      const lapsed = await this.tx.read(() => this.repo.lapsedHolds(now, batch));
      for (const hold of lapsed) {
        if (await this.tx.run(() => this.capacity.expire(hold, now))) expired++;
      }
      if (lapsed.length < batch) break;
    }
    if (expired > 0) this.logger.log(`released ${expired} expired hold(s)`);
    return expired;
  }

  /** The hold if the caller made it, or works for its venue; 404 hold-not-found otherwise. */
  async findUsable(principal: Principal, id: string): Promise<HoldEntity> {
    const hold = await this.repo.findHold(id);
    const mine = hold && hold.ownerKey === ownerKeyOf(principal);
    const staff = hold && isStaffOrAdmin(principal) && canAccessVenue(principal, hold.venueId);
    if (!hold || !(mine || staff)) throw new AppError(BookingsProblems.holdNotFound, 'No such hold.');
    return hold;
  }
}

export function toHoldResponse(h: HoldEntity, now: Date): HoldResponseDto {
  const expiresAt = new Date(h.expiresAt);
  return {
    id: h.id,
    sessionId: h.sessionId,
    quantity: h.quantity,
    // An active hold past its expiry is already free for others (read-time check), whether swept or not.
    status: h.status === 'active' && expiresAt <= now ? 'expired' : h.status,
    expiresAt: expiresAt.toISOString(),
  };
}
