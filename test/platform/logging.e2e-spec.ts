import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { DataSource, QueryFailedError } from 'typeorm';
import { TokenService } from '@aero/auth';
import { loadConfig } from '@aero/core';
import type { TcpProxy, TestDatabase } from '@aero/testing';
import { createTestDatabase, startTcpProxy } from '@aero/testing';
import { createApiApp } from '../../apps/api/src/create-api-app';

interface LogLine {
  level: number;
  msg?: string;
  requestId?: string;
  method?: string;
  url?: string;
  route?: string;
  statusCode?: number;
  responseTime?: number;
  err?: Record<string, unknown>;
  cause?: Record<string, unknown>;
}

const SECRETS = {
  bearer: 'secret-token-xyz',
  apiKey: 'aero_secret',
  cookie: 's=secret',
  password: 'Correct-Horse-Battery-9',
};

describe('structured request logs (e2e)', () => {
  let app: INestApplication;
  let database: TestDatabase;
  const output: string[] = [];

  const lines = (): LogLine[] =>
    output
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);
  const lineFor = (requestId: string): LogLine | undefined =>
    lines().find((line) => line.requestId === requestId && line.responseTime !== undefined);
  const rawLineFor = (requestId: string): string | undefined =>
    output
      .join('')
      .split('\n')
      .find((line) => line.includes(`"requestId":"${requestId}"`) && line.includes('"responseTime"'));

  beforeAll(async () => {
    // The dialect of this e2e run (entity column types are fixed per dialect when the code loads).
    database = await createTestDatabase();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      ...database.env,
      JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
      API_KEY_PEPPER: randomBytes(32).toString('hex'),
    });
    app = await createApiApp(config, { logStream: { write: (line: string) => void output.push(line) } });
    await app.init();
    app.flushLogs(); // what listen() does: Nest's own Logger buffers until then
  }, 30_000);
  afterAll(async () => {
    await app.close();
    await database.drop();
  }, 30_000);

  it('logs one lean JSON line per request: request id, method, URL, route template, status and latency', async () => {
    await request(app.getHttpServer())
      .get('/problems/not-found')
      .set('X-Request-Id', 'log-ok-1')
      .set('User-Agent', 'log-test-agent/1.0')
      .expect(200);
    const line = lineFor('log-ok-1');
    expect(line).toMatchObject({
      msg: 'request completed',
      requestId: 'log-ok-1',
      method: 'GET',
      url: '/problems/not-found',
      route: '/problems/:slug',
      statusCode: 200,
    });
    expect(line?.responseTime).toEqual(expect.any(Number));
    const raw = rawLineFor('log-ok-1') ?? '';
    // Each key once, and neither request nor response headers.
    expect(raw.match(/"route":/g)).toHaveLength(1);
    expect(raw).not.toContain('log-test-agent');
    expect(raw).not.toContain('headers');
    expect(raw).not.toContain('content-type');
  });

  it('never writes credentials from headers to the log', async () => {
    const res = await request(app.getHttpServer())
      .get('/problems/not-found')
      .set('X-Request-Id', 'log-secret-1')
      .set('Authorization', `Bearer ${SECRETS.bearer}`)
      .set('X-API-Key', SECRETS.apiKey)
      .set('Cookie', SECRETS.cookie);
    expect(lineFor('log-secret-1')).toMatchObject({ route: '/problems/:slug', statusCode: res.status });
    const everything = output.join('');
    expect(everything).not.toContain(SECRETS.bearer);
    expect(everything).not.toContain(SECRETS.apiKey);
    expect(everything).not.toContain(SECRETS.cookie);
  });

  it('redacts credential-like query parameters from logged URLs and keeps the others', async () => {
    await request(app.getHttpServer())
      .get('/v1/members')
      .query({ api_key: 'aero_querykey123', access_token: 'eyJquerytoken', limit: '5', Password: 'pw-in-url' })
      .set('X-Request-Id', 'log-query-1')
      .expect(401);
    const line = lineFor('log-query-1');
    expect(line?.url).toBe(
      '/v1/members?api_key=[redacted]&access_token=[redacted]&limit=5&Password=[redacted]',
    );
    const everything = output.join('');
    expect(everything).not.toContain('aero_querykey123');
    expect(everything).not.toContain('eyJquerytoken');
    expect(everything).not.toContain('pw-in-url');
  });

  it('logs a failed query with its SQL text and error code, never its parameters or the row it quotes', () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint "UQ_users_email"'), {
      code: '23505',
      detail: 'Key (email)=(leaky@example.com) already exists.',
      constraint: 'UQ_users_email',
    });
    const failure = new QueryFailedError(
      'INSERT INTO "users"("email", "password_hash") VALUES ($1, $2)',
      ['leaky@example.com', '$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0aGFzaA'],
      driverError,
    );
    new Logger('Errors').error({ err: failure, requestId: 'log-sql-1' }, 'unhandled error');
    const line = lines().find((l) => l.msg === 'unhandled error' && l.requestId === 'log-sql-1');
    expect(line?.err).toMatchObject({
      type: 'QueryFailedError',
      query: 'INSERT INTO "users"("email", "password_hash") VALUES ($1, $2)',
      driver: { code: '23505', constraint: 'UQ_users_email' },
    });
    const everything = output.join('');
    expect(everything).not.toContain('leaky@example.com');
    expect(everything).not.toContain('c2VjcmV0aGFzaA');
  });

  it('never writes a password from a request body to the log', async () => {
    await request(app.getHttpServer())
      .post('/v1/auth/login')
      .set('X-Request-Id', 'log-secret-2')
      .send({ email: 'ada@example.com', password: SECRETS.password });
    expect(lineFor('log-secret-2')).toBeDefined();
    expect(output.join('')).not.toContain(SECRETS.password);
  });

  it('stamps what a handler logs with its request id, and writes the request line once', async () => {
    await request(app.getHttpServer())
      .post('/v1/auth/login')
      .set('X-Request-Id', 'log-context-1')
      .send({ email: 'nobody@example.com', password: 'Wrong-Password-123' })
      .expect(401);
    const ofRequest = lines().filter((line) => line.requestId === 'log-context-1');
    expect(ofRequest.find((line) => line.msg === 'sign-in failed')).toMatchObject({ level: 40 });
    expect(ofRequest.filter((line) => line.responseTime !== undefined)).toEqual([
      expect.objectContaining({ msg: 'request completed', statusCode: 401, route: '/v1/auth/login' }),
    ]);
  });

  it('keeps health probes and metric scrapes out of the request log', async () => {
    await request(app.getHttpServer()).get('/health/live').set('X-Request-Id', 'log-probe-1').expect(200);
    expect(lineFor('log-probe-1')).toBeUndefined();
  });
});

