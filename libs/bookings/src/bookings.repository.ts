import { Injectable } from '@nestjs/common';
import type { EntityManager, Repository, SelectQueryBuilder, UpdateQueryBuilder } from 'typeorm';
import { insertIfAbsent, TransactionService, whereAfter } from '@aero/core';
import type { MemberVisibilityCondition } from '@aero/members';
import type { BookingStatus } from './booking.entity';
import { BookingEntity } from './booking.entity';
import { HoldEntity } from './hold.entity';
import type { HoldStatus } from './hold.entity';
import { HolderHoldsEntity } from './holder-holds.entity';
import { SessionAllowanceEntity } from './session-allowance.entity';
import { SessionEntity } from './session.entity';
import type { SessionStatus } from './session.entity';
import { VenueEntity } from './venue.entity';

export interface SessionListFilter {
  venueId: string;
  from: Date;
  to: Date;
  activity?: string;
  includeCancelled: boolean;
  after?: { startsAt: Date; id: string };
  limit: number;
}

export interface BookingListFilter {
  memberIds?: string[];
  venueIds?: string[];
  memberId?: string;
  sessionId?: string;
  venueId?: string;
  status?: BookingStatus;
  from?: Date;
  to?: Date;
  after?: { startsAt: Date; id: string };
  limit: number;
}

export interface HoldTotals {
  /** Places in active holds that have not expired. */
  held: number;
  /** Places in active holds past their expiry, not yet swept (free for the taking). */
  lapsed: number;
}

/** A session as availability reads it: its counters and the places in its active holds. */
export interface AvailabilityRow extends HoldTotals {
  id: string;
  venueId: string;
  activity: string;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  booked: number;
  status: SessionStatus;
}

interface RawAvailabilityRow {
  id: string;
  venue_id: string;
  activity: string;
  starts_at: Date | string;
  ends_at: Date | string;
  capacity: number | string;
  booked: number | string;
  status: SessionStatus;
  held: number | string | null;
  lapsed: number | string | null;
}

/**
 * An instant as a raw row carries it: a Date from the PostgreSQL and SQL Server drivers, UTC text from
 * SQLite (`2027-04-01 13:00:00.000`, which carries no zone and is read as UTC).
 */
