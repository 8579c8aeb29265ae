import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestApp } from '@aero/testing';
import {
  adminAuth,
  CliSandbox,
  createApiKey,
  createMember,
  createTestApp,
  createUser,
  createVenue,
  testDbType,
} from '@aero/testing';

// Setting up users (Argon2id) and the CLI sandbox takes a while on a loaded 2-core machine.
jest.setTimeout(120_000);

const dialect = testDbType();

interface Listed {
  id: string;
  firstName: string;
  lastName: string;
  email: string | null;
}

// What the front desk sees when it searches members: a prefix of the first name, of "last first" or of
// the email, in any case, alphabetically by last then first name, one page at a time.
describe('member search (e2e)', () => {
  let t: TestApp;
  let staff: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp();
    staff = (await createUser(t, { role: 'staff' })).authHeader;
  });
  afterAll(() => t.close());

  async function search(text: string, auth = staff, limit = 100): Promise<Listed[]> {
    const res = await t.http
      .get(`/v1/members?search=${encodeURIComponent(text)}&limit=${limit}`)
      .set(auth)
      .expect(200);
    return res.body.data as Listed[];
  }
  const names = (found: Listed[]) => found.map((m) => `${m.firstName} ${m.lastName}`);

  it('finds a member by the start of the first name, the last name or the email, in any case', async () => {
    await createMember(t, {
      firstName: 'Élodie',
      lastName: 'Quarrington',
      email: 'E.Quarrington@Example.test',
    });
    await createMember(t, { firstName: 'Quinn', lastName: 'Abernathy', email: 'qa@example.test' });

    expect(names(await search('ÉLOD'))).toEqual(['Élodie Quarrington']);
    expect(names(await search('élodie'))).toEqual(['Élodie Quarrington']);
    // "last first": the last name, then the first name after a space.
    expect(names(await search('QUARR'))).toEqual(['Élodie Quarrington']);
    expect(names(await search('quarrington él'))).toEqual(['Élodie Quarrington']);
    expect(names(await search('e.QUARRINGTON@'))).toEqual(['Élodie Quarrington']);
    // Quinn matches by first name and Quarrington by last name: alphabetical by last name.
    expect(names(await search('qu'))).toEqual(['Quinn Abernathy', 'Élodie Quarrington']);
    // A prefix only: the middle of a name or an email finds nothing.
    expect(await search('arrington')).toEqual([]);
    expect(await search('example.test')).toEqual([]);
  });

  it('takes % and _ (and the escape character) in a search literally', async () => {
    await createMember(t, { firstName: 'Wanda', lastName: 'Literal', email: 'w_l@example.test' });
    await createMember(t, { firstName: 'Wendy', lastName: 'Literal', email: 'wxl@example.test' });
    await createMember(t, { firstName: 'Wilma', lastName: 'Literal', email: 'w%l!@example.test' });

    expect(names(await search('w_l'))).toEqual(['Wanda Literal']);
    expect(names(await search('w%l'))).toEqual(['Wilma Literal']);
    expect(names(await search('w%l!'))).toEqual(['Wilma Literal']);
    expect(await search('%')).toEqual([]);
    expect(await search('_')).toEqual([]);
    expect(names(await search('w%'))).toEqual(['Wilma Literal']);
    expect(await search('lit_ral')).toEqual([]);
  });

  it('pages through the matches with the cursor: each once, in order, deleted members left out', async () => {
    // Nine matches of "pag" (by first name, last name, email, and by two of them at once) and two others.
    const matching: [string, string, string][] = [
      ['Paget', 'Zimmer', 'zimmer@example.test'],
      ['Ann', 'Pagano', 'ann.p@example.test'],
      ['Bob', 'Pagano', 'pagebob@example.test'],
      ['Cyd', 'Young', 'pag.cyd@example.test'],
      ['Pagan', 'Pageant', 'pp@example.test'],
      ['Dee', 'Pagh', 'dee@example.test'],
      ['Pagliacci', 'Ames', 'ames@example.test'],
      ['Eve', 'Xu', 'Pagination.Eve@example.test'],
      ['Page', 'Morrow', 'morrow@example.test'],
    ];
    for (const [firstName, lastName, email] of matching)
      await createMember(t, { firstName, lastName, email });
    await createMember(t, { firstName: 'Pa', lastName: 'Gates', email: 'pa.gates@example.test' });
    const gone = await createMember(t, {
      firstName: 'Pagella',
      lastName: 'Deleted',
      email: 'gone@example.test',
    });
    await t.http.delete(`/v1/members/${gone.id}`).set(staff).expect(204);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.http
        .get(`/v1/members?search=PAG&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        .set(staff)
        .expect(200);
      seen.push(...names(res.body.data as Listed[]));
      cursor = res.body.nextCursor as string | null;
      pages++;
    } while (cursor && pages < 20);

    const expected = matching
      .map(([first, last]) => ({ name: `${first} ${last}`, key: `${last} ${first}`.toLowerCase() }))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((m) => m.name);
    expect(seen).toEqual(expected);
    expect(pages).toBe(5);
  });

  it('finds a member renamed through PATCH under the new name, not the old one', async () => {
    const member = await createMember(t, {
      firstName: 'Oswin',
      lastName: 'Renamer',
      email: 'o.r@example.test',
    });
    await t.http.patch(`/v1/members/${member.id}`).set(staff).send({ firstName: 'Tamsin' }).expect(200);
    expect(await search('oswin')).toEqual([]);
    expect(names(await search('TAMS'))).toEqual(['Tamsin Renamer']);

    await t.http.patch(`/v1/members/${member.id}`).set(staff).send({ lastName: 'Vexley' }).expect(200);
    expect(await search('renamer')).toEqual([]);
    expect(names(await search('vexley tam'))).toEqual(['Tamsin Vexley']);
  });

  it('shows a venue-restricted caller only the matches known at its venues', async () => {
    const admin = await adminAuth(t);
    const venueA = (await createVenue(t)).id;
    const venueB = (await createVenue(t)).id;
    const keyA = (await createApiKey(t, { scopes: ['members:read'], venueIds: [venueA] })).authHeader;
    await createMember(t, { firstName: 'Ysolde', lastName: 'Atvenue', homeVenueId: venueA });
    await createMember(t, { firstName: 'Ysolde', lastName: 'Btvenue', homeVenueId: venueB });

    expect(names(await search('ysol', keyA))).toEqual(['Ysolde Atvenue']);
    expect(names(await search('ysol', admin))).toEqual(['Ysolde Atvenue', 'Ysolde Btvenue']);
  });

  /** The statement the API sent for one search, with its parameters. */
  async function searchStatement(text: string): Promise<{ sql: string; parameters: unknown[] }> {
    const statements: { sql: string; parameters: unknown[] }[] = [];
    const logger = t.dataSource.logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (sql, parameters, runner) => {
      statements.push({ sql, parameters: Array.isArray(parameters) ? parameters : [] });
      logQuery(sql, parameters, runner);
    };
    try {
      await search(text, staff, 20);
    } finally {
      logger.logQuery = logQuery;
    }
    const statement = statements.find((s) => s.sql.includes(' UNION '));
    if (!statement) throw new Error(`no search statement among ${statements.length} sent`);
    return statement;
  }

  // The plan of the statement the API sends, not a timing. SQL Server's plan is not read here
  // (its LIKE seek on a plain index is documented in MembersRepository).
  if (dialect === 'sqlite') {
    it('answers a search from three index ranges, never reading the whole members table', async () => {
      const { sql, parameters } = await searchStatement('quin');
      const plan = (
        await t.dataSource.query<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${sql}`, parameters)
      ).map((row) => row.detail);
      expect(plan).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^SEARCH m USING INDEX IX_members_first_name_key \(first_name_key>\? AND first_name_key<\?\)/,
          ),
          expect.stringMatching(
            /^SEARCH m USING INDEX IX_members_sort_key_id \(sort_key>\? AND sort_key<\?\)/,
          ),
          expect.stringMatching(
            /^SEARCH m USING INDEX UQ_members_email_normalized \(email_normalized>\? AND email_normalized<\?\)/,
          ),
        ]),
      );
      expect(plan.filter((detail) => /^SCAN m\b/.test(detail))).toEqual([]);
    });
  }
  if (dialect === 'postgres') {
    it('answers each branch of a search from its COLLATE "C" index range', async () => {
      // Enough members that a range is the cheap plan (on a handful of rows any scan is), with statistics.
      await t.dataSource.query(
        `INSERT INTO members (id, first_name, last_name, first_name_key, sort_key, date_of_birth, email,
           email_normalized, version, created_at, updated_at)
         SELECT 'bulk-' || i, 'F' || i, 'L' || i, 'f' || i, 'l' || i || ' f' || i, DATE '1990-01-01',
           'e' || i || '@example.test', 'e' || i || '@example.test', 1, now(), now()
         FROM generate_series(1, 5000) AS i`,
      );
      await t.dataSource.query('ANALYZE members');
      const { sql, parameters } = await searchStatement('quin');
      const rows = (await t.dataSource.query(`EXPLAIN ${sql}`, parameters)) as { 'QUERY PLAN': string }[];
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      for (const index of [
        'IX_members_first_name_key_c',
        'IX_members_sort_key_c',
        'IX_members_email_normalized_c',
      ]) {
        expect(plan).toMatch(
          new RegExp(
            `(Index (Only )?Scan using|Bitmap Index Scan on) "?${index}"?[^\\n]*\\n\\s*Index Cond: [^\\n]*>= 'quin'`,
          ),
        );
      }
      expect(plan).not.toMatch(/Seq Scan on members/);
    });
  }
});

