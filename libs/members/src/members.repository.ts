import { Injectable } from '@nestjs/common';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import { Brackets } from 'typeorm';
import { insertIfAbsent, PreparedSelect, TransactionService, whereAfter } from '@aero/core';
import { MemberVenueEntity } from './member-venue.entity';
import { MemberEntity } from './member.entity';
import { WaiverEntity } from './waiver.entity';

export interface MemberListFilter {
  /** Lowercased prefix of first name, last name or email. */
  search?: string;
  /** Restrict to these ids (a member user's own profile and dependants). */
  ids?: string[];
  /** Restrict to members known at these venues (a venue-restricted caller); undefined: every venue. */
  venueIds?: string[];
  after?: { sortKey: string; id: string };
  limit: number;
}

/** Escapes LIKE wildcards so a search for `o_brien` matches literally (escape character `!`). */
function likePrefix(value: string): string {
  return `${value.replace(/[!%_[]/g, (c) => `!${c}`)}%`;
}

/**
 * Keeps only members known at one of `venueIds` (through `member_venues`, an index seek per row); no
 * venues means nobody. Undefined leaves the query unrestricted.
 */
function knownAtVenues(qb: SelectQueryBuilder<MemberEntity>, venueIds: string[] | undefined): void {
  if (venueIds === undefined) return;
  if (venueIds.length === 0) {
    qb.andWhere('1 = 0');
    return;
  }
  const known = qb
    .subQuery()
    .select('1')
    .from(MemberVenueEntity, 'mv')
    .where('mv.memberId = m.id')
    .andWhere('mv.venueId IN (:...knownAtVenueIds)')
    .getQuery();
  qb.andWhere(`EXISTS ${known}`, { knownAtVenueIds: venueIds });
}

/** Member by id, on every member read: its SQL is rendered once, not per request. */
const FIND_LIVE = new PreparedSelect<MemberEntity>(
  (manager) =>
    manager
      .getRepository(MemberEntity)
      .createQueryBuilder('m')
      .where('m.id = :id')
      .andWhere('m.deletedAt IS NULL'),
  ['id'],
);

/** The only code in the members feature that knows TypeORM. */
@Injectable()
export class MembersRepository {
  constructor(private readonly tx: TransactionService) {}

  private get members(): Repository<MemberEntity> {
    return this.tx.manager.getRepository(MemberEntity);
  }

  private get waivers(): Repository<WaiverEntity> {
    return this.tx.manager.getRepository(WaiverEntity);
  }

  insert(member: MemberEntity): Promise<unknown> {
    return this.members.insert(member);
  }

  /**
   * A member that is not deleted, and (with `venueIds`) known at one of those venues — in one query. The
   * unrestricted form, on every member read, runs SQL rendered once.
   */
  findLive(id: string, venueIds?: string[]): Promise<MemberEntity | null> {
    if (venueIds === undefined) return FIND_LIVE.one(this.tx.manager, { id });
    const qb = this.members.createQueryBuilder('m').where('m.id = :id', { id }).andWhere('m.deletedAt IS NULL');
    knownAtVenues(qb, venueIds);
    return qb.getOne();
  }

  /** Records that the member is known at the venue (home venue, or a booking there); idempotent. */
  linkVenue(memberId: string, venueId: string): Promise<void> {
    return insertIfAbsent(this.tx.manager, this.tx.errors, MemberVenueEntity, { memberId, venueId });
  }

  /** Ids of live dependants of a guardian. */
  async dependantIds(guardianId: string): Promise<string[]> {
    const rows = await this.members
      .createQueryBuilder('m')
      .select('m.id', 'id')
      .where('m.guardianId = :guardianId', { guardianId })
      .andWhere('m.deletedAt IS NULL')
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  findByEmail(emailNormalized: string): Promise<MemberEntity | null> {
    return this.members
      .createQueryBuilder('m')
      .where('m.emailNormalized = :emailNormalized', { emailNormalized })
      .andWhere('m.deletedAt IS NULL')
      .getOne();
  }

  /** Keyset page ordered by (sortKey, id); fetches `limit + 1` rows. */
  list(filter: MemberListFilter): Promise<MemberEntity[]> {
    const qb = this.members.createQueryBuilder('m').where('m.deletedAt IS NULL');
    knownAtVenues(qb, filter.venueIds);
    if (filter.ids) {
      if (filter.ids.length === 0) return Promise.resolve([]);
      qb.andWhere('m.id IN (:...ids)', { ids: filter.ids });
    }
    if (filter.search) {
      const p = likePrefix(filter.search);
      qb.andWhere(
        new Brackets((w) =>
          w
            .where("LOWER(m.firstName) LIKE :p ESCAPE '!'", { p })
            .orWhere("m.sortKey LIKE :p ESCAPE '!'", { p })
            .orWhere("m.emailNormalized LIKE :p ESCAPE '!'", { p }),
        ),
      );
    }
    if (filter.after) {
      whereAfter(qb, 'm.sortKey', 'm.id', { sort: filter.after.sortKey, id: filter.after.id });
    }
    return qb
      .orderBy('m.sortKey', 'ASC')
      .addOrderBy('m.id', 'ASC')
      .take(filter.limit + 1)
      .getMany();
  }

  /**
   * Applies changes only if the row is still at `expectedVersion` (or any version when undefined), bumping
   * the version in the same statement. Returns false when nothing matched (stale or gone).
   */
  async updateVersioned(
    id: string,
    changes: Partial<MemberEntity>,
    expectedVersion?: number,
  ): Promise<boolean> {
    const qb = this.members
      .createQueryBuilder()
      .update(MemberEntity)
      .set({ ...changes, version: () => 'version + 1' })
      .where('id = :id', { id })
      .andWhere('deleted_at IS NULL');
    if (expectedVersion !== undefined) qb.andWhere('version = :expectedVersion', { expectedVersion });
    const result = await qb.execute();
    return (result.affected ?? 0) === 1;
  }

  insertWaiver(waiver: WaiverEntity): Promise<unknown> {
    return this.waivers.insert(waiver);
  }

  /** Whether a live member has a waiver that is still valid at `at`. */
  async hasWaiverValidAt(memberId: string, at: Date): Promise<boolean> {
    const count = await this.waivers
      .createQueryBuilder('w')
      .where('w.memberId = :memberId', { memberId })
      .andWhere('w.validUntil >= :at', { at })
      .andWhere('w.signedAt <= :now', { now: new Date() })
      .getCount();
    return count > 0;
  }
}
