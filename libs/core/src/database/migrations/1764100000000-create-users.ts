import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableForeignKey, TableIndex } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/** Users (people who sign in) and their refresh tokens (sessions). */
export class CreateUsers1764100000000 implements MigrationInterface {
  name = 'CreateUsers1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          t.id(),
          t.string('email', 320),
          t.ascii('password_hash', 255),
          t.ascii('roles', 64),
          t.boolean('disabled', false),
          t.uuid('member_id', true),
          t.text('venue_ids', true),
          t.timestamp('password_changed_at'),
          t.timestamp('created_at'),
          t.timestamp('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'UQ_users_email', columnNames: ['email'], isUnique: true }),
          new TableIndex({ name: 'IX_users_member_id', columnNames: ['member_id'] }),
          new TableIndex({ name: 'IX_users_created_at_id', columnNames: ['created_at', 'id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'refresh_tokens',
        columns: [
          t.id(),
          t.uuid('user_id'),
          t.uuid('family_id'),
          t.ascii('token_hash', 64),
          t.timestamp('expires_at'),
          t.timestamp('created_at'),
          t.timestamp('used_at', true),
          t.timestamp('revoked_at', true),
        ],
        indices: [
          new TableIndex({ name: 'UQ_refresh_tokens_token_hash', columnNames: ['token_hash'], isUnique: true }),
          new TableIndex({ name: 'IX_refresh_tokens_family_id', columnNames: ['family_id'] }),
          new TableIndex({ name: 'IX_refresh_tokens_user_id', columnNames: ['user_id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_refresh_tokens_user_id',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('refresh_tokens');
    await queryRunner.dropTable('users');
  }
}
