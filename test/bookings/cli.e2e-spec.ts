import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliSandbox } from '@aero/testing';

jest.setTimeout(120_000);

// The venue-domain commands over the built CLI, as an operator runs them, on the run's dialect.
describe('venue-domain CLI: db:seed, sessions:schedule, members:import (e2e)', () => {
  let sandbox: CliSandbox;
  let dir: string;
  const cli = (args: string[]) => sandbox.run(args);
  const query = <T>(sql: string, ...params: unknown[]): Promise<T[]> => sandbox.query<T>(sql, ...params);
  /** COUNT and SUM come back as numbers, strings (PostgreSQL bigint) or null, depending on the driver. */
  const count = async (sql: string): Promise<number> => Number((await query<{ n: unknown }>(sql))[0].n);
  /** An instant as `YYYY-MM-DD HH:MM` (SQLite returns text, PostgreSQL and SQL Server return a Date). */
  const minute = (value: string | Date): string =>
    (value instanceof Date ? value.toISOString() : value).replace('T', ' ').slice(0, 16);

  beforeAll(async () => {
    // Its own empty database on the run's dialect (a SQLite file, or a fresh PostgreSQL / SQL Server one).
    sandbox = await CliSandbox.create('aero-venue-cli-');
    dir = sandbox.dir;
  });
  afterAll(async () => {
    await sandbox.dispose();
  });

  it('db:seed creates a Toronto venue, a week of sessions, members with and without waivers, and bookings', async () => {
    const result = cli(['db:seed', '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).created).toMatchObject({
      venues: 1,
      sessions: 42,
      members: 5,
      waivers: 3,
      bookings: 4,
    });
    expect(await query('SELECT name, time_zone AS "timeZone" FROM venues')).toEqual([
      { name: 'AeroSports Toronto', timeZone: 'America/Toronto' },
    ]);
    const withWaiver = await count('SELECT COUNT(*) AS n FROM members WHERE waiver_valid_until IS NOT NULL');
    expect(withWaiver).toBe(3);
    // Places taken equal the places booked.
    const [{ taken, booked }] = await query<{ taken: unknown; booked: unknown }>(
      "SELECT (SELECT SUM(booked) FROM sessions) AS taken, (SELECT SUM(quantity) FROM bookings WHERE status = 'confirmed') AS booked",
    );
    expect(Number(taken)).toBe(Number(booked));
  });

  it('sessions:schedule creates the timetable in venue-local time, and running it twice adds nothing', async () => {
    const [{ id }] = await query<{ id: string }>('SELECT id FROM venues');
    const args = [
      'sessions:schedule',
      '--venue',
      id,
      '--from',
      '2026-03-07',
      '--to',
      '2026-03-09',
      '--times',
      '10:00,11:30',
      '--duration',
      '60m',
      '--capacity',
      '40',
      '--json',
    ];
    const first = cli(args);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ created: 6, existing: 0 });
    expect(JSON.parse(cli(args).stdout)).toEqual({ created: 0, existing: 6 });
    const starts = (
      await query<{ startsAt: string | Date }>(
        'SELECT starts_at AS "startsAt" FROM sessions WHERE starts_at < \'2026-03-10\' ORDER BY starts_at',
      )
    ).map((r) => minute(r.startsAt));
    // 10:00 in Toronto is 15:00 UTC before the change on 2026-03-08 and 14:00 UTC from that day on.
    expect(starts).toEqual([
      '2026-03-07 15:00',
      '2026-03-07 16:30',
      '2026-03-08 14:00',
      '2026-03-08 15:30',
      '2026-03-09 14:00',
      '2026-03-09 15:30',
    ]);
  });

  it('sessions:schedule refuses bad options in one line', () => {
    const result = cli([
      'sessions:schedule',
      '--venue',
      'x',
      '--from',
      '2026-03-09',
      '--to',
      '2026-03-07',
      '--times',
      '25:00',
      '--duration',
      'long',
      '--capacity',
      '0',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^error: .*--to must not be before --from.*--times.*--duration.*--capacity/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('members:import reports every bad row with its line and imports nothing, then imports all of a good file', async () => {
    const before = await count('SELECT COUNT(*) AS n FROM members');
    const bad = join(dir, 'bad.csv');
    writeFileSync(
      bad,
      [
        'firstName,lastName,dateOfBirth,email,phone,guardianEmail',
        'Ana,Lima,1985-02-03,ana.lima@example.test,,',
        ',NoFirst,1985-02-03,,,',
        'Bad,Date,1985-02-30,,,',
        'Dup,Email,1990-01-01,ANA.LIMA@example.test,,',
        'Kid,Lima,2017-06-06,,,nobody@example.test',
        'Taken,Email,1990-01-01,olivia.chen@example.com,,',
      ].join('\n'),
    );
    const refused = cli(['members:import', '--file', bad]);
    expect(refused.status).toBe(1);
    expect(
      refused.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/:.*/, '')),
    ).toEqual(['line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
    expect(refused.stdout).toContain('line 5: email ANA.LIMA@example.test repeats line 2');
    expect(refused.stderr).toBe('error: 5 bad row(s): nothing imported\n');
    expect(await count('SELECT COUNT(*) AS n FROM members')).toBe(before);

    const good = join(dir, 'good.csv');
    writeFileSync(
      good,
      [
        'firstName,lastName,dateOfBirth,email,phone,guardianEmail',
        'Kid,Lima,2017-06-06,,,ana.lima@example.test',
        'Ana,Lima,1985-02-03,ana.lima@example.test,+1 416 555 0000,',
        '"O\'Neil, Jr.",Smith,1979-12-12,,,',
      ].join('\r\n'),
    );
    const dry = cli(['members:import', '--file', good, '--dry-run']);
    expect(dry).toMatchObject({ status: 0, stdout: '3 row(s) valid; dry run, nothing imported.\n' });
    expect(await count('SELECT COUNT(*) AS n FROM members')).toBe(before);
    const imported = cli(['members:import', '--file', good]);
    expect(imported).toMatchObject({ status: 0, stdout: 'Imported 3 member(s).\n' });
    const kid = await query<{ guardian: string }>(
      "SELECT g.email AS guardian FROM members k JOIN members g ON g.id = k.guardian_id WHERE k.first_name = 'Kid' AND k.last_name = 'Lima'",
    );
    expect(kid).toEqual([{ guardian: 'ana.lima@example.test' }]);
    expect(await query('SELECT first_name AS f FROM members WHERE last_name = $1', 'Smith')).toEqual([
      { f: "O'Neil, Jr." },
    ]);
  });
});
