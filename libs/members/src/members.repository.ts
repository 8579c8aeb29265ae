import { Injectable } from '@nestjs/common';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import { insertIfAbsent, PreparedSelect, TransactionService, whereAfter } from '@aero/core';
import type { MemberVisibilityCondition } from './member-visibility';
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
 * The half-open range `[lo, hi)` of strings, in code-point order, that holds every string starting with
 * `prefix`: `hi` is the prefix with its last character replaced by the next one. When that next one is
 * not a plain BMP character (a trailing surrogate pair, U+D7FF, U+FFFF), the character is dropped and the
 * one before it is bumped instead: the range is then wider than the prefix, and the LIKE beside it in the
 * query keeps the answer exact. No such character left: no upper bound.
 */
export function prefixRange(prefix: string): { lo: string; hi?: string } {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    const isSurrogate = c >= 0xd800 && c <= 0xdfff;
    if (!isSurrogate && c !== 0xd7ff && c !== 0xffff) {
      return { lo: prefix, hi: prefix.slice(0, i) + String.fromCharCode(c + 1) };
    }
  }
  return { lo: prefix };
}

type SearchDialect = 'sqlite' | 'postgres' | 'mssql';

/** The searched keys: each is stored lowercased by the application (first name, "last first", email). */
const SEARCH_KEYS = ['m.firstNameKey', 'm.sortKey', 'm.emailNormalized'] as const;

/**
 * "`column` starts with the search", written so each dialect answers it from an index on `column`:
 *
 * - SQLite: a range on the column's BINARY collation (byte order of UTF-8, i.e. code-point order, where
 *   `[lo, hi)` is exactly the strings with that prefix). SQLite's own LIKE optimisation would need NOCASE
 *   columns and no ESCAPE, so LIKE stays only as the exact filter inside the range.
 * - PostgreSQL: the same range under COLLATE "C", matching the migration's expression indexes. Under the
 *   database's collation (en_US and the like ignore spaces and punctuation at first level) a range is not
 *   the prefix: `de ` < `de la cruz` < `de!` does not hold there. LIKE again only filters inside it.
 * - SQL Server: `LIKE @p ESCAPE '!'`, which the optimiser turns into a seek range on a plain index
 *   under the column's own (case-insensitive) collation, the semantics the search always had there.
 */
function startsWith(column: (typeof SEARCH_KEYS)[number], dialect: SearchDialect, bounded: boolean): string {
  const like = `${column} LIKE :searchLike ESCAPE '!'`;
  if (dialect === 'mssql') return like;
  const key = dialect === 'postgres' ? `${column} COLLATE "C"` : column;
  return bounded
    ? `${key} >= :searchLo AND ${key} < :searchHi AND ${like}`
    : `${key} >= :searchLo AND ${like}`;
}

