import type { NestMiddleware } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/**
 * Station 2: `Cache-Control: no-store` on every response by default, so tokens, members, bookings and
 * errors are never kept by a browser, a proxy or a CDN. A route that may be cached opts in by setting its
 * own header (`@Header('Cache-Control', …)` replaces this one).
 */
@Injectable()
export class NoStoreMiddleware implements NestMiddleware {
  use(_req: Request, res: Response, next: NextFunction): void {
    res.setHeader('Cache-Control', 'no-store');
    next();
  }
}
