import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliSandbox } from '@aero/testing';

jest.setTimeout(120_000);

// The CLI takes operator input (options, CSV files) through the same rules as the API. It always runs
// on its own SQLite file, also when the e2e run targets PostgreSQL.
describe('CLI input rules (e2e)', () => {
  let sandbox: CliSandbox;
  let venueId: string;

  beforeAll(async () => {
    sandbox = await CliSandbox.create('aero-hardening-cli-');
    expect(sandbox.run(['db:seed', '--json']).status).toBe(0);
    venueId = (await sandbox.query<{ id: string }>('SELECT id FROM venues'))[0].id;
  });
  afterAll(async () => {
    await sandbox.dispose();
  });

  const schedule = (from: string, to: string) =>
    sandbox.run([
      'sessions:schedule',
      '--venue',
      venueId,
      '--from',
      from,
      '--to',
      to,
      '--times',
      '10:00',
      '--duration',
      '60m',
      '--capacity',
      '10',
      '--activity',
      'Calendar Check',
    ]);
  const scheduled = async () =>
    Number((await sandbox.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM sessions WHERE activity = 'Calendar Check'"))[0].n);

  it('sessions:schedule refuses 2027-02-30 instead of rolling it over to 2 March, and creates nothing', async () => {
    const result = schedule('2027-02-30', '2027-03-02');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('error: --from must be a real calendar date YYYY-MM-DD in the years 2000–2100\n');
    expect(await scheduled()).toBe(0);
  });

  it('sessions:schedule refuses a day in the year 9999', async () => {
    const result = schedule('2027-03-01', '9999-12-31');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: --to must be a real calendar date/);
    expect(await scheduled()).toBe(0);
  });

  it('sessions:schedule still takes a leap day', async () => {
    expect(schedule('2028-02-29', '2028-02-29').status).toBe(0);
    expect(await scheduled()).toBe(1);
  });

  it('members:import refuses a NUL character in a name and a date in the year 9999, naming line and field', async () => {
    const members = async () => Number((await sandbox.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM members'))[0].n);
    const before = await members();
    const file = join(sandbox.dir, 'hostile.csv');
    writeFileSync(
      file,
      [
        'firstName,lastName,dateOfBirth,email,phone,guardianEmail',
        'Ana\u0000,Lima,1985-02-03,,,',
        'Bea,Lima,9999-01-01,,,',
        'Kid,Lima,2017-06-06,,,guard\u0000ian@example.test',
      ].join('\n'),
    );
    const result = sandbox.run(['members:import', '--file', file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('line 2: firstName must not contain NUL characters');
    expect(result.stdout).toContain('line 3: dateOfBirth dateOfBirth must be a real calendar date');
    expect(result.stdout).toContain('line 4: guardianEmail must not contain NUL characters');
    expect(await members()).toBe(before);
  });
});
