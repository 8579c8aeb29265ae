import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * Idempotency keys: one row per (caller, key). The unique index decides which of two concurrent requests
 * with the same key runs; the row then holds the in-flight marker and, once done, the stored response.
 */
export class CreateIdempotencyKeys1764500000000 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          t.id(),
          t.ascii('scope', 100),
          t.ascii('idempotency_key', 255),
          t.ascii('fingerprint', 64),
          t.ascii('state', 16),
          t.uuid('owner_token'),
          t.timestamp('locked_until', true),
          t.int('response_status', { nullable: true }),
          t.text('response_body', true),
          t.text('response_headers', true),
          t.timestamp('created_at'),
          t.timestamp('expires_at'),
        ],
        indices: [
          new TableIndex({
            name: 'UQ_idempotency_keys_scope_key',
            columnNames: ['scope', 'idempotency_key'],
            isUnique: true,
          }),
          new TableIndex({ name: 'IX_idempotency_keys_expires_at', columnNames: ['expires_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
  }
}
