import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '@aero/auth';
import { canAccessVenue, isStaffOrAdmin } from '@aero/auth';
import { AppConfig, AppError, TransactionService } from '@aero/core';
import { isMemberScoped } from '@aero/members';
import { holderSubject, ownerKeyOf } from './access';
import { BookingsProblems } from './bookings.errors';
import { BookingsRepository } from './bookings.repository';
import { CapacityService } from './capacity.service';
import type { HoldCreateDto, HoldResponseDto } from './dto/hold.dto';
import { toHoldResponse } from './hold-response';
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
      // No caller can sit on every session (a leaked kiosk key): the database bounds each one's open holds.
      await this.takeOpenHold(principal, now);
      // One guest cannot sit on a session's places (OWASP API6): the database bounds what a member user holds.
      if (isMemberScoped(principal)) await this.takeHolderAllowance(principal, session.id, dto.quantity, now);
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
        await this.repo.releaseOpenHold(hold.ownerKey);
        await this.repo.releaseAllowance(hold.sessionId, holderSubject(hold.ownerKey), hold.quantity);
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

  /**
   * Counts one more open hold for the caller within its cap (the API key's `maxOpenHolds`, else
   * HOLDS_MAX_OPEN_PER_PRINCIPAL), or throws 409 hold-cap-reached. Lapsed holds count until expired, so on
   * refusal the caller's lapsed holds are expired and it tries once more, as for capacity.
   */
  private async takeOpenHold(principal: Principal, now: Date): Promise<void> {
    const cap = principal.maxOpenHolds ?? this.config.bookings.maxOpenPerPrincipal;
    const ownerKey = ownerKeyOf(principal);
    if (await this.repo.takeOpenHold(ownerKey, cap)) return;
    if ((await this.capacity.expireLapsedOf(ownerKey, now)) > 0 && (await this.repo.takeOpenHold(ownerKey, cap))) return;
    const open = (await this.repo.findOpenHolds(ownerKey)) ?? 0;
    throw new AppError(
      BookingsProblems.holdCap,
      `You have ${open} open holds, the most allowed (${cap}); book or release one first.`,
      { limit: cap, open },
    );
  }

  /**
   * Takes one hold of `quantity` places from the member user's allowance on the session, or throws 409
   * hold-limit-reached naming the bound: live holds, places held at once, or holds made in all (renewals).
   * Lapsed holds still count until expired, so on refusal the session's lapsed holds are expired and it
   * tries once more (the read-time check, as for capacity).
   */
  private async takeHolderAllowance(principal: Principal, sessionId: string, quantity: number, now: Date): Promise<void> {
    const { maxActivePerMemberSession, maxHeldPlacesPerMemberSession, maxHoldsPerMemberSession } =
      this.config.bookings;
    const subject = holderSubject(ownerKeyOf(principal));
    const limits = {
      maxActive: maxActivePerMemberSession,
      maxPlaces: maxHeldPlacesPerMemberSession,
      maxCreated: maxHoldsPerMemberSession,
    };
    if (quantity > maxHeldPlacesPerMemberSession) {
      throw new AppError(
        BookingsProblems.holdLimit,
        `You may hold at most ${maxHeldPlacesPerMemberSession} places on a session.`,
        { limit: maxHeldPlacesPerMemberSession, bound: 'places' },
      );
    }
    if (await this.repo.takeAllowance(sessionId, subject, quantity, limits)) return;
    if ((await this.capacity.expireLapsed(sessionId, now)) > 0) {
      if (await this.repo.takeAllowance(sessionId, subject, quantity, limits)) return;
    }
    const current = await this.repo.findAllowance(sessionId, subject);
    if (current && current.created + 1 > maxHoldsPerMemberSession) {
      throw new AppError(
        BookingsProblems.holdLimit,
        `You have made ${current.created} holds on this session, the most allowed; book one or ask the front desk.`,
        { limit: maxHoldsPerMemberSession, bound: 'holds' },
      );
    }
    if (current && current.active + 1 > maxActivePerMemberSession) {
      throw new AppError(
        BookingsProblems.holdLimit,
        `You already hold places on this session ${current.active} time(s), the most allowed.`,
        { limit: maxActivePerMemberSession, bound: 'active' },
      );
    }
    throw new AppError(
      BookingsProblems.holdLimit,
      `You already hold ${current?.places ?? 0} places on this session; at most ${maxHeldPlacesPerMemberSession} at once.`,
      { limit: maxHeldPlacesPerMemberSession, bound: 'places' },
    );
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

export { toHoldResponse } from './hold-response';
