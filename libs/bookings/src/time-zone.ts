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
const DAY_MS = 24 * HOUR_MS;
/** Per zone: UTC hours cached (~2 years), local days cached (~13 years); cleared, not grown, beyond that. */
const MAX_CACHED_HOURS = 20_000;
const MAX_CACHED_DAYS = 5_000;
/** Zones with a clock at once; cleared, not grown, beyond that (venues use a handful). */
const MAX_CLOCKS = 500;

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');
/** `00`..`59`: the two-digit fields of a time of day without building a string per call. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => pad(i));

/**
 * One zone's wall clock: the `Intl.DateTimeFormat` built once, offsets cached by UTC hour, and the formatted
 * calendar date cached by local day, so a page of sessions pays one map lookup per field rather than an
 * Intl call or a date formatting per session. Get one with `zoneClock`.
 */
export class ZoneClock {
  /** Offsets by UTC hour; `null` marks an hour with a change inside it (computed exactly each time). */
  private readonly offsetsByHour = new Map<number, number | null>();
  /** `YYYY-MM-DD` by local day number (days since 1970-01-01 on the wall clock). */
  private readonly dates = new Map<number, string>();
  /** `±HH:MM` by offset in minutes. */
  private readonly suffixes = new Map<number, string>();

  constructor(readonly timeZone: string) {}

  /**
   * Minutes the zone is ahead of UTC at `instant` (Toronto in winter: -300). Computed once per UTC hour: an
   * hour whose first and last millisecond share an offset has it throughout (zones change offset at most
   * once an hour); an hour with a change inside it is computed exactly on every call.
   */
  offsetMinutes(instant: Date): number {
    const hour = Math.floor(instant.getTime() / HOUR_MS);
    let offset = this.offsetsByHour.get(hour);
    if (offset === undefined) {
      const first = exactOffsetMinutes(new Date(hour * HOUR_MS), this.timeZone);
      const last = exactOffsetMinutes(new Date(hour * HOUR_MS + HOUR_MS - 1), this.timeZone);
      offset = first === last ? first : null;
      if (this.offsetsByHour.size >= MAX_CACHED_HOURS) this.offsetsByHour.clear();
      this.offsetsByHour.set(hour, offset);
    }
    return offset ?? exactOffsetMinutes(instant, this.timeZone);
  }

  /** ISO 8601 local time with its offset, e.g. `2026-03-08T10:00:00-04:00` (whole seconds). */
  format(instant: Date): string {
    const offset = this.offsetMinutes(instant);
    // The wall clock is the instant shifted by the offset, read in UTC: no Intl call once the hour is cached.
    const wall = Math.floor(instant.getTime() / 1000) * 1000 + offset * 60000;
    const day = Math.floor(wall / DAY_MS);
    let date = this.dates.get(day);
    if (date === undefined) {
      const d = new Date(day * DAY_MS);
      date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      if (this.dates.size >= MAX_CACHED_DAYS) this.dates.clear();
      this.dates.set(day, date);
    }
    let suffix = this.suffixes.get(offset);
    if (suffix === undefined) {
      suffix = `${offset < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
      this.suffixes.set(offset, suffix);
    }
    const seconds = (wall - day * DAY_MS) / 1000;
    const h = Math.floor(seconds / 3600);
    const m = Math.floor(seconds / 60) % 60;
    return `${date}T${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[seconds % 60]}${suffix}`;
  }
}

const clocks = new Map<string, ZoneClock>();

/** The clock of `timeZone`, built once and kept (a bounded cache of zones). */
export function zoneClock(timeZone: string): ZoneClock {
  let clock = clocks.get(timeZone);
  if (!clock) {
    if (clocks.size >= MAX_CLOCKS) clocks.clear();
    clock = new ZoneClock(timeZone);
    clocks.set(timeZone, clock);
  }
  return clock;
}

/** Minutes the zone is ahead of UTC at `instant` (Toronto in winter: -300). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  return zoneClock(timeZone).offsetMinutes(instant);
}

/** ISO 8601 local time with its offset, e.g. `2026-03-08T10:00:00-04:00`. */
export function formatLocal(instant: Date, timeZone: string): string {
  return zoneClock(timeZone).format(instant);
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
