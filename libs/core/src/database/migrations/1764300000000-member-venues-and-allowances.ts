import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableCheck, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * Members belong to venues, and per-member limits are counted by the database.
 *
 * - `members.home_venue_id`: the venue that registered the member (optional for platform-wide callers).
 * - `member_venues`: every venue a member is known at (the home venue and each venue they booked at).
 *   Venue-restricted keys and staff see a member only through this table. Existing rows are backfilled
 *   from the bookings already made.
 * - `session_allowances`: one row per (session, subject) with what the subject has on the session: active
 *   bookings of a member (`member:<id>`) or live holds, held places and holds made by a member user
 *   (`holder:<owner key>`). Limits are taken with one conditional UPDATE, like capacity, so concurrent
 *   requests cannot exceed them; CHECKs are the backstop. Existing bookings and active holds are backfilled.
 */
export class MemberVenuesAndAllowances1764300000000 implements MigrationInterface {
  name = 'MemberVenuesAndAllowances1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.addColumn('members', new TableColumn(t.uuid('home_venue_id', true)));
    await queryRunner.createForeignKey(
      'members',
      new TableForeignKey({
        name: 'FK_members_home_venue',
        columnNames: ['home_venue_id'],
        referencedTableName: 'venues',
        referencedColumnNames: ['id'],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'member_venues',
        columns: [
          { ...t.uuid('member_id'), isPrimary: true },
          { ...t.uuid('venue_id'), isPrimary: true },
        ],
        indices: [new TableIndex({ name: 'IX_member_venues_venue', columnNames: ['venue_id', 'member_id'] })],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_member_venues_member',
            columnNames: ['member_id'],
            referencedTableName: 'members',
            referencedColumnNames: ['id'],
          }),
          new TableForeignKey({
            name: 'FK_member_venues_venue',
            columnNames: ['venue_id'],
            referencedTableName: 'venues',
            referencedColumnNames: ['id'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'session_allowances',
        columns: [
          { ...t.uuid('session_id'), isPrimary: true },
          { ...t.ascii('subject', 90), isPrimary: true },
          t.int('active', { default: 0 }),
          t.int('places', { default: 0 }),
          t.int('created', { default: 0 }),
        ],
        checks: [
          new TableCheck({
            name: 'CK_session_allowances_counts',
            expression: 'active >= 0 AND places >= 0 AND created >= 0',
          }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_session_allowances_session',
            columnNames: ['session_id'],
            referencedTableName: 'sessions',
            referencedColumnNames: ['id'],
          }),
        ],
      }),
    );
    // Backfill: the venues members booked at, their active bookings, and live holds.
    const concat = (prefix: string, column: string) =>
      t.dialect === 'mssql' ? `'${prefix}' + ${column}` : `'${prefix}' || ${column}`;
    await queryRunner.query(
      'INSERT INTO member_venues (member_id, venue_id) SELECT DISTINCT member_id, venue_id FROM bookings',
    );
    await queryRunner.query(
      `INSERT INTO session_allowances (session_id, subject, active, places, created)
       SELECT session_id, ${concat('member:', 'member_id')}, COUNT(*), SUM(quantity), COUNT(*)
       FROM bookings WHERE status = 'confirmed' GROUP BY session_id, member_id`,
    );
    await queryRunner.query(
      `INSERT INTO session_allowances (session_id, subject, active, places, created)
       SELECT session_id, ${concat('holder:', 'owner_key')}, COUNT(*), SUM(quantity), COUNT(*)
       FROM holds WHERE status = 'active' GROUP BY session_id, owner_key`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('session_allowances');
    await queryRunner.dropTable('member_venues');
    await queryRunner.dropForeignKey('members', 'FK_members_home_venue');
    await queryRunner.dropColumn('members', 'home_venue_id');
  }
}
