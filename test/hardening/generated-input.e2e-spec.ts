import fc from 'fast-check';
import type { Response } from 'supertest';
import { unstorableStringProblem } from '@aero/core';
import type { TestApp } from '@aero/testing';
import { createApiKey, createMember, createSession, createTestApp, createUser, createVenue, sqlFor, testDbType } from '@aero/testing';
import type { IdPools, Operation } from './openapi-requests';
import { bodyArbitrary, operations, pathValue, queryArbitrary, rawBody } from './openapi-requests';

/**
 * Requests generated from every operation in the committed openapi.json — valid-ish and hostile bodies,
 * path parameters and query strings, as several principals — against the real app. No answer may be a
 * 5xx, every answer must match openapi.json (the test client checks status, content type and schema),
 * and afterwards the rows the requests could not address are unchanged and everything stored still
 * reads back. FUZZ_SEED replays a run; FUZZ_REQUESTS changes the total (PostgreSQL runs fewer by default).
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TOTAL = Number(process.env.FUZZ_REQUESTS ?? (testDbType() === 'postgres' ? 4000 : 10_000));

jest.setTimeout(600_000);

type PrincipalName = 'admin' | 'adminKey' | 'staff' | 'member' | 'readKey' | 'none' | 'forged' | 'passwordUser';

interface GeneratedRequest {
  method: Operation['method'];
  url: string;
  principal: PrincipalName;
  headers: Record<string, string>;
  /** The raw body text, if any. */
  body?: string;
  contentType?: string;
}

const TABLES = ['venues', 'sessions', 'members', 'waivers', 'bookings', 'holds', 'users', 'api_keys'] as const;

