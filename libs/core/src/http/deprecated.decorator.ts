import { applyDecorators, Header } from '@nestjs/common';
import { ApiExtension, ApiOperation } from '@nestjs/swagger';

export interface DeprecationOptions {
  /** When the operation was (or will be) deprecated, `YYYY-MM-DD` (UTC). */
  since: string;
  /** When it stops working, `YYYY-MM-DD` (UTC); at least the notice period after `since`. */
  sunset: string;
  /** Where the migration notes are: a URL or a path on this API (e.g. `/docs#/bookings/bookings_create`). */
  link: string;
}

function utc(date: string, what: string): Date {
  const parsed = new Date(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(parsed.getTime())) {
    throw new Error(`@Deprecated: ${what} must be a YYYY-MM-DD date, got '${date}'`);
  }
  return parsed;
}

/**
 * Marks an operation deprecated, for clients and for the document at once: responses carry
 * `Deprecation: @<epoch seconds>` (RFC 9745), `Sunset: <HTTP date>` (RFC 8594) and
 * `Link: <…>; rel="deprecation"`, and the operation is `deprecated: true` with the dates in its description.
 */
export function Deprecated(options: DeprecationOptions): MethodDecorator {
  const since = utc(options.since, 'since');
  const sunset = utc(options.sunset, 'sunset');
  if (sunset <= since) throw new Error('@Deprecated: sunset must come after since');
  return applyDecorators(
    ApiOperation({ deprecated: true }),
    ApiExtension('x-deprecation', { since: options.since, sunset: options.sunset, link: options.link }),
    Header('Deprecation', `@${Math.floor(since.getTime() / 1000)}`),
    Header('Sunset', sunset.toUTCString()),
    Header('Link', `<${options.link}>; rel="deprecation"`),
  );
}
