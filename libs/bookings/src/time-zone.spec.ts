import { addDays, formatLocal, isValidTimeZone, localDate, offsetMinutes, zonedTimeToUtc } from './time-zone';

const TORONTO = 'America/Toronto';

describe('venue local time', () => {
  it('accepts IANA zones and rejects made-up or abbreviated ones', () => {
    expect(isValidTimeZone('America/Toronto')).toBe(true);
    expect(isValidTimeZone('Europe/London')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('EST; DROP TABLE')).toBe(false);
  });

  it('formats Toronto times with -05:00 before and -04:00 after the 2026-03-08 spring-forward', () => {
    expect(formatLocal(new Date('2026-03-07T15:00:00Z'), TORONTO)).toBe('2026-03-07T10:00:00-05:00');
    expect(formatLocal(new Date('2026-03-08T14:00:00Z'), TORONTO)).toBe('2026-03-08T10:00:00-04:00');
  });

  it('formats Toronto times with -04:00 before and -05:00 after the 2026-11-01 fall-back', () => {
    expect(formatLocal(new Date('2026-10-31T14:00:00Z'), TORONTO)).toBe('2026-10-31T10:00:00-04:00');
    expect(formatLocal(new Date('2026-11-01T15:00:00Z'), TORONTO)).toBe('2026-11-01T10:00:00-05:00');
    // 01:30 happens twice that night: once in daylight time, once in standard time.
    expect(formatLocal(new Date('2026-11-01T05:30:00Z'), TORONTO)).toBe('2026-11-01T01:30:00-04:00');
    expect(formatLocal(new Date('2026-11-01T06:30:00Z'), TORONTO)).toBe('2026-11-01T01:30:00-05:00');
  });

  it('formats zones with half-hour offsets and east of UTC', () => {
    expect(formatLocal(new Date('2026-01-15T12:00:00Z'), 'Asia/Kolkata')).toBe('2026-01-15T17:30:00+05:30');
    expect(formatLocal(new Date('2026-01-15T12:00:00Z'), 'America/St_Johns')).toBe(
      '2026-01-15T08:30:00-03:30',
    );
    expect(offsetMinutes(new Date('2026-07-01T00:00:00Z'), 'UTC')).toBe(0);
  });

  it('turns a Toronto wall-clock time into UTC on both sides of each change', () => {
    expect(zonedTimeToUtc('2026-03-07', '10:00', TORONTO).toISOString()).toBe('2026-03-07T15:00:00.000Z');
    expect(zonedTimeToUtc('2026-03-08', '10:00', TORONTO).toISOString()).toBe('2026-03-08T14:00:00.000Z');
    expect(zonedTimeToUtc('2026-10-31', '10:00', TORONTO).toISOString()).toBe('2026-10-31T14:00:00.000Z');
    expect(zonedTimeToUtc('2026-11-01', '10:00', TORONTO).toISOString()).toBe('2026-11-01T15:00:00.000Z');
  });

  it('moves a time skipped by spring-forward past the gap, and takes the first of a repeated time', () => {
    expect(formatLocal(zonedTimeToUtc('2026-03-08', '02:30', TORONTO), TORONTO)).toBe(
      '2026-03-08T03:30:00-04:00',
    );
    expect(zonedTimeToUtc('2026-11-01', '01:30', TORONTO).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('gives the venue-local date, which can differ from the UTC date', () => {
    expect(localDate(new Date('2026-03-08T03:00:00Z'), TORONTO)).toBe('2026-03-07');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('agrees with Intl at every quarter hour of a year, in zones whose changes fall mid-hour in UTC', () => {
    const reference = (format: Intl.DateTimeFormat, instant: Date): string => {
      const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
      return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
    };
    // Lord Howe moves by 30 minutes at 02:00 local (15:30 UTC); Chatham is +12:45/+13:45.
    for (const zone of [TORONTO, 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu']) {
      const format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
      const mismatches: string[] = [];
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 15 * 60_000) {
        const instant = new Date(t + 7_000); // off the minute, as real timestamps are
        if (formatLocal(instant, zone).slice(0, 19) !== reference(format, instant)) mismatches.push(instant.toISOString());
      }
      expect({ zone, mismatches: mismatches.slice(0, 3) }).toEqual({ zone, mismatches: [] });
    }
  });
});