function dialectOf(qb: SelectQueryBuilder<MemberEntity>): SearchDialect {
  const type = qb.connection.options.type;
  return type === 'mssql' ? 'mssql' : type === 'postgres' ? 'postgres' : 'sqlite';
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

/** The visibility condition's SQL per data source and shape (see `visibleCondition`). */
const VISIBLE_SQL = new WeakMap<object, Map<string, string>>();

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
    const qb = this.members
      .createQueryBuilder('m')
      .where('m.id = :id', { id })
      .andWhere('m.deletedAt IS NULL');
    knownAtVenues(qb, venueIds);
    return qb.getOne();
  }

  /**
   * `EXISTS (…)`: member `id` is live, known at one of `venueIds` (when given; none means nobody) and, with
   * `ownerId` (a member user; null when the user has no profile), that member or one of their dependants.
   */
  visibleCondition(id: string, venueIds: string[] | undefined, ownerId: string | null | undefined): MemberVisibilityCondition {
    if (ownerId === null || venueIds?.length === 0) return { sql: '1 = 0', parameters: {} };
    const parameters: Record<string, unknown> = { visibleMemberId: id };
    if (ownerId !== undefined) parameters.visibleOwnerId = ownerId;
    if (venueIds !== undefined) parameters.visibleVenueIds = venueIds;
    // Four shapes, each rendered once per data source: the venue list stays a named parameter here and is
    // expanded by the statement that carries the condition.
    const shape = `${ownerId !== undefined ? 'owner' : ''}|${venueIds !== undefined ? 'venues' : ''}`;
    const rendered = (VISIBLE_SQL.get(this.tx.manager.connection) ?? new Map<string, string>()).get(shape);
    return { sql: rendered ?? this.renderVisibleCondition(shape, ownerId !== undefined, venueIds !== undefined), parameters };
  }

  private renderVisibleCondition(shape: string, byOwner: boolean, byVenue: boolean): string {
    const qb = this.members
      .createQueryBuilder('visible_member')
      .select('1')
      .where('visible_member.id = :visibleMemberId')
      .andWhere('visible_member.deletedAt IS NULL');
    if (byOwner) qb.andWhere('(visible_member.id = :visibleOwnerId OR visible_member.guardianId = :visibleOwnerId)');
    if (byVenue) {
      const known = qb
        .subQuery()
        .select('1')
        .from(MemberVenueEntity, 'visible_member_venue')
        .where('visible_member_venue.memberId = visible_member.id')
        .andWhere('visible_member_venue.venueId IN (:...visibleVenueIds)')
        .getQuery();
      qb.andWhere(`EXISTS ${known}`);
    }
    const sql = `EXISTS (${qb.getQuery()})`;
    const connection = this.tx.manager.connection;
    const shapes = VISIBLE_SQL.get(connection) ?? new Map<string, string>();
    shapes.set(shape, sql);
    VISIBLE_SQL.set(connection, shapes);
    return sql;
  }

  /** Records that the member is known at the venue (home venue, or a booking there); idempotent. */
  async linkVenue(memberId: string, venueId: string): Promise<void> {
    await insertIfAbsent(this.tx.manager, this.tx.errors, MemberVenueEntity, { memberId, venueId });
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

  /**
   * Keyset page ordered by (sortKey, id); fetches `limit + 1` rows. A search is a prefix of the first
   * name, of "last first" or of the email: three index ranges, one per key (an OR of them would make the
   * planners scan the sort-key index and filter every row). Each range keeps every other condition and
   * its own first `limit + 1` rows in (sortKey, id) order; their UNION (at most 3 × (limit + 1) ids) is
   * then read by primary key and ordered once more by the database, so the order and the cursor
   * comparisons stay the database's own collation on every dialect. One statement.
   */
  list(filter: MemberListFilter): Promise<MemberEntity[]> {
    if (filter.ids && filter.ids.length === 0) return Promise.resolve([]);
    if (!filter.search) return this.page(this.restricted(filter), filter.limit).getMany();
    const { lo, hi } = prefixRange(filter.search);
    const qb = this.members.createQueryBuilder('m');
    const dialect = dialectOf(qb);
    const branches = SEARCH_KEYS.map((column, n) => {
      const branch = this.page(this.restricted(filter), filter.limit).select('m.id', 'id');
      branch.andWhere(startsWith(column, dialect, hi !== undefined));
      if (column === 'm.emailNormalized') branch.andWhere('m.emailNormalized IS NOT NULL');
      qb.setParameters(branch.getParameters());
      return `SELECT b${n}.id FROM (${branch.getQuery()}) b${n}`;
    });
    qb.where(`m.id IN (${branches.join(' UNION ')})`).setParameters({
      searchLo: lo,
      ...(hi === undefined ? {} : { searchHi: hi }),
      searchLike: likePrefix(filter.search),
    });
    return this.page(qb, filter.limit).getMany();
  }

  /** Live members, within the venue and id restrictions, after the cursor. */
  private restricted(filter: MemberListFilter): SelectQueryBuilder<MemberEntity> {
    const qb = this.members.createQueryBuilder('m').where('m.deletedAt IS NULL');
    knownAtVenues(qb, filter.venueIds);
    if (filter.ids) qb.andWhere('m.id IN (:...ids)', { ids: filter.ids });
    if (filter.after) {
      whereAfter(qb, 'm.sortKey', 'm.id', { sort: filter.after.sortKey, id: filter.after.id });
    }
    return qb;
  }

  /** The first `limit + 1` rows in (sortKey, id) order. */
  private page(qb: SelectQueryBuilder<MemberEntity>, limit: number): SelectQueryBuilder<MemberEntity> {
    return qb
      .orderBy('m.sortKey', 'ASC')
      .addOrderBy('m.id', 'ASC')
      .take(limit + 1);
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
