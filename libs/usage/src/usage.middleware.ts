import { performance } from 'node:perf_hooks';
import type { NestMiddleware } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { routeTemplate } from '@aero/core';
import type { Principal } from '@aero/auth';
import { UsageRecorder } from './usage.recorder';

/** Status recorded when the client went away before the response was complete (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * Records every request into the usage buffer when its response is done: one listener, no I/O, no await.
 * It runs before authentication, so 401s, 403s and 429s thrown by later stations are recorded too; the
 * principal is read at the end, once the guard has set it.
 */
@Injectable()
export class UsageMiddleware implements NestMiddleware {
  constructor(private readonly recorder: UsageRecorder) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const at = Date.now();
    const start = performance.now();
    const recorder = this.recorder;
    recorder.begin();
    res.once('close', () => {
      const principal = (req as Request & { principal?: Principal }).principal;
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      recorder.record({
        at,
        principalKind: principal ? principal.kind : 'anonymous',
        principalId: principal ? principal.id : '',
        app: principal?.app ?? '',
        method: req.method,
        route: routeTemplate(req),
        status,
        latencyUs: Math.round((performance.now() - start) * 1000),
        responseBytes: Number(res.getHeader('content-length')) || 0,
        clientIp: req.ip ?? '',
        throttled: status === 429,
        replayed: res.getHeader('idempotent-replayed') === 'true',
      });
    });
    next();
  }
}
