import type { TestApp } from '@aero/testing';
import { adminAuth, createApiKey, createMember, createSession, createTestApp, createUser, createVenue, testDbType } from '@aero/testing';

jest.setTimeout(120_000);

const dialect = testDbType();
const BULK = 5000;
/** Members per sort key: a deep position sits among ties that only the id orders. */
const TIES = 50;

interface Statement {
  sql: string;
  parameters: unknown[];
}

/**
 * The query plans of the statements the API sends for the member list and search, read with the
 * database's own EXPLAIN (never a timing): the page after a cursor starts where the cursor points, in an
 * index already in the list's order, so a page deep in the list costs what the first one costs.
 * SQL Server's form is pinned in sql/mssql/hot-queries.sql instead (no SQL Server runs here).
 */
describe('keyset pages read from the cursor onwards (e2e)', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await adminAuth(t);
    // Members inserted in bulk (no API round trips), UUID ids so cursors hold them, TIES per sort key.
    const select =
      dialect === 'postgres'
        ? `SELECT md5(i::text)::uuid::text, 'F' || (i % 97), 'L' || (i / ${TIES}), 'f' || (i % 97),
             'l' || (i / ${TIES}) || ' f', DATE '1990-01-01', 1, now(), now()
           FROM generate_series(1, ${BULK}) AS i`
        : `SELECT printf('%08x-0000-4000-8000-%012x', i * 2654435761 % 4294967296, i), 'F' || (i % 97),
             'L' || (i / ${TIES}), 'f' || (i % 97), 'l' || (i / ${TIES}) || ' f', '1990-01-01', 1,
             '2027-01-01 00:00:00.000', '2027-01-01 00:00:00.000'
           FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${BULK}) SELECT i FROM n)`;
    await t.dataSource.query(
      `INSERT INTO members (id, first_name, last_name, first_name_key, sort_key, date_of_birth, version,
         created_at, updated_at) ${select}`,
    );
    await t.dataSource.query(dialect === 'postgres' ? 'ANALYZE members' : 'ANALYZE');
  });
  afterAll(() => t.close());

  /** The statements the API sent while answering `path`. */
  async function statementsOf(path: string): Promise<{ body: { data: { id: string }[]; nextCursor: string | null }; sent: Statement[] }> {
    const sent: Statement[] = [];
    const logger = t.dataSource.logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (sql, parameters, runner) => {
      sent.push({ sql, parameters: Array.isArray(parameters) ? parameters : [] });
      logQuery(sql, parameters, runner);
    };
    try {
      const res = await t.http.get(path).set(admin).expect(200);
      return { body: res.body, sent };
    } finally {
      logger.logQuery = logQuery;
    }
  }

  /**
   * The plan of `statement`. `small`: a table of a few rows, where PostgreSQL rightly prefers reading it
   * whole; sequential scans are then priced out (in a transaction of its own), so the plan shows what
   * the indexes can do, as on a full table.
   */
  async function planOf(statement: Statement, small = false): Promise<string[]> {
    if (dialect === 'postgres') {
      const runner = t.dataSource.createQueryRunner();
      try {
        await runner.startTransaction();
        if (small) await runner.query('SET LOCAL enable_seqscan = off');
        const rows = (await runner.query(`EXPLAIN ${statement.sql}`, statement.parameters)) as { 'QUERY PLAN': string }[];
        return rows.map((row) => row['QUERY PLAN']);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    }
    const rows = (await t.dataSource.query(`EXPLAIN QUERY PLAN ${statement.sql}`, statement.parameters)) as { detail: string }[];
    return rows.map((row) => row.detail);
  }

  /** A cursor in the middle of the bulk members, inside a run of ties. */
  async function deepCursor(path: string): Promise<string> {
    let cursor: string | null = null;
    for (let seen = 0; seen < BULK / 2 + TIES / 2; seen += 100) {
      const page = await statementsOf(`${path}limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      cursor = page.body.nextCursor;
    }
    if (!cursor) throw new Error('the list ended before its middle');
    return cursor;
  }

  it('reads a deep page of the member list from the cursor onwards, in index order (no sort, no scan)', async () => {
    const cursor = await deepCursor('/v1/members?');
    const { sent } = await statementsOf(`/v1/members?limit=50&cursor=${cursor}`);
    const list = sent.find((s) => s.sql.includes('FROM "members"'));
    if (!list) throw new Error(`no member list statement among ${sent.length} sent`);
    const plan = await planOf(list);
    if (dialect === 'postgres') {
      const text = plan.join('\n');
      // The cursor is the start of the index range itself; the expanded form started at the sort key and
      // filtered out every tie before the cursor.
      expect(text).toMatch(
        /Index Scan using "IX_members_sort_key_id" on members m[^\n]*\n\s*Index Cond: \(ROW\(\(sort_key\)::text, \(id\)::text\) > ROW\(/,
      );
      expect(text).not.toMatch(/Sort|Seq Scan/);
    } else {
      expect(plan).toEqual(['SEARCH m USING INDEX IX_members_sort_key_id ((sort_key,id)>(?,?))']);
    }
  });

  it('answers the next page of a search from its three index ranges, never reading the whole table', async () => {
    const first = await statementsOf('/v1/members?search=l5&limit=20');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const { sent } = await statementsOf(`/v1/members?search=l5&limit=20&cursor=${first.body.nextCursor}`);
    const search = sent.find((s) => s.sql.includes(' UNION '));
    if (!search) throw new Error(`no member search statement among ${sent.length} sent`);
    const plan = await planOf(search);
    if (dialect === 'postgres') {
      const text = plan.join('\n');
      for (const index of ['IX_members_first_name_key_c', 'IX_members_sort_key_c']) {
        expect(text).toMatch(new RegExp(`Index (Only )?Scan using "${index}"[^\\n]*\\n\\s*Index Cond: [^\\n]*>= 'l5'`));
      }
      // The first-name index carries (sort_key, id): the cursor is one of its index conditions.
      expect(text).toMatch(/IX_members_first_name_key_c[^\n]*\n\s*Index Cond: [^\n]*ROW\(sort_key, id\) > ROW\(/);
    } else {
      expect(plan).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^SEARCH m USING INDEX IX_members_first_name_key \(first_name_key>\? AND first_name_key<\?\)/),
          expect.stringMatching(/^SEARCH m USING INDEX IX_members_sort_key_id \(/),
          expect.stringMatching(/^SEARCH m USING INDEX UQ_members_email_normalized \(email_normalized>\? AND email_normalized<\?\)/),
        ]),
      );
      expect(plan.filter((detail) => /^SCAN m\b/.test(detail))).toEqual([]);
    }
  });

  it('reads the next page of users, API keys and bookings from the cursor onwards, in index order', async () => {
    const venue = await createVenue(t);
    const member = await createMember(t, { waiver: true });
    for (let i = 0; i < 3; i++) {
      await createUser(t, { role: 'staff' });
      await createApiKey(t, { scopes: ['members:read'] });
      const session = await createSession(t, { venueId: venue.id, startsAt: new Date(Date.parse('2027-04-01T12:00:00Z') + i * 3_600_000) });
      await t.http.post('/v1/bookings').set(admin).send({ sessionId: session.id, memberId: member.id, quantity: 1 }).expect(201);
    }
    const lists = [
      { path: '/v1/users?', table: 'users', alias: 'u', index: 'IX_users_created_at_id', sort: 'created_at', sqlite: 'IX_users_created_at_id ((created_at,id)>(?,?))' },
      { path: '/v1/api-keys?', table: 'api_keys', alias: 'k', index: 'IX_api_keys_created_at_id', sort: 'created_at', sqlite: 'IX_api_keys_created_at_id ((created_at,id)>(?,?))' },
      {
        // A window's lower bound is implied by a cursor inside it, and would otherwise start the range.
        path: `/v1/bookings?venueId=${venue.id}&from=2027-04-01&to=2027-04-02&`,
        table: 'bookings',
        alias: 'b',
        index: 'IX_bookings_venue_start',
        sort: 'session_starts_at',
        sqlite: 'IX_bookings_venue_start (venue_id=? AND (session_starts_at,id)>(?,?) AND session_starts_at<?)',
      },
    ];
    for (const list of lists) {
      const first = await statementsOf(`${list.path}limit=1`);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const { sent } = await statementsOf(`${list.path}limit=1&cursor=${first.body.nextCursor}`);
      const page = sent.find((s) => s.sql.includes(`FROM "${list.table}"`));
      if (!page) throw new Error(`no ${list.table} statement among ${sent.length} sent`);
      const plan = await planOf(page, true);
      if (dialect === 'postgres') {
        const text = plan.join('\n');
        expect(text).toMatch(
          new RegExp(`Index Scan using "${list.index}" on ${list.table} ${list.alias}[^\\n]*\\n\\s*Index Cond: [^\\n]*ROW\\(\\(?${list.sort}\\)?(::[a-z ]+)?, \\(?id\\)?(::text)?\\) > ROW\\(`),
        );
        expect(text).not.toMatch(/Sort/);
      } else {
        expect(plan).toEqual([`SEARCH ${list.alias} USING INDEX ${list.sqlite}`]);
      }
    }
  });
});
