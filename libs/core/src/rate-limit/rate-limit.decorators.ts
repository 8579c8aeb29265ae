import { applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request } from 'express';

/** Units a request spends: a number, or computed from the request (e.g. from the range or page asked for). */
export type RateLimitCostValue = number | ((request: Request) => number);

/**
 * Declares what a route costs against the caller's rate limits, next to the route: expensive operations
 * (long availability ranges, large pages, imports) spend more than one unit. Default 1.
 */
export const RateLimitCost = Reflector.createDecorator<RateLimitCostValue>();

/** OpenAPI extension that marks operations outside traffic control (the document helper reads it). */
export const RATE_LIMIT_EXTENSION = 'x-rate-limited';

/** Never rate limited (health probes, metrics, the problem catalogue). Also keeps the 429 out of the docs. */
export function SkipRateLimit(): MethodDecorator & ClassDecorator {
  return applyDecorators(SkipThrottle(), ApiExtension(RATE_LIMIT_EXTENSION, false));
}

/** The largest page any list accepts (`PageQueryDto.limit`): a larger `?limit=` is refused by validation. */
export const PAGE_LIMIT_MAX = 100;

/** `?limit=` as validation reads it: a whole number within 1–`max`, else undefined (validation answers 400). */
function validLimit(request: Request, max: number): number | undefined {
  const raw = request.query.limit;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) return undefined;
  const limit = Number(raw);
  return limit >= 1 && limit <= max ? limit : undefined;
}

/**
 * Cost of a page: one unit per 50 rows asked for (`?limit=`), at least one. The guard runs before validation,
 * so only a limit validation would accept is priced; anything else costs 1 and is answered by the 400 that names
 * the parameter (never by a 429 for a request that could not have been served).
 */
export function pageCost(request: Request, maxLimit = PAGE_LIMIT_MAX): number {
  const limit = validLimit(request, maxLimit);
  return limit !== undefined && limit > 50 ? Math.ceil(limit / 50) : 1;
}

const DAY_MS = 86_400_000;

/** The longest range a date-range list accepts, in days (`to` inclusive, so a date range spans one day more). */
export const RANGE_MAX_DAYS = 62;

/**
 * Cost of a date-range query (`?from=&to=`, dates or instants): one unit per started fortnight, plus the
 * page cost beyond the first unit. Priced only from what validation accepts: unparseable input, `to` before
 * `from` or a range longer than `maxDays` costs 1, and validation answers it with the 400 naming the field.
 */
export function rangeCost(request: Request, defaultDays = 7, maxDays = RANGE_MAX_DAYS): number {
  const from = Date.parse(String(request.query.from ?? ''));
  const to = Date.parse(String(request.query.to ?? ''));
  let days = defaultDays;
  if (request.query.from !== undefined && request.query.to !== undefined) {
    if (!(Number.isFinite(from) && Number.isFinite(to) && to > from)) return 1;
    days = (to - from) / DAY_MS;
    // A date-only `to` is inclusive and the venue's offset moves both ends: allow the day that adds.
    if (days > maxDays + 1) return 1;
  }
  return Math.max(1, Math.ceil(days / 14)) + pageCost(request) - 1;
}
