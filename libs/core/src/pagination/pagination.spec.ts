import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { Column, DataSource, Entity, Index, PrimaryColumn } from 'typeorm';
import { ValidationProblem } from '../http/validation.pipe';
import type { KeysetDirection, Page } from './pagination';
import { CursorCodec, keysetCondition, PageQueryDto, whereAfter } from './pagination';

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

@Entity({ name: 'listed' })
@Index(['sortKey', 'id'])
class ListedEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'sort_key', type: 'varchar', length: 20 })
  sortKey: string;
}

describe('keyset conditions', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [ListedEntity], synchronize: true });
    await dataSource.initialize();
  });
  afterAll(() => dataSource.destroy());

  /** One page of at most `limit` ids after `after`, with the condition each dialect would get. */
  function page(
    form: 'row value' | 'T-SQL',
    direction: KeysetDirection,
    after: { sort: string; id: string } | undefined,
    limit: number,
  ): Promise<ListedEntity[]> {
    const qb = dataSource
      .getRepository(ListedEntity)
      .createQueryBuilder('l')
      .orderBy('l.sortKey', direction)
      .addOrderBy('l.id', direction)
      .take(limit);
    if (form === 'row value') whereAfter(qb, 'l.sortKey', 'l.id', after, direction);
    // SQL Server's form, evaluated here: it must select exactly the same rows.
    else if (after) qb.andWhere(keysetCondition('mssql', 'l.sortKey', 'l.id', direction), { keysetSort: after.sort, keysetId: after.id });
    return qb.getMany();
  }

  it('is a row-value comparison on SQLite and PostgreSQL, and a leading range with its ties on SQL Server', () => {
    expect(keysetCondition('better-sqlite3', 's', 'i')).toBe('(s, i) > (:keysetSort, :keysetId)');
    expect(keysetCondition('postgres', 's', 'i', 'DESC')).toBe('(s, i) < (:keysetSort, :keysetId)');
    expect(keysetCondition('mssql', 's', 'i')).toBe('s >= :keysetSort AND (s > :keysetSort OR i > :keysetId)');
    expect(keysetCondition('mssql', 's', 'i', 'DESC')).toBe('s <= :keysetSort AND (s < :keysetSort OR i < :keysetId)');
  });

  // Sort keys drawn from a few values, so most positions sit among ties broken only by id.
  const rowsArb = fc.uniqueArray(
    fc.record({ id: fc.uuid(), sortKey: fc.constantFrom('a', 'ab', 'b', 'b ', 'c') }),
    { selector: (row) => row.id, maxLength: 25 },
  );
  const forms = ['row value', 'T-SQL'] as const;
  const directions: KeysetDirection[] = ['ASC', 'DESC'];

  it('selects exactly the rows after any position, in either direction, in both forms', async () => {
    await fc.assert(
      fc.asyncProperty(
        rowsArb,
        fc.record({ id: fc.uuid(), sortKey: fc.constantFrom('a', 'ab', 'b', 'b ', 'c', '') }),
        fc.constantFrom(...forms),
        fc.constantFrom(...directions),
        async (rows, position, form, direction) => {
          await dataSource.getRepository(ListedEntity).clear();
          if (rows.length > 0) await dataSource.getRepository(ListedEntity).insert(rows);
          const sign = direction === 'ASC' ? 1 : -1;
          const compare = (x: { sortKey: string; id: string }, y: { sortKey: string; id: string }): number =>
            sign * (x.sortKey < y.sortKey ? -1 : x.sortKey > y.sortKey ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
          // A position taken from a row (what a cursor holds) as often as an arbitrary one.
          const at = rows.length > 0 && position.sortKey === '' ? rows[0] : position;
          const expected = rows.filter((row) => compare(row, at) > 0).sort(compare).map((row) => row.id);
          const got = await page(form, direction, { sort: at.sortKey, id: at.id }, 100);
          expect(got.map((row) => row.id)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('walks a list with many ties page by page, every row once, in either direction', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i * 7919 % 1000).padStart(12, '0')}`,
      sortKey: ['a', 'b', 'c'][i % 3],
    }));
    await dataSource.getRepository(ListedEntity).clear();
    await dataSource.getRepository(ListedEntity).insert(rows);
    for (const form of forms) {
      for (const direction of directions) {
        const seen: string[] = [];
        let after: { sort: string; id: string } | undefined;
        for (let pages = 0; pages <= rows.length; pages++) {
          const got = await page(form, direction, after, 3);
          seen.push(...got.map((row) => row.id));
          if (got.length < 3) break;
          after = { sort: got[2].sortKey, id: got[2].id };
        }
        const order = [...rows].sort((x, y) => (x.sortKey < y.sortKey ? -1 : x.sortKey > y.sortKey ? 1 : x.id < y.id ? -1 : 1));
        expect({ form, direction, seen }).toEqual({
          form,
          direction,
          seen: (direction === 'ASC' ? order : order.reverse()).map((row) => row.id),
        });
      }
    }
  });
});
