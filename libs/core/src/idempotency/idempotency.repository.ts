import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { TransactionService } from '../database/transaction.service';
import { IdempotencyRecordEntity } from './idempotency-record.entity';

export interface StoredResponse {
  status: number;
  body: string | null;
  headers: Record<string, string>;
}

/** The only code that knows how idempotency keys are stored. Every write is conditional on the owner. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly tx: TransactionService) {}

  private get repo(): Repository<IdempotencyRecordEntity> {
    return this.tx.manager.getRepository(IdempotencyRecordEntity);
  }

  /** Plain INSERT: the unique (scope, key) index rejects a second marker ("already there"). */
  async insert(record: IdempotencyRecordEntity): Promise<void> {
    await this.repo.insert(record);
  }

  findForScope(scope: string, key: string): Promise<IdempotencyRecordEntity | null> {
    return this.repo.findOneBy({ scope, key });
  }

  /** Takes over an abandoned in-flight marker, unless someone else did first. */
  async takeOver(id: string, fromToken: string, toToken: string, lockedUntil: Date): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(IdempotencyRecordEntity)
      .set({ ownerToken: toToken, lockedUntil })
      .where('id = :id AND owner_token = :fromToken AND state = :state', { id, fromToken, state: 'in_flight' })
      .execute();
    return result.affected === 1;
  }

  /** Stores the response, if this attempt still owns the marker. */
  async complete(id: string, ownerToken: string, response: StoredResponse): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(IdempotencyRecordEntity)
      .set({
        state: 'completed',
        lockedUntil: null,
        responseStatus: response.status,
        responseBody: response.body,
        responseHeaders: JSON.stringify(response.headers),
      })
      .where('id = :id AND owner_token = :ownerToken AND state = :state', { id, ownerToken, state: 'in_flight' })
      .execute();
    return result.affected === 1;
  }

  /** Removes the marker of an attempt that must not count (5xx, refused before the handler). */
  async release(id: string, ownerToken: string): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .delete()
      .from(IdempotencyRecordEntity)
      .where('id = :id AND owner_token = :ownerToken AND state = :state', { id, ownerToken, state: 'in_flight' })
      .execute();
  }

  /** Removes one record past its retention (the key then counts as new). */
  async deleteIfExpired(id: string, now: Date): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .delete()
      .from(IdempotencyRecordEntity)
      .where('id = :id AND expires_at <= :now', { id, now })
      .execute();
  }

  /** Deletes up to `batch` records past their retention; returns how many went. */
  async purgeExpired(now: Date, batch: number): Promise<number> {
    const ids = await this.repo
      .createQueryBuilder('k')
      .select('k.id', 'id')
      .where('k.expires_at <= :now', { now })
      .orderBy('k.expires_at', 'ASC')
      .limit(batch)
      .getRawMany<{ id: string }>();
    if (ids.length === 0) return 0;
    await this.repo
      .createQueryBuilder()
      .delete()
      .from(IdempotencyRecordEntity)
      .whereInIds(ids.map((row) => row.id))
      .execute();
    return ids.length;
  }
}
