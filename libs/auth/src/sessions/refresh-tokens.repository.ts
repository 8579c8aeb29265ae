import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import type { Repository } from 'typeorm';
import { TransactionService } from '@aero/core';
import { RefreshTokenEntity } from './refresh-token.entity';

/** The only code that knows how refresh tokens (sessions) are stored. */
@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly tx: TransactionService) {}

  private get repo(): Repository<RefreshTokenEntity> {
    return this.tx.manager.getRepository(RefreshTokenEntity);
  }

  async insert(token: RefreshTokenEntity): Promise<void> {
    await this.repo.insert(token);
  }

  findByHash(tokenHash: string): Promise<RefreshTokenEntity | null> {
    return this.repo.findOneBy({ tokenHash });
  }

  /** Atomically marks an unused, unrevoked token used; false when someone else got there first. */
  async markUsed(id: string, now: Date): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(RefreshTokenEntity)
      .set({ usedAt: now })
      .where('id = :id AND used_at IS NULL AND revoked_at IS NULL', { id })
      .execute();
    return result.affected === 1;
  }

  async revokeFamily(familyId: string, now: Date): Promise<void> {
    await this.repo.update({ familyId, revokedAt: IsNull() }, { revokedAt: now });
  }

  /** Revokes every live session of the user and returns their ids (families). */
  async revokeAllForUser(userId: string, now: Date): Promise<string[]> {
    const live = await this.repo
      .createQueryBuilder('t')
      .select('DISTINCT t.family_id', 'familyId')
      .where('t.user_id = :userId AND t.revoked_at IS NULL', { userId })
      .getRawMany<{ familyId: string }>();
    await this.repo.update({ userId, revokedAt: IsNull() }, { revokedAt: now });
    return live.map((row) => row.familyId);
  }
}
