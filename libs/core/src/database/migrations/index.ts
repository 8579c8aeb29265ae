import type { MigrationInterface } from 'typeorm';

type MigrationClass = new () => MigrationInterface;

/**
 * Every migration, in order. Each uses the schema-builder API with SchemaTypes so the same file runs on
 * SQL Server, PostgreSQL and SQLite, and has a working `down`. `npm run sql:snapshot` renders them.
 */
export const MIGRATIONS: MigrationClass[] = [];
