import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableCheck, TableForeignKey, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * Venues and their sessions. `sessions.booked` counts every place taken (bookings and holds); a CHECK keeps
 * it within 0..capacity as a backstop to the conditional UPDATE that takes places. One session per
 * (venue, activity, start), so scheduling twice creates no duplicates.
 */
export class CreateVenuesAndSessions1764200000000 implements MigrationInterface {
  name = 'CreateVenuesAndSessions1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'venues',
        columns: [
          t.id(),
          t.string('name', 200),
          t.ascii('time_zone', 64),
          t.boolean('active', true),
          t.timestamp('created_at'),
          t.timestamp('updated_at'),
        ],
        indices: [new TableIndex({ name: 'IX_venues_name', columnNames: ['name'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          t.id(),
          t.uuid('venue_id'),
          t.string('activity', 100),
          t.timestamp('starts_at'),
          t.timestamp('ends_at'),
          t.int('capacity'),
          t.int('booked', { default: 0 }),
          t.ascii('status', 16),
          t.timestamp('created_at'),
          t.timestamp('updated_at'),
        ],
        checks: [
          new TableCheck({ name: 'CK_sessions_booked_within_capacity', expression: 'booked >= 0 AND booked <= capacity' }),
          new TableCheck({ name: 'CK_sessions_ends_after_start', expression: 'ends_at > starts_at' }),
        ],
        indices: [
          new TableIndex({
            name: 'UQ_sessions_venue_activity_start',
            columnNames: ['venue_id', 'activity', 'starts_at'],
            isUnique: true,
          }),
          new TableIndex({ name: 'IX_sessions_venue_start', columnNames: ['venue_id', 'starts_at', 'id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_sessions_venue',
            columnNames: ['venue_id'],
            referencedTableName: 'venues',
            referencedColumnNames: ['id'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sessions');
    await queryRunner.dropTable('venues');
  }
}
