import type { MigrationInterface } from 'typeorm';
import { CreateUsers1764100000000 } from './1764100000000-create-users';
import { CreateApiKeys1764100000001 } from './1764100000001-create-api-keys';

type MigrationClass = new () => MigrationInterface;

/**
 * Every migration, in order. Each uses the schema-builder API with SchemaTypes so the same file runs on
 * SQL Server, PostgreSQL and SQLite, and has a working `down`. `npm run sql:snapshot` renders them.
 */
export const MIGRATIONS: MigrationClass[] = [
  CreateUsers1764100000000,
  CreateApiKeys1764100000001,
];
