import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableForeignKey, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/**
 * Members (soft-deleted, versioned for ETags, optionally under a guardian) and their signed waivers.
 * Emails are unique case-insensitively through a lowercased column; the index skips NULLs so SQL Server,
 * which treats NULLs as equal in unique indexes, allows many members without an email.
 */
export class CreateMembersAndWaivers1764200000001 implements MigrationInterface {
  name = 'CreateMembersAndWaivers1764200000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    const q = (column: string) => queryRunner.connection.driver.escape(column);
    await queryRunner.createTable(
      new Table({
        name: 'members',
        columns: [
          t.id(),
          t.string('first_name', 100),
          t.string('last_name', 100),
          t.string('sort_key', 201),
          t.date('date_of_birth'),
          t.string('email', 254, true),
          t.string('email_normalized', 254, true),
          t.ascii('phone', 32, true),
          t.uuid('guardian_id', true),
          t.string('membership_plan', 100, true),
          t.ascii('membership_status', 16, true),
          t.date('membership_valid_until', true),
          t.timestamp('waiver_valid_until', true),
          t.int('version', { default: 1 }),
          t.timestamp('created_at'),
          t.timestamp('updated_at'),
          t.timestamp('deleted_at', true),
        ],
        indices: [
          new TableIndex({
            name: 'UQ_members_email_normalized',
            columnNames: ['email_normalized'],
            isUnique: true,
            where: `${q('email_normalized')} IS NOT NULL`,
          }),
          new TableIndex({ name: 'IX_members_sort_key_id', columnNames: ['sort_key', 'id'] }),
          new TableIndex({ name: 'IX_members_guardian', columnNames: ['guardian_id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_members_guardian',
            columnNames: ['guardian_id'],
            referencedTableName: 'members',
            referencedColumnNames: ['id'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'waivers',
        columns: [
          t.id(),
          t.uuid('member_id'),
          t.uuid('signed_by_member_id'),
          t.timestamp('signed_at'),
          t.timestamp('valid_until'),
        ],
        indices: [new TableIndex({ name: 'IX_waivers_member_valid_until', columnNames: ['member_id', 'valid_until'] })],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_waivers_member',
            columnNames: ['member_id'],
            referencedTableName: 'members',
            referencedColumnNames: ['id'],
          }),
          new TableForeignKey({
            name: 'FK_waivers_signed_by',
            columnNames: ['signed_by_member_id'],
            referencedTableName: 'members',
            referencedColumnNames: ['id'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('waivers');
    await queryRunner.dropTable('members');
  }
}
