import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TableColumn, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

const BACKFILL_PAGE = 1000;

/**
 * Member search by prefix becomes index ranges (`GET /v1/members?search=`, `aero members:find`).
 *
 * - `members.first_name_key`: the first name lowercased by the application (`String.toLowerCase`, as the
 *   sort key and the normalized email are), so the search compares stored keys and never applies LOWER()
 *   to a column. Backfilled with LOWER(), then re-keyed in code where the database's LOWER() differs
 *   (SQLite's only folds ASCII).
 * - Expand/contract: the column is NOT NULL with a default of '' that stays, so the previous release (which
 *   does not know the column) keeps inserting members while a rolling deploy runs (`npm run test:compat`
 *   proves it). The same shape is one ADD COLUMN on every dialect and every T-SQL engine (no ALTER COLUMN).
 *   Members such an old instance inserts get '' until the next release's migration re-keys the rows whose
 *   key is '' and first name is not (the contract step; docs/operations.md, "Schema changes").
 * - Indexes for the three searched keys.
 *   SQLite and SQL Server seek the plain indexes (SQLite through a
 *   range on its binary collation, SQL Server through `LIKE 'p%'`); PostgreSQL compares ranges under
 *   COLLATE "C" (the only collation whose order is the code-point order a prefix range relies on, whatever
 *   the database's own collation), which needs expression indexes the schema builder cannot declare, so
 *   they are written in SQL for PostgreSQL only. See MembersRepository.list for the queries.
 */
export class MemberSearchKeys1764800000000 implements MigrationInterface {
  name = 'MemberSearchKeys1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.addColumn('members', new TableColumn({ ...t.string('first_name_key', 100), default: "''" }));
    await queryRunner.query('UPDATE members SET first_name_key = LOWER(first_name)');
    await rekeyInCode(queryRunner, t.dialect);
    // The first-name index carries (sort_key, id) for the order and the cursor and skips deleted members.
    if (t.dialect === 'postgres') {
      await queryRunner.query(
        'CREATE INDEX "IX_members_first_name_key_c" ON "members" ("first_name_key" COLLATE "C", "sort_key", "id") WHERE "deleted_at" IS NULL',
      );
      await queryRunner.query(
        'CREATE INDEX "IX_members_sort_key_c" ON "members" ("sort_key" COLLATE "C") WHERE "deleted_at" IS NULL',
      );
      await queryRunner.query(
        'CREATE INDEX "IX_members_email_normalized_c" ON "members" ("email_normalized" COLLATE "C") WHERE "email_normalized" IS NOT NULL',
      );
    } else {
      // A sort-key prefix is a range of IX_members_sort_key_id (already in (sort_key, id) order), an email
      // prefix one of UQ_members_email_normalized.
      await queryRunner.createIndex('members', firstNameKeyIndex(queryRunner));
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    if (t.dialect === 'postgres') {
      await queryRunner.query('DROP INDEX "IX_members_email_normalized_c"');
      await queryRunner.query('DROP INDEX "IX_members_sort_key_c"');
      await queryRunner.query('DROP INDEX "IX_members_first_name_key_c"');
    } else {
      // The index is named, not looked up: TypeORM would otherwise search the catalogue's index list for
      // it, and engines that report index names their own way (Babelfish) answer "Supplied index was not
      // found in table members".
      await queryRunner.dropIndex('members', firstNameKeyIndex(queryRunner));
    }
    if (t.dialect === 'sqlite') {
      // TypeORM drops a SQLite column by rebuilding the table, which fails once other tables reference
      // its rows (the DROP TABLE inside is a DELETE under foreign keys); SQLite drops it in place.
      await queryRunner.query('ALTER TABLE "members" DROP COLUMN "first_name_key"');
    } else {
      await queryRunner.dropColumn('members', 'first_name_key');
    }
  }
}

function firstNameKeyIndex(queryRunner: QueryRunner): TableIndex {
  const q = (column: string) => queryRunner.connection.driver.escape(column);
  return new TableIndex({
    name: 'IX_members_first_name_key',
    columnNames: ['first_name_key', 'sort_key', 'id'],
    where: `${q('deleted_at')} IS NULL`,
  });
}

/** Sets first_name_key to the application's lowercasing wherever the database's LOWER() gave another. */
async function rekeyInCode(queryRunner: QueryRunner, dialect: SchemaTypes['dialect']): Promise<void> {
  const param = (index: number) => queryRunner.connection.driver.createParameter(`p${index}`, index);
  const page =
    dialect === 'mssql'
      ? `SELECT TOP (${BACKFILL_PAGE}) id, first_name, first_name_key FROM members WHERE id > ${param(0)} ORDER BY id`
      : `SELECT id, first_name, first_name_key FROM members WHERE id > ${param(0)} ORDER BY id LIMIT ${BACKFILL_PAGE}`;
  let after = '';
  for (;;) {
    const rows = (await queryRunner.query(page, [after])) as {
      id: string;
      first_name: string;
      first_name_key: string | null;
    }[];
    for (const row of rows) {
      const key = firstNameKeyOf(row.first_name);
      if (row.first_name_key !== key) {
        await queryRunner.query(`UPDATE members SET first_name_key = ${param(0)} WHERE id = ${param(1)}`, [
          key,
          row.id,
        ]);
      }
    }
    if (rows.length < BACKFILL_PAGE) return;
    after = rows[rows.length - 1].id;
  }
}

/** The same key MembersService stores (kept here so the migration never changes with the service). */
function firstNameKeyOf(firstName: string): string {
  const key = firstName.toLowerCase().slice(0, 100);
  return /[\uD800-\uDBFF]$/.test(key) ? key.slice(0, -1) : key;
}
