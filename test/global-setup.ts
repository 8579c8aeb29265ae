import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Builds the CLI once, before any e2e file runs, when its output is missing or stale. The CLI suites then
 * find it fresh, instead of several parallel workers each starting `nest build` into the same dist/.
 */
export default function globalSetup(): void {
  const root = join(__dirname, '..');
  const result = spawnSync(process.execPath, [join(root, 'scripts/cli.js'), '--help'], {
    cwd: root,
    env: { ...process.env, DB_TYPE: 'sqlite', DB_DATABASE: ':memory:', NODE_ENV: 'test', JWT_SIGNING_KEY: 'x'.repeat(32), API_KEY_PEPPER: 'y'.repeat(32) },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`building the CLI for the e2e suites failed:\n${result.stderr}`);
}
