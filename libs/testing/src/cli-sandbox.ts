import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DbType } from '@aero/core';
import type { TestDatabase } from './test-database';
import { createTestDatabase, listTablesSql, openTestSql, testDbType } from './test-database';

/** The built CLI (the e2e globalSetup builds it once, like `npm run cli` does when stale). */
export const CLI_ENTRY = join(resolve(__dirname, '../../..'), 'dist/apps/cli/apps/cli/src/main.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * An operator's shell for CLI e2e tests: an empty working directory with fresh secrets and its own empty
 * database on the run's dialect (a SQLite file in that directory, or a fresh PostgreSQL / SQL Server
 * database with DB_TYPE=postgres / mssql).
 */
export class CliSandbox {
  private constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
    private readonly database: TestDatabase | undefined,
  ) {}

  static async create(prefix = 'aero-cli-'): Promise<CliSandbox> {
    // The database first: when its server cannot be reached, nothing is left behind.
    const database = testDbType() === 'sqlite' ? undefined : await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const secrets = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
      API_KEY_PEPPER: randomBytes(32).toString('base64url'),
      WEBHOOKS_SECRET_KEY: randomBytes(32).toString('base64url'),
    };
    if (!database) {
      return new CliSandbox(dir, { ...secrets, DB_TYPE: 'sqlite', DB_DATABASE: join(dir, 'aero.sqlite') }, undefined);
    }
    return new CliSandbox(dir, { ...secrets, ...database.env }, database);
  }

  get dialect(): DbType {
    return this.env.DB_TYPE as DbType;
  }

  /** Runs `aero <args>` (the built CLI) as an operator would. */
  run(args: string[], extraEnv: Record<string, string> = {}): CliResult {
    const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], {
      cwd: this.dir,
      env: { ...this.env, ...extraEnv },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** Runs a `--json` command that must succeed silently on stderr, and parses its output. */
  json<T = Record<string, unknown>>(args: string[]): T {
    const result = this.run(args);
    if (result.status !== 0 || result.stderr !== '') {
      throw new Error(`${args.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`);
    }
    return JSON.parse(result.stdout) as T;
  }

  /**
   * Reads (or, for a test's setup, writes) the sandbox database directly. Placeholders are `$1, $2, …`
   * and aliases that must keep their case are quoted (`AS "timeZone"`), so one statement fits every dialect.
   */
  async query<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    const db = await openTestSql(this.env);
    try {
      return await db.query<T>(sql, ...params);
    } finally {
      await db.close();
    }
  }

  /** Row count of every table (none when the CLI never created the database). */
  async rowCounts(): Promise<Record<string, number>> {
    const db = await openTestSql(this.env);
    try {
      const tables = await db.query<{ name: string }>(listTablesSql(this.dialect));
      const counts: Record<string, number> = {};
      for (const { name } of tables) {
        counts[name] = Number((await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM "${name}"`))[0].n);
      }
      return counts;
    } finally {
      await db.close();
    }
  }

  async dispose(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    await this.database?.drop();
  }
}
