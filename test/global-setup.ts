import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
// globalSetup runs outside Jest's module registry, where the @aero/* aliases do not resolve.
// eslint-disable-next-line no-restricted-imports
import { probeMssql, testDbType } from '../libs/testing/src/test-database';

/**
 * Before any e2e file runs: with DB_TYPE=mssql, SQL Server must answer (one clear line and exit 1
 * otherwise, instead of every file timing out); then the CLI is built once when its output is missing or
 * stale, so the CLI suites find it fresh instead of several parallel workers each running `nest build`.
 */
export default async function globalSetup(): Promise<void> {
  const dialect = testDbType();
  if (dialect === 'mssql') {
    const unreachable = await probeMssql();
    if (unreachable) {
      process.stderr.write(`\n${unreachable}\n`);
      process.exit(1);
    }
  }
  const root = join(__dirname, '..');
  const result = spawnSync(process.execPath, [join(root, 'scripts/cli.js'), '--help'], {
    cwd: root,
    env: { ...process.env, DB_TYPE: 'sqlite', DB_DATABASE: ':memory:', NODE_ENV: 'test', JWT_SIGNING_KEY: 'x'.repeat(32), API_KEY_PEPPER: 'y'.repeat(32) },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`building the CLI for the e2e suites failed:\n${result.stderr}`);
}