/**
 * A 503 line names its cause (issue 17): which dependency failed, the error's class and driver code, and the
 * breaker's state — not `[object Object]`. The database fails for real on PostgreSQL (a TCP proxy in front of
 * it resets every connection); SQLite has no network, so its driver's statements fail with a disk I/O error.
 */
describe('503 log lines (e2e)', () => {
  let app: INestApplication;
  let database: TestDatabase;
  let proxy: TcpProxy | undefined;
  let restore: () => void = () => undefined;
  const output: string[] = [];
  const requestLines = (requestId: string): LogLine[] =>
    output
      .join('')
      .split('\n')
      .filter((line) => line.includes(`"requestId":"${requestId}"`))
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.responseTime !== undefined);

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { ...database.env };
    if (env.DB_TYPE === 'postgres') {
      proxy = await startTcpProxy(Number(env.DB_PORT));
      env.DB_PORT = String(proxy.port);
    }
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      ...env,
      JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
      API_KEY_PEPPER: randomBytes(32).toString('hex'),
      DB_TRANSACTION_MAX_RETRIES: '0',
      DB_CONNECT_TIMEOUT_MS: '1000',
      DB_POOL_ACQUIRE_TIMEOUT_MS: '1000',
      DB_BREAKER_FAILURE_THRESHOLD: '2',
      DB_BREAKER_HALF_OPEN_AFTER_MS: '300000',
    });
    app = await createApiApp(config, { logStream: { write: (line: string) => void output.push(line) } });
    await app.init();
    app.flushLogs();
  }, 30_000);
  afterAll(async () => {
    restore();
    await app.close();
    await proxy?.close();
    await database.drop();
  }, 30_000);

  function failDatabase(): void {
    if (proxy) {
      proxy.setMode('cut');
      restore = () => proxy?.setMode('pass');
      return;
    }
    const connection = (app.get(DataSource).driver as unknown as { databaseConnection: { prepare: (sql: string) => unknown } }).databaseConnection;
    const prepare = connection.prepare;
    connection.prepare = () => {
      throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR');
    };
    restore = () => {
      connection.prepare = prepare;
    };
  }

  it('says which dependency failed, with the error class, driver code and breaker state, in the one line of each request', async () => {
    const token = app.get(TokenService).signAccessToken({ userId: randomUUID(), sessionId: randomUUID(), roles: ['admin'], email: 'ops@example.test' });
    const venueName = 'Venue-name-that-must-not-be-logged';
    failDatabase();
    const answered: { requestId: string; status: number }[] = [];
    // Until the breaker opens (its threshold is 2 here; how many failures it takes is the breaker's business).
    for (let i = 0; i < 10 && !answered.some((a) => requestLines(a.requestId)[0]?.cause?.dependency === 'breaker'); i++) {
      const requestId = `log-503-${i}`;
      const res = await request(app.getHttpServer())
        .post('/v1/venues')
        .set('Authorization', `Bearer ${token}`)
        .set('X-Request-Id', requestId)
        .send({ name: venueName, timeZone: 'America/Toronto' });
      answered.push({ requestId, status: res.status });
    }
    restore();
    expect(answered.every((a) => a.status === 503)).toBe(true);

    for (const { requestId } of answered) expect(requestLines(requestId)).toHaveLength(1);
    const causes = answered.map(({ requestId }) => requestLines(requestId)[0]);
    const down = causes[0];
    expect(down).toMatchObject({ level: 50, statusCode: 503, route: '/v1/venues' });
    expect(down.cause).toMatchObject({
      dependency: 'database',
      reason: 'connection-failure',
      error: expect.any(String),
      code: proxy ? expect.stringMatching(/^E[A-Z]+$|^08|^57P/) : 'SQLITE_IOERR',
      // The state when the line is written: the failures of this very request (its retries) may have opened it.
      breaker: expect.stringMatching(/^(closed|open|half-open)$/),
    });
    expect(down.err).toBeUndefined();
    const open = causes[causes.length - 1];
    expect(open.cause).toEqual({
      dependency: 'breaker',
      reason: 'circuit-open',
      error: 'DatabaseCircuitOpenError',
      message: 'The database circuit breaker is open.',
      breaker: 'open',
    });

    const everything = output.join('');
    expect(everything).not.toContain('[object Object]');
    expect(everything).not.toContain(venueName);
    expect(everything).not.toContain(token);
    if (database.env.DB_PASSWORD) expect(everything).not.toContain(database.env.DB_PASSWORD);
  });
});