export function rawInstant(value: Date | string): Date {
  if (value instanceof Date) return value;
  // SQLite's own form, read digit by digit: 0.09 µs instead of 0.39 µs for the regex and text parse below,
  // and a week's availability reads two per session.
  if (value.length === 23 && value.charCodeAt(10) === 32 && value.charCodeAt(19) === 46) return sqliteUtc(value);
  const text = value.includes('T') ? value : value.replace(' ', 'T');
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`);
}

/** The decimal number in text[from, to), or NaN when a character there is not a digit. */
const digits = (text: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
};

/**
 * `YYYY-MM-DD HH:MM:SS.mmm` as UTC. What is not that exactly (a non-digit, a month 13, a 31 April, a 25th
 * hour) goes to the general parse, which answers as it always did (an invalid Date for those).
 */
function sqliteUtc(text: string): Date {
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  const date = new Date(Date.UTC(digits(text, 0, 4), month - 1, day, hour, minute, second, digits(text, 20, 23)));
  const exact =
    date.getUTCMonth() === month - 1 && date.getUTCDate() === day && date.getUTCHours() === hour && minute < 60 && second < 60 &&
    text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45 && text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58;
  return exact ? date : new Date(`${text.replace(' ', 'T')}Z`);
}

function keysetAfter<T extends object>(
  qb: SelectQueryBuilder<T>,
  column: string,
  after: { startsAt: Date; id: string } | undefined,
  alias: string,
): void {
  whereAfter(qb, `${alias}.${column}`, `${alias}.id`, after && { sort: after.startsAt, id: after.id });
}

/**
 * The statements that change capacity, built on any EntityManager so their SQL can be rendered per dialect
 * offline (`capacity-sql.spec.ts` keeps the SQL Server, PostgreSQL and SQLite forms under review).
 */
export const capacitySql = {
  /**
   * Takes `n` places in one atomic conditional UPDATE: it matches only while the session is scheduled and
   * has room, so no interleaving of requests, apps or instances can oversell (the CHECK constraint
   * `booked <= capacity` is the backstop). Safe under READ COMMITTED and RCSI on SQL Server.
   */
  take(manager: EntityManager, sessionId: string, n: number, now: Date): UpdateQueryBuilder<SessionEntity> {
    return manager
      .createQueryBuilder()
      .update(SessionEntity)
      .set({ booked: () => 'booked + :n', updatedAt: now })
      .where('id = :sessionId', { sessionId })
      .andWhere('booked + :n <= capacity')
      .andWhere('status = :scheduled', { scheduled: 'scheduled' })
      .setParameter('n', n);
  },

  /** Gives `n` places back, never below zero. */
  release(
    manager: EntityManager,
    sessionId: string,
    n: number,
    now: Date,
  ): UpdateQueryBuilder<SessionEntity> {
    return manager
      .createQueryBuilder()
      .update(SessionEntity)
      .set({ booked: () => 'booked - :n', updatedAt: now })
      .where('id = :sessionId', { sessionId })
      .andWhere('booked >= :n')
      .setParameter('n', n);
  },
};

/** The most a subject may have on a session; an omitted bound is not checked. */
export interface AllowanceLimits {
  /** Active bookings (member) or live holds (holder), at most. */
  maxActive: number;
  /** Places in them, at most. */
  maxPlaces?: number;
  /** Holds ever made, at most (the renewal cap). */
  maxCreated?: number;
}

/**
 * The statements that enforce per-member limits, shaped like the capacity ones: one conditional UPDATE whose
 * affected-row count says whether the limit had room, so concurrent requests (on any instance) cannot exceed
 * it; the CHECK constraint keeps the counts from going negative.
 */
export const allowanceSql = {
  take(
    manager: EntityManager,
    sessionId: string,
    subject: string,
    places: number,
    limits: AllowanceLimits,
  ): UpdateQueryBuilder<SessionAllowanceEntity> {
    const qb = manager
      .createQueryBuilder()
      .update(SessionAllowanceEntity)
      .set({ active: () => 'active + 1', places: () => 'places + :places', created: () => 'created + 1' })
      .where('session_id = :sessionId', { sessionId })
      .andWhere('subject = :subject', { subject })
      .andWhere('active + 1 <= :maxActive', { maxActive: limits.maxActive })
      .setParameter('places', places);
    if (limits.maxPlaces !== undefined) qb.andWhere('places + :places <= :maxPlaces', { maxPlaces: limits.maxPlaces });
    if (limits.maxCreated !== undefined)
      qb.andWhere('created + 1 <= :maxCreated', { maxCreated: limits.maxCreated });
    return qb;
  },

  /** Gives one booking or hold of `places` back, never below zero. */
  release(
    manager: EntityManager,
    sessionId: string,
    subject: string,
    places: number,
  ): UpdateQueryBuilder<SessionAllowanceEntity> {
    return manager
      .createQueryBuilder()
      .update(SessionAllowanceEntity)
      .set({ active: () => 'active - 1', places: () => 'places - :places' })
      .where('session_id = :sessionId', { sessionId })
      .andWhere('subject = :subject', { subject })
      .andWhere('active >= 1')
      .andWhere('places >= :places')
      .setParameter('places', places);
  },
};

/**
 * The per-holder cap on open holds, shaped like the allowance statements: one conditional UPDATE whose
 * affected-row count says whether the holder had room under its cap.
 */
export const holderHoldsSql = {
  take(manager: EntityManager, ownerKey: string, cap: number): UpdateQueryBuilder<HolderHoldsEntity> {
    return manager
      .createQueryBuilder()
      .update(HolderHoldsEntity)
      .set({ openHolds: () => 'open_holds + 1' })
      .where('owner_key = :ownerKey', { ownerKey })
      .andWhere('open_holds + 1 <= :cap', { cap });
  },

  /** One hold closed (released, expired or booked), never below zero. */
  release(manager: EntityManager, ownerKey: string): UpdateQueryBuilder<HolderHoldsEntity> {
    return manager
      .createQueryBuilder()
      .update(HolderHoldsEntity)
      .set({ openHolds: () => 'open_holds - 1' })
      .where('owner_key = :ownerKey', { ownerKey })
      .andWhere('open_holds >= 1');
  },
};

/** The only code in the bookings feature that knows TypeORM. Capacity changes are single conditional UPDATEs. */
@Injectable()
export class BookingsRepository {
  constructor(private readonly tx: TransactionService) {}

  private get venues(): Repository<VenueEntity> {
    return this.tx.manager.getRepository(VenueEntity);
  }
  private get sessions(): Repository<SessionEntity> {
    return this.tx.manager.getRepository(SessionEntity);
  }
  private get holds(): Repository<HoldEntity> {
    return this.tx.manager.getRepository(HoldEntity);
  }
  private get bookings(): Repository<BookingEntity> {
    return this.tx.manager.getRepository(BookingEntity);
  }

  // ---- venues

  insertVenue(venue: VenueEntity): Promise<unknown> {
    return this.venues.insert(venue);
  }

  findVenue(id: string): Promise<VenueEntity | null> {
    return this.venues.findOneBy({ id });
  }

  findVenueByName(name: string): Promise<VenueEntity | null> {
    return this.venues.findOneBy({ name });
  }

  async findVenuesByIds(ids: string[]): Promise<VenueEntity[]> {
    if (ids.length === 0) return [];
    return this.venues.createQueryBuilder('v').where('v.id IN (:...ids)', { ids }).getMany();
  }

  /** Keyset page of venues by (name, id); `venueIds` restricts to those. */
  listVenues(
    venueIds: string[] | undefined,
    after: { name: string; id: string } | undefined,
    limit: number,
  ): Promise<VenueEntity[]> {
    const qb = this.venues.createQueryBuilder('v');
    if (venueIds) {
      if (venueIds.length === 0) return Promise.resolve([]);
      qb.andWhere('v.id IN (:...venueIds)', { venueIds });
    }
    whereAfter(qb, 'v.name', 'v.id', after && { sort: after.name, id: after.id });
    return qb
      .orderBy('v.name', 'ASC')
      .addOrderBy('v.id', 'ASC')
      .take(limit + 1)
      .getMany();
  }

  async updateVenue(id: string, changes: Partial<VenueEntity>): Promise<void> {
    await this.venues.update({ id }, changes);
  }

  // ---- sessions

  insertSession(session: SessionEntity): Promise<unknown> {
    return this.sessions.insert(session);
  }

  findSession(id: string): Promise<SessionEntity | null> {
    return this.sessions.findOneBy({ id });
  }

  /** A session and its venue in one statement (every booking and hold starts here). */
  async findSessionWithVenue(id: string): Promise<{ session: SessionEntity; venue: VenueEntity } | null> {
    const row = await this.sessions
      .createQueryBuilder('s')
      .innerJoinAndMapOne('s.venueRow', VenueEntity, 'v', 'v.id = s.venueId')
      .where('s.id = :id', { id })
      .getOne();
    if (!row) return null;
    const { venueRow, ...session } = row as SessionEntity & { venueRow: VenueEntity };
    return { session: Object.assign(new SessionEntity(), session), venue: venueRow };
  }

  /**
   * The session a booking is for, with its venue and whether the caller may see the booked member, in the
   * one read the booking needs anyway: the member's visibility rule (owned by the members feature) rides
   * along as a `CASE WHEN EXISTS` column instead of a statement of its own.
   */
  async findSessionForBooking(
    id: string,
    member: MemberVisibilityCondition,
  ): Promise<{ session: SessionEntity; venue: VenueEntity; memberVisible: boolean } | null> {
    const { entities, raw } = await this.sessions
      .createQueryBuilder('s')
      .innerJoinAndMapOne('s.venueRow', VenueEntity, 'v', 'v.id = s.venueId')
      .addSelect(`CASE WHEN ${member.sql} THEN 1 ELSE 0 END`, 'member_visible')
      .where('s.id = :id', { id })
      .setParameters(member.parameters)
      .getRawAndEntities<{ member_visible: number | string }>();
    const row = entities[0];
    if (!row) return null;
    const { venueRow, ...session } = row as SessionEntity & { venueRow: VenueEntity };
    const memberVisible = Number(raw[0]?.member_visible) === 1;
    return { session: Object.assign(new SessionEntity(), session), venue: venueRow, memberVisible };
  }

  findSessionAt(venueId: string, activity: string, startsAt: Date): Promise<SessionEntity | null> {
    return this.sessions
      .createQueryBuilder('s')
      .where('s.venueId = :venueId', { venueId })
      .andWhere('s.activity = :activity', { activity })
      .andWhere('s.startsAt = :startsAt', { startsAt })
      .getOne();
  }

  /**
   * Availability in one statement, read as plain rows (no entity hydration): the sessions of the range with
   * their counters (`capacity`, `booked`, kept by the conditional UPDATEs of the booking and hold writes)
   * and the places in the venue's active holds split into held and lapsed by one aggregate over those
   * holds (joined once, not probed per session). No booking row is read.
   */
  async listAvailability(filter: SessionListFilter, now: Date): Promise<AvailabilityRow[]> {
    const qb = this.sessionsQuery(filter)
      .select('s.id', 'id')
      .addSelect('s.venueId', 'venue_id')
      .addSelect('s.activity', 'activity')
      .addSelect('s.startsAt', 'starts_at')
      .addSelect('s.endsAt', 'ends_at')
      .addSelect('s.capacity', 'capacity')
      .addSelect('s.booked', 'booked')
      .addSelect('s.status', 'status')
      .addSelect('COALESCE(ht.held, 0)', 'held')
      .addSelect('COALESCE(ht.lapsed, 0)', 'lapsed')
      .leftJoin(
        (sq: SelectQueryBuilder<HoldEntity>) =>
          sq
            .select('h.sessionId', 'session_id')
            .addSelect('SUM(CASE WHEN h.expiresAt > :now THEN h.quantity ELSE 0 END)', 'held')
            .addSelect('SUM(CASE WHEN h.expiresAt <= :now THEN h.quantity ELSE 0 END)', 'lapsed')
            .from(HoldEntity, 'h')
            .where('h.status = :active')
            .andWhere('h.venueId = :venueId')
            .groupBy('h.sessionId'),
        'ht',
        'ht.session_id = s.id',
      )
      .setParameters({ active: 'active', now, venueId: filter.venueId });
    const rows = await qb.getRawMany<RawAvailabilityRow>();
    return rows.map((r) => ({
      id: r.id,
      venueId: r.venue_id,
      activity: r.activity,
      startsAt: rawInstant(r.starts_at),
      endsAt: rawInstant(r.ends_at),
      capacity: Number(r.capacity),
      booked: Number(r.booked),
      status: r.status,
      held: Number(r.held),
      lapsed: Number(r.lapsed),
    }));
  }

  /** Sessions of a venue starting in [from, to), keyset-paged by (startsAt, id). */
  private sessionsQuery(filter: SessionListFilter): SelectQueryBuilder<SessionEntity> {
    const qb = this.sessions
      .createQueryBuilder('s')
      .where('s.venueId = :venueId', { venueId: filter.venueId })
      .andWhere('s.startsAt >= :from', { from: filter.from })
      .andWhere('s.startsAt < :to', { to: filter.to });
    if (filter.activity) qb.andWhere('s.activity = :activity', { activity: filter.activity });
    if (!filter.includeCancelled) qb.andWhere('s.status = :scheduled', { scheduled: 'scheduled' });
    keysetAfter(qb, 'startsAt', filter.after, 's');
    return qb
      .orderBy('s.startsAt', 'ASC')
      .addOrderBy('s.id', 'ASC')
      .limit(filter.limit + 1);
  }

  /** Takes `n` places with the conditional UPDATE (see `capacitySql.take`); returns whether it matched. */
  async takePlaces(sessionId: string, n: number, now: Date): Promise<boolean> {
    const result = await capacitySql.take(this.tx.manager, sessionId, n, now).execute();
    return (result.affected ?? 0) === 1;
  }

  /** Gives `n` places back (never below zero). */
  async releasePlaces(sessionId: string, n: number, now: Date): Promise<void> {
    await capacitySql.release(this.tx.manager, sessionId, n, now).execute();
  }

  /** Sets capacity unless it would fall below the places taken. Returns whether it changed. */
  async setCapacity(sessionId: string, capacity: number, now: Date): Promise<boolean> {
    const result = await this.sessions
      .createQueryBuilder()
      .update(SessionEntity)
      .set({ capacity, updatedAt: now })
      .where('id = :sessionId', { sessionId })
      .andWhere('booked <= :capacity', { capacity })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async updateSession(sessionId: string, changes: Partial<SessionEntity>): Promise<void> {
    await this.sessions.update({ id: sessionId }, changes);
  }

  // ---- holds

  insertHold(hold: HoldEntity): Promise<unknown> {
    return this.holds.insert(hold);
  }

  findHold(id: string): Promise<HoldEntity | null> {
    return this.holds.findOneBy({ id });
  }

  /** Moves a hold between states only if it is still in `from`; returns whether this call did it. */
  async transitionHold(id: string, from: HoldStatus, to: HoldStatus): Promise<boolean> {
    const result = await this.holds
      .createQueryBuilder()
      .update(HoldEntity)
      .set({ status: to })
      .where('id = :id', { id })
      .andWhere('status = :from', { from })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  // ---- open holds per holder

  /**
   * Counts one more open hold for the holder if it stays within `cap`; returns whether it did. One
   * statement once the holder's row exists; when it matched nothing the row is inserted, counted, if absent
   * (never racing another insert), and only if it was there the UPDATE is tried once more.
   */
  async takeOpenHold(ownerKey: string, cap: number): Promise<boolean> {
    const take = async () => ((await holderHoldsSql.take(this.tx.manager, ownerKey, cap).execute()).affected ?? 0) === 1;
    if (await take()) return true;
    // The holder's first hold inserts its row already counted; a row that was there is at its cap, or
    // was inserted meanwhile by a concurrent first hold: the UPDATE, once more, answers both.
    if (cap >= 1 && (await insertIfAbsent(this.tx.manager, this.tx.errors, HolderHoldsEntity, { ownerKey, openHolds: 1 })))
      return true;
    return take();
  }

  async releaseOpenHold(ownerKey: string): Promise<void> {
    await holderHoldsSql.release(this.tx.manager, ownerKey).execute();
  }

  /** The holder's open-hold count (null before its first hold). */
  async findOpenHolds(ownerKey: string): Promise<number | null> {
    const row = await this.tx.manager.getRepository(HolderHoldsEntity).findOneBy({ ownerKey });
    return row ? row.openHolds : null;
  }

  /** The holder's active holds past their expiry, oldest first. */
  lapsedHoldsOf(ownerKey: string, now: Date, limit: number): Promise<HoldEntity[]> {
    return this.holds
      .createQueryBuilder('h')
      .where('h.ownerKey = :ownerKey', { ownerKey })
      .andWhere('h.status = :active', { active: 'active' })
      .andWhere('h.expiresAt <= :now', { now })
      .orderBy('h.expiresAt', 'ASC')
      .take(limit)
      .getMany();
  }

  // ---- per-member allowances

  /** Takes one booking or hold of `places` within `limits`; returns whether the limits had room. */
  async takeAllowance(sessionId: string, subject: string, places: number, limits: AllowanceLimits): Promise<boolean> {
    // Counts never go below zero, so a take that does not fit a fresh row fits no row.
    const fitsFresh =
      1 <= limits.maxActive &&
      (limits.maxPlaces === undefined || places <= limits.maxPlaces) &&
      (limits.maxCreated === undefined || 1 <= limits.maxCreated);
    if (!fitsFresh) return false;
    // A subject's first take on a session (a member's first booking there: the common case) inserts its row
    // already counted, one statement; when the row is there (or a concurrent first take wins the insert) the
    // conditional UPDATE decides, which queues behind that writer's row lock as before.
    const first = { sessionId, subject, active: 1, places, created: 1 };
    if (await insertIfAbsent(this.tx.manager, this.tx.errors, SessionAllowanceEntity, first)) return true;
    const result = await allowanceSql.take(this.tx.manager, sessionId, subject, places, limits).execute();
    return (result.affected ?? 0) === 1;
  }

  async releaseAllowance(sessionId: string, subject: string, places: number): Promise<void> {
    await allowanceSql.release(this.tx.manager, sessionId, subject, places).execute();
  }

  findAllowance(sessionId: string, subject: string): Promise<SessionAllowanceEntity | null> {
    return this.tx.manager.getRepository(SessionAllowanceEntity).findOneBy({ sessionId, subject });
  }

  /** Active holds past their expiry, oldest first (optionally of one session). */
  lapsedHolds(now: Date, limit: number, sessionId?: string): Promise<HoldEntity[]> {
    const qb = this.holds
      .createQueryBuilder('h')
      .where('h.status = :active', { active: 'active' })
      .andWhere('h.expiresAt <= :now', { now });
    if (sessionId) qb.andWhere('h.sessionId = :sessionId', { sessionId });
    return qb.orderBy('h.expiresAt', 'ASC').take(limit).getMany();
  }

  /** Held and lapsed places per session, for availability. */
  async holdTotals(sessionIds: string[], now: Date): Promise<Map<string, HoldTotals>> {
    const totals = new Map<string, HoldTotals>();
    if (sessionIds.length === 0) return totals;
    const rows = await this.holds
      .createQueryBuilder('h')
      .select('h.sessionId', 'sessionId')
      .addSelect('SUM(CASE WHEN h.expiresAt > :now THEN h.quantity ELSE 0 END)', 'held')
      .addSelect('SUM(CASE WHEN h.expiresAt <= :now THEN h.quantity ELSE 0 END)', 'lapsed')
      .where('h.status = :active', { active: 'active' })
      .andWhere('h.sessionId IN (:...sessionIds)', { sessionIds })
      .setParameter('now', now)
      .groupBy('h.sessionId')
      .getRawMany<{ sessionId: string; held: string | number; lapsed: string | number }>();
    for (const row of rows) totals.set(row.sessionId, { held: Number(row.held), lapsed: Number(row.lapsed) });
    return totals;
  }

  // ---- bookings

  insertBooking(booking: BookingEntity): Promise<unknown> {
    return this.bookings.insert(booking);
  }

  findBooking(id: string): Promise<BookingEntity | null> {
    return this.bookings.findOneBy({ id });
  }

  findBookingByReference(reference: string): Promise<BookingEntity | null> {
    return this.bookings.findOneBy({ reference });
  }

  findBookingByExternalRef(externalScope: string, externalRef: string): Promise<BookingEntity | null> {
    return this.bookings.findOneBy({ externalScope, externalRef });
  }

  /** Keyset page of bookings by (session start, id). */
  listBookings(filter: BookingListFilter): Promise<BookingEntity[]> {
    const qb = this.bookings.createQueryBuilder('b');
    if (filter.memberIds) {
      if (filter.memberIds.length === 0) return Promise.resolve([]);
      qb.andWhere('b.memberId IN (:...memberIds)', { memberIds: filter.memberIds });
    }
    if (filter.venueIds) {
      if (filter.venueIds.length === 0) return Promise.resolve([]);
      qb.andWhere('b.venueId IN (:...venueIds)', { venueIds: filter.venueIds });
    }
    if (filter.memberId) qb.andWhere('b.memberId = :memberId', { memberId: filter.memberId });
    if (filter.sessionId) qb.andWhere('b.sessionId = :sessionId', { sessionId: filter.sessionId });
    if (filter.venueId) qb.andWhere('b.venueId = :venueId', { venueId: filter.venueId });
    if (filter.status) qb.andWhere('b.status = :status', { status: filter.status });
    // A cursor at or after `from` implies it ((start, id) > (k, i) means start >= k), and a second lower
    // bound would let the planner start the index range at `from` instead of at the cursor.
    if (filter.from && !(filter.after && filter.after.startsAt >= filter.from)) {
      qb.andWhere('b.sessionStartsAt >= :from', { from: filter.from });
    }
    if (filter.to) qb.andWhere('b.sessionStartsAt < :to', { to: filter.to });
    keysetAfter(qb, 'sessionStartsAt', filter.after, 'b');
    return qb
      .orderBy('b.sessionStartsAt', 'ASC')
      .addOrderBy('b.id', 'ASC')
      .take(filter.limit + 1)
      .getMany();
  }

  /** Cancels only a confirmed booking; returns whether this call did it (so places are released once). */
  async cancelBooking(id: string, now: Date): Promise<boolean> {
    const result = await this.bookings
      .createQueryBuilder()
      .update(BookingEntity)
      .set({ status: 'cancelled', cancelledAt: now })
      .where('id = :id', { id })
      .andWhere('status = :confirmed', { confirmed: 'confirmed' })
      .andWhere('checked_in_at IS NULL')
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** Marks arrival once; returns whether this call did it. */
  async checkInBooking(id: string, now: Date): Promise<boolean> {
    const result = await this.bookings
      .createQueryBuilder()
      .update(BookingEntity)
      .set({ checkedInAt: now })
      .where('id = :id', { id })
      .andWhere('status = :confirmed', { confirmed: 'confirmed' })
      .andWhere('checked_in_at IS NULL')
      .execute();
    return (result.affected ?? 0) === 1;
  }
}
