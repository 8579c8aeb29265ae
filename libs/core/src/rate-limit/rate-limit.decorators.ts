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
