import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableCheck, TableColumn, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * Open holds are capped per holder (every caller: staff users and API keys as well as members).
 *
 * - `holder_holds`: one row per holder (`owner_key` of its holds) with how many of its holds are open
 *   (active, lapsed ones included until they are expired). Taken with one conditional UPDATE
 *   (`open_holds + 1 <= cap`), like capacity, so concurrent holds on any instance cannot pass the cap; the
 *   CHECK keeps it from going negative. Backfilled from the active holds.
 * - `api_keys.max_open_holds`: a key's own cap (null: HOLDS_MAX_OPEN_PER_PRINCIPAL).
 * - `IX_holds_owner_status`: a holder at its cap gets its lapsed holds expired, found through this index.
 */
export class OpenHoldsPerHolder1765200000001 implements MigrationInterface {
  name = 'OpenHoldsPerHolder1765200000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'holder_holds',
        columns: [{ ...t.ascii('owner_key', 80), isPrimary: true }, t.int('open_holds', { default: 0 })],
        checks: [new TableCheck({ name: 'CK_holder_holds_open', expression: 'open_holds >= 0' })],
      }),
    );
    await queryRunner.createIndex(
      'holds',
      new TableIndex({ name: 'IX_holds_owner_status', columnNames: ['owner_key', 'status', 'expires_at'] }),
    );
    await queryRunner.addColumn('api_keys', new TableColumn(t.int('max_open_holds', { nullable: true })));
    await queryRunner.query(
      `INSERT INTO holder_holds (owner_key, open_holds)
       SELECT owner_key, COUNT(*) FROM holds WHERE status = 'active' GROUP BY owner_key`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('api_keys', 'max_open_holds');
    await queryRunner.dropIndex('holds', 'IX_holds_owner_status');
    await queryRunner.dropTable('holder_holds');
  }
}
