import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@aero/auth';
import { canAccessVenue } from '@aero/auth';
import type { Page } from '@aero/core';
import { AppError, RANGE_MAX_DAYS, TransactionService, ValidationProblem } from '@aero/core';
import { EventsService } from '@aero/events';
import { BookingsProblems } from './bookings.errors';
import { CapacityService } from './capacity.service';
import type { HoldTotals } from './bookings.repository';
import { BookingsRepository } from './bookings.repository';
import type {
  SessionCreateDto,
  SessionQueryDto,
  SessionResponseDto,
  SessionUnbookableReason,
  SessionUpdateDto,
} from './dto/session.dto';
import { isDateOnly } from './dto/validators';
import { SessionEntity } from './session.entity';
import type { ZoneClock } from './time-zone';
import { addDays, localDate, zonedTimeToUtc, zoneClock } from './time-zone';
import type { VenueEntity } from './venue.entity';
import { VenuesService } from './venues.service';

const DAY_MS = 24 * 3600_000;

/** What a response is built from: a session entity, or an availability row with the same counters. */
type SessionCounters = Pick<
  SessionEntity,
  'id' | 'venueId' | 'activity' | 'status' | 'startsAt' | 'endsAt' | 'capacity' | 'booked'
>;
/** The same bound the rate-limit cost of the list is priced within. */
const MAX_RANGE_DAYS = RANGE_MAX_DAYS;

export interface ScheduleRequest {
  venueId: string;
  activity: string;
  /** First and last venue-local day, inclusive (`YYYY-MM-DD`). */
  from: string;
  to: string;
  /** Venue-local start times, `HH:MM`. */
  times: string[];
  durationMinutes: number;
  capacity: number;
}

export interface ScheduleResult {
  created: number;
  existing: number;
  sessionIds: string[];
}

