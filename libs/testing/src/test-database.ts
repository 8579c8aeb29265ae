import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { DbType } from '@aero/core';

/**
 * Where the e2e run's databases live. The run's dialect is `DB_TYPE` (sqlite when unset); PostgreSQL and
 * SQL Server are reached with the usual DB_* variables (docs/sql-server.md for `npm run test:mssql`).
 */
export interface ServerTestSettings {
  host: string;
  port: number;
  username: string;
  password: string;
  /** The database the harness connects to for CREATE / DROP DATABASE. */
  adminDatabase: string;
}

/** Connection settings of the machine's test PostgreSQL (scripts/test-services.sh creates them). */
export function postgresTestSettings(): ServerTestSettings {
  return {
    host: process.env.DB_HOST ?? '127.0.0.1',
    port: Number(process.env.DB_PORT ?? 5432),
    username: process.env.DB_USERNAME ?? 'aero_test',
    password: process.env.DB_PASSWORD ?? 'aero_test',
    adminDatabase: process.env.DB_DATABASE ?? 'aero_test',
  };
}

export interface MssqlTestSettings extends ServerTestSettings {
  encrypt: boolean;
  trustServerCertificate: boolean;
}

const truthy = (value: string | undefined, fallback: boolean): boolean =>
  value === undefined || value === '' ? fallback : ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase());

/** A developer's SQL Server (or Azure SQL Edge): DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD, DB_MSSQL_*. */
export function mssqlTestSettings(): MssqlTestSettings {
  return {
    host: process.env.DB_HOST ?? '127.0.0.1',
    port: Number(process.env.DB_PORT ?? 1433),
    username: process.env.DB_USERNAME ?? 'sa',
    password: process.env.DB_PASSWORD ?? '',
    adminDatabase: 'master',
    encrypt: truthy(process.env.DB_MSSQL_ENCRYPT, true),
    trustServerCertificate: truthy(process.env.DB_MSSQL_TRUST_SERVER_CERTIFICATE, false),
  };
}

/**
 * The dialect of this e2e run. Anything but sqlite, postgres or mssql is an error: a typo must never
 * quietly run the suite on SQLite.
 */
export function testDbType(): DbType {
  const type = process.env.DB_TYPE;
  if (type === undefined || type === '' || type === 'sqlite') return 'sqlite';
  if (type === 'postgres' || type === 'mssql') return type;
  throw new Error(`DB_TYPE=${type} is not a dialect the e2e harness knows (sqlite, postgres, mssql)`);
}

/** A fresh, empty database for one test file; `drop()` removes it afterwards. */
export interface TestDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Several app instances will open it (SQLite then uses a temporary file instead of memory). */
  shareable?: boolean;
}

// ---- SQL Server through node-mssql (the package ships no types; this is the slice used here)

