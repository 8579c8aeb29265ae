import 'reflect-metadata';
import { AppError } from '@aero/core';
import { BookingsProblems } from './bookings.errors';
import type { EventsService } from '@aero/events';
import type { BookingsRepository } from './bookings.repository';
import { CapacityService } from './capacity.service';
import type { HoldEntity } from './hold.entity';
import type { SessionEntity } from './session.entity';

const events = { record: jest.fn().mockResolvedValue(undefined) } as unknown as EventsService;

const now = new Date('2026-03-08T12:00:00Z');

function session(overrides: Partial<SessionEntity> = {}): SessionEntity {
  return {
    id: 's1',
    venueId: 'v1',
    activity: 'Open Jump',
    startsAt: new Date('2026-03-08T14:00:00Z'),
    endsAt: new Date('2026-03-08T15:00:00Z'),
    capacity: 10,
    booked: 8,
    status: 'scheduled',
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

function hold(overrides: Partial<HoldEntity> = {}): HoldEntity {
  return {
    id: 'h1',
    sessionId: 's1',
    venueId: 'v1',
    quantity: 3,
    status: 'active',
    ownerKey: 'user:u1',
    expiresAt: new Date('2026-03-08T11:50:00Z'),
    createdAt: now,
    ...overrides,
  };
}

function repoMock() {
  return {
    takePlaces: jest.fn<Promise<boolean>, [string, number, Date]>(),
    releasePlaces: jest.fn<Promise<void>, [string, number, Date]>().mockResolvedValue(undefined),
    releaseAllowance: jest.fn<Promise<void>, [string, string, number]>().mockResolvedValue(undefined),
    releaseOpenHold: jest.fn<Promise<void>, [string]>().mockResolvedValue(undefined),
    lapsedHolds: jest.fn<Promise<HoldEntity[]>, [Date, number, string?]>().mockResolvedValue([]),
    transitionHold: jest.fn<Promise<boolean>, [string, string, string]>().mockResolvedValue(true),
    findSession: jest.fn<Promise<SessionEntity | null>, [string]>(),
  };
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

describe('CapacityService', () => {
  it('takes places when the conditional update matches', async () => {
    const repo = repoMock();
    repo.takePlaces.mockResolvedValue(true);
    await new CapacityService(repo as unknown as BookingsRepository, events).take(session(), 2, now);
    expect(repo.takePlaces).toHaveBeenCalledWith('s1', 2, now);
  });

  it('answers session-full saying how many places remain', async () => {
    const repo = repoMock();
    repo.takePlaces.mockResolvedValue(false);
    repo.findSession.mockResolvedValue(session({ booked: 8 }));
    const error = await problemOf(
      new CapacityService(repo as unknown as BookingsRepository, events).take(session(), 3, now),
    );
    expect(error.problem).toBe(BookingsProblems.sessionFull);
    expect(error.extensions).toEqual({ remaining: 2, requested: 3 });
    expect(error.detail).toBe('Only 2 places left; 3 requested.');
  });

  it('says the session is full when nothing remains', async () => {
    const repo = repoMock();
    repo.takePlaces.mockResolvedValue(false);
    repo.findSession.mockResolvedValue(session({ booked: 10 }));
    const error = await problemOf(
      new CapacityService(repo as unknown as BookingsRepository, events).take(session(), 1, now),
    );
    expect(error.extensions).toMatchObject({ remaining: 0 });
    expect(error.detail).toBe('The session is full.');
  });

  it('releases lapsed holds of the session, then takes the places they freed', async () => {
    const repo = repoMock();
    repo.takePlaces.mockResolvedValueOnce(false).mockResolvedValueOnce(true);
    repo.lapsedHolds.mockResolvedValue([hold()]);
    await new CapacityService(repo as unknown as BookingsRepository, events).take(session(), 3, now);
    expect(repo.transitionHold).toHaveBeenCalledWith('h1', 'active', 'expired');
    expect(repo.releasePlaces).toHaveBeenCalledWith('s1', 3, now);
    expect(repo.takePlaces).toHaveBeenCalledTimes(2);
  });

  it('refuses a cancelled session without touching capacity', async () => {
    const repo = repoMock();
    const error = await problemOf(
      new CapacityService(repo as unknown as BookingsRepository, events).take(
        session({ status: 'cancelled' }),
        1,
        now,
      ),
    );
    expect(error.problem).toBe(BookingsProblems.sessionCancelled);
    expect(repo.takePlaces).not.toHaveBeenCalled();
  });

  it('refuses a session that has ended', async () => {
    const repo = repoMock();
    const error = await problemOf(
      new CapacityService(repo as unknown as BookingsRepository, events).take(
        session({ endsAt: new Date('2026-03-08T11:00:00Z') }),
        1,
        now,
      ),
    );
    expect(error.problem).toBe(BookingsProblems.sessionOver);
  });

  it("gives a hold's places back only once, however often it is expired", async () => {
    const repo = repoMock();
    repo.transitionHold.mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    const capacity = new CapacityService(repo as unknown as BookingsRepository, events);
    expect(await capacity.expire(hold(), now)).toBe(true);
    expect(await capacity.expire(hold(), now)).toBe(false);
    expect(repo.releasePlaces).toHaveBeenCalledTimes(1);
    // The holder's allowance (live holds and held places) comes back once too.
    expect(repo.releaseAllowance).toHaveBeenCalledTimes(1);
    expect(repo.releaseAllowance).toHaveBeenCalledWith(hold().sessionId, `holder:${hold().ownerKey}`, hold().quantity);
    // And so does its place under the holder's cap on open holds.
    expect(repo.releaseOpenHold).toHaveBeenCalledTimes(1);
    expect(repo.releaseOpenHold).toHaveBeenCalledWith(hold().ownerKey);
  });
});
