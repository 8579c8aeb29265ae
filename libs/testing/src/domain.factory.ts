import { randomBytes } from 'node:crypto';
import type { Principal } from '@aero/auth';
import type { SessionResponseDto, VenueResponseDto } from '@aero/bookings';
import { SessionsService, VenuesService } from '@aero/bookings';
import type { MemberCreateDto, MemberResponseDto } from '@aero/members';
import { MembersService } from '@aero/members';
import type { TestApp } from './test-app';

/** Domain data is made through the services as an operator, so tests need no HTTP round trip to set up. */
const OPERATOR: Principal = { kind: 'user', id: 'test-operator', roles: ['admin'], scopes: [] };

let sequence = 0;
const unique = () => `${++sequence}-${randomBytes(3).toString('hex')}`;

export async function createVenue(
  t: TestApp,
  opts: { name?: string; timeZone?: string } = {},
): Promise<VenueResponseDto> {
  return t.app.get(VenuesService).create(OPERATOR, {
    name: opts.name ?? `Test Park ${unique()}`,
    timeZone: opts.timeZone ?? 'America/Toronto',
  });
}

/** A session (default: tomorrow, 60 minutes, capacity 10) at `venueId` or at a new venue. */
export async function createSession(
  t: TestApp,
  opts: {
    venueId?: string;
    capacity?: number;
    startsAt?: Date;
    durationMinutes?: number;
    activity?: string;
  } = {},
): Promise<SessionResponseDto> {
  const venueId = opts.venueId ?? (await createVenue(t)).id;
  const startsAt = opts.startsAt ?? new Date(Date.now() + 24 * 3600_000);
  const endsAt = new Date(startsAt.getTime() + (opts.durationMinutes ?? 60) * 60_000);
  return t.app.get(SessionsService).create(OPERATOR, {
    venueId,
    activity: opts.activity ?? `Open Jump ${unique()}`,
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
    capacity: opts.capacity ?? 10,
  });
}

/** A member (an adult by default); `waiver: true` also records a waiver signed now. */
export async function createMember(
  t: TestApp,
  opts: Partial<MemberCreateDto> & { waiver?: boolean } = {},
): Promise<MemberResponseDto> {
  const { waiver, ...fields } = opts;
  const id = unique();
  const members = t.app.get(MembersService);
  const { member } = await members.create(OPERATOR, {
    firstName: 'Test',
    lastName: `Member${id.replace(/[^a-z0-9]/gi, '')}`,
    dateOfBirth: '1990-01-15',
    email: `member-${id}@example.test`,
    ...fields,
  });
  if (waiver) await signWaiver(t, member.id);
  return (await members.get(OPERATOR, member.id)).member;
}

export async function signWaiver(t: TestApp, memberId: string, signedByMemberId?: string): Promise<void> {
  await t.app
    .get(MembersService)
    .signWaiver(OPERATOR, memberId, signedByMemberId ? { signedByMemberId } : {});
}
