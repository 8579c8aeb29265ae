import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { from, lastValueFrom, throwError } from 'rxjs';
import { TransactionService } from '../database/transaction.service';
import { AppError } from '../errors/app-error';
import { problemBody } from '../http/problem-details';
import { routeTemplate } from '../http/route-template';
import { isValidIdempotencyKey, requestFingerprint } from './fingerprint';
import { IdempotencyProblems } from './idempotency.errors';
import type { StoredResponse } from './idempotency.repository';
import type { OwnedClaim } from './idempotency.service';
import { IdempotencyService, inFlight } from './idempotency.service';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

export interface IdempotentOptions {
  /** API-key callers must send the header (missing → 400). Users may always omit it. */
  requiredForApiKeys?: boolean;
}

export const IdempotentMetadata = Reflector.createDecorator<IdempotentOptions>();

/** Response headers that belong to the outcome and are replayed with it. */
const REPLAYED_HEADERS = ['location', 'etag'];

/**
 * Statuses that are not final for the request and so are never stored: refusals before the work (400
 * validation, 401, 403, 408, 429) and 412, a stale `If-Match`: the same request with the current ETag is
 * the retry that should run, not be told again that an older version was stale.
 */
const UNSTORED_STATUSES: readonly number[] = [400, 401, 403, 408, 412, 429];

/** Answers the handler gave after it started that describe the outcome, and so are replayed (no 5xx). */
function isStoredOutcome(status: number): boolean {
  return status < 500 && !UNSTORED_STATUSES.includes(status);
}

/** `lineageId`: an API key's rotation chain, so a retry sent with the successor key is the same caller. */
type AuthenticatedRequest = Request & { principal?: { kind: string; id: string; lineageId?: string } };

/**
 * Idempotency-Key for one route, applied by `@Idempotent()` (never globally: an interceptor costs about
 * 150 µs per request, so only write routes pay it). Runs after authentication (the key is scoped to the
 * caller) and before validation; the handler then runs inside one transaction that also stores its
 * response, so the handler's own `tx.run` joins it.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
    private readonly tx: TransactionService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get(IdempotentMetadata, context.getHandler()) ?? {};
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const header = req.headers['idempotency-key'];
    const principal = req.principal;
    if (header === undefined) {
      if (options.requiredForApiKeys && principal?.kind === 'apiKey') {
        return throwError(
          () =>
            new AppError(
              IdempotencyProblems.keyRequired,
              `API-key callers must send an ${IDEMPOTENCY_KEY_HEADER} header on this operation.`,
              headerProblem('is required for API-key callers'),
            ),
        );
      }
      return next.handle();
    }
    if (typeof header !== 'string' || !isValidIdempotencyKey(header)) {
      return throwError(
        () =>
          new AppError(
            IdempotencyProblems.keyInvalid,
            `The ${IDEMPOTENCY_KEY_HEADER} header must be 1–255 printable ASCII characters.`,
            headerProblem('must be 1–255 printable ASCII characters'),
          ),
      );
    }
    // Anonymous routes (login) keep no per-caller state: the header is accepted and ignored.
    if (!principal) return next.handle();
    return from(this.run(req, res, next, `${principal.kind}:${principal.lineageId ?? principal.id}`, header));
  }

  private async run(req: Request, res: Response, next: CallHandler, scope: string, key: string): Promise<unknown> {
    const fingerprint = requestFingerprint(req.method, routeTemplate(req), { ...req.params }, req.body);
    const claim = await this.idempotency.claim(scope, key, fingerprint);
    switch (claim.kind) {
      case 'mismatch':
        throw new AppError(
          IdempotencyProblems.keyReused,
          `This ${IDEMPOTENCY_KEY_HEADER} was used for a different request; use a new key for a new request.`,
          { header: IDEMPOTENCY_KEY_HEADER },
        );
      case 'in-flight':
        throw inFlight();
      case 'replay':
        return replay(res, claim.response);
      case 'owner':
        return this.runOwned(req, res, next, claim);
    }
  }

  private async runOwned(req: Request, res: Response, next: CallHandler, claim: OwnedClaim): Promise<unknown> {
    try {
      return await this.tx.run(async () => {
        const value = await lastValueFrom(next.handle(), { defaultValue: undefined });
        await this.idempotency.complete(claim, {
          status: res.statusCode,
          body: value === undefined || value === null ? null : JSON.stringify(value),
          headers: outcomeHeaders(res),
        });
        return value;
      });
    } catch (error) {
      const outcome = this.tx.translate(error);
      if (outcome instanceof AppError && isStoredOutcome(outcome.status)) {
        const body = problemBody(outcome, req);
        await this.idempotency.completeWithoutChange(claim, {
          status: outcome.status,
          body: JSON.stringify(body),
          headers: { ...outcome.headers },
        });
      } else {
        await this.idempotency.release(claim);
      }
      throw outcome;
    }
  }
}

/** A 400 about the header, in the shape of a validation problem (the header is the bad field). */
function headerProblem(message: string): Record<string, unknown> {
  return { header: IDEMPOTENCY_KEY_HEADER, errors: [{ field: IDEMPOTENCY_KEY_HEADER, message }] };
}

function outcomeHeaders(res: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = res.getHeader(name);
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** Sends the stored outcome again: the same status and body, with `Idempotent-Replayed: true`. */
function replay(res: Response, stored: StoredResponse): unknown {
  // The request may have timed out meanwhile: the client already has its 503, nothing more to send.
  if (res.headersSent) return undefined;
  res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
  if (stored.status >= 400) {
    const body = JSON.parse(stored.body ?? '{}') as Record<string, unknown>;
    const { type, title, status, detail, instance: _instance, code, requestId: _requestId, ...extensions } = body;
    throw new AppError(
      {
        code: String(code),
        slug: String(type).replace(/^.*\//, ''),
        status: Number(status),
        title: String(title),
        description: '',
      },
      String(detail),
      extensions,
      { ...stored.headers, [IDEMPOTENT_REPLAYED_HEADER]: 'true' },
    );
  }
  for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value);
  return stored.body === null ? undefined : JSON.parse(stored.body);
}
