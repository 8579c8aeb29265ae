import type { MigrationInterface, QueryRunner, TableColumnOptions } from 'typeorm';
import { Table, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * The events outbox. `seq` is the insert order (an identity, assigned at insert, so it is NOT commit
 * order); `position` is the feed position, stamped after commit by the sequencer in `events_sequencer`
 * (one row, locked while stamping), so a reader paging by position never skips a late committer.
 */
export class CreateEvents1765400000000 implements MigrationInterface {
  name = 'CreateEvents1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    const bigint = t.dialect === 'sqlite' ? 'integer' : 'bigint';
    const seq: TableColumnOptions = {
      name: 'seq',
      type: bigint,
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    };
    await queryRunner.createTable(
      new Table({
        name: 'events',
        columns: [
          seq,
          { name: 'position', type: bigint, isNullable: true },
          t.ascii('id', 32),
          t.ascii('type', 64),
          t.timestamp('occurred_at'),
          t.uuid('venue_id', true),
          t.ascii('actor_kind', 10),
          t.ascii('actor_id', 36),
          t.text('data'),
        ],
        indices: [
          new TableIndex({ name: 'UQ_events_id', columnNames: ['id'], isUnique: true }),
          new TableIndex({ name: 'IX_events_position', columnNames: ['position'] }),
          new TableIndex({ name: 'IX_events_venue_position', columnNames: ['venue_id', 'position'] }),
          new TableIndex({ name: 'IX_events_occurred_at', columnNames: ['occurred_at'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'events_sequencer',
        columns: [
          { ...t.int('id'), isPrimary: true },
          { name: 'last_position', type: bigint, isNullable: false },
        ],
      }),
    );
    // Plain SQL every dialect takes (and the SQL snapshot can render).
    await queryRunner.query('INSERT INTO events_sequencer (id, last_position) VALUES (1, 0)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('events_sequencer');
    await queryRunner.dropTable('events');
  }
}
