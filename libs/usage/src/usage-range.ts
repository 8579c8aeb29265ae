import { ValidationProblem } from '@aero/core';
import type { Granularity } from './rollup';
import { DAY_MS, HOUR_MS } from './rollup';
import type { UsageRange } from './usage.service';

/** Longest range per granularity: a month of hours, or the default roll-up retention in days. */
export const MAX_SPAN_MS: Record<Granularity, number> = { hour: 31 * DAY_MS, day: 400 * DAY_MS };
/** Range when `from` is omitted: the last 24 hours, or the last 30 days per day. */
export const DEFAULT_SPAN_MS: Record<Granularity, number> = { hour: 24 * HOUR_MS, day: 30 * DAY_MS };

/**
 * Turns `from`/`to` (ISO 8601, validated by the DTO) into whole buckets (hours, or UTC days): `to` rounds
 * up to the end of its bucket, `from` down to the start of its own, or is `to` minus the default span (24
 * hours, 30 days). Bad ranges are a 400 naming the field.
 */
export function resolveRange(
  input: { from?: string; to?: string },
  granularity: Granularity,
  now = Date.now(),
): UsageRange {
  const step = granularity === 'hour' ? HOUR_MS : DAY_MS;
  const to = input.to !== undefined ? parsed(input.to, 'to') : now;
  const end = Math.ceil(to / step) * step;
  if (input.from === undefined) return { from: end - DEFAULT_SPAN_MS[granularity], to: end };
  const from = parsed(input.from, 'from');
  if (from >= to) throw new ValidationProblem([{ field: 'to', message: 'must be later than from' }]);
  if (to - from > MAX_SPAN_MS[granularity]) {
    const days = MAX_SPAN_MS[granularity] / DAY_MS;
    throw new ValidationProblem([
      { field: 'from', message: `must be at most ${days} days before to with granularity=${granularity}` },
    ]);
  }
  return { from: Math.floor(from / step) * step, to: end };
}

/** The DTO admits only real dates and instants; anything else still ends as a 400, never as NaN in SQL. */
function parsed(value: string, field: 'from' | 'to'): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ValidationProblem([{ field, message: `${field} must be a date or an ISO 8601 instant` }]);
  return ms;
}
