import { Injectable } from '@nestjs/common';
import { LessThanOrEqual, MoreThan, MoreThanOrEqual } from 'typeorm';
import type { Repository } from 'typeorm';
import { TransactionService } from '@aero/core';
import { SessionRevocationEntity } from './session-revocation.entity';

/** The only code that knows how ended sessions are stored. */
@Injectable()
export class SessionRevocationsRepository {
  constructor(private readonly tx: TransactionService) {}

  private get repo(): Repository<SessionRevocationEntity> {
    return this.tx.manager.getRepository(SessionRevocationEntity);
  }

  async insert(rows: SessionRevocationEntity[]): Promise<void> {
    if (rows.length > 0) await this.repo.insert(rows);
  }

  /** Revocations recorded at or after `since` that still matter at `now` (indexed on revoked_at). */
  findRecordedSince(
    since: Date,
    now: Date,
  ): Promise<Pick<SessionRevocationEntity, 'sessionId' | 'expiresAt'>[]> {
    return this.repo.find({
      select: { sessionId: true, expiresAt: true },
      where: { revokedAt: MoreThanOrEqual(since), expiresAt: MoreThan(now) },
    });
  }

  /** Every revocation that still matters at `now` (indexed on expires_at). */
  findLive(now: Date): Promise<Pick<SessionRevocationEntity, 'sessionId' | 'expiresAt'>[]> {
    return this.repo.find({
      select: { sessionId: true, expiresAt: true },
      where: { expiresAt: MoreThan(now) },
    });
  }

  /** Deletes revocations whose tokens have all expired; returns how many. */
  async deleteExpired(now: Date): Promise<number> {
    const result = await this.repo.delete({ expiresAt: LessThanOrEqual(now) });
    return result.affected ?? 0;
  }
}
