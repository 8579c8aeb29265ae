import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * Webhooks: endpoints (with sealed signing secrets and a fan-out checkpoint into the events feed), one
 * delivery per (endpoint, event) — the unique index makes the fan-out exactly-once across instances — and
 * every HTTP attempt of each delivery.
 */
export class CreateWebhooks1765500000000 implements MigrationInterface {
  name = 'CreateWebhooks1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    const bigint = t.dialect === 'sqlite' ? 'integer' : 'bigint';
    await queryRunner.createTable(
      new Table({
        name: 'webhook_endpoints',
        columns: [
          t.id(),
          t.string('url', 2000),
          t.string('description', 500, true),
          t.ascii('types', 2000),
          t.ascii('venue_ids', 4000, true),
          t.boolean('enabled', true),
          t.ascii('disabled_reason', 32, true),
          t.timestamp('disabled_at', true),
          t.ascii('secret_sealed', 255),
          t.ascii('previous_secret_sealed', 255, true),
          t.timestamp('previous_secret_expires_at', true),
          t.ascii('owner_kind', 10),
          t.ascii('owner_id', 36),
          t.ascii('owner_venue_ids', 4000, true),
          t.boolean('owner_is_admin', false),
          { name: 'fanout_position', type: bigint, isNullable: false, default: 0 },
          t.timestamp('fanout_claimed_until', true),
          t.timestamp('failing_since', true),
          t.timestamp('last_success_at', true),
          t.timestamp('created_at'),
          t.timestamp('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'IX_webhook_endpoints_owner', columnNames: ['owner_kind', 'owner_id'] }),
          new TableIndex({ name: 'IX_webhook_endpoints_created', columnNames: ['created_at', 'id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          t.id(),
          t.uuid('endpoint_id'),
          t.ascii('event_id', 40),
          t.ascii('event_type', 64),
          t.timestamp('event_occurred_at'),
          t.text('payload'),
          t.ascii('status', 16),
          t.int('attempts', { default: 0 }),
          t.timestamp('next_attempt_at', true),
          t.timestamp('claimed_until', true),
          t.uuid('claim_token', true),
          t.int('last_status_code', { nullable: true }),
          t.string('last_error', 500, true),
          t.timestamp('first_attempt_at', true),
          t.timestamp('delivered_at', true),
          t.timestamp('created_at'),
          t.timestamp('updated_at'),
        ],
        indices: [
          new TableIndex({
            name: 'UQ_webhook_deliveries_endpoint_event',
            columnNames: ['endpoint_id', 'event_id'],
            isUnique: true,
          }),
          new TableIndex({ name: 'IX_webhook_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'IX_webhook_deliveries_endpoint_created', columnNames: ['endpoint_id', 'created_at', 'id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_attempts',
        columns: [
          t.id(),
          t.uuid('delivery_id'),
          t.uuid('endpoint_id'),
          t.int('number'),
          t.timestamp('started_at'),
          t.ascii('outcome', 16),
          t.int('status_code', { nullable: true }),
          t.int('latency_ms'),
          t.string('response_excerpt', 1100, true),
          t.string('error', 500, true),
        ],
        indices: [
          new TableIndex({ name: 'IX_webhook_attempts_delivery', columnNames: ['delivery_id', 'number'] }),
          new TableIndex({ name: 'IX_webhook_attempts_endpoint_started', columnNames: ['endpoint_id', 'started_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_attempts');
    await queryRunner.dropTable('webhook_deliveries');
    await queryRunner.dropTable('webhook_endpoints');
  }
}
