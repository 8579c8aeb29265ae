import { Command, CommandRunner, Option } from 'nest-commander';
import type { Principal } from '@aero/auth';
import { calendarDateRule, isCalendarDate } from '@aero/core';
import { SessionsService } from '../sessions.service';

interface Options {
  venue?: string;
  from?: string;
  to?: string;
  times?: string[];
  duration?: number;
  capacity?: number;
  activity?: string;
  json?: boolean;
}

/** The CLI acts as an operator with full access. */
const OPERATOR: Principal = { kind: 'user', id: 'cli', roles: ['admin'], scopes: [] };
/** JSON when asked (scripts), a sentence otherwise (people). */
function print(json: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(json, null, 2)}\n` : `${human()}\n`);
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Parses `60m`, `90`, `1h`, `1h30m` into minutes; NaN when malformed. */
export function parseDurationMinutes(value: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m?)?$/.exec(value.trim());
  if (!match || (!match[1] && !match[2])) return Number.NaN;
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

@Command({
  name: 'sessions:schedule',
  description: "Create a timetable in the venue's local time (idempotent: existing sessions are kept)",
})
export class SessionsScheduleCommand extends CommandRunner {
  constructor(private readonly sessions: SessionsService) {
    super();
  }

  async run(_args: string[], o: Options): Promise<void> {
    const problems: string[] = [];
    if (!o.venue) problems.push('--venue <id> is required');
    // Real days only: 2027-02-30 would otherwise roll over to 2 March.
    if (!isCalendarDate(o.from)) problems.push(`--from must be ${calendarDateRule()}`);
    if (!isCalendarDate(o.to)) problems.push(`--to must be ${calendarDateRule()}`);
    if (o.from && o.to && o.to < o.from) problems.push('--to must not be before --from');
    if (!o.times?.length || o.times.some((t) => !TIME.test(t)))
      problems.push('--times must be HH:MM[,HH:MM...]');
    if (!o.duration || !Number.isInteger(o.duration) || o.duration < 5 || o.duration > 24 * 60) {
      problems.push('--duration must be like 60m, 90m or 1h30m (5 minutes to 24 hours)');
    }
    if (!o.capacity || !Number.isInteger(o.capacity) || o.capacity < 1 || o.capacity > 10000) {
      problems.push('--capacity must be a whole number 1–10000');
    }
    if (problems.length) throw new Error(problems.join('; '));
    const result = await this.sessions.schedule(OPERATOR, {
      venueId: o.venue as string,
      activity: o.activity ?? 'Open Jump',
      from: o.from as string,
      to: o.to as string,
      times: o.times as string[],
      durationMinutes: o.duration as number,
      capacity: o.capacity as number,
    });
    const summary = { created: result.created, existing: result.existing };
    print(
      o.json ? summary : null,
      () => `Created ${result.created} session(s); ${result.existing} already existed.`,
    );
  }

  @Option({ flags: '--venue <id>', description: 'venue id' })
  parseVenue(v: string): string {
    return v;
  }

  @Option({ flags: '--from <date>', description: 'first day, venue-local (YYYY-MM-DD)' })
  parseFrom(v: string): string {
    return v;
  }

  @Option({ flags: '--to <date>', description: 'last day, inclusive (YYYY-MM-DD)' })
  parseTo(v: string): string {
    return v;
  }

  @Option({ flags: '--times <list>', description: 'venue-local start times, e.g. 10:00,11:30' })
  parseTimes(v: string): string[] {
    return v
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  }

  @Option({ flags: '--duration <duration>', description: 'length of each session, e.g. 60m' })
  parseDuration(v: string): number {
    return parseDurationMinutes(v);
  }

  @Option({ flags: '--capacity <n>', description: 'places per session' })
  parseCapacity(v: string): number {
    return Number(v);
  }

  @Option({ flags: '--activity <name>', description: 'activity name (default "Open Jump")' })
  parseActivity(v: string): string {
    return v;
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}
