import type { ValidationOptions } from 'class-validator';
import { registerDecorator } from 'class-validator';

/**
 * Years the API accepts in dates and instants unless a field says otherwise: far enough either way for
 * any booking, membership or key expiry, and well inside what every supported database stores (SQL
 * Server's `date`/`datetime2` end at 9999; JavaScript renders years past 9999 as `+010000`).
 */
export const SUPPORTED_YEARS: Readonly<Required<YearRange>> = { minYear: 2000, maxYear: 2100 };

export interface YearRange {
  minYear?: number;
  maxYear?: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
/** The widest UTC offsets in use are −12:00 and +14:00; ±18:00 is the ISO 8601 / java.time bound. */
const MAX_OFFSET_MINUTES = 18 * 60;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isRealDay(year: number, month: number, day: number, range: YearRange): boolean {
  const minYear = range.minYear ?? SUPPORTED_YEARS.minYear;
  const maxYear = range.maxYear ?? SUPPORTED_YEARS.maxYear;
  return (
    year >= minYear && year <= maxYear && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
  );
}

/** `YYYY-MM-DD` naming a day that exists (no 30 February, no month 13) within the year range. */
export function isCalendarDate(value: unknown, range: YearRange = SUPPORTED_YEARS): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE.exec(value);
  return match !== null && isRealDay(Number(match[1]), Number(match[2]), Number(match[3]), range);
}

/**
 * An ISO 8601 / RFC 3339 instant with an explicit offset (`2026-03-08T10:00:00-04:00`, `…Z`) whose date
 * exists within the year range, with hours 00–23, minutes and seconds 00–59 and an offset within ±18:00.
 */
export function isInstant(value: unknown, range: YearRange = SUPPORTED_YEARS): value is string {
  if (typeof value !== 'string') return false;
  const m = INSTANT.exec(value);
  if (!m || !isRealDay(Number(m[1]), Number(m[2]), Number(m[3]), range)) return false;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 59)) return false;
  if (m[7] !== undefined && (Number(m[8]) > 59 || Number(m[7]) * 60 + Number(m[8]) > MAX_OFFSET_MINUTES)) return false;
  return true;
}

function yearsOf(range: YearRange): string {
  return `${range.minYear ?? SUPPORTED_YEARS.minYear}–${range.maxYear ?? SUPPORTED_YEARS.maxYear}`;
}

/** The message a CLI or service shows for a bad date option, e.g. `--from must be …`. */
export function calendarDateRule(range: YearRange = SUPPORTED_YEARS): string {
  return `a real calendar date YYYY-MM-DD in the years ${yearsOf(range)}`;
}

function dateDecorator(
  name: string,
  rule: string,
  test: (value: unknown) => boolean,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} must be ${rule}`, ...options },
      validator: { validate: test },
    });
}

/** A calendar date `YYYY-MM-DD` that exists, in 2000–2100 unless the range says otherwise. */
export function IsCalendarDate(range: YearRange = {}, options?: ValidationOptions): PropertyDecorator {
  return dateDecorator('isCalendarDate', calendarDateRule(range), (v) => isCalendarDate(v, range), options);
}

/** An instant with an offset or Z, a real date and time in 2000–2100 unless the range says otherwise. */
export function IsInstant(range: YearRange = {}, options?: ValidationOptions): PropertyDecorator {
  return dateDecorator(
    'isInstant',
    `an ISO 8601 instant with offset, e.g. 2026-03-08T14:00:00Z, a real date and time in the years ${yearsOf(range)}`,
    (v) => isInstant(v, range),
    options,
  );
}

/** A calendar date or an instant with offset, either real and in 2000–2100 unless the range says otherwise. */
export function IsDateOrInstant(range: YearRange = {}, options?: ValidationOptions): PropertyDecorator {
  return dateDecorator(
    'isDateOrInstant',
    `a date (YYYY-MM-DD) or an ISO 8601 instant with offset, a real one in the years ${yearsOf(range)}`,
    (v) => isCalendarDate(v, range) || isInstant(v, range),
    options,
  );
}
