import type { QueryRunner, TableColumnOptions } from 'typeorm';
import type { DbType } from '../config/env.dto';
import { utcDateTimeType } from './columns';

/**
 * Column builders for migrations, resolved through the running driver, so one migration file renders
 * nvarchar on SQL Server, character varying on PostgreSQL and varchar on SQLite.
 */
export class SchemaTypes {
  readonly dialect: DbType;

  constructor(private readonly queryRunner: QueryRunner) {
    const type = queryRunner.connection.options.type;
    this.dialect = type === 'mssql' ? 'mssql' : type === 'postgres' ? 'postgres' : 'sqlite';
  }

  private normalize(type: unknown): string {
    return this.queryRunner.connection.driver.normalizeType({ type: type as never });
  }

  /** A UUID primary key made in code. */
  id(name = 'id'): TableColumnOptions {
    return { name, type: 'varchar', length: '36', isPrimary: true };
  }

  uuid(name: string, nullable = false): TableColumnOptions {
    return { name, type: 'varchar', length: '36', isNullable: nullable };
  }

  /** Unicode text up to `length` characters. */
  string(name: string, length: number, nullable = false): TableColumnOptions {
    return { name, type: this.normalize(String), length: String(length), isNullable: nullable };
  }

  /** ASCII-only identifiers, hashes and codes: varchar on every dialect. */
  ascii(name: string, length: number, nullable = false): TableColumnOptions {
    return { name, type: 'varchar', length: String(length), isNullable: nullable };
  }

  /** Unbounded Unicode text (nvarchar(max) on SQL Server). */
  text(name: string, nullable = false): TableColumnOptions {
    if (this.dialect === 'mssql') return { name, type: 'nvarchar', length: 'MAX', isNullable: nullable };
    return { name, type: 'text', isNullable: nullable };
  }

  int(name: string, options: { nullable?: boolean; default?: number } = {}): TableColumnOptions {
    return {
      name,
      type: this.dialect === 'sqlite' ? 'integer' : 'int',
      isNullable: options.nullable ?? false,
      default: options.default,
    };
  }

  boolean(name: string, defaultValue?: boolean): TableColumnOptions {
    const column: TableColumnOptions = { name, type: this.normalize(Boolean), isNullable: false };
    if (defaultValue !== undefined) {
      column.default = this.dialect === 'postgres' ? String(defaultValue) : defaultValue ? 1 : 0;
    }
    return column;
  }

  /** An instant in UTC. */
  timestamp(name: string, nullable = false): TableColumnOptions {
    return { name, type: utcDateTimeType(this.dialect), isNullable: nullable };
  }

  /** A calendar date without time (date of birth). */
  date(name: string, nullable = false): TableColumnOptions {
    return { name, type: 'date', isNullable: nullable };
  }
}
