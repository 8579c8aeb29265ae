import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TableColumn } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * `api_keys.lineage_id`: the id of the first key of a rotation chain, copied to every successor, so a
 * rotated key's successor is the same caller for Idempotency-Key (a retry across a rotation replays instead
 * of booking twice). Existing keys are backfilled: each key its own id, then every successor its chain's
 * first key, followed through rotations of rotations. Null only for rows a writer of the previous release
 * inserts while both run; the application reads null as the key's own id.
 */
export class ApiKeyLineage1765200000000 implements MigrationInterface {
  name = 'ApiKeyLineage1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.addColumn('api_keys', new TableColumn(t.uuid('lineage_id', true)));
    await queryRunner.query('UPDATE api_keys SET lineage_id = id');
    const rotated = (await queryRunner.query(
      'SELECT id, replaced_by_id FROM api_keys WHERE replaced_by_id IS NOT NULL',
    )) as { id: string; replaced_by_id: string }[];
    const predecessorOf = new Map(rotated.map((row) => [row.replaced_by_id, row.id]));
    const param = (index: number) => queryRunner.connection.driver.createParameter(`p${index}`, index);
    for (const successor of predecessorOf.keys()) {
      let root = successor;
      const seen = new Set<string>();
      while (predecessorOf.has(root) && !seen.has(root)) {
        seen.add(root);
        root = predecessorOf.get(root) as string;
      }
      await queryRunner.query(`UPDATE api_keys SET lineage_id = ${param(0)} WHERE id = ${param(1)}`, [root, successor]);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('api_keys', 'lineage_id');
  }
}
