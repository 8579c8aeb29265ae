import type { NestMiddleware } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ensureRequestId } from './request-id';

/** Station 1: every request gets an id, echoed in `X-Request-Id`, every log line and every error body. */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    ensureRequestId(req, res);
    next();
  }
}
