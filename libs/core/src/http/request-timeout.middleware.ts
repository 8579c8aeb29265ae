import type { NestMiddleware } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import { writeProblem } from './problem-details';
import type { RequestDeadline } from './request-deadline';
import { runWithDeadline } from './request-deadline';

/** Seconds a client should wait before retrying a request that timed out. */
export const TIMEOUT_RETRY_AFTER_SECONDS = 1;

/**
 * A request still unanswered after HTTP_REQUEST_TIMEOUT_MS gets a 503 problem with Retry-After instead
 * of holding the client (and a connection) indefinitely. The deadline travels with the request
 * (AsyncLocalStorage), so the database layer bounds each statement by the time left and refuses to commit
 * once the client was told 503: no write lands after the answer.
 */
@Injectable()
export class RequestTimeoutMiddleware implements NestMiddleware {
  constructor(private readonly config: AppConfig) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const deadline: RequestDeadline = { at: Date.now() + this.config.http.requestTimeoutMs, expired: false };
    const timer = setTimeout(() => {
      deadline.expired = true;
      if (res.headersSent) return;
      writeProblem(req, res, requestTimedOut(this.config.http.requestTimeoutMs));
    }, this.config.http.requestTimeoutMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    runWithDeadline(deadline, next);
  }
}

export function requestTimedOut(timeoutMs?: number): AppError {
  return new AppError(
    CoreProblems.timeout,
    'The request took too long and was abandoned; its unfinished database work was rolled back. Retry with the same Idempotency-Key.',
    {},
    { 'Retry-After': String(TIMEOUT_RETRY_AFTER_SECONDS) },
  ).causedBy({ dependency: 'deadline', reason: 'request-timeout', ...(timeoutMs ? { timeoutMs } : {}) });
}
