import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { TransactionService } from '../database/transaction.service';
import { withoutDeadline } from '../http/request-deadline';
import { IdempotencyRecordEntity } from './idempotency-record.entity';
import { IdempotencyProblems } from './idempotency.errors';
import { IdempotencyRepository } from './idempotency.repository';
import type { StoredResponse } from './idempotency.repository';

/** Seconds a client is asked to wait while the first request with its key is still running. */
export const IN_FLIGHT_RETRY_AFTER_SECONDS = 1;

/** What the first look at a key decided. */
export type IdempotencyClaim =
  | { kind: 'owner'; id: string; token: string }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'in-flight' }
  | { kind: 'mismatch' };

export type OwnedClaim = Extract<IdempotencyClaim, { kind: 'owner' }>;

/**
 * Idempotency keys across instances and dialects. The in-flight marker is a plain INSERT committed before
 * the handler runs (the unique index decides a race: no upsert); the response is stored by `complete`
 * inside the handler's own transaction, so the business change and the record commit together or not at
 * all. A marker whose `locked_until` has passed (its instance crashed) is taken over by the next retry.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(
    private readonly repo: IdempotencyRepository,
    private readonly tx: TransactionService,
    private readonly config: AppConfig,
  ) {}

  async claim(scope: string, key: string, fingerprint: string, now = new Date()): Promise<IdempotencyClaim> {
    const { inFlightTimeoutSeconds, retentionHours } = this.config.idempotency;
    const lockedUntil = new Date(now.getTime() + inFlightTimeoutSeconds * 1000);
    // A few rounds at most: each one ends with a decision unless the row changed under us.
    for (let round = 0; round < 3; round++) {
      const token = randomUUID();
      const record = Object.assign(new IdempotencyRecordEntity(), {
        id: randomUUID(),
        scope,
        key,
        fingerprint,
        state: 'in_flight',
        ownerToken: token,
        lockedUntil,
        responseStatus: null,
        responseBody: null,
        responseHeaders: null,
        createdAt: now,
        expiresAt: new Date(now.getTime() + retentionHours * 3600_000),
      });
      try {
        await this.tx.write(() => this.repo.insert(record));
        return { kind: 'owner', id: record.id, token };
      } catch (error) {
        if (!this.tx.errors.isUniqueViolation(error)) throw this.tx.translate(error);
      }
      const existing = await this.tx.read(() => this.repo.findForScope(scope, key));
      if (!existing) continue; // released between our insert and our read: try again
      if (new Date(existing.expiresAt) <= now) {
        await this.tx.write(() => this.repo.deleteIfExpired(existing.id, now));
        continue;
      }
      if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (existing.state === 'completed') {
        return {
          kind: 'replay',
          response: {
            status: existing.responseStatus ?? 200,
            body: existing.responseBody,
            headers: existing.responseHeaders ? (JSON.parse(existing.responseHeaders) as Record<string, string>) : {},
          },
        };
      }
      if (existing.lockedUntil && new Date(existing.lockedUntil) > now) return { kind: 'in-flight' };
      // Abandoned by a crashed or stuck instance: take it over, unless another retry just did.
      if (await this.tx.write(() => this.repo.takeOver(existing.id, existing.ownerToken, token, lockedUntil))) {
        return { kind: 'owner', id: existing.id, token };
      }
      return { kind: 'in-flight' };
    }
    return { kind: 'in-flight' };
  }

  /**
   * Stores the response; call it inside the transaction of the business change. Fails (and so rolls the
   * change back) when the marker was taken over meanwhile: the other attempt owns the outcome now.
   */
  async complete(claim: OwnedClaim, response: StoredResponse): Promise<void> {
    if (!(await this.repo.complete(claim.id, claim.token, response))) throw inFlight();
  }

  /** Stores a response that changed nothing (a domain 4xx from the handler), outside any transaction. */
  async completeWithoutChange(claim: OwnedClaim, response: StoredResponse): Promise<void> {
    try {
      await withoutDeadline(() => this.tx.write(() => this.repo.complete(claim.id, claim.token, response)));
    } catch (error) {
      await this.release(claim);
      this.logger.warn(`could not store an idempotent response: ${(error as Error).message}`);
    }
  }

  /**
   * Forgets an attempt that must not count (5xx, refused before the handler), so a retry runs again. When
   * the database cannot be reached right now (the usual reason for the 5xx), it keeps trying in the
   * background with backoff, so retries are not held off by 409 until the marker's lock expires.
   */
  async release(claim: OwnedClaim): Promise<void> {
    if (await this.tryRelease(claim)) return;
    const giveUpAt = Date.now() + this.config.idempotency.inFlightTimeoutSeconds * 1000;
    const again = (delayMs: number) => {
      if (Date.now() + delayMs > giveUpAt) return; // the lock expires by itself from here on
      setTimeout(() => {
        void this.tryRelease(claim).then((done) => done || again(Math.min(delayMs * 2, 4000)));
      }, delayMs).unref();
    };
    again(250);
  }

  private async tryRelease(claim: OwnedClaim): Promise<boolean> {
    try {
      // Past the request's deadline too: this is what lets the client's retry run.
      await withoutDeadline(() => this.tx.write(() => this.repo.release(claim.id, claim.token)));
      return true;
    } catch (error) {
      this.logger.warn(`could not release an idempotency marker yet: ${(error as Error).message}`);
      return false;
    }
  }

  /** Deletes every record past its retention, in batches; returns how many. */
  async purgeExpired(now = new Date(), batch = 500): Promise<number> {
    let purged = 0;
    for (;;) {
      const removed = await this.tx.run(() => this.repo.purgeExpired(now, batch));
      purged += removed;
      if (removed < batch) return purged;
    }
  }
}

export function inFlight(): AppError {
  return new AppError(
    IdempotencyProblems.inFlight,
    'A request with this Idempotency-Key is still being processed; retry after Retry-After seconds.',
    {},
    { 'Retry-After': String(IN_FLIGHT_RETRY_AFTER_SECONDS) },
  );
}
