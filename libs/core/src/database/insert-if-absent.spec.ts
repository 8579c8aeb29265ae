import 'reflect-metadata';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dialectErrors } from './dialect';
import { insertIfAbsent } from './insert-if-absent';
import type { RecordedStatement } from './sql-snapshot';
import { createRecordingDataSource } from './sql-snapshot';

/** The shape of session_allowances / member_venues: a row per composite key, first writer wins. */
@Entity('probe_allowances')
class ProbeAllowance {
  @PrimaryColumn({ name: 'member_id', type: 'varchar', length: 36 })
  memberId!: string;

  @PrimaryColumn({ name: 'session_id', type: 'varchar', length: 36 })
  sessionId!: string;

  @Column({ type: 'int' })
  used!: number;
}

/** What SQL Server sends back for a duplicate key, wrapped by node-mssql as the driver reports it. */
function mssqlDuplicate(number: 2627 | 2601): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RequestError } = require('mssql') as { RequestError: new (error: Error, code: string) => Error };
  const tedious = Object.assign(
    new Error(
      "Violation of PRIMARY KEY constraint 'PK_probe'. Cannot insert duplicate key in object 'dbo.probe_allowances'.",
    ),
    { info: { number, class: 14, state: 1 } },
  );
  return new RequestError(tedious, 'EREQUEST');
}

const row = { memberId: 'm-1', sessionId: 's-1', used: 0 };

describe('insertIfAbsent on SQL Server', () => {
  it('sends one plain INSERT (never MERGE, nothing read back) with ASCII ids as varchar', async () => {
    const { dataSource, take } = await createRecordingDataSource('mssql', [ProbeAllowance]);
    await expect(insertIfAbsent(dataSource.manager, dialectErrors('mssql'), ProbeAllowance, row)).resolves.toBe(true);
    const statements = take();
    expect(statements.map((s) => [s.sql, s.declarations])).toEqual([
      [
        'INSERT INTO "probe_allowances"("member_id", "session_id", "used") VALUES (@0, @1, @2)',
        ['@0 varchar(8000)', '@1 varchar(8000)', '@2 int'],
      ],
    ]);
    expect(statements[0].sql).not.toMatch(/MERGE|OUTPUT|SELECT/i);
  });

  it.each([2627, 2601] as const)(
    'treats duplicate key %i from a concurrent first write as "already there"',
    async (number) => {
      const { dataSource, take } = await createRecordingDataSource('mssql', [ProbeAllowance], () =>
        mssqlDuplicate(number),
      );
      await expect(
        insertIfAbsent(dataSource.manager, dialectErrors('mssql'), ProbeAllowance, row),
      ).resolves.toBe(false); // not inserted by this call: a counter's caller then takes its UPDATE path
      expect(take()).toHaveLength(1); // no second statement: the row is there, whoever wrote it
    },
  );

  it('passes any other refusal through (a foreign key, 547)', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { RequestError } = require('mssql') as { RequestError: new (error: Error, code: string) => Error };
    const fk = new RequestError(
      Object.assign(new Error('The INSERT statement conflicted with the FOREIGN KEY constraint'), {
        info: { number: 547 },
      }),
      'EREQUEST',
    );
    const { dataSource } = await createRecordingDataSource('mssql', [ProbeAllowance], () => fk);
    await expect(
      insertIfAbsent(dataSource.manager, dialectErrors('mssql'), ProbeAllowance, row),
    ).rejects.toMatchObject({
      driverError: { number: 547 },
    });
  });
});

describe('insertIfAbsent on PostgreSQL and SQLite', () => {
  it.each([
    [
      'postgres',
      'INSERT INTO "probe_allowances"("member_id", "session_id", "used") VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    ],
    [
      'sqlite',
      'INSERT INTO "probe_allowances"("member_id", "session_id", "used") VALUES (?, ?, 0) ON CONFLICT DO NOTHING',
    ],
  ] as const)('%s skips the duplicate inside the statement', async (dialect, sql) => {
    const { dataSource, take } = await createRecordingDataSource(dialect, [ProbeAllowance]);
    await insertIfAbsent(dataSource.manager, dialectErrors(dialect), ProbeAllowance, row);
    expect(take().map((s: RecordedStatement) => s.sql)).toEqual([sql]);
  });
});
