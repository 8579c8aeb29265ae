/**
 * Venue-local time with the platform's own Intl data, correct across daylight-saving changes.
 * Nothing here depends on the server's TZ.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows (e.g. `America/Toronto`). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone || !/^[A-Za-z0-9_+\-/]+$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(instant: Date, timeZone: string): LocalParts {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** The offset straight from Intl: one `formatToParts` call (microseconds each; the reason for the cache). */
function exactOffsetMinutes(instant: Date, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const whole = Math.floor(instant.getTime() / 1000) * 1000;
  return Math.round((asUtc - whole) / 60000);
}

const HOUR_MS = 3600_000;
/** Offsets by zone and UTC hour; `null` marks an hour with a change inside it (computed exactly each time). */
const offsetsByHour = new Map<string, number | null>();
const MAX_CACHED_HOURS = 50_000; // ~3 zones × 2 years of hours; cleared, not grown, beyond that

/**
 * Minutes the zone is ahead of UTC at `instant` (Toronto in winter: -300). Computed once per zone and UTC
 * hour: an hour whose first and last millisecond share an offset has it throughout (zones change offset at
 * most once an hour); an hour with a change inside it is computed exactly on every call.
 */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const hour = Math.floor(instant.getTime() / HOUR_MS);
  const key = `${timeZone}@${hour}`;
  let offset = offsetsByHour.get(key);
  if (offset === undefined) {
    const first = exactOffsetMinutes(new Date(hour * HOUR_MS), timeZone);
    const last = exactOffsetMinutes(new Date(hour * HOUR_MS + HOUR_MS - 1), timeZone);
    offset = first === last ? first : null;
    if (offsetsByHour.size >= MAX_CACHED_HOURS) offsetsByHour.clear();
    offsetsByHour.set(key, offset);
  }
  return offset ?? exactOffsetMinutes(instant, timeZone);
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** ISO 8601 local time with its offset, e.g. `2026-03-08T10:00:00-04:00`. */
export function formatLocal(instant: Date, timeZone: string): string {
  const offset = offsetMinutes(instant, timeZone);
  // The wall clock is the instant shifted by the offset, read in UTC: no Intl call once the hour is cached.
  const wall = new Date(Math.floor(instant.getTime() / 1000) * 1000 + offset * 60000);
  const sign = offset < 0 ? '-' : '+';
  return (
    `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
    `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}` +
    `${sign}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

/** The venue-local calendar date of an instant, `YYYY-MM-DD`. */
export function localDate(instant: Date, timeZone: string): string {
  return formatLocal(instant, timeZone).slice(0, 10);
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` `time` (`YYYY-MM-DD`, `HH:MM`). A time
 * skipped by a spring-forward change resolves to the same clock reading after the change (02:30 → 03:30);
 * a time that occurs twice in the autumn resolves to the first occurrence.
 */
export function zonedTimeToUtc(date: string, time: string, timeZone: string): Date {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // Try the offsets in force a day either side: one of them is right unless the time does not exist.
  const candidates = [
    offsetMinutes(new Date(wall - 36 * 3600_000), timeZone),
    offsetMinutes(new Date(wall + 36 * 3600_000), timeZone),
  ];
  const exact = candidates
    .map((offset) => wall - offset * 60000)
    .filter((t) => wall - offsetMinutes(new Date(t), timeZone) * 60000 === t)
    .sort((a, b) => a - b);
  if (exact.length > 0) return new Date(exact[0]);
  // Skipped by a spring-forward gap: use the offset before the change, which lands after the gap.
  return new Date(wall - Math.min(...candidates) * 60000);
}

/** Adds whole days to a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
