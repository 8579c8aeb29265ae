import 'reflect-metadata';
import type { Principal } from '@aero/auth';
import type { AppConfig, TransactionService } from '@aero/core';
import type { EventsService } from '@aero/events';
import { AppError } from '@aero/core';
import type { MembersService } from '@aero/members';
import type { BookingEntity } from './booking.entity';
import { BookingsProblems } from './bookings.errors';
import type { BookingsRepository } from './bookings.repository';
import { BookingsService, newReference } from './bookings.service';
import type { CapacityService } from './capacity.service';
import type { HoldsService } from './holds.service';

const staff: Principal = { kind: 'user', id: 'u-staff', roles: ['staff'], scopes: [] };
const parent: Principal = { kind: 'user', id: 'u-parent', roles: ['member'], scopes: [], memberId: 'm1' };
const HOUR = 3600_000;

function booking(overrides: Partial<BookingEntity> = {}): BookingEntity {
  return {
    id: 'b1',
    reference: 'K7Q2-M9XD',
    sessionId: 's1',
    venueId: 'v1',
    sessionStartsAt: new Date(Date.now() + HOUR),
    memberId: 'm1',
    quantity: 2,
    status: 'confirmed',
    holdId: null,
    externalRef: null,
    externalScope: null,
    ownerKey: 'user:u-staff',
    createdAt: new Date(),
    cancelledAt: null,
    checkedInAt: null,
    ...overrides,
  };
}

function setup(found: BookingEntity, opts: { waiver?: boolean; cancelMatches?: boolean; checkInMatches?: boolean } = {}) {
  const repo = {
    findBooking: jest.fn().mockResolvedValue(found),
    findSession: jest
      .fn()
      .mockResolvedValue({ id: 's1', endsAt: new Date(found.sessionStartsAt.getTime() + HOUR) }),
    findVenuesByIds: jest.fn().mockResolvedValue([{ id: 'v1', timeZone: 'America/Toronto' }]),
    cancelBooking: jest.fn().mockResolvedValue(opts.cancelMatches ?? true),
    checkInBooking: jest.fn().mockResolvedValue(opts.checkInMatches ?? true),
    releaseAllowance: jest.fn().mockResolvedValue(undefined),
  };
  const capacity = { release: jest.fn().mockResolvedValue(undefined) };
  const members = {
    visibleMemberIds: jest.fn(async (p: Principal) => (p.memberId ? [p.memberId] : undefined)),
    waiverValidOn: jest.fn().mockResolvedValue(opts.waiver ?? true),
  };
  const tx = { run: <T>(work: () => Promise<T>) => work(), read: <T>(work: () => Promise<T>) => work() };
  const events = { record: jest.fn().mockResolvedValue(undefined) };
  const service = new BookingsService(
    repo as unknown as BookingsRepository,
    {} as HoldsService,
    capacity as unknown as CapacityService,
    members as unknown as MembersService,
    tx as unknown as TransactionService,
    { bookings: { maxActivePerMemberSession: 3 } } as AppConfig,
    events as unknown as EventsService,
  );
  return { service, repo, capacity, members, events };
}

async function problemOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('BookingsService rules', () => {
  it('releases places only when this cancel actually cancelled the booking', async () => {
    const first = setup(booking());
    await first.service.cancel(staff, 'b1');
    expect(first.capacity.release).toHaveBeenCalledWith('s1', 2, expect.any(Date));
    expect(first.repo.releaseAllowance).toHaveBeenCalledWith('s1', `member:${booking().memberId}`, 2);
    // A concurrent cancel got there first: the conditional update matches nothing, nothing is released.
    const raced = setup(booking(), { cancelMatches: false });
    await raced.service.cancel(staff, 'b1');
    expect(raced.capacity.release).not.toHaveBeenCalled();
    expect(raced.repo.releaseAllowance).not.toHaveBeenCalled();
  });

  it('returns an already cancelled booking without touching anything', async () => {
    const { service, repo, capacity } = setup(booking({ status: 'cancelled', cancelledAt: new Date() }));
    expect((await service.cancel(staff, 'b1')).status).toBe('cancelled');
    expect(repo.cancelBooking).not.toHaveBeenCalled();
    expect(capacity.release).not.toHaveBeenCalled();
  });

  it('lets a member cancel only before the session starts, while staff still can', async () => {
    const started = booking({ sessionStartsAt: new Date(Date.now() - 10 * 60_000) });
    const error = await problemOf(setup(started).service.cancel(parent, 'b1'));
    expect(error.problem).toBe(BookingsProblems.cancelTooLate);
    await setup(started).service.cancel(staff, 'b1');
  });

  it("hides another member's booking from a member user as 404", async () => {
    const error = await problemOf(setup(booking({ memberId: 'm-other' })).service.get(parent, 'b1'));
    expect(error.problem).toBe(BookingsProblems.bookingNotFound);
  });

  it('refuses check-in without a valid waiver and writes nothing', async () => {
    const { service, repo } = setup(booking(), { waiver: false });
    const error = await problemOf(service.checkIn(staff, 'b1'));
    expect(error.problem).toBe(BookingsProblems.waiverRequired);
    expect(repo.checkInBooking).not.toHaveBeenCalled();
  });

  it('refuses check-in more than 2 hours before the start', async () => {
    const { service, repo } = setup(booking({ sessionStartsAt: new Date(Date.now() + 3 * HOUR) }));
    const error = await problemOf(service.checkIn(staff, 'b1'));
    expect(error.problem).toBe(BookingsProblems.checkInClosed);
    expect(repo.checkInBooking).not.toHaveBeenCalled();
  });

  it('treats a second check-in as done, without checking the waiver again', async () => {
    const { service, repo, members } = setup(booking({ checkedInAt: new Date() }), { waiver: false });
    await service.checkIn(staff, 'b1');
    expect(members.waiverValidOn).not.toHaveBeenCalled();
    expect(repo.checkInBooking).not.toHaveBeenCalled();
  });

  it('answers a cancel from what it wrote, reading the booking once', async () => {
    const { service, repo, events } = setup(booking());
    const cancelled = await service.cancel(staff, 'b1');
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelledAt: expect.any(String), quantity: 2 });
    expect(repo.findBooking).toHaveBeenCalledTimes(1);
    expect(events.record).toHaveBeenCalledWith('booking.cancelled', expect.objectContaining({ data: cancelled }));
  });

  it('announces a check-in only when this call made it; a concurrent one answers as stored', async () => {
    const mine = setup(booking({ sessionStartsAt: new Date(Date.now() + HOUR) }));
    const checkedIn = await mine.service.checkIn(staff, 'b1');
    expect(checkedIn.checkedInAt).toEqual(expect.any(String));
    expect(mine.repo.findBooking).toHaveBeenCalledTimes(1);
    expect(mine.events.record).toHaveBeenCalledTimes(1);
    // Another request checked in (or cancelled) between the read and the conditional UPDATE.
    const raced = setup(booking({ sessionStartsAt: new Date(Date.now() + HOUR) }), { checkInMatches: false });
    await raced.service.checkIn(staff, 'b1');
    expect(raced.repo.findBooking).toHaveBeenCalledTimes(2);
    expect(raced.events.record).not.toHaveBeenCalled();
  });

  it('makes short references without look-alike characters', () => {
    for (let i = 0; i < 200; i++)
      expect(newReference()).toMatch(/^[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}$/);
  });
});
