import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
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

/** Opaque keyset cursor: the sort key of the last item, base64url JSON. */
export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor made by `encodeCursor`; a tampered or foreign cursor is a 400 naming `cursor`. */
export function decodeCursor<K extends string>(cursor: string, keys: readonly K[]): Record<K, string | number> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && keys.every((k) => k in value)) {
      const position = value as Record<K, unknown>;
      if (keys.every((k) => typeof position[k] === 'string' || typeof position[k] === 'number')) {
        return position as Record<K, string | number>;
      }
    }
  } catch {
    // fall through to the validation problem
  }
  throw new ValidationProblem([{ field: 'cursor', message: 'is not a cursor issued by this API' }]);
}

/** Builds a page from `limit + 1` fetched rows: the extra row only proves there is a next page. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  map: (row: Row) => Item,
  position: (row: Row) => Record<string, string | number>,
): Page<Item> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  return {
    data: pageRows.map(map),
    nextCursor: hasMore ? encodeCursor(position(pageRows[pageRows.length - 1])) : null,
  };
}
