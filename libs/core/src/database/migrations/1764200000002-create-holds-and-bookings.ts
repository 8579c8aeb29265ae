import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableCheck, TableForeignKey, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * Holds (places set aside until `expires_at`) and bookings. References are unique; an `external_ref` is
 * unique within its scope (the app, or the caller), so a client's retry cannot book twice.
 */
export class CreateHoldsAndBookings1764200000002 implements MigrationInterface {
  name = 'CreateHoldsAndBookings1764200000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    const q = (column: string) => queryRunner.connection.driver.escape(column);
    await queryRunner.createTable(
      new Table({
        name: 'holds',
        columns: [
          t.id(),
          t.uuid('session_id'),
          t.uuid('venue_id'),
          t.int('quantity'),
          t.ascii('status', 16),
          t.ascii('owner_key', 80),
          t.timestamp('expires_at'),
          t.timestamp('created_at'),
        ],
        checks: [new TableCheck({ name: 'CK_holds_quantity', expression: 'quantity >= 1' })],
        indices: [
          new TableIndex({ name: 'IX_holds_status_expires', columnNames: ['status', 'expires_at'] }),
          new TableIndex({ name: 'IX_holds_session_status', columnNames: ['session_id', 'status'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_holds_session',
            columnNames: ['session_id'],
            referencedTableName: 'sessions',
            referencedColumnNames: ['id'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'bookings',
        columns: [
          t.id(),
          t.ascii('reference', 16),
          t.uuid('session_id'),
          t.uuid('venue_id'),
          t.timestamp('session_starts_at'),
          t.uuid('member_id'),
          t.int('quantity'),
          t.ascii('status', 16),
          t.uuid('hold_id', true),
          t.ascii('external_ref', 100, true),
          t.ascii('external_scope', 80, true),
          t.ascii('owner_key', 80),
          t.timestamp('created_at'),
          t.timestamp('cancelled_at', true),
          t.timestamp('checked_in_at', true),
        ],
        checks: [new TableCheck({ name: 'CK_bookings_quantity', expression: 'quantity >= 1 AND quantity <= 20' })],
        indices: [
          new TableIndex({ name: 'UQ_bookings_reference', columnNames: ['reference'], isUnique: true }),
          new TableIndex({
            name: 'UQ_bookings_external_ref',
            columnNames: ['external_scope', 'external_ref'],
            isUnique: true,
            where: `${q('external_ref')} IS NOT NULL`,
          }),
          new TableIndex({ name: 'IX_bookings_session_member', columnNames: ['session_id', 'member_id', 'status'] }),
          new TableIndex({ name: 'IX_bookings_member_start', columnNames: ['member_id', 'session_starts_at', 'id'] }),
          new TableIndex({ name: 'IX_bookings_venue_start', columnNames: ['venue_id', 'session_starts_at', 'id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_bookings_session',
            columnNames: ['session_id'],
            referencedTableName: 'sessions',
            referencedColumnNames: ['id'],
          }),
          new TableForeignKey({
            name: 'FK_bookings_member',
            columnNames: ['member_id'],
            referencedTableName: 'members',
            referencedColumnNames: ['id'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('bookings');
    await queryRunner.dropTable('holds');
  }
}
