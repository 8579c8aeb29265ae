import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestDatabase } from '@aero/testing';
import { createTestDatabase, testDbType } from '@aero/testing';
import { freeLoopbackPort } from '@aero/testing';

export const REPO_ROOT = resolve(__dirname, '../..');

/**
 * The API as operators run it: its own process, booted by `apps/api/src/main.ts` (through ts-node in
 * transpile-only mode, which starts faster here than `nest build` + node and never runs stale output).
 */
export interface ApiProcess {
  child: ChildProcess;
  port: number;
  /** The environment it runs with: its database settings, to read what it stored (`openTestSql`). */
  env: Record<string, string | undefined>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  /** Kills the process if it still runs and removes its temporary directory. */
  dispose(): Promise<void>;
}

/** A free loopback port (kept under this name for the suites that import it from here). */
export const freePort = freeLoopbackPort;

/**
 * Starts the API with explicit secrets on a throwaway database of the run's dialect (a SQLite file, or a
 * fresh PostgreSQL / SQL Server database, dropped by `dispose`); `env` overrides anything, and an `env`
 * that names its own DB_TYPE gets no database made for it.
 */
export async function spawnApi(env: Record<string, string> = {}): Promise<ApiProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'aero-api-'));
  const port = await freePort();
  const database: TestDatabase | undefined =
    env.DB_TYPE === undefined && testDbType() !== 'sqlite' ? await createTestDatabase() : undefined;
  let output = '';
  const processEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DB_TYPE: 'sqlite',
    DB_DATABASE: join(dir, 'aero.sqlite'),
    ...database?.env,
    JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
    API_KEY_PEPPER: randomBytes(32).toString('hex'),
    // The framework the suite runs on (HTTP_ADAPTER=fastify npx jest …), as the in-process harness does.
    ...(process.env.HTTP_ADAPTER ? { HTTP_ADAPTER: process.env.HTTP_ADAPTER } : {}),
    ...env,
  };
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'],
    { cwd: REPO_ROOT, env: processEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    port,
    env: processEnv,
    output: () => output,
    exited,
    dispose: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      await database?.drop();
    },
  };
}

/** Polls `/health/live` until the API answers (or the process dies, or ~60 s pass). */
export async function waitUntilLive(api: ApiProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (api.child.exitCode !== null || api.child.signalCode !== null) {
      throw new Error(`API exited before it was live:\n${api.output()}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${api.port}/health/live`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`API did not become live:\n${api.output()}`);
}
