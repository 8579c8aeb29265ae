import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TableColumn } from 'typeorm';
import { SchemaTypes } from '../schema-types';

/** An optional monthly request quota per API key (null: none), enforced by the rate limiter. */
export class AddApiKeyMonthlyQuota1764600000000 implements MigrationInterface {
  name = 'AddApiKeyMonthlyQuota1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = new SchemaTypes(queryRunner);
    await queryRunner.addColumn('api_keys', new TableColumn(t.int('monthly_quota', { nullable: true })));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('api_keys', 'monthly_quota');
  }
}
