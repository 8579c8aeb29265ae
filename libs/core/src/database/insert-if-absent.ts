import type { EntityManager, EntityTarget, ObjectLiteral, QueryResult } from 'typeorm';
import type { DialectErrors } from './dialect';

/**
 * Inserts a row unless its key is already there, never failing on a concurrent insert of the same key: the
 * unique key decides, and "already there" is success. PostgreSQL and SQLite skip the duplicate inside the
 * statement (`ON CONFLICT DO NOTHING`, `INSERT OR IGNORE`), because a failed statement aborts a PostgreSQL
 * transaction; SQL Server raises 2627/2601 for that statement only (XACT_ABORT is off), and the transaction
 * goes on. No MERGE: it is not atomic against concurrent inserts on SQL Server. Nothing is read back (TypeORM
 * would otherwise re-select default columns on SQLite, one more statement, and add OUTPUT/RETURNING elsewhere).
 * Resolves to whether this call inserted the row, so a caller can insert a counter already counted and
 * fall back to its conditional UPDATE only when the row was there.
 */
export async function insertIfAbsent<T extends ObjectLiteral>(
  manager: EntityManager,
  errors: DialectErrors,
  target: EntityTarget<T>,
  values: T,
): Promise<boolean> {
  const insert = manager.createQueryBuilder().insert().into(target).values(values).updateEntity(false);
  if (manager.connection.options.type !== 'mssql') {
    // The affected-row count (SQLite changes, PostgreSQL rowCount) says whether the row was new; TypeORM's
    // InsertResult drops it, so the statement the builder renders is run on the runner directly.
    const [sql, parameters] = insert.orIgnore().getQueryAndParameters();
    const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
    try {
      const result = (await runner.query(sql, parameters, true)) as QueryResult;
      return (result.affected ?? 0) > 0;
    } finally {
      if (runner !== manager.queryRunner) await runner.release();
    }
  }
  try {
    await insert.execute();
    return true;
  } catch (error) {
    if (!errors.isUniqueViolation(error)) throw error;
    return false;
  }
}
