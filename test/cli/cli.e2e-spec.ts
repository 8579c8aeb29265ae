import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from '@aero/core';
import type { CliResult } from '@aero/testing';
import { CliSandbox } from '@aero/testing';

jest.setTimeout(120_000);

describe('admin CLI (e2e)', () => {
  let sandbox: CliSandbox;
  let dir: string;

  /** Runs the built CLI as an operator would, in an empty working directory. */
  const cli = (args: string[], extraEnv: Record<string, string> = {}): CliResult => sandbox.run(args, extraEnv);

  const json = (result: CliResult): Record<string, unknown> => {
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  const rowCounts = (): Promise<Record<string, number>> => sandbox.rowCounts();

  beforeEach(async () => {
    sandbox = await CliSandbox.create();
    dir = sandbox.dir;
  });
  afterEach(async () => {
    await sandbox.dispose();
  });

  it('--help lists the platform commands under the installed command name', () => {
    const result = cli(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: aero [options] [command]');
    for (const command of ['db:migrate', 'db:seed', 'openapi:export'])
      expect(result.stdout).toContain(command);
  });

  it.each(['db:migrate', 'db:seed', 'openapi:export'])(
    '%s --help explains the command without touching the database',
    async (command) => {
      const result = cli([command, '--help']);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`Usage: aero ${command} [options]`);
      expect(result.stdout).toContain('--help');
      expect(await rowCounts()).toEqual({});
    },
  );

  it('db:migrate --json applies every migration once and reports it as JSON', async () => {
    const first = json(cli(['db:migrate', '--json']));
    expect(first).toEqual({ applied: MIGRATIONS.map((migration) => migration.name) });
    expect((await rowCounts()).schema_migrations).toBe(MIGRATIONS.length);

    const second = json(cli(['db:migrate', '--json']));
    expect(second).toEqual({ applied: [] });
    // Without --json the same result reads as a sentence.
    expect(cli(['db:migrate']).stdout).toBe('Database is up to date.\n');
  });

  it('db:migrate --revert undoes the latest migration, and db:migrate re-applies it', async () => {
    json(cli(['db:migrate', '--json']));
    expect(json(cli(['db:migrate', '--revert', '--json']))).toEqual({
      reverted: MIGRATIONS[MIGRATIONS.length - 1].name,
    });
    expect((await rowCounts()).schema_migrations).toBe(MIGRATIONS.length - 1);
    expect(json(cli(['db:migrate', '--json']))).toEqual({
      applied: [MIGRATIONS[MIGRATIONS.length - 1].name],
    });
  });

  it('db:seed is idempotent: the second run changes nothing', async () => {
    const first = json(cli(['db:seed', '--json']));
    const afterFirst = await rowCounts();
    const second = json(cli(['db:seed', '--json']));
    expect(await rowCounts()).toEqual(afterFirst);
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
