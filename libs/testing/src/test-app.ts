import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Response, Test } from 'supertest';
import { DataSource } from 'typeorm';
import type { AppConfig, QueryCounterLogger } from '@aero/core';
import { loadConfig } from '@aero/core';
import { createApiApp, whenServing } from '../../../apps/api/src/create-api-app';
import { OpenApiValidator } from './openapi-validator';
import { createTestDatabase } from './test-database';
import type { TestDatabase } from './test-database';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';
export type HttpClient = Record<Method, (url: string) => Test>;

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** supertest bound to the app; every response is checked against openapi.json. */
  http: HttpClient;
  dataSource: DataSource;
  /** The database this app runs on; pass it as `database` to start a second instance on it. */
  database: TestDatabase;
  /** Statements sent to the database so far (for "no query on the hot path" assertions). */
  queryCount(): number;
  /**
   * Makes the app's own server listen on a free loopback port (once) and returns it, for tests that speak
   * raw TCP; it stops with `close()`. The same server on either HTTP adapter.
   */
  port(): Promise<number>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment variables, e.g. `{ BOOKINGS_HOLD_TTL_SECONDS: '60' }`. */
  env?: Record<string, string>;
  /** Skip the openapi.json response check (only for tests about undocumented behaviour). */
  skipContractCheck?: boolean;
  /**
   * Run on another app's database (`other.database`), as a second instance behind a load balancer
   * would. That database must have been made with `shareableDatabase`; its owner drops it.
   */
  database?: TestDatabase;
  /** Make a database that a second app can share (a temporary file on SQLite). */
  shareableDatabase?: boolean;
}

let validator: OpenApiValidator | undefined;

/**
 * Suites that fire many requests from one address (races, guard matrices) would meet the production
 * defaults; traffic-control tests set their own limits through `env`.
 */
const GENEROUS_RATE_LIMITS: Record<string, string> = {
  RATE_LIMIT_API_KEY_PER_MINUTE: '100000',
  RATE_LIMIT_API_KEY_BURST: '100000',
  RATE_LIMIT_ADMIN_PER_MINUTE: '100000',
  RATE_LIMIT_ADMIN_BURST: '100000',
  RATE_LIMIT_STAFF_PER_MINUTE: '100000',
  RATE_LIMIT_STAFF_BURST: '100000',
  RATE_LIMIT_MEMBER_PER_MINUTE: '100000',
  RATE_LIMIT_MEMBER_BURST: '100000',
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000',
  RATE_LIMIT_ANONYMOUS_BURST: '100000',
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '100000',
  // Each app its own counters in a shared Redis, so suites never spend each other's budgets.
  RATE_LIMIT_REDIS_KEY_PREFIX: `test:rl:${randomBytes(6).toString('hex')}:`,
};

/** Boots the real ApiModule on a fresh database (SQLite in memory, or PostgreSQL with DB_TYPE=postgres). */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownsDatabase = !options.database;
  const database = options.database ?? (await createTestDatabase({ shareable: options.shareableDatabase }));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
    API_KEY_PEPPER: randomBytes(32).toString('hex'),
    WEBHOOKS_SECRET_KEY: randomBytes(32).toString('hex'),
    // Usage records are written on close (or by suites that set a short interval): a timed background
    // write would land inside other suites' queryCount() windows.
    USAGE_FLUSH_INTERVAL_MS: '60000',
    USAGE_FLUSH_BATCH_SIZE: '10000',
    // The webhook dispatcher's rounds are database reads on a timer, which would land in other suites'
    // queryCount() windows too; webhook suites drive rounds themselves or turn it on.
    WEBHOOKS_DISPATCH_ENABLED: 'false',
    // Likewise the read of new revocations (every 2 s by default): suites that test the poll set their own.
    AUTH_REVOCATIONS_POLL_SECONDS: '300',
    ...GENEROUS_RATE_LIMITS,
    // The whole suite runs on either framework: HTTP_ADAPTER=fastify npx jest …
    ...(process.env.HTTP_ADAPTER ? { HTTP_ADAPTER: process.env.HTTP_ADAPTER } : {}),
    ...database.env,
    ...options.env,
  });
  const app = await createApiApp(config, { quiet: true });
  await app.init();
  await whenServing(app);
  const dataSource = app.get(DataSource);
  const server = app.getHttpServer();
  validator ??= OpenApiValidator.fromRepo();
  const contract = options.skipContractCheck ? undefined : validator;
  const databaseErrors = recordDatabaseErrors(dataSource.logger as QueryCounterLogger);

  const http = Object.fromEntries(
    (['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const).map((method) => [
      method,
      (url: string) => checked(request(server)[method](url), method, url, contract, databaseErrors),
    ]),
  ) as HttpClient;

  return {
    app,
    config,
    http,
    dataSource,
    database,
    queryCount: () => (dataSource.logger as QueryCounterLogger).count,
    port: async () => {
      const server = app.getHttpServer() as Server;
      if (!server.listening) {
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
      }
      return (server.address() as AddressInfo).port;
    },
    close: async () => {
      await app.close();
      // Fastify closes only a server it started itself; one started by port() is closed here.
      const server = app.getHttpServer() as Server;
      if (server.listening) {
        server.closeAllConnections();
        await new Promise<void>((done) => server.close(() => done()));
      }
      if (ownsDatabase) await database.drop();
    },
  };
}

