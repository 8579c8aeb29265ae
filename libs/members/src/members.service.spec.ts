import 'reflect-metadata';
import type { Principal } from '@aero/auth';
import type { AppConfig, TransactionService } from '@aero/core';
import type { EventsService } from '@aero/events';
import { AppError, CoreProblems } from '@aero/core';
import type { MemberEntity } from './member.entity';
import { MembersProblems } from './members.errors';
import type { MembersRepository } from './members.repository';
import { ageOn, canTransitionMembership, MembersService, versionFromIfMatch } from './members.service';

const staff: Principal = { kind: 'user', id: 'u-staff', roles: ['staff'], scopes: [] };
const parent: Principal = {
  kind: 'user',
  id: 'u-parent',
  roles: ['member'],
  scopes: [],
  memberId: 'm-parent',
};

function member(overrides: Partial<MemberEntity> = {}): MemberEntity {
  const at = new Date('2026-01-01T00:00:00Z');
  return {
    id: 'm1',
    firstName: 'Maya',
    lastName: 'Singh',
    firstNameKey: 'maya',
    sortKey: 'singh maya',
    dateOfBirth: '1990-05-05',
    email: null,
    emailNormalized: null,
    phone: null,
    guardianId: null,
    homeVenueId: null,
    membershipPlan: null,
    membershipStatus: null,
    membershipValidUntil: null,
    waiverValidUntil: null,
    version: 3,
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
    ...overrides,
  };
}

function setup(found: MemberEntity | null) {
  const repo = {
    findLive: jest.fn().mockResolvedValue(found),
    findByEmail: jest.fn().mockResolvedValue(null),
    updateVersioned: jest.fn().mockResolvedValue(true),
    insertWaiver: jest.fn().mockResolvedValue(undefined),
    dependantIds: jest.fn().mockResolvedValue([]),
  };
  const tx = {
    run: <T>(work: () => Promise<T>) => work(),
    read: <T>(work: () => Promise<T>) => work(),
    errors: { isUniqueViolation: () => false },
  };
  const config = { members: { waiverValidityDays: 365 } };
  const events = { record: jest.fn().mockResolvedValue(undefined) };
  const service = new MembersService(
    repo as unknown as MembersRepository,
    tx as unknown as TransactionService,
    config as unknown as AppConfig,
    events as unknown as EventsService,
  );
  return { service, repo, events };
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

describe('membership transitions', () => {
  it.each([
    [null, 'active', true],
    [null, 'paused', false],
    [null, 'cancelled', false],
    ['active', 'paused', true],
    ['active', 'cancelled', true],
    ['paused', 'active', true],
    ['paused', 'cancelled', true],
    ['cancelled', 'active', true],
    ['cancelled', 'paused', false],
  ] as const)('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransitionMembership(from, to)).toBe(allowed);
  });

  it('refuses pausing a cancelled membership with 409 naming both states', async () => {
    const { service, repo } = setup(member({ membershipStatus: 'cancelled', membershipPlan: 'Monthly' }));
    const error = await problemOf(service.changeMembership(staff, 'm1', { status: 'paused' }));
    expect(error.problem).toBe(MembersProblems.invalidTransition);
    expect(error.extensions).toEqual({ from: 'cancelled', to: 'paused' });
    expect(repo.updateVersioned).not.toHaveBeenCalled();
  });
});

describe('ages and ETags', () => {
  it('counts a birthday only once it has happened', () => {
    expect(ageOn('2008-11-26', '2026-11-25')).toBe(17);
    expect(ageOn('2008-11-25', '2026-11-25')).toBe(18);
  });

  it('reads strong and weak ETags, ignores * and rejects garbage with 412', () => {
    expect(versionFromIfMatch('"7"')).toBe(7);
    expect(versionFromIfMatch('W/"7"')).toBe(7);
    expect(versionFromIfMatch('*')).toBeUndefined();
    expect(versionFromIfMatch(undefined)).toBeUndefined();
    expect(() => versionFromIfMatch('seven')).toThrow(AppError);
  });
});

describe('MembersService rules', () => {
  it('answers a stale If-Match with 412 and writes nothing', async () => {
    const { service, repo } = setup(member({ version: 4 }));
    const error = await problemOf(service.update(staff, 'm1', { firstName: 'May' }, '"3"'));
    expect(error.problem).toBe(CoreProblems.preconditionFailed);
    expect(repo.updateVersioned).not.toHaveBeenCalled();
  });

  it("hides another family's member from a member user as 404", async () => {
    const { service } = setup(member({ id: 'm-other', guardianId: 'm-someone-else' }));
    const error = await problemOf(service.get(parent, 'm-other'));
    expect(error.problem).toBe(MembersProblems.memberNotFound);
  });

  it('shows a member user their own dependant', async () => {
    const { service } = setup(member({ id: 'm-kid', guardianId: 'm-parent', dateOfBirth: '2016-01-01' }));
    const { member: kid, etag } = await service.get(parent, 'm-kid');
    expect(kid).toMatchObject({ id: 'm-kid', isMinor: true, guardianId: 'm-parent' });
    expect(etag).toBe('W/"3"');
  });

  it("requires the guardian to sign a minor's waiver", async () => {
    const { service, repo } = setup(member({ dateOfBirth: '2016-01-01', guardianId: 'm-parent' }));
    const error = await problemOf(service.signWaiver(staff, 'm1', {}));
    expect(error.problem).toBe(MembersProblems.guardianMustSign);
    expect(repo.insertWaiver).not.toHaveBeenCalled();
    await service.signWaiver(staff, 'm1', { signedByMemberId: 'm-parent' });
    expect(repo.insertWaiver).toHaveBeenCalledTimes(1);
  });

  it('makes a waiver valid for the configured number of days', async () => {
    const { service } = setup(member());
    const waiver = await service.signWaiver(staff, 'm1', {});
    const days = (Date.parse(waiver.validUntil) - Date.parse(waiver.signedAt)) / 86_400_000;
    expect(days).toBe(365);
    expect(waiver.signedByMemberId).toBe('m1');
  });
});
