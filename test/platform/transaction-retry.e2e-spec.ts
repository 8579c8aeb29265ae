import 'reflect-metadata';
import { QueryFailedError } from 'typeorm';
import { AppError, CoreProblems, TransactionService } from '@aero/core';
import type { TestApp } from '@aero/testing';
import { createTestApp, testDbType } from '@aero/testing';

/**
 * TransactionService.run against the real database of this run: transient failures re-run the whole unit
 * of work, so concurrent writers both succeed; permanent failures surface at once. Raw SQL is fine here:
 * the probe table is this file's own scaffolding, not a feature's schema.
 */
const dialect = testDbType();

/** The transient failure each dialect reports, as its driver shapes it (node-mssql: a RequestError's `number`). */
const TRANSIENT: Record<typeof dialect, { label: string; error: () => Error }> = {
  postgres: {
    label: 'serialization failure (40001)',
    error: () => Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' }),
  },
  mssql: {
    label: 'deadlock victim (1205)',
    error: () =>
      Object.assign(new Error('Transaction (Process ID 57) was deadlocked on lock resources with another process'), {
        name: 'RequestError',
        code: 'EREQUEST',
        number: 1205,
      }),
  },
  sqlite: { label: 'SQLITE_BUSY', error: () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }) },
};

/** What the driver reports for a transient failure, wrapped by TypeORM the way a real one is. */
function transientDriverError(): QueryFailedError {
  return new QueryFailedError('UPDATE "retry_probe" SET "n" = "n" + 1', [], TRANSIENT[dialect].error());
}

/** A promise two transactions meet at, so each holds its first row lock before asking for the other's. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return async () => {
    if (++arrived === parties) release();
    await all;
  };
}

describe('transactions retry transient database failures (e2e)', () => {
  let t: TestApp;
  let tx: TransactionService;

  const counter = async (id: string): Promise<number> => {
    const rows = (await t.dataSource.query(`SELECT "n" FROM "retry_probe" WHERE "id" = '${id}'`)) as {
      n: number;
    }[];
    return Number(rows[0]?.n);
  };
  const increment = (id: string) =>
    tx.manager.query(`UPDATE "retry_probe" SET "n" = "n" + 1 WHERE "id" = '${id}'`);

  beforeAll(async () => {
    t = await createTestApp({ env: { DB_TRANSACTION_MAX_RETRIES: '3' } });
    tx = t.app.get(TransactionService);
    await t.dataSource.query(
      `CREATE TABLE "retry_probe" ("id" varchar(36) PRIMARY KEY, "n" integer NOT NULL)`,
    );
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.dataSource.query(`DELETE FROM "retry_probe"`);
    await t.dataSource.query(`INSERT INTO "retry_probe" ("id", "n") VALUES ('a', 0), ('b', 0)`);
  });

  it(`re-runs the whole unit of work after a ${TRANSIENT[dialect].label} and commits it once`, async () => {
    let attempts = 0;
    const result = await tx.run(async () => {
      attempts++;
      await increment('a');
      if (attempts === 1) throw transientDriverError();
      return 'committed';
    });

    expect(result).toBe('committed');
    expect(attempts).toBe(2);
    // The first attempt's write was rolled back: the row moved once, not twice.
    expect(await counter('a')).toBe(1);
  });

  it('does not retry a permanent failure and rolls its writes back', async () => {
    let attempts = 0;
    const error = await tx
      .run(async () => {
        attempts++;
        await increment('a');
        await tx.manager.query(`INSERT INTO "retry_probe" ("id", "n") VALUES ('b', 0)`); // duplicate key
      })
      .catch((e: unknown) => e);

    expect(tx.errors.isUniqueViolation(error)).toBe(true);
    expect(attempts).toBe(1);
    expect(await counter('a')).toBe(0);
  });

  it('gives up after the configured retries with a 503 database-unavailable problem', async () => {
    let attempts = 0;
    const error = await tx
      .run(async () => {
        attempts++;
        await increment('a');
        throw transientDriverError();
      })
      .catch((e: unknown) => e);

    expect(attempts).toBe(1 + 3);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).problem).toBe(CoreProblems.databaseUnavailable);
    expect((error as AppError).headers).toEqual({ 'Retry-After': expect.any(String) });
    expect(await counter('a')).toBe(0);
  });

  // SQLite has one writer at a time, so no deadlock. SQL Server's deadlock monitor wakes about every
  // 5 seconds (more often while it keeps finding deadlocks), hence the longer timeout there.
  if (dialect !== 'sqlite') {
    it('resolves a real deadlock: the victim is retried and both transactions commit', async () => {
      const attempts = { ab: 0, ba: 0 };
      const bothHoldFirstLock = barrier(2);
      // Opposite lock order. On the first attempt each waits until the other holds its first row, so
      // the second UPDATEs block on each other and the database kills one of them (40P01 / 1205).
      const transfer = (first: 'a' | 'b', second: 'a' | 'b', key: 'ab' | 'ba') =>
        tx.run(async () => {
          attempts[key]++;
          await increment(first);
          if (attempts[key] === 1) await bothHoldFirstLock();
          await increment(second);
          return key;
        });

      const results = await Promise.all([transfer('a', 'b', 'ab'), transfer('b', 'a', 'ba')]);

      expect(results).toEqual(['ab', 'ba']);
      // Exactly one deadlock victim, re-run once.
      expect(attempts.ab + attempts.ba).toBe(3);
      expect(await counter('a')).toBe(2);
      expect(await counter('b')).toBe(2);
    }, dialect === 'mssql' ? 60_000 : 15_000);
  }
});
