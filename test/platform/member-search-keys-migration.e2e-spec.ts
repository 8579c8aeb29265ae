import { DataSource } from 'typeorm';
import { buildDataSourceOptions, loadConfig, MIGRATIONS } from '@aero/core';
import type { TestDatabase } from '@aero/testing';
import { createTestDatabase, sqlFor } from '@aero/testing';

// The search-keys migration on a database that already holds members, as a release meets it: up fills the key
// for every row, down gives the table back without losing a row, and up again works on what down left.
describe('migration MemberSearchKeys1764800000000 on a populated database (e2e)', () => {
  const index = MIGRATIONS.findIndex((m) => m.name === 'MemberSearchKeys1764800000000');
  let database: TestDatabase;

  const open = async (count: number): Promise<DataSource> => {
    const config = loadConfig({ ...process.env, ...database.env });
    const dataSource = new DataSource({
      ...buildDataSourceOptions(config.db),
      migrations: MIGRATIONS.slice(0, count),
    } as ConstructorParameters<typeof DataSource>[0]);
    await dataSource.initialize();
    return dataSource;
  };
  const insertMember = (dataSource: DataSource, id: string, firstName: string, withKey?: string) => {
    const sql = sqlFor(
      dataSource.options.type === 'better-sqlite3'
        ? 'sqlite'
        : (dataSource.options.type as 'postgres' | 'mssql'),
      withKey === undefined
        ? `INSERT INTO members (id, first_name, last_name, sort_key, date_of_birth, version, created_at, updated_at)
           VALUES ($1, $2, 'Tester', $3, '1990-01-01', 1, $4, $5)`
        : `INSERT INTO members (id, first_name, last_name, sort_key, date_of_birth, version, created_at, updated_at, first_name_key)
           VALUES ($1, $2, 'Tester', $3, '1990-01-01', 1, $4, $5, $6)`,
    );
    const at = '2026-01-01 00:00:00.000';
    const params: unknown[] = [id, firstName, `tester ${firstName.toLowerCase()}`, at, at];
    if (withKey !== undefined) params.push(withKey);
    return dataSource.query(sql, params);
  };
  const keys = async (dataSource: DataSource) =>
    (
      (await dataSource.query('SELECT id, first_name_key FROM members ORDER BY id')) as {
        id: string;
        first_name_key: string;
      }[]
    ).map((r) => [r.id, r.first_name_key]);

  beforeAll(async () => {
    expect(index).toBeGreaterThan(0);
    database = await createTestDatabase({ shareable: true });
    const before = await open(index);
    await before.runMigrations({ transaction: 'each' });
    // Non-ASCII first names: SQLite's LOWER() folds only ASCII, so these are re-keyed in code.
    await insertMember(before, 'm-1', 'Ada');
    await insertMember(before, 'm-2', 'ÉMILE');
    await insertMember(before, 'm-3', 'ÖZGÜR');
    await before.destroy();
  });
  afterAll(() => database.drop());

  it('up keys every member, down keeps every member, up again keys them again', async () => {
    const dataSource = await open(index + 1);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      const expected = [
        ['m-1', 'ada'],
        ['m-2', 'émile'],
        ['m-3', 'özgür'],
      ];
      expect(await keys(dataSource)).toEqual(expected);
      // The previous release does not know the column: its inserts still succeed during a rolling deploy
      // and get the default '' (never NULL), until the next release re-keys them.
      await insertMember(dataSource, 'm-0', 'Oldwriter');
      expect((await keys(dataSource))[0]).toEqual(['m-0', '']);
      await dataSource.query("DELETE FROM members WHERE id = 'm-0'");

      await dataSource.undoLastMigration({ transaction: 'each' });
      const rows = (await dataSource.query('SELECT id, first_name FROM members ORDER BY id')) as {
        id: string;
      }[];
      expect(rows.map((r) => r.id)).toEqual(['m-1', 'm-2', 'm-3']);
      await expect(dataSource.query('SELECT first_name_key FROM members')).rejects.toThrow();
      await insertMember(dataSource, 'm-4', 'Zoë');

      await dataSource.runMigrations({ transaction: 'each' });
      expect(await keys(dataSource)).toEqual([...expected, ['m-4', 'zoë']]);
      await insertMember(dataSource, 'm-5', 'Kim', 'kim');
      expect((await keys(dataSource)).at(-1)).toEqual(['m-5', 'kim']);
    } finally {
      await dataSource.destroy();
    }
  });
});
