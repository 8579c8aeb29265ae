import type { NestMiddleware } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import { MetricsService } from '../metrics/metrics.service';
import { ShutdownState } from './shutdown.state';

/** Seconds a refused client waits: the balancer has had the drain delay to take this instance out. */
export const DRAINING_RETRY_AFTER_SECONDS = 1;

/** Probes and scrapes keep their own answers while the instance closes (readiness already says 503). */
const PROBES = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Once the drain delay is over the app closes its modules (usage flush, dispatcher, Redis, then the pool)
 * while connections still open may carry a request. Such a request is refused before any work, with its own
 * problem type (`service-draining`, 503, `Retry-After`, `Connection: close`), so a client and an operator can
 * tell a deploy from an outage: no dependency is blamed, it is not timed in `http_request_duration_seconds`
 * (whose 503s mean outages) and counts in `http_draining_refusals_total` instead.
 */
@Injectable()
export class DrainingMiddleware implements NestMiddleware {
  constructor(
    private readonly shutdown: ShutdownState,
    private readonly metrics: MetricsService,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    if (!this.shutdown.closing || PROBES.test(req.originalUrl ?? req.url)) return next();
    this.metrics.drainingRefusals.inc();
    res.setHeader('Connection', 'close');
    throw new AppError(CoreProblems.serviceDraining, 'This instance is shutting down; retry, and another instance answers.', {}, {
      'Retry-After': String(DRAINING_RETRY_AFTER_SECONDS),
    }).causedBy({ dependency: 'shutdown', reason: 'draining' });
  }
}
