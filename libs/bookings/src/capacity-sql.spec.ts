import 'reflect-metadata';
import { DataSource } from 'typeorm';
import type { DataSourceOptions } from 'typeorm';

type Dialect = 'mssql' | 'postgres' | 'sqlite';

/**
 * Renders the capacity statements for each dialect without a server, with the entity column types that
 * dialect uses (they are chosen at import time from DB_TYPE, hence the isolated module registry).
 */
interface Rendered {
  take: string;
  release: string;
  allowanceTake: string;
  allowanceRelease: string;
  holderTake: string;
  holderRelease: string;
}

async function render(dialect: Dialect): Promise<Rendered> {
  let modules:
    | {
        repo: typeof import('./bookings.repository');
        entity: typeof import('./session.entity');
        allowance: typeof import('./session-allowance.entity');
        holder: typeof import('./holder-holds.entity');
      }
    | undefined;
  const previous = process.env.DB_TYPE;
  process.env.DB_TYPE = dialect;
  jest.isolateModules(() => {
    // A fresh registry per dialect needs synchronous require; static imports would share one column type.
    /* eslint-disable @typescript-eslint/no-require-imports */
    modules = {
      repo: require('./bookings.repository'),
      entity: require('./session.entity'),
      allowance: require('./session-allowance.entity'),
      holder: require('./holder-holds.entity'),
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
  process.env.DB_TYPE = previous;
  const { repo, entity, allowance, holder } = modules as NonNullable<typeof modules>;
  const options = (
    dialect === 'sqlite'
      ? { type: 'better-sqlite3', database: ':memory:' }
      : { type: dialect, host: 'offline.invalid', database: 'aero' }
  ) as DataSourceOptions;
  const dataSource = new DataSource({ ...options, entities: [entity.SessionEntity, allowance.SessionAllowanceEntity, holder.HolderHoldsEntity] } as DataSourceOptions);
  await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
  const now = new Date('2026-03-08T14:00:00Z');
  return {
    take: repo.capacitySql.take(dataSource.manager, 's-1', 2, now).getQueryAndParameters()[0],
    release: repo.capacitySql.release(dataSource.manager, 's-1', 2, now).getQueryAndParameters()[0],
    allowanceTake: repo.allowanceSql
      .take(dataSource.manager, 's-1', 'holder:user:u-1', 2, { maxActive: 3, maxPlaces: 10, maxCreated: 6 })
      .getQueryAndParameters()[0],
    allowanceRelease: repo.allowanceSql
      .release(dataSource.manager, 's-1', 'holder:user:u-1', 2)
      .getQueryAndParameters()[0],
    holderTake: repo.holderHoldsSql.take(dataSource.manager, 'apiKey:k-1', 20).getQueryAndParameters()[0],
    holderRelease: repo.holderHoldsSql.release(dataSource.manager, 'apiKey:k-1').getQueryAndParameters()[0],
  };
}

// The capacity rule and the per-member allowances are each one conditional UPDATE whose affected-row count says whether places were taken.
// These are the exact statements each database receives; a change here deserves a careful review.
describe('capacity SQL per dialect', () => {
  it('SQL Server', async () => {
    expect(await render('mssql')).toEqual({
      take: 'UPDATE "sessions" SET "booked" = "booked" + @0, "updated_at" = @1 WHERE "id" = @2 AND "booked" + @0 <= "capacity" AND "status" = @3',
      release:
        'UPDATE "sessions" SET "booked" = "booked" - @0, "updated_at" = @1 WHERE "id" = @2 AND "booked" >= @0',
      allowanceTake:
        'UPDATE "session_allowances" SET "active" = "active" + 1, "places" = "places" + @0, "created" = "created" + 1 WHERE "session_id" = @1 AND "subject" = @2 AND "active" + 1 <= @3 AND "places" + @0 <= @4 AND "created" + 1 <= @5',
      allowanceRelease:
        'UPDATE "session_allowances" SET "active" = "active" - 1, "places" = "places" - @0 WHERE "session_id" = @1 AND "subject" = @2 AND "active" >= 1 AND "places" >= @0',
      holderTake: 'UPDATE "holder_holds" SET "open_holds" = "open_holds" + 1 WHERE "owner_key" = @0 AND "open_holds" + 1 <= @1',
      holderRelease: 'UPDATE "holder_holds" SET "open_holds" = "open_holds" - 1 WHERE "owner_key" = @0 AND "open_holds" >= 1',
    });
  });

  it('PostgreSQL', async () => {
    expect(await render('postgres')).toEqual({
      take: 'UPDATE "sessions" SET "booked" = "booked" + $1, "updated_at" = $2 WHERE "id" = $3 AND "booked" + $1 <= "capacity" AND "status" = $4',
      release:
        'UPDATE "sessions" SET "booked" = "booked" - $1, "updated_at" = $2 WHERE "id" = $3 AND "booked" >= $1',
      allowanceTake:
        'UPDATE "session_allowances" SET "active" = "active" + 1, "places" = "places" + $1, "created" = "created" + 1 WHERE "session_id" = $2 AND "subject" = $3 AND "active" + 1 <= $4 AND "places" + $1 <= $5 AND "created" + 1 <= $6',
      allowanceRelease:
        'UPDATE "session_allowances" SET "active" = "active" - 1, "places" = "places" - $1 WHERE "session_id" = $2 AND "subject" = $3 AND "active" >= 1 AND "places" >= $1',
      holderTake: 'UPDATE "holder_holds" SET "open_holds" = "open_holds" + 1 WHERE "owner_key" = $1 AND "open_holds" + 1 <= $2',
      holderRelease: 'UPDATE "holder_holds" SET "open_holds" = "open_holds" - 1 WHERE "owner_key" = $1 AND "open_holds" >= 1',
    });
  });

  it('SQLite (TypeORM inlines numeric parameters there)', async () => {
    expect(await render('sqlite')).toEqual({
      take: 'UPDATE "sessions" SET "booked" = "booked" + 2, "updated_at" = ? WHERE "id" = ? AND "booked" + 2 <= "capacity" AND "status" = ?',
      release:
        'UPDATE "sessions" SET "booked" = "booked" - 2, "updated_at" = ? WHERE "id" = ? AND "booked" >= 2',
      allowanceTake:
        'UPDATE "session_allowances" SET "active" = "active" + 1, "places" = "places" + 2, "created" = "created" + 1 WHERE "session_id" = ? AND "subject" = ? AND "active" + 1 <= 3 AND "places" + 2 <= 10 AND "created" + 1 <= 6',
      allowanceRelease:
        'UPDATE "session_allowances" SET "active" = "active" - 1, "places" = "places" - 2 WHERE "session_id" = ? AND "subject" = ? AND "active" >= 1 AND "places" >= 2',
      holderTake: 'UPDATE "holder_holds" SET "open_holds" = "open_holds" + 1 WHERE "owner_key" = ? AND "open_holds" + 1 <= 20',
      holderRelease: 'UPDATE "holder_holds" SET "open_holds" = "open_holds" - 1 WHERE "owner_key" = ? AND "open_holds" >= 1',
    });
  });
});

describe('capacity UPDATE parameter types on SQL Server', () => {
  it('binds the count as int, the instant as datetime2(7) and the ids and status as varchar', async () => {
    let modules: { repo: typeof import('./bookings.repository'); entity: typeof import('./session.entity') } | undefined;
    const previous = process.env.DB_TYPE;
    process.env.DB_TYPE = 'mssql';
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      modules = { repo: require('./bookings.repository'), entity: require('./session.entity') };
    });
    process.env.DB_TYPE = previous;
    const { repo, entity } = modules as NonNullable<typeof modules>;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createRecordingDataSource } = require('@aero/core/database/sql-snapshot') as typeof import('@aero/core/database/sql-snapshot');
    const { dataSource, take } = await createRecordingDataSource('mssql', [entity.SessionEntity]);
    const bookings = new repo.BookingsRepository({ manager: dataSource.manager } as never);
    await bookings.takePlaces('5e55a0e1-0000-4000-8000-000000000001', 2, new Date('2026-03-08T14:00:00.003Z'));
    const [statement] = take();
    // An nvarchar id would convert the varchar(36) key column on every row: a scan on the hottest write.
    expect(statement.declarations).toEqual(['@0 int', '@1 datetime2(7)', '@2 varchar(8000)', '@3 varchar(8000)']);
    expect(statement.parameters[1]).toEqual(new Date('2026-03-08T14:00:00.003Z'));
  });
});
