import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/** API keys: only an HMAC of the secret and its last four characters are stored. */
export class CreateApiKeys1764100000001 implements MigrationInterface {
  name = 'CreateApiKeys1764100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          t.id(),
          t.string('name', 100),
          t.ascii('app', 32),
          t.ascii('scopes', 500),
          t.text('venue_ids', true),
          t.ascii('secret_hash', 64),
          t.ascii('last4', 4),
          t.timestamp('expires_at', true),
          t.boolean('enabled', true),
          t.int('rate_limit_per_minute', { nullable: true }),
          t.string('created_by', 200),
          t.timestamp('created_at'),
          t.timestamp('updated_at'),
          t.timestamp('last_used_at', true),
          t.timestamp('revoked_at', true),
          t.uuid('replaced_by_id', true),
          t.timestamp('grace_ends_at', true),
        ],
        indices: [new TableIndex({ name: 'IX_api_keys_created_at_id', columnNames: ['created_at', 'id'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('api_keys');
  }
}
