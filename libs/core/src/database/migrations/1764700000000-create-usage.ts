import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * The usage ledger: one raw row per request (kept USAGE_RAW_RETENTION_DAYS), hourly roll-ups per principal,
 * route and status class (kept longer), and one row per rolled-up hour, whose primary key lets exactly one
 * instance roll up a closed hour.
 */
export class CreateUsage1764700000000 implements MigrationInterface {
  name = 'CreateUsage1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    const principal = [t.ascii('principal_kind', 10), t.ascii('principal_id', 36), t.ascii('app', 32)];
    await queryRunner.createTable(
      new Table({
        name: 'usage_events',
        columns: [
          t.id(),
          t.timestamp('occurred_at'),
          ...principal,
          t.ascii('method', 10),
          t.string('route', 200),
          t.int('status'),
          t.int('latency_us'),
          t.int('response_bytes'),
          t.ascii('client_ip', 45),
          t.boolean('throttled'),
          t.boolean('replayed'),
        ],
        indices: [
          new TableIndex({ name: 'IX_usage_events_occurred_at', columnNames: ['occurred_at'] }),
          new TableIndex({
            name: 'IX_usage_events_principal',
            columnNames: ['principal_kind', 'principal_id', 'occurred_at'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'usage_hourly',
        columns: [
          t.id(),
          t.timestamp('hour_start'),
          ...principal,
          t.ascii('method', 10),
          t.string('route', 200),
          t.ascii('status_class', 3),
          t.int('requests'),
          t.int('errors'),
          t.int('throttled'),
          t.int('replayed'),
          t.int('latency_p50_us'),
          t.int('latency_p95_us'),
          { name: 'response_bytes', type: 'bigint', isNullable: false },
          t.int('distinct_client_ips'),
          t.timestamp('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'IX_usage_hourly_hour_start', columnNames: ['hour_start'] }),
          new TableIndex({
            name: 'IX_usage_hourly_principal',
            columnNames: ['principal_kind', 'principal_id', 'hour_start'],
          }),
          new TableIndex({
            name: 'UQ_usage_hourly_group',
            columnNames: ['hour_start', 'principal_kind', 'principal_id', 'method', 'route', 'status_class'],
            isUnique: true,
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'usage_rollup_hours',
        columns: [
          { ...t.timestamp('hour_start'), isPrimary: true },
          t.timestamp('rolled_at'),
          t.int('group_count'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('usage_rollup_hours');
    await queryRunner.dropTable('usage_hourly');
    await queryRunner.dropTable('usage_events');
  }
}