describe(`generated input over every operation of openapi.json (e2e, seed ${SEED})`, () => {
  let t: TestApp;
  const principals = {} as Record<PrincipalName, Record<string, string>>;
  const pools: IdPools = { venues: [], sessions: [], members: [], bookings: [], holds: [], users: [], apiKeys: [], problemSlugs: [] };
  /** Rows no generated request can address: they must come out byte for byte as they went in. */
  const protectedIds: Record<(typeof TABLES)[number], string[]> = {
    venues: [], sessions: [], members: [], waivers: [], bookings: [], holds: [], users: [], api_keys: [],
  };
  let protectedBefore: Record<string, unknown[]>;
  let sent = 0;
  const statuses = new Map<number, number>();

  const rows = async (table: string, ids: string[]): Promise<unknown[]> => {
    if (ids.length === 0) return [];
    // $n placeholders, rewritten per dialect (`?` on SQLite, `@n-1` on SQL Server, which refuses `?`).
    const placeholders = ids.map((_, i) => `$${i + 1}`).join(', ');
    return t.dataSource.query(sqlFor(testDbType(), `SELECT * FROM ${table} WHERE id IN (${placeholders}) ORDER BY id`), ids);
  };

  async function seed(): Promise<void> {
    const admin = await createUser(t, { role: 'admin' });
    principals.admin = admin.authHeader;
    principals.adminKey = (await createApiKey(t, { scopes: ['admin'] })).authHeader;
    principals.readKey = (await createApiKey(t, { scopes: ['members:read', 'bookings:read'] })).authHeader;
    principals.none = {};
    principals.forged = { Authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' };
    // Wrong current passwords lock an account: that user only changes passwords.
    principals.passwordUser = (await createUser(t, { role: 'staff' })).authHeader;

    // Protected: a venue with a session, a member with a waiver and a booking, a user and a key.
    const safeVenue = await createVenue(t, { name: 'Protected Park' });
    const safeSession = await createSession(t, { venueId: safeVenue.id, capacity: 20 });
    const safeMember = await createMember(t, { waiver: true });
    const booking = await t.http
      .post('/v1/bookings')
      .set(principals.admin)
      .send({ sessionId: safeSession.id, memberId: safeMember.id, quantity: 2 })
      .expect(201);
    const safeUser = await createUser(t, { role: 'staff' });
    const safeKey = await createApiKey(t, { scopes: ['members:read'] });
    Object.assign(protectedIds, {
      venues: [safeVenue.id],
      sessions: [safeSession.id],
      members: [safeMember.id],
      bookings: [booking.body.id],
      users: [safeUser.id],
      api_keys: [safeKey.id],
    });
    protectedIds.waivers = (
      await t.dataSource.query<{ id: string }[]>(
        sqlFor(testDbType(), 'SELECT id FROM waivers WHERE member_id = $1'),
        [safeMember.id],
      )
    ).map((r) => r.id);

    // The pools: rows the generated requests address, and may change or delete.
    for (let i = 0; i < 3; i++) {
      const venue = await createVenue(t, { timeZone: ['America/Toronto', 'Asia/Kolkata', 'UTC'][i] });
      pools.venues.push(venue.id);
      for (let j = 0; j < 2; j++) {
        const session = await createSession(t, {
          venueId: venue.id,
          capacity: 30,
          startsAt: new Date(Date.now() + (j + 1) * 86_400_000),
        });
        pools.sessions.push(session.id);
      }
    }
    for (let i = 0; i < 5; i++) pools.members.push((await createMember(t, { waiver: i < 4 })).id);
    pools.members.push((await createMember(t, { dateOfBirth: '2016-05-05', guardianId: pools.members[0] })).id);
    for (let i = 0; i < 4; i++) {
      const res = await t.http
        .post('/v1/bookings')
        .set(principals.admin)
        .send({ sessionId: pools.sessions[i], memberId: pools.members[i], quantity: 1 })
        .expect(201);
      pools.bookings.push(res.body.id);
      const hold = await t.http.post('/v1/holds').set(principals.admin).send({ sessionId: pools.sessions[i], quantity: 1 }).expect(201);
      pools.holds.push(hold.body.id);
    }
    const memberUser = await createUser(t, { role: 'member', memberId: pools.members[1] });
    principals.member = memberUser.authHeader;
    principals.staff = (await createUser(t, { role: 'staff', venueIds: [pools.venues[0]] })).authHeader;
    for (let i = 0; i < 3; i++) pools.users.push((await createUser(t, { role: i === 0 ? 'member' : 'staff' })).id);
    for (let i = 0; i < 3; i++) pools.apiKeys.push((await createApiKey(t, { scopes: ['members:read'] })).id);
    const slugs = await t.http.get('/problems').expect(200);
    pools.problemSlugs = (slugs.body as { type: string }[]).map((p) => p.type.replace('/problems/', ''));

    protectedBefore = {};
    for (const table of TABLES) protectedBefore[table] = await rows(table, protectedIds[table]);
  }

  beforeAll(async () => {
    t = await createTestApp();
    // Listening once spares supertest a listen/close per request.
    await t.app.listen(0, '127.0.0.1');
    await seed();
  });
  afterAll(async () => {
    await t.close();
  });

  const principalArb = (op: Operation): fc.Arbitrary<PrincipalName> =>
    op.template === '/v1/auth/password'
      ? fc.constant('passwordUser')
      : fc.oneof(
          { weight: 12, arbitrary: fc.constant<PrincipalName>('admin') },
          { weight: 3, arbitrary: fc.constant<PrincipalName>('adminKey') },
          { weight: 2, arbitrary: fc.constantFrom<PrincipalName>('staff', 'member', 'readKey') },
          { weight: 1, arbitrary: fc.constantFrom<PrincipalName>('none', 'forged') },
        );

  function requestArb(op: Operation): fc.Arbitrary<GeneratedRequest> {
    const pathParams = op.parameters.filter((p) => p.in === 'path');
    const path = fc
      .tuple(...pathParams.map((p) => pathValue(p.name, op.template, pools)))
      .map((values) => pathParams.reduce((url, p, i) => url.replace(`{${p.name}}`, values[i]), op.template));
    const body: fc.Arbitrary<{ body?: string; contentType?: string }> = op.body
      ? fc.oneof(
          { weight: 12, arbitrary: bodyArbitrary(op.body, pools).map((value) => ({ body: JSON.stringify(value) ?? 'null', contentType: 'application/json' })) },
          { weight: 2, arbitrary: rawBody.map((raw) => ({ body: raw, contentType: 'application/json' })) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              { body: '{}', contentType: 'text/plain' },
              { body: '{}', contentType: 'application/json; charset=utf-16' },
              { body: '{}', contentType: 'application/merge-patch+json' },
              { body: '', contentType: 'application/json' },
              {},
            ),
          },
        )
      : fc.constant({});
    const ifMatch = op.parameters.some((p) => p.name === 'If-Match')
      ? fc.option(fc.constantFrom('"1"', '*', 'W/"2"', 'garbage', '"99999999999999999999"', '"-1"', '"1", "2"'), { freq: 2 })
      : fc.constant(null);
    return fc.record({ path, query: queryArbitrary(op, pools), principal: principalArb(op), body, ifMatch }).map((r) => {
      const request: GeneratedRequest = {
        method: op.method,
        url: r.query ? `${r.path}?${r.query}` : r.path,
        principal: r.principal,
        headers: r.ifMatch ? { 'If-Match': r.ifMatch } : {},
        ...r.body,
      };
      // fast-check prints counterexamples with this: short, even for a 90 kB body.
      return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
    });
  }

  async function send(r: GeneratedRequest): Promise<Response> {
    const headers = { ...principals[r.principal], ...r.headers };
    const request = t.http[r.method](r.url).set(headers);
    if (r.body === undefined) return request;
    if (r.contentType) request.set('Content-Type', r.contentType);
    return request.send(r.body);
  }

  function describeRequest(r: GeneratedRequest, res?: Response): string {
    const body = r.body === undefined ? '' : ` body ${JSON.stringify(r.body.slice(0, 300))}${r.body.length > 300 ? '…' : ''}`;
    const answer = res ? ` → ${res.status} ${JSON.stringify(res.body).slice(0, 400)}` : '';
    return `${r.method.toUpperCase()} ${r.url.slice(0, 300)} as ${r.principal}${body}${answer} (replay with FUZZ_SEED=${SEED})`;
  }

  const ops = operations();
  /** Requests in flight together: one fast-check run sends a batch, as concurrent clients would. */
  const BATCH = 8;
  const runsPerOperation = Math.ceil(TOTAL / ops.length / BATCH);

  async function check(r: GeneratedRequest): Promise<void> {
    sent++;
    let res: Response;
    try {
      res = await send(r);
    } catch (error) {
      throw new Error(`${describeRequest(r)}\n${(error as Error).message}`);
    }
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) throw new Error(`server error: ${describeRequest(r, res)}`);
    if (res.status >= 400) {
      if (!/^application\/problem\+json/.test(String(res.headers['content-type'])) || res.body.status !== res.status || typeof res.body.requestId !== 'string') {
        throw new Error(`error is not a problem+json: ${describeRequest(r, res)}`);
      }
    }
  }

  it.each(ops.map((op, index) => [`${op.method.toUpperCase()} ${op.template}`, op, index] as const))(
    '%s: no 5xx, every answer as documented',
    async (_name, op, index) => {
      await fc.assert(
        fc.asyncProperty(fc.array(requestArb(op), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
          const results = await Promise.allSettled(batch.map(check));
          const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failure) throw failure.reason;
        }),
        { numRuns: runsPerOperation, seed: SEED + index, endOnFailure: true },
      );
    },
  );

  it(`sent at least ${TOTAL} requests`, () => {
    expect(sent).toBeGreaterThanOrEqual(TOTAL);
    // The mix reached the handlers, not only the validators.
    const success = [...statuses].filter(([status]) => status < 300).reduce((n, [, count]) => n + count, 0);
    expect(success).toBeGreaterThan(TOTAL * 0.05);
  });

  it('left the rows no request could address unchanged', async () => {
    for (const table of TABLES) expect({ table, rows: await rows(table, protectedIds[table]) }).toEqual({ table, rows: protectedBefore[table] });
  });

  it('stored nothing a database cannot hold, and never oversold a session', async () => {
    const bad: string[] = [];
    for (const table of TABLES) {
      for (const row of await t.dataSource.query<Record<string, unknown>[]>(`SELECT * FROM ${table}`)) {
        for (const [column, value] of Object.entries(row)) {
          const text = value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : undefined;
          if (text === undefined) continue;
          const problem = unstorableStringProblem(text);
          if (problem) bad.push(`${table}.${column}: ${problem}`);
          const year = value instanceof Date || /(_at|_until|^date_of_birth)$/.test(column) ? /^(\d{4})-\d{2}-\d{2}/.exec(text)?.[1] : undefined;
          if (year && (Number(year) < 1900 || Number(year) > 2101)) bad.push(`${table}.${column}: year ${year}`);
        }
      }
    }
    expect(bad).toEqual([]);
    const oversold = await t.dataSource.query('SELECT id FROM sessions WHERE booked < 0 OR booked > capacity');
    expect(oversold).toEqual([]);
  });

  it('reads everything stored back through the API, as documented', async () => {
    for (const list of ['/v1/members', '/v1/venues', '/v1/users', '/v1/api-keys', '/v1/bookings']) {
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: Response = await t.http
          .get(`${list}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
          .set(principals.admin)
          .expect(200);
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 100);
      expect(cursor).toBeNull();
    }
    for (const venueId of pools.venues) {
      await t.http.get(`/v1/sessions?venueId=${venueId}&includeCancelled=true`).set(principals.admin).expect(200);
    }
  });
});
