import type { NestMiddleware } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { PARAMS_PROVIDER_TOKEN } from 'nestjs-pino';
import type { Params } from 'nestjs-pino';
import { storage, Store } from 'nestjs-pino/storage';
import type { Logger } from 'pino';
import { failureOf } from '../errors/failure-cause';
import { ensureRequestId } from '../http/request-id';
import { routeTemplate } from '../http/route-template';
import { redactUrl } from './log-safety';

/** Probes and scrapes would drown the signal (and cost a line each at the probe's rate). */
const UNLOGGED = /^\/(health|metrics)(\/|\?|$)/;

/** What the closing line needs, kept on the response so one shared listener serves every request. */
const STATE = Symbol('requestLog');

interface RequestLogState {
  log: Logger;
  req: Request;
  startedAt: number;
}

type LoggedResponse = Response & { [STATE]?: RequestLogState };

/**
 * The request's one log line, written when the response finishes (or the connection closes first):
 * who asked what, which route answered, how, and how fast. No headers (each request's would add about a
 * kilobyte), no bodies. 5xx lines say why (FailureCause: dependency, error class, driver code, breaker state).
 * A shared function (`this` is the response), so a request costs no closure.
 */
function writeRequestLine(this: LoggedResponse): void {
  const state = this[STATE];
  if (!state) return;
  this[STATE] = undefined;
  this.removeListener('finish', writeRequestLine);
  this.removeListener('close', writeRequestLine);
  const { log, req, startedAt } = state;
  const status = this.statusCode;
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  if (!log.isLevelEnabled(level)) return;
  const line: Record<string, unknown> = {
    method: req.method,
    url: redactUrl(req.originalUrl ?? req.url),
    route: routeTemplate(req),
    statusCode: status,
    responseTime: Date.now() - startedAt,
  };
  if (status >= 500) {
    const cause = failureOf(this);
    if (cause) line.cause = cause;
    log.error(line, 'request failed');
  } else {
    log[level](line, 'request completed');
  }
}

/**
 * Station 0, the request log: ONE child logger per request (bound to `requestId`, as every problem body
 * carries it), which every log call made while handling the request uses (nestjs-pino's context store),
 * and one line when it ends. It replaces pino-http, which also built a second child logger per request,
 * bound to the whole request object (serialised and redacted on every request, logged or not).
 */
@Injectable()
export class RequestLogMiddleware implements NestMiddleware {
  private readonly root: Logger;

  constructor(@Inject(PARAMS_PROVIDER_TOKEN) params: Params) {
    this.root = (params.pinoHttp as { logger: Logger }).logger;
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const log = this.root.child({ requestId: ensureRequestId(req, res) });
    if (!UNLOGGED.test(req.originalUrl ?? req.url)) {
      (res as LoggedResponse)[STATE] = { log, req, startedAt: Date.now() };
      res.on('finish', writeRequestLine);
      res.on('close', writeRequestLine);
    }
    storage.run(new Store(log), next);
  }
}
