import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { ReadDataSource, TransactionService, whereAfter } from '@aero/core';
import { UserEntity } from './user.entity';

/** The only code that knows how users are stored. */
@Injectable()
export class UsersRepository {
  constructor(
    private readonly tx: TransactionService,
    private readonly reader: ReadDataSource,
  ) {}

  private get repo(): Repository<UserEntity> {
    return this.tx.manager.getRepository(UserEntity);
  }

  async insert(user: UserEntity): Promise<void> {
    await this.repo.insert(user);
  }

  async save(user: UserEntity): Promise<void> {
    await this.repo.save(user);
  }

  /** Deletes the user; their refresh tokens go with them (ON DELETE CASCADE). */
  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** `email` must already be normalised (lower case). */
  findByEmail(email: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ email });
  }

  /** Keyset page ordered by (created_at, id); fetches `limit + 1` rows; on the read replica inside `reader.read`. */
  listPage(limit: number, after?: { createdAt: Date; id: string }): Promise<UserEntity[]> {
    const query = this.reader.manager.getRepository(UserEntity).createQueryBuilder('u');
    whereAfter(query, 'u.created_at', 'u.id', after && { sort: after.createdAt, id: after.id });
    return query.orderBy('u.created_at', 'ASC').addOrderBy('u.id', 'ASC').take(limit + 1).getMany();
  }
}