describe('member search after a CLI import (e2e)', () => {
  let sandbox: CliSandbox;

  beforeAll(async () => {
    sandbox = await CliSandbox.create('aero-member-search-');
  });
  afterAll(() => sandbox.dispose());

  it('finds imported members by first name, last name and email with members:find', () => {
    const file = join(sandbox.dir, 'members.csv');
    writeFileSync(
      file,
      [
        'firstName,lastName,dateOfBirth,email,phone,guardianEmail',
        'Ingrid,Importer,1985-02-03,Ingrid.Imp@Example.test,,',
        'Zoltan,Ibsen,1979-12-12,,,',
      ].join('\n'),
    );
    expect(sandbox.run(['members:import', '--file', file])).toMatchObject({ status: 0 });
    const find = (text: string) => {
      const result = sandbox.run(['members:find', text, '--json']);
      expect(result.status).toBe(0);
      return (JSON.parse(result.stdout) as Listed[]).map((m) => `${m.firstName} ${m.lastName}`);
    };
    expect(find('INGR')).toEqual(['Ingrid Importer']);
    expect(find('importer')).toEqual(['Ingrid Importer']);
    expect(find('ingrid.imp@')).toEqual(['Ingrid Importer']);
    expect(find('zolt')).toEqual(['Zoltan Ibsen']);
    // Both by last name, alphabetically.
    expect(find('i')).toEqual(['Zoltan Ibsen', 'Ingrid Importer']);
  });
});
