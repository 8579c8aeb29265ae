import { rawInstant } from './bookings.repository';

/** The general parse the fast path must agree with: ISO text read as UTC when it carries no zone. */
const parsed = (text: string): number => new Date(`${text.replace(' ', 'T')}Z`).getTime();

describe('rawInstant (an instant as a raw row carries it)', () => {
  it("reads SQLite's UTC text to the millisecond, on every kind of date", () => {
    const samples = [
      '2027-04-01 13:00:00.000',
      '2028-02-29 23:59:59.999',
      '2026-12-31 23:59:59.001',
      '2027-01-01 00:00:00.000',
      '1999-07-15 08:05:09.120',
    ];
    for (const text of samples) expect(rawInstant(text).getTime()).toBe(parsed(text));
  });

  it('reads a whole year of quarter-hours exactly as the general parse does', () => {
    const start = Date.UTC(2027, 0, 1);
    const wrong: string[] = [];
    for (let t = start; t < start + 366 * 86_400_000; t += 15 * 60_000 + 7) {
      const text = new Date(t).toISOString().replace('T', ' ').slice(0, 23);
      if (rawInstant(text).getTime() !== t) wrong.push(text);
    }
    expect(wrong).toEqual([]);
  });

  it('answers text that is not an instant as the general parse does, never with a rolled-over date', () => {
    for (const text of ['2027-02-30 10:00:00.000', '2027-13-01 10:00:00.000', '2027-04-01 24:00:00.000', '2027-04-01 10:61:00.000', '2027-04-01 1a:00:00.000']) {
      const fast = rawInstant(text).getTime();
      const general = parsed(text);
      expect(Number.isNaN(fast) ? 'invalid' : fast).toEqual(Number.isNaN(general) ? 'invalid' : general);
    }
  });

  it('keeps the other forms: a Date as it is, ISO text with or without a zone', () => {
    const date = new Date('2027-04-01T13:00:00Z');
    expect(rawInstant(date)).toBe(date);
    expect(rawInstant('2027-04-01T13:00:00.000Z').toISOString()).toBe('2027-04-01T13:00:00.000Z');
    expect(rawInstant('2027-04-01 15:00:00+02:00').toISOString()).toBe('2027-04-01T13:00:00.000Z');
    expect(rawInstant('2027-04-01 13:00:00').toISOString()).toBe('2027-04-01T13:00:00.000Z');
  });
});
