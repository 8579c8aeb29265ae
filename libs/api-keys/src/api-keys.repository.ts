import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { ReadDataSource, TransactionService, whereAfter } from '@aero/core';
import { ApiKeyEntity } from './api-key.entity';

/** The only code that knows how API keys are stored. */
@Injectable()
export class ApiKeysRepository {
  constructor(
    private readonly tx: TransactionService,
    private readonly reader: ReadDataSource,
  ) {}

  private get repo(): Repository<ApiKeyEntity> {
    return this.tx.manager.getRepository(ApiKeyEntity);
  }

  async insert(key: ApiKeyEntity): Promise<void> {
    await this.repo.insert(key);
  }

  async save(key: ApiKeyEntity): Promise<void> {
    await this.repo.save(key);
  }

  findById(id: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Keyset page ordered by (created_at, id); fetches `limit + 1` rows; on the read replica inside `reader.read`. */
  listPage(limit: number, after?: { createdAt: Date; id: string }): Promise<ApiKeyEntity[]> {
    const query = this.reader.manager.getRepository(ApiKeyEntity).createQueryBuilder('k');
    whereAfter(query, 'k.created_at', 'k.id', after && { sort: after.createdAt, id: after.id });
    return query.orderBy('k.created_at', 'ASC').addOrderBy('k.id', 'ASC').take(limit + 1).getMany();
  }

  /** Records use without touching anything else (one small UPDATE, at most once a minute per key). */
  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.repo.update({ id }, { lastUsedAt: at });
  }
}