/**
 * Another instance of `first`'s deployment, as a second one behind a load balancer runs: on its database
 * (which `first` made with `shareableDatabase` and drops) and with its secrets. `env` adds its own settings.
 */
export function createPeerApp(
  first: TestApp,
  options: Omit<TestAppOptions, 'database' | 'shareableDatabase'> = {},
): Promise<TestApp> {
  return createTestApp({
    ...options,
    database: first.database,
    env: {
      ...options.env,
      JWT_SIGNING_KEY: first.config.jwt.signingKey,
      API_KEY_PEPPER: first.config.apiKeys.pepper,
      WEBHOOKS_SECRET_KEY: first.config.webhooks.secretKey,
    },
  });
}

/** The last failed statements, as one line each (error number or code, message, statement; no parameters). */
interface DatabaseErrors {
  since(mark: number): string[];
  mark(): number;
}

function recordDatabaseErrors(logger: QueryCounterLogger): DatabaseErrors {
  const lines: string[] = [];
  let total = 0;
  const original = logger.logQueryError.bind(logger);
  logger.logQueryError = (error: string | Error, query: string) => {
    const e = error as { number?: unknown; code?: unknown; driverError?: { number?: unknown; code?: unknown } };
    const id = e.number ?? e.driverError?.number ?? e.code ?? e.driverError?.code;
    const message = error instanceof Error ? error.message : String(error);
    lines.push(`${id !== undefined ? `[${String(id)}] ` : ''}${message.split('\n')[0]}\n      in: ${query.slice(0, 400)}`);
    if (lines.length > 20) lines.shift();
    total++;
    original(error, query);
  };
  return {
    mark: () => total,
    since: (mark) => lines.slice(Math.max(0, lines.length - (total - mark))),
  };
}

/**
 * Wraps a supertest request so that awaiting it also checks the response against the contract, and so
 * that a 500 caused by a failed statement names the database's error (what someone running the suite on
 * another engine, e.g. SQL Server, needs to read first) instead of only "expected 201, got 500".
 */
function checked(
  test: Test,
  method: string,
  url: string,
  contract: OpenApiValidator | undefined,
  databaseErrors: DatabaseErrors,
): Test {
  // Runs before the test's own `.expect(...)` assertions (supertest checks them in the order added).
  const mark = databaseErrors.mark();
  test.expect((res: Response) => {
    const failed = res.status === 500 ? databaseErrors.since(mark) : [];
    if (failed.length > 0) {
      throw new Error(
        `${method.toUpperCase()} ${url} answered 500 after the database refused a statement:\n  ${failed.join('\n  ')}`,
      );
    }
  });
  if (!contract) return test;
  const originalThen = test.then.bind(test);
  test.then = ((onFulfilled?: (res: Response) => unknown, onRejected?: (err: unknown) => unknown) =>
    originalThen((res: Response) => {
      const problems = contract.check(method, url, res.status, res.headers['content-type'], res.body, res.headers);
      if (problems.length > 0) {
        throw new Error(`Response does not match openapi.json:\n  ${problems.join('\n  ')}`);
      }
      return res;
    }).then(onFulfilled, onRejected)) as Test['then'];
  return test;
}
