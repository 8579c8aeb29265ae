import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ValidationProblem } from '../http/validation.pipe';

/** `limit` and `cursor` of every list endpoint; extend it with the list's own filters. */
export class PageQueryDto {
  /** How many items to return (1–100). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, example: 5, description: 'How many items to return (1–100)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number = 20;

  /** Opaque cursor from the previous page's `nextCursor`. */
  @ApiPropertyOptional({
    maxLength: 512,
    description: "Opaque cursor: the previous page's `nextCursor`; leave empty for the first page",
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * What each field of a cursor position holds: `instant` an ISO-8601 UTC timestamp with milliseconds (as
 * `Date#toISOString` writes it), `id` a UUID, `text` a sort key of at most 500 characters.
 */
export type CursorField = 'instant' | 'id' | 'text';
export type CursorSchema = Record<string, CursorField>;
export type CursorPosition<S extends CursorSchema> = { [K in keyof S]: S[K] extends 'instant' ? Date : string };

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SIGNATURE_BYTES = 16;

function readField(kind: CursorField, value: unknown): Date | string | undefined {
  if (typeof value !== 'string') return undefined;
  switch (kind) {
    case 'instant': {
      const date = new Date(value);
      return INSTANT.test(value) && !Number.isNaN(date.getTime()) && date.toISOString() === value ? date : undefined;
    }
    case 'id':
      return UUID.test(value) ? value : undefined;
    case 'text':
      return value.length <= 500 && !value.includes('\u0000') && !LONE_SURROGATE.test(value) ? value : undefined;
  }
}

function notACursor(): ValidationProblem {
  return new ValidationProblem([{ field: 'cursor', message: 'is not a cursor issued by this API' }]);
}

/**
 * Keyset cursors: the sort key of the last item shown, as base64url JSON followed by an HMAC-SHA-256 tag
 * (128 bits) under a key derived from the server's JWT signing key. A cursor the API did not issue, or
 * one changed by a single character, is a 400 naming `cursor`, before any query runs; and a genuine one
 * is still checked field by field, so no position the database cannot take ever reaches it.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(serverSecret: string) {
    // A key of its own (never the JWT key itself), so a cursor tag can never pass for anything else.
    this.key = createHmac('sha256', serverSecret).update('aero-core-api keyset cursor v1').digest();
  }

  private tag(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, SIGNATURE_BYTES);
  }

  encode(position: Record<string, string>): string {
    const body = Buffer.from(JSON.stringify(position)).toString('base64url');
    return `${body}.${this.tag(body).toString('base64url')}`;
  }

  /** The position in `cursor`, each field read as `schema` says; a 400 naming `cursor` otherwise. */
  decode<S extends CursorSchema>(cursor: string, schema: S): CursorPosition<S> {
    const [body, tag, extra] = cursor.split('.');
    if (!body || !tag || extra !== undefined) throw notACursor();
    const presented = Buffer.from(tag, 'base64url');
    if (presented.length !== SIGNATURE_BYTES || !timingSafeEqual(presented, this.tag(body))) throw notACursor();
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw notACursor();
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw notACursor();
    const position: Record<string, Date | string> = {};
    for (const [name, kind] of Object.entries(schema)) {
      const field = readField(kind, (value as Record<string, unknown>)[name]);
      if (field === undefined) throw notACursor();
      position[name] = field;
    }
    return position as CursorPosition<S>;
  }

  /** Builds a page from `limit + 1` fetched rows: the extra row only proves there is a next page. */
  page<Row, Item>(
    rows: Row[],
    limit: number,
    map: (row: Row) => Item,
    position: (row: Row) => Record<string, string>,
  ): Page<Item> {
    const hasMore = rows.length > limit;
    const pageRows = hasMore ? rows.slice(0, limit) : rows;
    return {
      data: pageRows.map(map),
      nextCursor: hasMore ? this.encode(position(pageRows[pageRows.length - 1])) : null,
    };
  }
}

/** The direction of a keyset order: both columns ascend, or both descend. */
export type KeysetDirection = 'ASC' | 'DESC';

/** Databases whose planners seek an index on a row-value comparison `(a, b) > (x, y)`. */
const ROW_VALUE_DIALECTS: ReadonlySet<string> = new Set(['postgres', 'sqlite', 'better-sqlite3']);

/**
 * The condition "after the position (`:keysetSort`, `:keysetId`)" of an order by (`sortColumn`,
 * `idColumn`), both `direction`, as `dialect` answers it from an index on (sort, id):
 *
 * - PostgreSQL and SQLite: the row-value comparison `(sort, id) > (k, i)`, which both planners turn into
 *   one index range that starts exactly at the position (PostgreSQL: `Index Cond: ROW(...) > ROW(...)`;
 *   SQLite: `SEARCH ... ((sort,id)>(?,?))`), so no row before it is read, however many share its sort key.
 * - SQL Server (and anything else): T-SQL has no row values, so the same set is written
 *   `sort >= k AND (sort > k OR id > i)`. Its first conjunct is the seek range; the rest filters only the
 *   rows that share the sort key `k`. (The plain `sort > k OR (sort = k AND id > i)` is no range at all:
 *   deep pages would read every row before them.)
 *
 * Both forms select the same rows. Neither column may be NULL: a NULL compares as unknown in either form.
 */
export function keysetCondition(dialect: string, sortColumn: string, idColumn: string, direction: KeysetDirection = 'ASC'): string {
  const after = direction === 'ASC' ? '>' : '<';
  if (ROW_VALUE_DIALECTS.has(dialect)) return `(${sortColumn}, ${idColumn}) ${after} (:keysetSort, :keysetId)`;
  return `${sortColumn} ${after}= :keysetSort AND (${sortColumn} ${after} :keysetSort OR ${idColumn} ${after} :keysetId)`;
}

/**
 * Restricts a keyset page ordered by (`sortColumn`, `idColumn`), both `direction`, to the rows after
 * `after` (see `keysetCondition` for the form each dialect gets). Binds `:keysetSort` and `:keysetId`.
 */
export function whereAfter<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  sortColumn: string,
  idColumn: string,
  after: { sort: Date | string; id: string } | undefined,
  direction: KeysetDirection = 'ASC',
): SelectQueryBuilder<T> {
  if (!after) return qb;
  return qb.andWhere(keysetCondition(qb.connection.options.type, sortColumn, idColumn, direction), {
    keysetSort: after.sort,
    keysetId: after.id,
  });
}