interface MssqlPool {
  connect(): Promise<MssqlPool>;
  request(): { input(name: string, value: unknown): unknown; query(sql: string): Promise<{ recordset?: unknown[] }> };
  close(): Promise<void>;
}
interface MssqlPackage {
  ConnectionPool: new (config: Record<string, unknown>) => MssqlPool;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mssqlPackage = (): MssqlPackage => require('mssql') as MssqlPackage;

function describeError(error: unknown): string {
  type Shaped = { code?: unknown; message?: unknown; originalError?: Shaped; cause?: Shaped; errors?: Shaped[] };
  const e = error as Shaped;
  // tedious wraps the socket's own error (ECONNREFUSED, ENOTFOUND, …) in an AggregateError cause.
  const socket = e?.originalError?.cause?.errors?.[0] ?? e?.originalError?.cause;
  const source = typeof socket?.message === 'string' ? socket : (e?.originalError ?? e);
  const message = String(source?.message ?? error).split('\n')[0];
  const code = source?.code ?? e?.code;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** The one line a run prints when its SQL Server cannot be used (globalSetup and the harness alike). */
export function mssqlUnreachable(settings: MssqlTestSettings, error: unknown): string {
  return `test:mssql: cannot reach SQL Server at ${settings.host}:${settings.port} as ${settings.username} (${describeError(error)})`;
}

async function openMssql(
  settings: MssqlTestSettings,
  database: string,
  timeoutMs = 15_000,
): Promise<MssqlPool> {
  const pool = new (mssqlPackage().ConnectionPool)({
    server: settings.host,
    port: settings.port,
    user: settings.username,
    password: settings.password,
    database,
    connectionTimeout: timeoutMs,
    requestTimeout: 60_000,
    pool: { min: 0, max: 2 },
    options: {
      encrypt: settings.encrypt,
      trustServerCertificate: settings.trustServerCertificate,
      appName: 'aero-e2e',
      useUTC: true,
    },
  });
  return pool.connect();
}

/** Connects to `master` with a short timeout; the one-line reason when that fails, undefined when it works. */
export async function probeMssql(settings = mssqlTestSettings(), timeoutMs = 5_000): Promise<string | undefined> {
  try {
    const pool = await openMssql(settings, 'master', timeoutMs);
    try {
      await pool.request().query('SELECT 1 AS ok');
    } finally {
      await pool.close();
    }
    return undefined;
  } catch (error) {
    return mssqlUnreachable(settings, error);
  }
}

/** A connection to `master` that runs one statement at a time (a node-mssql pool; a fake in unit tests). */
export interface MssqlAdmin {
  query(statement: string): Promise<unknown>;
  close(): Promise<void>;
}

async function openMssqlMaster(settings: MssqlTestSettings): Promise<MssqlAdmin> {
  let pool: MssqlPool;
  try {
    pool = await openMssql(settings, 'master');
  } catch (error) {
    throw new Error(mssqlUnreachable(settings, error));
  }
  return { query: (statement) => pool.request().query(statement), close: () => pool.close() };
}

/** `DROP DATABASE` refused because a session still uses the database (3702): the app's pool still closing. */
function isDatabaseInUse(error: unknown): boolean {
  const e = error as { number?: unknown; originalError?: { info?: { number?: unknown } } };
  return e?.number === 3702 || e?.originalError?.info?.number === 3702;
}

/** The server's one-line reason, without a stack. */
function reasonOf(error: unknown): string {
  return String((error as { message?: unknown })?.message ?? error).split('\n')[0];
}

/** Settings this run has already reported as refused: one line per run, not one per test file. */
const refusalsLogged = new Set<string>();

export interface MssqlLifecycleOptions {
  /** Opens a connection to `master` (the real server unless a test passes a fake). */
  admin: () => Promise<MssqlAdmin>;
  /** Where the one line about a refused `ALTER DATABASE` goes (console.warn by default). */
  log?: (line: string) => void;
  /** Attempts at DROP DATABASE while the app's last sessions close (error 3702), 250 ms apart. */
  dropAttempts?: number;
  /** Refusals already reported (the run's own set unless a test passes one). */
  refusalsLogged?: Set<string>;
}

/**
 * CREATE and DROP of one test database on SQL Server. The production setting (READ_COMMITTED_SNAPSHOT) and
 * the quick drop (SINGLE_USER WITH ROLLBACK IMMEDIATE) need `ALTER DATABASE`, which some T-SQL engines refuse
 * (Azure SQL Database refuses SINGLE_USER, Babelfish every ALTER DATABASE). Then one line says so and the run
 * goes on: with the server's default isolation, and a plain DROP DATABASE once the app has closed its pool
 * (a session still closing is waited for, a bounded number of times).
 */
export function mssqlDatabaseLifecycle(
  name: string,
  options: MssqlLifecycleOptions,
): { create(): Promise<void>; drop(): Promise<void> } {
  const log = options.log ?? ((line: string) => console.warn(line));
  const logged = options.refusalsLogged ?? refusalsLogged;
  const tryAlter = async (admin: MssqlAdmin, setting: string, statement: string): Promise<void> => {
    try {
      await admin.query(statement);
    } catch (error) {
      if (logged.has(setting)) return;
      logged.add(setting);
      log(`test:mssql: the server refused ALTER DATABASE … SET ${setting} (${reasonOf(error)}); going on without it`);
    }
  };
  const withAdmin = async (work: (admin: MssqlAdmin) => Promise<void>): Promise<void> => {
    const admin = await options.admin();
    try {
      await work(admin);
    } finally {
      await admin.close();
    }
  };
  return {
    create: () =>
      withAdmin(async (admin) => {
        await admin.query(`CREATE DATABASE [${name}]`);
        // The setting docs/sql-server.md recommends for production, so the suite sees the same locking.
        await tryAlter(
          admin,
          'READ_COMMITTED_SNAPSHOT',
          `ALTER DATABASE [${name}] SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE`,
        );
      }),
    drop: () =>
      withAdmin(async (admin) => {
        await tryAlter(
          admin,
          'SINGLE_USER',
          `IF DB_ID(N'${name}') IS NOT NULL ALTER DATABASE [${name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE`,
        );
        const attempts = options.dropAttempts ?? 20;
        for (let attempt = 1; ; attempt++) {
          try {
            await admin.query(`IF DB_ID(N'${name}') IS NOT NULL DROP DATABASE [${name}]`);
            return;
          } catch (error) {
            if (!isDatabaseInUse(error) || attempt >= attempts) throw error;
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
      }),
  };
}

function mssqlEnv(settings: MssqlTestSettings, database: string): Record<string, string> {
  return {
    DB_TYPE: 'mssql',
    DB_HOST: settings.host,
    DB_PORT: String(settings.port),
    DB_USERNAME: settings.username,
    DB_PASSWORD: settings.password,
    DB_DATABASE: database,
    DB_MSSQL_ENCRYPT: String(settings.encrypt),
    DB_MSSQL_TRUST_SERVER_CERTIFICATE: String(settings.trustServerCertificate),
  };
}

async function createMssqlDatabase(): Promise<TestDatabase> {
  const settings = mssqlTestSettings();
  const name = `aero_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
  const lifecycle = mssqlDatabaseLifecycle(name, { admin: () => openMssqlMaster(settings) });
  await lifecycle.create();
  return { env: mssqlEnv(settings, name), drop: () => lifecycle.drop() };
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const pg = postgresTestSettings();
  const name = `aero_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ host: pg.host, port: pg.port, user: pg.username, password: pg.password, database: pg.adminDatabase });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    env: {
      DB_TYPE: 'postgres',
      DB_HOST: pg.host,
      DB_PORT: String(pg.port),
      DB_USERNAME: pg.username,
      DB_PASSWORD: pg.password,
      DB_DATABASE: name,
    },
    drop: async () => {
      const client = new Client({ host: pg.host, port: pg.port, user: pg.username, password: pg.password, database: pg.adminDatabase });
      await client.connect();
      try {
        await dropPostgresDatabase(client, name);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * WITH (FORCE) ends connections the app left behind. PostgreSQL 15 also counts an autovacuum worker in the
 * database among the backends to signal, which a role without pg_signal_backend may not (42501; the local
 * test role has it, see scripts/test-services.sh). A plain DROP signals autovacuum itself and waits for it,
 * but refuses while other sessions are connected (55006): so the two are tried in turn.
 */
async function dropPostgresDatabase(client: Client, name: string): Promise<void> {
  const codeOf = (error: unknown) => (error as { code?: string }).code;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return;
    } catch (error) {
      if (codeOf(error) !== '42501' || attempt === 5) throw error;
    }
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      return;
    } catch (error) {
      if (codeOf(error) !== '55006' || attempt === 5) throw error;
    }
  }
}

/** One fresh database on the run's dialect (`testDbType()`); never another dialect than the one asked for. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const dialect = testDbType();
  if (dialect === 'mssql') return createMssqlDatabase();
  if (dialect === 'postgres') return createPostgresDatabase();
  if (!options.shareable) return { env: { DB_TYPE: 'sqlite', DB_DATABASE: ':memory:' }, drop: async () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'aero-e2e-'));
  return {
    env: { DB_TYPE: 'sqlite', DB_DATABASE: join(dir, 'shared.sqlite') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

// ---- SQL written once for the three dialects

/**
 * Rewrites `$1, $2, …` placeholders for `dialect`: kept on PostgreSQL, `?` on SQLite, `@0, @1, …` on
 * SQL Server (TypeORM's and node-mssql's numbering). Tests write their raw SQL once, in this form.
 */
export function sqlFor(dialect: DbType, sql: string): string {
  if (dialect === 'postgres') return sql;
  return sql.replace(/\$(\d+)/g, (_m, n: string) => (dialect === 'sqlite' ? '?' : `@${Number(n) - 1}`));
}

/** The statement listing the application's tables (not the engine's own) on `dialect`, as `name`. */
export function listTablesSql(dialect: DbType): string {
  switch (dialect) {
    case 'sqlite':
      return "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
    case 'postgres':
      return "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name";
    case 'mssql':
      return "SELECT TABLE_NAME AS name FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME";
  }
}

/** A direct connection to a test database (the env of `createTestDatabase`), for checking what was stored. */
export interface TestSql {
  readonly dialect: DbType;
  /** Runs `sql` with `$1, $2, …` placeholders (see `sqlFor`). */
  query<T>(sql: string, ...params: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Rows of a query, or none for a statement that returns no data (an INSERT in a test's setup). */
function readOrRun<T>(statement: Database.Statement, params: unknown[]): T[] {
  if (statement.reader) return statement.all(...params) as T[];
  statement.run(...params);
  return [];
}

export async function openTestSql(env: Record<string, string | undefined>): Promise<TestSql> {
  const dialect = (env.DB_TYPE ?? 'sqlite') as DbType;
  if (dialect === 'sqlite') {
    const file = env.DB_DATABASE as string;
    const db = existsSync(file) ? new Database(file) : undefined;
    return {
      dialect,
      // A database the CLI never created has no tables and no rows.
      query: async <T>(sql: string, ...params: unknown[]) =>
        db ? readOrRun<T>(db.prepare(sqlFor(dialect, sql)), params) : [],
      close: async () => {
        db?.close();
      },
    };
  }
  if (dialect === 'postgres') {
    const client = new Client({
      host: env.DB_HOST,
      port: Number(env.DB_PORT),
      user: env.DB_USERNAME,
      password: env.DB_PASSWORD,
      database: env.DB_DATABASE,
    });
    await client.connect();
    return {
      dialect,
      query: async <T>(sql: string, ...params: unknown[]) => (await client.query(sql, params)).rows as T[],
      close: () => client.end(),
    };
  }
  const settings: MssqlTestSettings = {
    host: env.DB_HOST as string,
    port: Number(env.DB_PORT),
    username: env.DB_USERNAME as string,
    password: env.DB_PASSWORD ?? '',
    adminDatabase: 'master',
    encrypt: truthy(env.DB_MSSQL_ENCRYPT, true),
    trustServerCertificate: truthy(env.DB_MSSQL_TRUST_SERVER_CERTIFICATE, false),
  };
  const pool = await openMssql(settings, env.DB_DATABASE as string);
  return {
    dialect,
    query: async <T>(sql: string, ...params: unknown[]) => {
      const request = pool.request();
      params.forEach((value, i) => request.input(String(i), value));
      return ((await request.query(sqlFor(dialect, sql))).recordset ?? []) as T[];
    },
    close: () => pool.close(),
  };
}
