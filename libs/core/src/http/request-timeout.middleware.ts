import type { NestMiddleware } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import { writeProblem } from './problem-details';

/**
 * A request still unanswered after HTTP_REQUEST_TIMEOUT_MS gets a 503 problem with Retry-After instead
 * of holding the client (and a connection) indefinitely.
 */
@Injectable()
export class RequestTimeoutMiddleware implements NestMiddleware {
  constructor(private readonly config: AppConfig) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      writeProblem(
        req,
        res,
        new AppError(CoreProblems.timeout, 'The request took too long and was abandoned.', {}, { 'Retry-After': '1' }),
      );
    }, this.config.http.requestTimeoutMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    next();
  }
}
