import { randomInt, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@aero/auth';
import { canAccessVenue } from '@aero/auth';
import type { Page } from '@aero/core';
import { AppConfig, AppError, TransactionService } from '@aero/core';
import { EventsService } from '@aero/events';
import { isMemberScoped, MembersService } from '@aero/members';
import { externalScopeOf, holderSubject, memberSubject, ownerKeyOf } from './access';
import type { BookingEntity } from './booking.entity';
import { BookingEntity as Booking } from './booking.entity';
import { BookingsProblems } from './bookings.errors';
import { BookingsRepository } from './bookings.repository';
import { CapacityService } from './capacity.service';
import type { BookingCreateDto, BookingQueryDto, BookingResponseDto } from './dto/booking.dto';
import { isDateOnly } from './dto/validators';
import { HoldsService } from './holds.service';
import type { SessionEntity } from './session.entity';
import { addDays, formatLocal } from './time-zone';
import type { VenueEntity } from './venue.entity';

/** Guests may check in from 2 hours before the start until the session ends. */
const CHECK_IN_OPENS_BEFORE_MS = 2 * 3600_000;

/** Unambiguous when read aloud or handwritten: no 0/O, 1/I/L, U. */
const REFERENCE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';

/** A short booking code such as `K7Q2-M9XD` (30^8 ≈ 6.6·10^11 values; uniqueness is a constraint). */
export function newReference(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * Bookings: places on a session for a member. Object-level rules: staff and keys see their venues; a
 * member user sees and books only for themself and their dependants; anything else is 404.
 */
@Injectable()
export class BookingsService {
  constructor(
    private readonly repo: BookingsRepository,
    private readonly holds: HoldsService,
    private readonly capacity: CapacityService,
    private readonly members: MembersService,
    private readonly tx: TransactionService,
    private readonly config: AppConfig,
    private readonly events: EventsService,
  ) {}

  async create(principal: Principal, dto: BookingCreateDto): Promise<BookingResponseDto> {
    const externalScope = externalScopeOf(principal);
    try {
      return await this.tx.run(async () => {
        // Inside the unit of work, so a fault here is classified (retried or 503) like the rest of it.
        if (dto.externalRef) {
          const existing = await this.repo.findBookingByExternalRef(externalScope, dto.externalRef);
          if (existing) throw this.externalRefTaken(existing.id);
        }
        const now = new Date();
        // One read: the session, its venue, and whether the caller may see the member (no read of its own).
        const found = await this.repo.findSessionForBooking(
          dto.sessionId,
          this.members.visibilityCondition(principal, dto.memberId),
        );
        if (!found || !canAccessVenue(principal, found.session.venueId))
          throw new AppError(BookingsProblems.sessionNotFound, 'No such session.');
        const { session, venue } = found;
        if (!venue.active)
          throw new AppError(BookingsProblems.venueInactive, 'This venue is not taking bookings.');
        if (!found.memberVisible) throw this.members.memberNotFound();
        // The database decides the per-member limit, as it does capacity (allowance first: the lock order).
        const max = this.config.bookings.maxActivePerMemberSession;
        if (!(await this.repo.takeAllowance(session.id, memberSubject(dto.memberId), dto.quantity, { maxActive: max }))) {
          throw new AppError(
            BookingsProblems.bookingLimit,
            `This member already has ${max} booking(s) on this session, the most allowed.`,
            { limit: max },
          );
        }
        if (dto.holdId) await this.convertHold(principal, dto, session, now);
        else await this.capacity.take(session, dto.quantity, now);
        const booking = Object.assign(new Booking(), {
          id: randomUUID(),
          reference: newReference(),
          sessionId: session.id,
          venueId: session.venueId,
          sessionStartsAt: session.startsAt,
          memberId: dto.memberId,
          quantity: dto.quantity,
          status: 'confirmed',
          holdId: dto.holdId ?? null,
          externalRef: dto.externalRef ?? null,
          externalScope: dto.externalRef ? externalScope : null,
          ownerKey: ownerKeyOf(principal),
          createdAt: now,
          cancelledAt: null,
          checkedInAt: null,
        });
        await this.repo.insertBooking(booking);
        // From now on the member is known at this venue: its staff and keys see them.
        await this.members.linkVenue(dto.memberId, session.venueId);
        const created = toBookingResponse(booking, venue);
        await this.events.record('booking.created', { venueId: booking.venueId, actor: principal, data: created });
        return created;
      });
    } catch (error) {
      if (dto.externalRef && this.tx.errors.isUniqueViolation(error)) {
        // Joined to an outer unit (an Idempotency-Key's): its transaction is aborted, so no re-read.
        if (this.tx.inTransaction) throw this.externalRefTaken(undefined);
        const existing = await this.tx.read(() => this.repo.findBookingByExternalRef(externalScope, dto.externalRef as string));
        throw this.externalRefTaken(existing?.id);
      }
      throw error;
    }
  }

  async list(principal: Principal, query: BookingQueryDto): Promise<Page<BookingResponseDto>> {
    const limit = query.limit ?? 20;
    const after = query.cursor ? this.tx.cursors.decode(query.cursor, { s: 'instant', id: 'id' }) : undefined;
    const memberIds = await this.members.visibleMemberIds(principal);
    return this.tx.read(async () => {
      const rows = await this.repo.listBookings({
        memberIds,
        venueIds: principal.venueIds,
        memberId: query.memberId,
        sessionId: query.sessionId,
        venueId: query.venueId,
        status: query.status,
        from: query.from
          ? new Date(isDateOnly(query.from) ? `${query.from}T00:00:00Z` : query.from)
          : undefined,
        to: query.to
          ? new Date(isDateOnly(query.to) ? `${addDays(query.to, 1)}T00:00:00Z` : query.to)
          : undefined,
        after: after ? { startsAt: after.s, id: after.id } : undefined,
        limit,
      });
      const venues = await this.venuesOf(rows.slice(0, limit));
      return this.tx.cursors.page(
        rows,
        limit,
        (b) => toBookingResponse(b, venues.get(b.venueId)),
        (b) => ({ s: new Date(b.sessionStartsAt).toISOString(), id: b.id }),
      );
    });
  }

  /** A booking by its front-desk reference (`K7Q2-M9XD`, any case, dash optional); 404 as for ids. */
  async getByReference(principal: Principal, reference: string): Promise<BookingResponseDto> {
    const compact = reference.trim().toUpperCase().replace(/-/g, '');
    const normalized = compact.length === 8 ? `${compact.slice(0, 4)}-${compact.slice(4)}` : compact;
    const found = await this.tx.read(() => this.repo.findBookingByReference(normalized));
    if (!found) throw new AppError(BookingsProblems.bookingNotFound, `No booking with reference ${reference}.`);
    return this.get(principal, found.id);
  }

  async get(principal: Principal, id: string): Promise<BookingResponseDto> {
    return this.tx.read(async () => {
      const booking = await this.findVisible(principal, id);
      return toBookingResponse(booking, (await this.venuesOf([booking])).get(booking.venueId));
    });
  }

  /**
   * Cancels and gives the places back, once: cancelling a cancelled booking returns it unchanged. Members
   * may cancel only before the session starts; nobody cancels a checked-in booking.
   */
  async cancel(principal: Principal, id: string): Promise<BookingResponseDto> {
    return this.tx.run(async () => {
      const now = new Date();
      const booking = await this.findVisible(principal, id);
      if (booking.status === 'confirmed') {
        if (booking.checkedInAt) {
          throw new AppError(
            BookingsProblems.bookingCheckedIn,
            'This booking is checked in; it cannot be cancelled.',
          );
        }
        if (isMemberScoped(principal) && new Date(booking.sessionStartsAt) <= now) {
          throw new AppError(BookingsProblems.cancelTooLate, 'The session has started; ask the front desk.');
        }
        if (await this.repo.cancelBooking(booking.id, now)) {
          await this.repo.releaseAllowance(booking.sessionId, memberSubject(booking.memberId), booking.quantity);
          await this.capacity.release(booking.sessionId, booking.quantity, now);
          // The conditional UPDATE matched the row as read: what it wrote is known, nothing is read back.
          const cancelled = await this.respond({ ...booking, status: 'cancelled', cancelledAt: now });
          await this.events.record('booking.cancelled', { venueId: booking.venueId, actor: principal, data: cancelled });
          return cancelled;
        }
      }
      return this.reload(booking);
    });
  }

  /**
   * Marks arrival, from 2 hours before the start until the end (409 check-in-closed). Needs a waiver valid
   * on the session date (409 waiver-required). Checking in twice is harmless.
   */
  async checkIn(principal: Principal, id: string): Promise<BookingResponseDto> {
    return this.tx.run(async () => {
      const now = new Date();
      const booking = await this.findVisible(principal, id);
      if (booking.status === 'cancelled') {
        throw new AppError(BookingsProblems.bookingCancelled, 'This booking was cancelled.');
      }
      if (!booking.checkedInAt) {
        const session = await this.repo.findSession(booking.sessionId);
        const opensAt = new Date(new Date(booking.sessionStartsAt).getTime() - CHECK_IN_OPENS_BEFORE_MS);
        const closesAt = new Date(session ? session.endsAt : booking.sessionStartsAt);
        if (now < opensAt || now > closesAt) {
          throw new AppError(
            BookingsProblems.checkInClosed,
            now < opensAt ? 'Check-in has not opened yet for this session.' : 'This session is over.',
            { opensAt: opensAt.toISOString(), closesAt: closesAt.toISOString() },
          );
        }
        if (!(await this.members.waiverValidOn(booking.memberId, new Date(booking.sessionStartsAt)))) {
          throw new AppError(
            BookingsProblems.waiverRequired,
            'The member has no waiver valid on the session date; record one and check in again.',
            { memberId: booking.memberId },
          );
        }
        // Only the call that checked in announces it; a concurrent check-in or cancel answers as stored.
        if (!(await this.repo.checkInBooking(booking.id, now))) return this.reload(booking);
        const checkedIn = await this.respond({ ...booking, checkedInAt: now });
        await this.events.record('booking.checked_in', { venueId: booking.venueId, actor: principal, data: checkedIn });
        return checkedIn;
      }
      return this.reload(booking);
    });
  }

  /** `session` is the booking's, already read and checked visible (no second read). */
  private async convertHold(principal: Principal, dto: BookingCreateDto, session: SessionEntity, now: Date): Promise<void> {
    const hold = await this.holds.findUsable(principal, dto.holdId as string);
    if (hold.sessionId !== dto.sessionId) {
      throw new AppError(BookingsProblems.holdNotActive, 'The hold is for another session.');
    }
    if (hold.status !== 'active') {
      throw new AppError(BookingsProblems.holdNotActive, `The hold is ${hold.status}.`, {
        holdStatus: hold.status,
      });
    }
    if (new Date(hold.expiresAt) <= now) {
      // Lapsed: its places are back on sale; book them afresh if they are still there.
      await this.capacity.expire(hold, now);
      await this.capacity.take(session, dto.quantity, now);
      return;
    }
    if (!(await this.repo.transitionHold(hold.id, 'active', 'converted'))) {
      throw new AppError(BookingsProblems.holdNotActive, 'The hold was used or released meanwhile.');
    }
    await this.repo.releaseOpenHold(hold.ownerKey);
    await this.repo.releaseAllowance(hold.sessionId, holderSubject(hold.ownerKey), hold.quantity);
    // The hold's places become the booking's: only a difference in quantity changes capacity.
    if (dto.quantity > hold.quantity) await this.capacity.take(session, dto.quantity - hold.quantity, now);
    if (dto.quantity < hold.quantity)
      await this.capacity.release(session.id, hold.quantity - dto.quantity, now);
  }

  private async findVisible(principal: Principal, id: string): Promise<BookingEntity> {
    const booking = await this.repo.findBooking(id);
    const notFound = () => new AppError(BookingsProblems.bookingNotFound, 'No such booking.');
    if (!booking || !canAccessVenue(principal, booking.venueId)) throw notFound();
    const memberIds = await this.members.visibleMemberIds(principal);
    if (memberIds && !memberIds.includes(booking.memberId)) throw notFound();
    return booking;
  }

  private async reload(booking: BookingEntity): Promise<BookingResponseDto> {
    return this.respond((await this.repo.findBooking(booking.id)) as BookingEntity);
  }

  private async respond(booking: BookingEntity): Promise<BookingResponseDto> {
    return toBookingResponse(booking, (await this.venuesOf([booking])).get(booking.venueId));
  }

  private async venuesOf(bookings: BookingEntity[]): Promise<Map<string, VenueEntity>> {
    const ids = [...new Set(bookings.map((b) => b.venueId))];
    return new Map((await this.repo.findVenuesByIds(ids)).map((v) => [v.id, v]));
  }

  private externalRefTaken(bookingId: string | undefined): AppError {
    return new AppError(
      BookingsProblems.externalRefTaken,
      'Your app already made a booking with this externalRef.',
      bookingId ? { bookingId } : {},
    );
  }
}

export function toBookingResponse(b: BookingEntity, venue: VenueEntity | undefined): BookingResponseDto {
  const startsAt = new Date(b.sessionStartsAt);
  return {
    id: b.id,
    reference: b.reference,
    status: b.status,
    sessionId: b.sessionId,
    venueId: b.venueId,
    memberId: b.memberId,
    quantity: b.quantity,
    sessionStartsAt: startsAt.toISOString(),
    sessionStartsAtLocal: formatLocal(startsAt, venue?.timeZone ?? 'UTC'),
    holdId: b.holdId,
    externalRef: b.externalRef,
    createdAt: new Date(b.createdAt).toISOString(),
    cancelledAt: b.cancelledAt ? new Date(b.cancelledAt).toISOString() : null,
    checkedInAt: b.checkedInAt ? new Date(b.checkedInAt).toISOString() : null,
  };
}
