import { isCalendarDate, isInstant } from './dates';

describe('isCalendarDate', () => {
  it('accepts real days, leap days included', () => {
    expect(['2026-03-08', '2028-02-29', '2000-01-01', '2100-12-31'].filter((d) => !isCalendarDate(d))).toEqual([]);
  });

  it('refuses days that do not exist instead of rolling them over', () => {
    expect(['2027-02-30', '2027-02-29', '2100-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00'].filter((d) => isCalendarDate(d))).toEqual([]);
  });

  it('refuses years outside 2000–2100 unless the field widens the range', () => {
    expect(isCalendarDate('9999-12-31')).toBe(false);
    expect(isCalendarDate('0001-01-01')).toBe(false);
    expect(isCalendarDate('1987-06-21')).toBe(false);
    expect(isCalendarDate('1987-06-21', { minYear: 1900 })).toBe(true);
  });

  it('refuses other shapes and types', () => {
    expect([' 2026-03-08', '2026-3-8', '20260308', '2026-03-08T00:00:00Z', 20260308, null].filter((v) => isCalendarDate(v))).toEqual([]);
  });
});

describe('isInstant', () => {
  it('accepts RFC 3339 instants with Z or an offset', () => {
    const good = ['2026-03-08T10:00:00-04:00', '2026-03-08T14:00Z', '2026-03-08T14:00:00.123456789Z', '2026-03-08T23:59:59+14:00'];
    expect(good.filter((v) => !isInstant(v))).toEqual([]);
  });

  it('refuses impossible dates, times and offsets, and a missing offset', () => {
    const bad = [
      '2027-02-30T10:00:00Z',
      '2026-03-08T24:00:00Z',
      '2026-03-08T10:60:00Z',
      '2026-03-08T10:00:60Z',
      '2026-03-08T10:00:00+24:00',
      '2026-03-08T10:00:00+18:01',
      '2026-03-08T10:00:00+05:60',
      '2026-03-08T10:00:00',
      '9999-12-31T23:59:59Z',
      '2026-W10',
    ];
    expect(bad.filter((v) => isInstant(v))).toEqual([]);
  });
});
