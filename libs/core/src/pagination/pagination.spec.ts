import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ValidationProblem } from '../http/validation.pipe';
import type { Page } from './pagination';
import { CursorCodec, PageQueryDto } from './pagination';

interface Row {
  id: string;
  startsAt: string;
  name: string;
}

const rows: Row[] = Array.from({ length: 6 }, (_, i) => ({
  id: `00000000-0000-4000-8000-00000000000${i}`,
  startsAt: `2026-12-0${i + 1}T10:00:00.000Z`,
  name: `Session ${i}`,
}));

const codec = new CursorCodec('server-secret-'.repeat(4));
const SCHEMA = { startsAt: 'instant', id: 'id' } as const;

function cursorProblem(cursor: string, using = codec): ValidationProblem {
  try {
    using.decode(cursor, SCHEMA);
  } catch (error) {
    if (error instanceof ValidationProblem) return error;
    throw error;
  }
  throw new Error('expected a ValidationProblem');
}

/** A cursor with a valid-looking body, signed by someone who does not hold the server's key. */
const forged = (position: unknown): string => new CursorCodec('attacker').encode(position as Record<string, string>);
/** The server's own signature over an arbitrary body (what a leaked key would allow): still validated. */
const signed = (position: unknown): string => codec.encode(position as Record<string, string>);

describe('cursor pagination', () => {
  it('round-trips a position through an opaque, URL-safe, signed cursor', () => {
    const cursor = codec.encode({ startsAt: rows[0].startsAt, id: rows[0].id });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(codec.decode(cursor, SCHEMA)).toEqual({ startsAt: new Date(rows[0].startsAt), id: rows[0].id });
    expect(codec.decode(codec.encode({ k: 'smith jane', id: rows[1].id }), { k: 'text', id: 'id' })).toEqual({
      k: 'smith jane',
      id: rows[1].id,
    });
  });

  const genuine = codec.encode({ startsAt: rows[2].startsAt, id: rows[2].id });
  it.each([
    ['not a cursor at all', '%%%not-a-cursor%%%'],
    ['an unsigned cursor of the old format', Buffer.from(JSON.stringify({ startsAt: rows[0].startsAt, id: rows[0].id })).toString('base64url')],
    ['one character of the body changed', `${genuine[0] === 'e' ? 'f' : 'e'}${genuine.slice(1)}`],
    ['one character of the tag changed', `${genuine.slice(0, -1)}${genuine.endsWith('A') ? 'B' : 'A'}`],
    ['a truncated tag', genuine.slice(0, -4)],
    ['an extra segment', `${genuine}.x`],
    ['signed with another key', forged({ startsAt: rows[0].startsAt, id: rows[0].id })],
    ['a signed position without the sort keys', signed({ other: 'x' })],
    ['a signed instant that is no date', signed({ startsAt: '2026-02-30T10:00:00.000Z', id: rows[0].id })],
    ['a signed instant without milliseconds', signed({ startsAt: '2026-12-01T10:00:00Z', id: rows[0].id })],
    ['a signed id that is no UUID', signed({ startsAt: rows[0].startsAt, id: "x' OR 1=1 --" })],
    ['a signed key of the wrong type', signed({ startsAt: {}, id: rows[0].id })],
    ['a signed JSON array', signed([1, 2])],
  ])('rejects a tampered cursor (%s) as a 400 naming `cursor`', (_case, cursor) => {
    const problem = cursorProblem(cursor);
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ field: 'cursor', message: 'is not a cursor issued by this API' }]);
  });

  it('refuses text positions the database could not take (NUL, lone surrogates, oversized)', () => {
    for (const k of ['a\u0000b', 'a\ud800b', 'x'.repeat(501)]) {
      expect(() => codec.decode(signed({ k, id: rows[0].id }), { k: 'text', id: 'id' })).toThrow(ValidationProblem);
    }
  });

  it('builds a page from limit + 1 rows: the extra row only signals a next page', () => {
    const page = codec.page(
      rows.slice(0, 4),
      3,
      (row) => ({ id: row.id, name: row.name }),
      (row) => ({ startsAt: row.startsAt, id: row.id }),
    );
    expect(page.data.map((item) => item.name)).toEqual(['Session 0', 'Session 1', 'Session 2']);
    // The cursor points at the last item shown, so the next query starts after Session 2.
    expect(codec.decode(page.nextCursor as string, SCHEMA)).toEqual({ startsAt: new Date(rows[2].startsAt), id: rows[2].id });
  });

  it('ends with a null cursor when no extra row came back', () => {
    const exact = codec.page(rows.slice(0, 3), 3, (row) => row.id, (row) => ({ id: row.id }));
    expect(exact).toEqual({ data: rows.slice(0, 3).map((r) => r.id), nextCursor: null });
    expect(codec.page([] as Row[], 3, (row) => row.id, (row) => ({ id: row.id }))).toEqual({ data: [], nextCursor: null });
  });

  it('walks a whole list page by page without gaps or repeats', () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const after: string | undefined = cursor ? codec.decode(cursor, { id: 'id' }).id : undefined;
      const fetched: Row[] = rows.filter((row) => after === undefined || row.id > after).slice(0, 2 + 1);
      const page: Page<string> = codec.page(fetched, 2, (row) => row.id, (row) => ({ id: row.id }));
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
