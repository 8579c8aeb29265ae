import { Injectable } from '@nestjs/common';
import type { Principal } from '@aero/auth';
import { AppError } from '@aero/core';
import type { MemberCreateDto } from '@aero/members';
import { MembersService } from '@aero/members';
import { BookingsProblems } from './bookings.errors';
import { BookingsService } from './bookings.service';
import { SessionsService } from './sessions.service';
import { addDays, localDate } from './time-zone';
import { VenuesService } from './venues.service';

/** The CLI seeds as an operator with full access. */
const OPERATOR: Principal = { kind: 'user', id: 'seed', roles: ['admin'], scopes: [] };

const TIMES = ['10:00', '11:30', '13:00', '14:30', '16:00', '17:30'];

interface SeedMember {
  key: string;
  dto: MemberCreateDto;
  guardian?: string;
  waiver: boolean;
  plan?: string;
}

const MEMBERS: SeedMember[] = [
  {
    key: 'olivia',
    dto: {
      firstName: 'Olivia',
      lastName: 'Chen',
      dateOfBirth: '1988-04-12',
      email: 'olivia.chen@example.com',
      phone: '+1 416-555-0101',
    },
    waiver: true,
    plan: 'Unlimited Monthly',
  },
  {
    key: 'liam',
    dto: { firstName: 'Liam', lastName: 'Chen', dateOfBirth: '2016-09-03', email: 'liam.chen@example.com' },
    guardian: 'olivia',
    waiver: true,
  },
  {
    key: 'marcus',
    dto: {
      firstName: 'Marcus',
      lastName: 'Brown',
      dateOfBirth: '1995-01-27',
      email: 'marcus.brown@example.com',
    },
    waiver: false,
  },
  {
    key: 'sofia',
    dto: {
      firstName: 'Sofia',
      lastName: 'Rossi',
      dateOfBirth: '2001-11-30',
      email: 'sofia.rossi@example.com',
      phone: '+1 647-555-0177',
    },
    waiver: true,
  },
  {
    key: 'noah',
    dto: { firstName: 'Noah', lastName: 'Brown', dateOfBirth: '2018-02-14', email: 'noah.brown@example.com' },
    guardian: 'marcus',
    waiver: false,
  },
];

export interface SeedCounts {
  venues: number;
  sessions: number;
  members: number;
  waivers: number;
  bookings: number;
}

/**
 * Demo data for local runs: AeroSports Toronto, a week of Open Jump sessions, a few members (with and
 * without waivers, a family with a minor) and some bookings. Idempotent: a second run creates nothing.
 */
@Injectable()
export class BookingsSeedService {
  constructor(
    private readonly venues: VenuesService,
    private readonly sessions: SessionsService,
    private readonly members: MembersService,
    private readonly bookings: BookingsService,
  ) {}

  async seed(): Promise<SeedCounts> {
    const counts: SeedCounts = { venues: 0, sessions: 0, members: 0, waivers: 0, bookings: 0 };
    const { venue, created } = await this.venues.ensure(OPERATOR, {
      name: 'AeroSports Toronto',
      timeZone: 'America/Toronto',
    });
    if (created) counts.venues++;
    const today = localDate(new Date(), venue.timeZone);
    const schedule = await this.sessions.schedule(OPERATOR, {
      venueId: venue.id,
      activity: 'Open Jump',
      from: today,
      to: addDays(today, 6),
      times: TIMES,
      durationMinutes: 60,
      capacity: 40,
    });
    counts.sessions += schedule.created;

    const ids = new Map<string, string>();
    for (const m of MEMBERS) {
      let id = await this.members.findIdByEmail(m.dto.email as string);
      if (!id) {
        const guardianId = m.guardian ? ids.get(m.guardian) : undefined;
        id = (await this.members.create(OPERATOR, { ...m.dto, ...(guardianId ? { guardianId } : {}) })).member
          .id;
        counts.members++;
        if (m.plan) await this.members.changeMembership(OPERATOR, id, { status: 'active', plan: m.plan });
      }
      ids.set(m.key, id);
      const current = (await this.members.get(OPERATOR, id)).member;
      if (m.waiver && !current.waiverValidUntil) {
        const signer = m.guardian ? ids.get(m.guardian) : undefined;
        await this.members.signWaiver(OPERATOR, id, signer ? { signedByMemberId: signer } : {});
        counts.waivers++;
      }
    }

    // Tomorrow's first two sessions get a few bookings.
    const tomorrow = schedule.sessionIds.slice(TIMES.length, TIMES.length + 2);
    const plan: [string, string, number][] = [
      ['olivia', tomorrow[0], 1],
      ['liam', tomorrow[0], 1],
      ['marcus', tomorrow[0], 2],
      ['sofia', tomorrow[1], 1],
    ];
    for (const [i, [member, sessionId, quantity]] of plan.entries()) {
      try {
        await this.bookings.create(OPERATOR, {
          sessionId,
          memberId: ids.get(member) as string,
          quantity,
          externalRef: `seed-${i + 1}`,
        });
        counts.bookings++;
      } catch (error) {
        if (!(error instanceof AppError && error.problem === BookingsProblems.externalRefTaken)) throw error;
      }
    }
    return counts;
  }
}
