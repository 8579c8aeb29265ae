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

/** Cost of a page: one unit per 50 rows asked for (`?limit=`), at least one. */
export function pageCost(request: Request): number {
  const limit = Number(request.query.limit);
  return Number.isFinite(limit) && limit > 50 ? Math.ceil(limit / 50) : 1;
}

const DAY_MS = 86_400_000;

/**
 * Cost of a date-range query (`?from=&to=`, dates or instants): one unit per started fortnight, plus the
 * page cost beyond the first unit. Unparseable input costs 1 (validation answers it with a 400 anyway).
 */
export function rangeCost(request: Request, defaultDays = 7): number {
  const from = Date.parse(String(request.query.from ?? ''));
  const to = Date.parse(String(request.query.to ?? ''));
  const days = Number.isFinite(from) && Number.isFinite(to) && to > from ? (to - from) / DAY_MS : defaultDays;
  return Math.max(1, Math.ceil(days / 14)) + pageCost(request) - 1;
}
