import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * Sessions ended before their access tokens expire, kept one access-token lifetime so that every
 * instance (one restarted or started later included) refuses those tokens. A table of its own rather
 * than a reading of `refresh_tokens.revoked_at`: those rows go with a deleted user (ON DELETE CASCADE)
 * and live 30 days, while these must outlive the user, live only one access-token lifetime, and be read
 * cheaply by time (`revoked_at`) for each instance's catch-up. Hence no foreign key to users either.
 */
export class CreateSessionRevocations1764400000000 implements MigrationInterface {
  name = 'CreateSessionRevocations1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'session_revocations',
        columns: [
          t.id(),
          t.uuid('session_id'),
          t.uuid('user_id'),
          t.timestamp('revoked_at'),
          t.timestamp('expires_at'),
        ],
        indices: [
          new TableIndex({ name: 'IX_session_revocations_revoked_at', columnNames: ['revoked_at'] }),
          new TableIndex({ name: 'IX_session_revocations_expires_at', columnNames: ['expires_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('session_revocations');
  }
}
