import type { ColumnOptions } from 'typeorm';
import { Column, PrimaryColumn } from 'typeorm';
import { dialectAtImport } from '../config/app-config';
import type { DbType } from '../config/env.dto';

/** The column type that stores an instant in UTC on each dialect. */
export function utcDateTimeType(type: DbType): 'datetime2' | 'timestamptz' | 'datetime' {
  return type === 'mssql' ? 'datetime2' : type === 'postgres' ? 'timestamptz' : 'datetime';
}

/**
 * An instant, stored in UTC on every dialect (datetime2 on SQL Server, timestamptz on PostgreSQL,
 * ISO text on SQLite). Set values in code (`new Date()`), never rely on a server clock's zone.
 */
export function UtcDateTimeColumn(options: Omit<ColumnOptions, 'type'> = {}): PropertyDecorator {
  return Column({ ...options, type: utcDateTimeType(dialectAtImport()) });
}

/** Ids are UUID strings made in code (`randomUUID()`), stored as varchar(36) everywhere. */
export function UuidPrimaryColumn(): PropertyDecorator {
  return PrimaryColumn({ type: 'varchar', length: 36 });
}

export function UuidColumn(options: Omit<ColumnOptions, 'type' | 'length'> = {}): PropertyDecorator {
  return Column({ ...options, type: 'varchar', length: 36 });
}