/** Sessions: bookable slots with capacity, shown in UTC and in the venue's local time. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly repo: BookingsRepository,
    private readonly venues: VenuesService,
    private readonly capacity: CapacityService,
    private readonly tx: TransactionService,
    private readonly events: EventsService,
  ) {}

  async create(principal: Principal, dto: SessionCreateDto): Promise<SessionResponseDto> {
    const startsAt = new Date(dto.startsAt);
    const endsAt = new Date(dto.endsAt);
    if (endsAt <= startsAt)
      throw new ValidationProblem([{ field: 'endsAt', message: 'must be after startsAt' }]);
    const venue = await this.venues.findVisible(principal, dto.venueId);
    if (!venue.active) throw new AppError(BookingsProblems.venueInactive, 'This venue is not active.');
    const { session, created } = await this.insertOrFind(
      principal,
      venue,
      dto.activity,
      startsAt,
      endsAt,
      dto.capacity,
    );
    if (!created) {
      throw new AppError(BookingsProblems.sessionExists, 'This activity is already scheduled at that time.', {
        sessionId: session.id,
      });
    }
    return this.toResponse(session, venue, undefined);
  }

  /**
   * Creates a timetable in the venue's local time: each day in [from, to] at each of `times`. Idempotent:
   * a session that already exists (same venue, activity, start) is counted, not duplicated.
   */
  async schedule(principal: Principal, request: ScheduleRequest): Promise<ScheduleResult> {
    const venue = await this.venues.findVisible(principal, request.venueId);
    const result: ScheduleResult = { created: 0, existing: 0, sessionIds: [] };
    for (let day = request.from; day <= request.to; day = addDays(day, 1)) {
      for (const time of request.times) {
        const startsAt = zonedTimeToUtc(day, time, venue.timeZone);
        const endsAt = new Date(startsAt.getTime() + request.durationMinutes * 60_000);
        const { session, created } = await this.insertOrFind(
          principal,
          venue,
          request.activity,
          startsAt,
          endsAt,
          request.capacity,
        );
        result.sessionIds.push(session.id);
        if (created) result.created++;
        else result.existing++;
      }
    }
    return result;
  }

  async list(principal: Principal, query: SessionQueryDto): Promise<Page<SessionResponseDto>> {
    const venue = await this.venues.findVisible(principal, query.venueId);
    const now = new Date();
    const from = query.from
      ? isDateOnly(query.from)
        ? zonedTimeToUtc(query.from, '00:00', venue.timeZone)
        : new Date(query.from)
      : zonedTimeToUtc(localDate(now, venue.timeZone), '00:00', venue.timeZone);
    const to = query.to
      ? isDateOnly(query.to)
        ? zonedTimeToUtc(addDays(query.to, 1), '00:00', venue.timeZone)
        : new Date(query.to)
      : new Date(from.getTime() + 7 * DAY_MS);
    if (to <= from) throw new ValidationProblem([{ field: 'to', message: 'must not be before from' }]);
    if (to.getTime() - from.getTime() > (MAX_RANGE_DAYS + 1) * DAY_MS) {
      throw new ValidationProblem([
        { field: 'to', message: `must be at most ${MAX_RANGE_DAYS} days after from` },
      ]);
    }
    const limit = query.limit ?? 20;
    const after = query.cursor ? this.tx.cursors.decode(query.cursor, { s: 'instant', id: 'id' }) : undefined;
    // Two statements in all: the venue (its zone sets the range) and the sessions with their counters.
    const rows = await this.tx.read(() =>
      this.repo.listAvailability(
        {
          venueId: venue.id,
          from,
          to,
          activity: query.activity,
          includeCancelled: query.includeCancelled ?? false,
          after: after ? { startsAt: after.s, id: after.id } : undefined,
          limit,
        },
        now,
      ),
    );
    // One clock for the page: its offsets and dates are cached per hour and day, not worked out per session.
    const clock = zoneClock(venue.timeZone);
    const page = this.tx.cursors.page(
      rows,
      limit,
      (r) => this.toResponse(r, venue, r, now, clock),
      (r) => ({ s: r.startsAt.toISOString(), id: r.id }),
    );
    // Filtered after paging, so the cursor stays the keyset position: a page may come back short.
    return query.bookableOnly ? { ...page, data: page.data.filter((x) => x.bookable) } : page;
  }

  async get(principal: Principal, id: string): Promise<SessionResponseDto> {
    return this.tx.read(async () => {
      const { session, venue } = await this.findVisible(principal, id);
      const totals = await this.repo.holdTotals([session.id], new Date());
      return this.toResponse(session, venue, totals.get(session.id));
    });
  }

  /** Changes capacity (never below the places taken) and/or status. */
  async update(principal: Principal, id: string, dto: SessionUpdateDto): Promise<SessionResponseDto> {
    const now = new Date();
    return this.tx.run(async () => {
      const { session, venue } = await this.findVisible(principal, id);
      if (dto.capacity !== undefined && dto.capacity !== session.capacity) {
        // Lapsed holds still count in `booked` until swept: give their places back first.
        if (dto.capacity < session.booked) await this.capacity.expireLapsed(session.id, now);
        if (!(await this.repo.setCapacity(session.id, dto.capacity, now))) {
          const taken = (await this.repo.findSession(session.id))?.booked ?? session.booked;
          throw new AppError(
            BookingsProblems.capacityBelowTaken,
            `${taken} places are booked or held; capacity cannot go below that.`,
            { taken },
          );
        }
      }
      const statusChanged = dto.status !== undefined && dto.status !== session.status;
      if (statusChanged) {
        await this.repo.updateSession(session.id, { status: dto.status, updatedAt: now });
      }
      const fresh = (await this.repo.findSession(session.id)) as SessionEntity;
      const totals = await this.repo.holdTotals([session.id], now);
      const updated = this.toResponse(fresh, venue, totals.get(session.id));
      if (statusChanged || fresh.capacity !== session.capacity) {
        const type = statusChanged && dto.status === 'cancelled' ? 'session.cancelled' : 'session.updated';
        await this.events.record(type, { venueId: session.venueId, actor: principal, data: updated });
      }
      return updated;
    });
  }

  /** The session and its venue if the caller may access them; 404 session-not-found otherwise. */
  async findVisible(
    principal: Principal,
    id: string,
  ): Promise<{ session: SessionEntity; venue: VenueEntity }> {
    const found = await this.repo.findSessionWithVenue(id);
    if (!found || !canAccessVenue(principal, found.session.venueId)) {
      throw new AppError(BookingsProblems.sessionNotFound, 'No such session.');
    }
    return found;
  }

  toResponse(
    s: SessionCounters,
    venue: VenueEntity,
    totals: HoldTotals | undefined,
    now = new Date(),
    clock: ZoneClock = zoneClock(venue.timeZone),
  ): SessionResponseDto {
    const held = totals?.held ?? 0;
    const lapsed = totals?.lapsed ?? 0;
    const startsAt = new Date(s.startsAt);
    const endsAt = new Date(s.endsAt);
    // The same rules as CapacityService.take: cancelled or ended sessions take nothing; started ones do.
    const closed: SessionUnbookableReason | null =
      s.status === 'cancelled' ? 'cancelled' : endsAt <= now ? 'ended' : null;
    const remaining = closed ? 0 : Math.max(0, s.capacity - s.booked + lapsed);
    const unbookableReason = closed ?? (remaining === 0 ? 'full' : null);
    return {
      id: s.id,
      venueId: s.venueId,
      activity: s.activity,
      status: s.status,
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      startsAtLocal: clock.format(startsAt),
      endsAtLocal: clock.format(endsAt),
      timeZone: venue.timeZone,
      capacity: s.capacity,
      booked: Math.max(0, s.booked - held - lapsed),
      held,
      remaining,
      bookable: unbookableReason === null,
      unbookableReason,
    };
  }

  /** Inserts, treating the unique (venue, activity, start) violation as "already there". */
  private async insertOrFind(
    principal: Principal,
    venue: VenueEntity,
    activity: string,
    startsAt: Date,
    endsAt: Date,
    capacity: number,
  ): Promise<{ session: SessionEntity; created: boolean }> {
    // The common re-run finds it by reading; the unique index settles a race between two writers.
    const venueId = venue.id;
    const found = await this.repo.findSessionAt(venueId, activity, startsAt);
    if (found) return { session: found, created: false };
    const now = new Date();
    const session = Object.assign(new SessionEntity(), {
      id: randomUUID(),
      venueId,
      activity,
      startsAt,
      endsAt,
      capacity,
      booked: 0,
      status: 'scheduled',
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.tx.run(async () => {
        await this.repo.insertSession(session);
        const data = this.toResponse(session, venue, undefined);
        await this.events.record('session.created', { venueId, actor: principal, data });
      });
      return { session, created: true };
    } catch (error) {
      if (!this.tx.errors.isUniqueViolation(error)) throw error;
      const existing = await this.repo.findSessionAt(venueId, activity, startsAt);
      if (!existing) throw error;
      return { session: existing, created: false };
    }
  }
}
