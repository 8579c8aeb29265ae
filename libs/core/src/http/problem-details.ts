import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ProblemTypeDefinition } from '../errors/app-error';
import { AppError, problemTypeUri } from '../errors/app-error';
import type { FailureCause } from '../errors/failure-cause';
import { errorIdentity, recordFailure } from '../errors/failure-cause';
import { scrubMessage } from '../logging/log-safety';
import { CoreProblems } from '../errors/problem-types';
import { ensureRequestId, requestIdOf } from './request-id';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 body, plus our `code` and `requestId` extension members. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
}

const BY_STATUS: Record<number, ProblemTypeDefinition> = {
  400: CoreProblems.badRequest,
  401: CoreProblems.unauthenticated,
  403: CoreProblems.forbidden,
  404: CoreProblems.notFound,
  405: CoreProblems.methodNotAllowed,
  409: CoreProblems.conflict,
  412: CoreProblems.preconditionFailed,
  413: CoreProblems.payloadTooLarge,
  415: CoreProblems.unsupportedMediaType,
  429: CoreProblems.tooManyRequests,
  503: CoreProblems.databaseUnavailable,
};

const logger = new Logger('Errors');

/** Anything thrown → the AppError that describes it to the client (never leaking internals). */
export function toAppError(exception: unknown, req: Request): AppError {
  if (exception instanceof AppError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (status === HttpStatus.NOT_FOUND && /^Cannot [A-Z]+ /.test(exception.message)) {
      return new AppError(CoreProblems.notFound, `No route matches ${req.method} ${req.path}.`);
    }
    const problem = BY_STATUS[status] ?? (status >= 500 ? CoreProblems.internal : CoreProblems.badRequest);
    if (status >= 500) {
      // Health checks (terminus) report which dependency failed: safe, and what operators need.
      const checks = typeof response === 'object' && response && 'error' in response ? response : undefined;
      return new AppError(
        status === 503 ? CoreProblems.databaseUnavailable : CoreProblems.internal,
        status === 503 ? 'A dependency is unavailable.' : CoreProblems.internal.description,
        checks ? { checks: (checks as { details?: unknown }).details } : {},
      );
    }
    const message =
      typeof response === 'object' && response && 'message' in response
        ? (response as { message: unknown }).message
        : exception.message;
    const detail = Array.isArray(message) ? message.join('; ') : String(message);
    // The router could not percent-decode a path segment (`%FF`, a lone surrogate's bytes).
    if (status === HttpStatus.BAD_REQUEST && /^Failed to decode param/.test(detail)) {
      return new AppError(CoreProblems.invalidEncoding, 'The path is not valid percent-encoded UTF-8.', {
        errors: [{ field: 'path', message: 'is not valid percent-encoded UTF-8' }],
      });
    }
    return new AppError({ ...problem, status }, detail);
  }
  return new AppError(CoreProblems.internal, 'An unexpected error occurred. Quote the requestId when reporting it.');
}

/** Redis clients' own error classes (ioredis): a fault that escaped the limiter's and pub/sub's own handling. */
const REDIS_ERRORS = /^(ReplyError|MaxRetriesPerRequestError|ClusterAllFailedError|RedisError|AbortError)$/;

/** Why a 5xx that carries no FailureCause of its own happened: a dependency's HttpException, or our own bug. */
function failureOfUnexpected(exception: unknown): FailureCause {
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    const failed = typeof response === 'object' && response && 'error' in response ? Object.keys((response as { error: object }).error) : [];
    const dependency = failed.includes('database') ? 'database' : failed.includes('redis') ? 'redis' : 'internal';
    return { dependency, reason: `http-${exception.getStatus()}`, error: 'HttpException' };
  }
  const identity = errorIdentity(exception, scrubMessage);
  return { dependency: identity.error && REDIS_ERRORS.test(identity.error) ? 'redis' : 'internal', reason: 'unexpected', ...identity };
}

export function problemBody(error: AppError, req: Request): ProblemBody {
  return problemBodyAt(error, req.originalUrl ?? req.url, requestIdOf(req));
}

/** The body of a problem at `instance`, also for answers written before Express has a request (the HTTP parser's). */
export function problemBodyAt(error: AppError, instance: string, requestId: string | undefined): ProblemBody {
  return {
    // Every 400 has the shape of a validation problem (the OpenAPI document says so), even with no field to name.
    ...(error.status === HttpStatus.BAD_REQUEST ? { errors: [] } : {}),
    ...error.extensions,
    type: problemTypeUri(error.problem.slug),
    title: error.problem.title,
    status: error.status,
    detail: error.detail ?? error.problem.title,
    instance,
    code: error.problem.code,
    requestId,
  };
}

/** Writes a problem+json response; used by the global filter and by middleware that answers itself. */
export function writeProblem(req: Request, res: Response, exception: unknown): void {
  // Errors raised before the request-id middleware ran (the router's own) still get an id.
  ensureRequestId(req, res);
  const error = toAppError(exception, req);
  if (error.status >= 500 && !(exception instanceof AppError) && !(exception instanceof HttpException)) {
    // The one place an unexpected error's stack is logged; the client only sees the request id.
    logger.error({ err: exception, requestId: requestIdOf(req) }, 'unhandled error');
  }
  const body = problemBody(error, req);
  if (res.headersSent) return;
  if (error.status >= 500) recordFailure(res, error.failure ?? failureOfUnexpected(exception));
  res.status(error.status);
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
  res.end(JSON.stringify(body));
}
