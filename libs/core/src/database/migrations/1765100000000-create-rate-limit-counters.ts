import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * The durable count of each API key's monthly quota (`{key:<id>}:quota:<yyyy-mm>`): every instance adds
 * what it spent, in batches, so a quota survives a Redis flush, restart or outage (Redis is its cache).
 * `period` (`yyyy-mm`) lets old months be pruned without parsing keys.
 */
export class CreateRateLimitCounters1765100000000 implements MigrationInterface {
  name = 'CreateRateLimitCounters1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'rate_limit_counters',
        columns: [
          { ...t.ascii('counter_key', 200), isPrimary: true },
          t.ascii('period', 16),
          t.int('used', { default: 0 }),
        ],
        indices: [new TableIndex({ name: 'IX_rate_limit_counters_period', columnNames: ['period'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('rate_limit_counters');
  }
}
