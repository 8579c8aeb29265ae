import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { DialectErrors } from './dialect';

/**
 * Inserts a row unless its key is already there, never failing on a concurrent insert of the same key: the
 * unique key decides, and "already there" is success. PostgreSQL and SQLite skip the duplicate inside the
 * statement (`ON CONFLICT DO NOTHING`, `INSERT OR IGNORE`), because a failed statement aborts a PostgreSQL
 * transaction; SQL Server raises 2627/2601 for that statement only (XACT_ABORT is off), and the transaction
 * goes on. No MERGE: it is not atomic against concurrent inserts on SQL Server. Nothing is read back (TypeORM
 * would otherwise re-select default columns on SQLite, one more statement, and add OUTPUT/RETURNING elsewhere).
 */
export async function insertIfAbsent<T extends ObjectLiteral>(
  manager: EntityManager,
  errors: DialectErrors,
  target: EntityTarget<T>,
  values: T,
): Promise<void> {
  const insert = manager.createQueryBuilder().insert().into(target).values(values).updateEntity(false);
  if (manager.connection.options.type !== 'mssql') {
    await insert.orIgnore().execute();
    return;
  }
  try {
    await insert.execute();
  } catch (error) {
    if (!errors.isUniqueViolation(error)) throw error;
  }
}
