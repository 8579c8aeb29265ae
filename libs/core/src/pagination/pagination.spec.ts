import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ValidationProblem } from '../http/validation.pipe';
import type { Page } from './pagination';
import { decodeCursor, encodeCursor, PageQueryDto, toPage } from './pagination';

interface Row {
  id: string;
  startsAt: string;
  name: string;
}

const rows: Row[] = Array.from({ length: 6 }, (_, i) => ({
  id: `00000000-0000-0000-0000-00000000000${i}`,
  startsAt: `2026-12-0${i + 1}T10:00:00.000Z`,
  name: `Session ${i}`,
}));

function cursorProblem(cursor: string): ValidationProblem {
  try {
    decodeCursor(cursor, ['startsAt', 'id']);
  } catch (error) {
    if (error instanceof ValidationProblem) return error;
    throw error;
  }
  throw new Error('expected a ValidationProblem');
}

describe('cursor pagination', () => {
  it('round-trips a position through an opaque, URL-safe cursor', () => {
    const position = { startsAt: '2026-12-01T10:00:00.000Z', id: rows[0].id, rank: 7 };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ['startsAt', 'id', 'rank'])).toEqual(position);
  });

  it.each([
    ['not base64 JSON', '%%%not-a-cursor%%%'],
    ['valid JSON without the sort keys', encodeCursor({ other: 'x' })],
    ['a key of the wrong type', Buffer.from(JSON.stringify({ startsAt: {}, id: 'x' })).toString('base64url')],
    ['a JSON array', Buffer.from('[1,2]').toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
  ])('rejects a tampered cursor (%s) as a 400 naming `cursor`', (_case, cursor) => {
    const problem = cursorProblem(cursor);
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ field: 'cursor', message: 'is not a cursor issued by this API' }]);
  });

  it('builds a page from limit + 1 rows: the extra row only signals a next page', () => {
    const page = toPage(
      rows.slice(0, 4),
      3,
      (row) => ({ id: row.id, name: row.name }),
      (row) => ({ startsAt: row.startsAt, id: row.id }),
    );
    expect(page.data.map((item) => item.name)).toEqual(['Session 0', 'Session 1', 'Session 2']);
    expect(page.nextCursor).not.toBeNull();
    // The cursor points at the last item shown, so the next query starts after Session 2.
    expect(decodeCursor(page.nextCursor as string, ['startsAt', 'id'])).toEqual({
      startsAt: rows[2].startsAt,
      id: rows[2].id,
    });
  });

  it('ends with a null cursor when no extra row came back', () => {
    const exact = toPage(
      rows.slice(0, 3),
      3,
      (row) => row.id,
      (row) => ({ id: row.id }),
    );
    expect(exact).toEqual({ data: rows.slice(0, 3).map((r) => r.id), nextCursor: null });
    expect(
      toPage(
        [],
        3,
        (row: Row) => row.id,
        (row) => ({ id: row.id }),
      ),
    ).toEqual({ data: [], nextCursor: null });
  });

  it('walks a whole list page by page without gaps or repeats', () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const after: string | undefined = cursor ? String(decodeCursor(cursor, ['id']).id) : undefined;
      const fetched: Row[] = rows.filter((row) => after === undefined || row.id > after).slice(0, 2 + 1);
      const page: Page<string> = toPage(
        fetched,
        2,
        (row) => row.id,
        (row) => ({ id: row.id }),
      );
      seen.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(rows.map((r) => r.id));
  });
});

describe('PageQueryDto', () => {
  const validate = (query: Record<string, string>): string[] =>
    validateSync(plainToInstance(PageQueryDto, query)).map((e) => e.property);

  it('defaults the limit to 20 and accepts 1–100', () => {
    expect(plainToInstance(PageQueryDto, {}).limit).toBe(20);
    expect(plainToInstance(PageQueryDto, { limit: '100' }).limit).toBe(100);
    expect(validate({ limit: '1' })).toEqual([]);
    expect(validate({ limit: '100' })).toEqual([]);
  });

  it.each(['0', '101', 'ten', '2.5'])('rejects limit=%s', (limit) => {
    expect(validate({ limit })).toEqual(['limit']);
  });

  it('rejects an oversized cursor', () => {
    expect(validate({ cursor: 'x'.repeat(513) })).toEqual(['cursor']);
  });
});
