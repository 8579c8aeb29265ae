import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** The built CLI (the e2e globalSetup builds it once, like `npm run cli` does when stale). */
export const CLI_ENTRY = join(resolve(__dirname, '../../..'), 'dist/apps/cli/apps/cli/src/main.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * An operator's shell for CLI e2e tests: an empty working directory with its own SQLite file and fresh
 * secrets, whatever dialect the rest of the e2e run targets.
 */
export class CliSandbox {
  private constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static create(prefix = 'aero-cli-'): CliSandbox {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    return new CliSandbox(dir, {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DB_TYPE: 'sqlite',
      DB_DATABASE: join(dir, 'aero.sqlite'),
      JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
      API_KEY_PEPPER: randomBytes(32).toString('base64url'),
    });
  }

  get databaseFile(): string {
    return this.env.DB_DATABASE as string;
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

  /** Reads the sandbox database directly (read-only), to check what a command stored. */
  query<T>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(this.databaseFile, { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  /** Row count of every table. */
  rowCounts(): Record<string, number> {
    const tables = this.query<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    return Object.fromEntries(
      tables.map(({ name }) => [name, this.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "${name}"`)[0].n]),
    );
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
