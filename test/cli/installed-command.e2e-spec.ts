import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliSandbox } from '@aero/testing';

// The CLI as an operator installs it (`npm link` puts package.json's `bin` on the PATH): stdout carries only
// the command's output, `--json` always parses, every failure is one `error:` line, help never opens the
// database.
jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
const BIN = join(ROOT, pkg.bin.aero);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('the installed aero command (e2e)', () => {
  let sandbox: CliSandbox;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  function aero(args: string[], extra: Record<string, string> = {}): Run {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...env, ...extra },
      encoding: 'utf8',
      timeout: 90_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  function json<T = unknown>(args: string[]): T {
    const r = aero([...args, '--json']);
    if (r.status !== 0) throw new Error(`aero ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as T;
  }

  // The run's dialect (a fresh database of its own), as every CLI suite.
  beforeAll(async () => {
    sandbox = await CliSandbox.create('aero-bin-');
    dir = sandbox.dir;
    env = sandbox.env;
  });
  afterAll(() => sandbox.dispose());

  it('prints its version and help without touching the database', () => {
    const missing = { DB_TYPE: 'sqlite', DB_DATABASE: join(dir, 'no-such-dir', 'x.sqlite') };
    const version = aero(['--version'], missing);
    expect(version).toMatchObject({ status: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const help = aero(['--help'], missing);
    expect(help.status).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^Usage: aero /);
    for (const command of ['bookings:show', 'members:find', 'venues:list', 'sessions:list', 'db:migrate']) {
      expect(help.stdout).toContain(command);
    }
    const one = aero(['sessions:list', '--help'], missing);
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/--venue <id\|name>.*\(required\)/);
    expect(one.stdout).toMatch(/Examples:\n {2}aero sessions:list/);
  });

  it('answers --json with one parseable document for every command that prints data', () => {
    expect(json<{ applied: string[] }>(['db:migrate']).applied.length).toBeGreaterThan(0);
    json(['db:seed']);
    const venues = json<{ id: string; name: string }[]>(['venues:list']);
    expect(venues.length).toBeGreaterThan(0);
    const day = json<{ sessions: { id: string }[] }>(['sessions:list', '--venue', venues[0].name, '--date', '2026-12-24']);
    expect(Array.isArray(day.sessions)).toBe(true);
    const found = json<{ id: string; lastName: string }[]>(['members:find', 'a']);
    expect(Array.isArray(found)).toBe(true);
    const key = json<{ id: string; key: string }>(['api-keys:create', '--name', 'front desk', '--app', 'pos', '--scopes', 'bookings:read']);
    const keys = json<{ id: string }[]>(['api-keys:list']);
    expect(keys.map((k) => k.id)).toContain(key.id);
    json(['api-keys:revoke', key.id]);
    json(['users:create', '--email', `ops-${randomBytes(3).toString('hex')}@example.test`, '--role', 'staff']);
    expect(json<{ reverted: string }>(['db:migrate', '--revert']).reverted).toMatch(/^\w+\d{13}$/);
  });

  it('shows tables with a header row, aligned', () => {
    aero(['db:migrate']);
    const r = aero(['venues:list']);
    expect(r.status).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+TIME ZONE\s+ACTIVE$/);
    const nameColumn = header.indexOf('NAME');
    for (const row of rows) expect(row[nameColumn - 1]).toBe(' ');
  });

  it('reports an unreachable database in exactly one error line and exits 1', () => {
    const r = aero(['venues:list'], {
      DB_TYPE: 'postgres',
      DB_HOST: '127.0.0.1',
      DB_PORT: '1',
      DB_USERNAME: 'nobody',
      DB_PASSWORD: 'irrelevant',
      DB_DATABASE: 'nothing',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^error: cannot reach the database \(postgres at 127\.0\.0\.1:1\/nothing\)/)]);
    expect(r.stderr).not.toContain('irrelevant');
  });

  it('reports a booking that does not exist in one error line', () => {
    const r = aero(['bookings:show', 'ZZZZ-ZZZZ']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: No booking with reference ZZZZ-ZZZZ.\n');
  });
});
