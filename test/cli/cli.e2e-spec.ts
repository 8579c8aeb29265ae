import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '@aero/core';

const REPO_ROOT = resolve(__dirname, '../..');
const CLI_ENTRY = join(REPO_ROOT, 'dist/apps/cli/apps/cli/src/main.js');

jest.setTimeout(120_000);

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('admin CLI (e2e)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  /** Runs the built CLI as an operator would, in an empty working directory. */
  const cli = (args: string[], extraEnv: Record<string, string> = {}): CliResult => {
    const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], {
      cwd: dir,
      env: { ...env, ...extraEnv },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  const json = (result: CliResult): Record<string, unknown> => {
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  /** Row count of every table in the SQLite file. */
  const rowCounts = (): Record<string, number> => {
    const db = new Database(env.DB_DATABASE as string, { readonly: true });
    try {
      const tables = db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all() as { name: string }[];
      return Object.fromEntries(
        tables.map(({ name }) => [
          name,
          (db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n,
        ]),
      );
    } finally {
      db.close();
    }
  };

  beforeAll(() => {
    // `npm run cli` builds the CLI when its output is missing or older than the sources; so does this.
    const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/cli.js'), '--help'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 110_000,
    });
    if (build.status !== 0 || !existsSync(CLI_ENTRY))
      throw new Error(`could not build the CLI:\n${build.stderr}`);
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aero-cli-'));
    env = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DB_TYPE: 'sqlite',
      DB_DATABASE: join(dir, 'aero.sqlite'),
      JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
      API_KEY_PEPPER: randomBytes(32).toString('base64url'),
    };
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('--help lists the platform commands under the npm script name', () => {
    const result = cli(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: npm run cli -- [options] [command]');
    for (const command of ['db:migrate', 'db:seed', 'openapi:export'])
      expect(result.stdout).toContain(command);
  });

  it.each(['db:migrate', 'db:seed', 'openapi:export'])(
    '%s --help explains the command without touching the database',
    (command) => {
      const result = cli([command, '--help']);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`Usage: npm run cli -- ${command} [options]`);
      expect(result.stdout).toContain('--help');
      expect(existsSync(env.DB_DATABASE as string) ? rowCounts() : {}).toEqual({});
    },
  );

  it('db:migrate --json applies every migration once and reports it as JSON', () => {
    const first = json(cli(['db:migrate', '--json']));
    expect(first).toEqual({ applied: MIGRATIONS.map((migration) => migration.name) });
    expect(rowCounts().schema_migrations).toBe(MIGRATIONS.length);

    const second = json(cli(['db:migrate', '--json']));
    expect(second).toEqual({ applied: [] });
    // Without --json the same result reads as a sentence.
    expect(cli(['db:migrate']).stdout).toBe('Database is up to date.\n');
  });

  it('db:migrate --revert undoes the latest migration, and db:migrate re-applies it', () => {
    json(cli(['db:migrate', '--json']));
    expect(json(cli(['db:migrate', '--revert', '--json']))).toEqual({ reverted: true });
    expect(rowCounts().schema_migrations).toBe(MIGRATIONS.length - 1);
    expect(json(cli(['db:migrate', '--json']))).toEqual({
      applied: [MIGRATIONS[MIGRATIONS.length - 1].name],
    });
  });

  it('db:seed is idempotent: the second run changes nothing', () => {
    const first = json(cli(['db:seed', '--json']));
    const afterFirst = rowCounts();
    const second = json(cli(['db:seed', '--json']));
    expect(rowCounts()).toEqual(afterFirst);
    expect(first).toHaveProperty('created');
    // Whatever the seed reports as created, the second run created none of it.
    const createdAgain = Object.values(second.created as Record<string, unknown>).filter((n) => n !== 0);
    expect(createdAgain).toEqual([]);
  });

  it('an unknown command exits 1 with a one-line reason', () => {
    const result = cli(['db:explode']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("error: unknown command 'db:explode'\n");
    expect(result.stdout).toBe('');
  });

  it('an unknown option exits 1 with a one-line reason', () => {
    const result = cli(['db:migrate', '--fast']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("error: unknown option '--fast'\n");
  });

  it('a failing command exits 1 with a one-line reason and no stack trace', () => {
    const result = cli(['openapi:export', '--out', join(dir, 'missing-dir', 'openapi.json')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: ENOENT: no such file or directory, open '.*openapi\.json'\n$/);
  });

  it('invalid configuration exits 1 naming each bad variable on one line', () => {
    const result = cli(['db:migrate'], { DB_TYPE: 'oracle', DB_POOL_SIZE: 'many' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'error: invalid configuration: DB_TYPE: must be one of the following values: sqlite, postgres, mssql; ' +
        'DB_POOL_SIZE: must be an integer number\n',
    );
  });

  it('openapi:export --out writes the OpenAPI document with both security schemes', () => {
    const out = join(dir, 'openapi.json');
    const result = cli(['openapi:export', '--out', out]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`Wrote ${out}\n`);
    const document = JSON.parse(readFileSync(out, 'utf8')) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, { type: string }> };
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      'api-key': expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    });
    expect(document.paths['/health/ready']).toBeDefined();
  });
});
