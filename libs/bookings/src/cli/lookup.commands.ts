import { Command, CommandRunner, Option } from 'nest-commander';
import type { Principal } from '@aero/auth';
import { cliExamples, formatTable, printResult } from '@aero/core';
import { BookingsService } from '../bookings.service';
import type { SessionResponseDto } from '../dto/session.dto';
import type { VenueResponseDto } from '../dto/venue.dto';
import { SessionsService } from '../sessions.service';
import { VenuesService } from '../venues.service';

/** The CLI acts as an operator with full access. */
const OPERATOR: Principal = { kind: 'user', id: 'cli', roles: ['admin'], scopes: [] };
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Every venue, following the pages (a chain has tens of parks, not thousands). */
async function allVenues(venues: VenuesService): Promise<VenueResponseDto[]> {
  const all: VenueResponseDto[] = [];
  let cursor: string | undefined;
  do {
    const page = await venues.list(OPERATOR, { limit: 100, cursor });
    all.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

cliExamples('bookings:show', 'aero bookings:show K7Q2-M9XD', 'aero bookings:show k7q2m9xd --json');

@Command({
  name: 'bookings:show',
  arguments: '<reference>',
  description: 'Show one booking by its reference (the code on the guest’s confirmation)',
})
export class BookingsShowCommand extends CommandRunner {
  constructor(private readonly bookings: BookingsService) {
    super();
  }

  async run([reference]: string[], options: { json?: boolean }): Promise<void> {
    const b = await this.bookings.getByReference(OPERATOR, reference);
    printResult(b, options.json, () =>
      [
        ['Reference', b.reference],
        ['Status', b.checkedInAt ? `${b.status}, checked in ${b.checkedInAt}` : b.status],
        ['Session', `${b.sessionStartsAtLocal} (${b.sessionStartsAt} UTC), session ${b.sessionId}`],
        ['Venue', b.venueId],
        ['Member', b.memberId],
        ['Places', String(b.quantity)],
        ['Booked at', b.createdAt],
        ['Cancelled at', b.cancelledAt ?? '—'],
        ['External ref', b.externalRef ?? '—'],
        ['Id', b.id],
      ]
        .map(([k, v]) => `${k.padEnd(13)}${v}`)
        .join('\n'),
    );
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}

cliExamples('venues:list', 'aero venues:list', 'aero venues:list --json');

@Command({ name: 'venues:list', description: 'List venues with their time zones' })
export class VenuesListCommand extends CommandRunner {
  constructor(private readonly venues: VenuesService) {
    super();
  }

  async run(_args: string[], options: { json?: boolean }): Promise<void> {
    const venues = await allVenues(this.venues);
    printResult(venues, options.json, () =>
      formatTable(
        [
          { header: 'ID', value: (v: VenueResponseDto) => v.id },
          { header: 'NAME', value: (v) => v.name },
          { header: 'TIME ZONE', value: (v) => v.timeZone },
          { header: 'ACTIVE', value: (v) => (v.active ? 'yes' : 'no') },
        ],
        venues,
        'No venues yet (aero db:seed loads demo data).',
      ),
    );
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}

interface SessionsListOptions {
  venue?: string;
  date?: string;
  json?: boolean;
}

cliExamples(
  'sessions:list',
  'aero sessions:list --venue "Downtown Toronto" --date 2026-12-24',
  'aero sessions:list --venue 0b8f5c1e-2d3a-4e5f-9a6b-7c8d9e0f1a2b --json',
);

@Command({
  name: 'sessions:list',
  description: "A venue's sessions on one day, in its local time, with places booked, held and left",
})
export class SessionsListCommand extends CommandRunner {
  constructor(
    private readonly sessions: SessionsService,
    private readonly venues: VenuesService,
  ) {
    super();
  }

  async run(_args: string[], o: SessionsListOptions): Promise<void> {
    const wanted = (o.venue ?? '').trim();
    const venue = (await allVenues(this.venues)).find(
      (v) => v.id === wanted || v.name.toLowerCase() === wanted.toLowerCase(),
    );
    if (!venue) throw new Error(`no venue with id or name "${wanted}" (aero venues:list shows them)`);
    const date = o.date ?? new Date().toLocaleDateString('en-CA', { timeZone: venue.timeZone });
    const sessions: SessionResponseDto[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.sessions.list(OPERATOR, {
        venueId: venue.id,
        from: date,
        to: date,
        includeCancelled: true,
        limit: 100,
        cursor,
      });
      sessions.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    printResult({ venue, date, sessions }, o.json, () =>
      [
        `${venue.name}, ${date} (${venue.timeZone})`,
        formatTable(
          [
            { header: 'STARTS', value: (s: SessionResponseDto) => s.startsAtLocal.slice(11, 16) },
            { header: 'ENDS', value: (s) => s.endsAtLocal.slice(11, 16) },
            { header: 'ACTIVITY', value: (s) => s.activity },
            { header: 'STATUS', value: (s) => s.status },
            { header: 'CAPACITY', value: (s) => s.capacity, align: 'right' },
            { header: 'BOOKED', value: (s) => s.booked, align: 'right' },
            { header: 'HELD', value: (s) => s.held, align: 'right' },
            { header: 'LEFT', value: (s) => s.remaining, align: 'right' },
            { header: 'ID', value: (s) => s.id },
          ],
          sessions,
          'No sessions that day.',
        ),
      ].join('\n'),
    );
  }

  @Option({ flags: '--venue <id|name>', description: 'the venue, by id or exact name', required: true })
  parseVenue(value: string): string {
    return value;
  }

  @Option({ flags: '--date <YYYY-MM-DD>', description: "the day, in the venue's local time (default: today there)" })
  parseDate(value: string): string {
    const real = DATE.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
    if (!real) throw new Error('--date must be a calendar date YYYY-MM-DD');
    return value;
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}
