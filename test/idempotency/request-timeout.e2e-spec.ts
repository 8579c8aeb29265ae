import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { TestApp } from '@aero/testing';
import { createMember, createSession, createTestApp, createUser } from '@aero/testing';

/**
 * Holds a lock another client would hold in production (a long report, a stuck transaction) so that the
 * request's own database work outlives HTTP_REQUEST_TIMEOUT_MS. PostgreSQL: a row lock on the session;
 * SQL Server: an update lock on the session row, held by an open transaction (the capacity UPDATE waits for
 * it under RCSI too); SQLite: the database write lock from a second connection.
 */
async function holdLock(t: TestApp, sessionId: string): Promise<() => Promise<void>> {
  const env = t.database.env;
  if (env.DB_TYPE === 'postgres') {
    const client = new Client({
      host: env.DB_HOST,
      port: Number(env.DB_PORT),
      user: env.DB_USERNAME,
      password: env.DB_PASSWORD,
      database: env.DB_DATABASE,
    });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT id FROM sessions WHERE id = $1 FOR UPDATE', [sessionId]);
    return async () => {
      await client.query('COMMIT');
      await client.end();
    };
  }
  if (env.DB_TYPE === 'mssql') return holdMssqlLock(env, sessionId);
  // better-sqlite3 waits for a lock synchronously (busy_timeout), blocking this very process: the lock is
  // let go on a timer, which can only run once the app's first wait gives up; it is set well past the
  // request's 1 s deadline, so that even on a loaded machine the request cannot slip in before it.
  const db = new Database(env.DB_DATABASE);
  db.exec('BEGIN IMMEDIATE');
  const letGo = () => {
    if (!db.open) return;
    db.exec('COMMIT');
    db.close();
  };
  setTimeout(letGo, 3000);
  return async () => letGo();
}

interface MssqlLockPackage {
  ConnectionPool: new (config: Record<string, unknown>) => { connect(): Promise<unknown>; close(): Promise<void> };
  Transaction: new (pool: unknown) => { begin(): Promise<unknown>; commit(): Promise<void> };
  Request: new (parent: unknown) => { input(name: string, value: unknown): unknown; query(sql: string): Promise<unknown> };
}

async function holdMssqlLock(env: Record<string, string>, sessionId: string): Promise<() => Promise<void>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mssql = require('mssql') as MssqlLockPackage;
  const truthy = (value: string | undefined, fallback: boolean) =>
    value === undefined ? fallback : ['true', '1', 'yes', 'on'].includes(value.toLowerCase());
  const pool = new mssql.ConnectionPool({
    server: env.DB_HOST,
    port: Number(env.DB_PORT),
    user: env.DB_USERNAME,
    password: env.DB_PASSWORD,
    database: env.DB_DATABASE,
    pool: { min: 0, max: 1 },
    options: {
      encrypt: truthy(env.DB_MSSQL_ENCRYPT, true),
      trustServerCertificate: truthy(env.DB_MSSQL_TRUST_SERVER_CERTIFICATE, false),
      useUTC: true,
    },
  });
  await pool.connect();
  const transaction = new mssql.Transaction(pool);
  await transaction.begin();
  const lock = new mssql.Request(transaction);
  lock.input('0', sessionId);
  await lock.query('SELECT id FROM sessions WITH (UPDLOCK, HOLDLOCK, ROWLOCK) WHERE id = @0');
  return async () => {
    await transaction.commit();
    await pool.close();
  };
}

describe('a request past HTTP_REQUEST_TIMEOUT_MS (e2e)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  let memberId: string;

  beforeAll(async () => {
    t = await createTestApp({ shareableDatabase: true, env: { HTTP_REQUEST_TIMEOUT_MS: '1000' } });
    staff = (await createUser(t, { role: 'staff' })).authHeader;
    memberId = (await createMember(t)).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 with Retry-After and writes nothing; the retry with the same key then books once', async () => {
    const session = await createSession(t, { capacity: 5 });
    const key = randomUUID();
    const body = { sessionId: session.id, memberId, quantity: 1 };
    const release = await holdLock(t, session.id);
    let res;
    try {
      res = await t.http.post('/v1/bookings').set(staff).set('Idempotency-Key', key).send(body);
    } finally {
      await release();
    }
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 503 });
    expect(res.headers['retry-after']).toMatch(/^\d+$/);

    // Whatever the request was doing when it was cut off did not land after the 503.
    const state = await t.http.get(`/v1/sessions/${session.id}`).set(staff).expect(200);
    expect(state.body).toMatchObject({ booked: 0, held: 0 });
    const list = await t.http.get(`/v1/bookings?sessionId=${session.id}`).set(staff).expect(200);
    expect(list.body.data).toEqual([]);

    const retry = await t.http.post('/v1/bookings').set(staff).set('Idempotency-Key', key).send(body).expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    const after = await t.http.get(`/v1/sessions/${session.id}`).set(staff).expect(200);
    expect(after.body.booked).toBe(1);
  }, 30_000);
});
