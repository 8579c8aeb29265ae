/**
 * How every parameter reaches SQL Server: the types node-mssql declares in `sp_executesql`.
 *
 * Left alone, node-mssql sends a JS `Date` as the legacy `datetime` (rounded to 1/300 s, so a keyset
 * cursor can select its own row again or skip one; typeorm/typeorm#10115) and every string as `nvarchar`
 * (which makes SQL Server convert a `varchar` column on every row before comparing: scans on the hottest
 * statements). TypeORM types only the values it knows the column of (inserts, `findOneBy`), and maps
 * `varchar` columns to `nvarchar` parameters too. So every parameter goes through one rule here:
 *
 * - `Date` → `datetime2(7)`, whatever TypeORM guessed (our instants are all `datetime2` columns);
 * - a string of ASCII characters only → `varchar`: exact against `varchar` columns (ids, hashes, codes),
 *   and widened losslessly on the parameter side against `nvarchar` columns, so both seek their indexes;
 * - any other string → `nvarchar`, which only ever meets `nvarchar` columns (a non-ASCII value cannot
 *   equal an ASCII id anyway);
 * - strings whose column TypeORM knows keep that column's length; the others are declared at a fixed
 *   length (8000 / 4000, `max` beyond) so one statement has one plan in the cache, not one per length.
 *
 * docs/sql-server.md explains the choice (instead of migrating every id column to nvarchar).
 */

import { cancelOnDeadline } from './mssql-deadline';

/** The slice of node-mssql this module uses (the package ships no types). */
export interface MssqlTypeFactory {
  (...args: number[]): MssqlTypedValue;
  declaration?: string;
}

export interface MssqlTypedValue {
  type: MssqlTypeFactory;
  length?: number;
  scale?: number;
  precision?: number;
}

interface MssqlRequestLike {
  input(name: string, ...rest: unknown[]): unknown;
  query(command: string, ...rest: unknown[]): unknown;
  cancel(): unknown;
}

export interface MssqlModuleLike {
  Request: new (...args: never[]) => MssqlRequestLike;
  VarChar: MssqlTypeFactory;
  NVarChar: MssqlTypeFactory;
  DateTime: MssqlTypeFactory;
  DateTime2: MssqlTypeFactory;
  MAX: number;
}

/** Longest varchar / nvarchar declarable with a length; longer values are declared `max`. */
const VARCHAR_MAX_LENGTH = 8000;
const NVARCHAR_MAX_LENGTH = 4000;

/** Only code points that are the same single byte in every SQL Server code page (and in UTF-8). */
const ASCII_ONLY = /^[\x00-\x7f]*$/;

function isStringType(mssql: MssqlModuleLike, type: MssqlTypeFactory | undefined): boolean {
  return type === mssql.VarChar || type === mssql.NVarChar;
}

/**
 * The type a parameter is declared with. `declared` is what TypeORM (or the caller) asked for, if anything;
 * only its string length is kept, and `datetime` is never sent (our instants are datetime2).
 */
export function mssqlParameterType(
  mssql: MssqlModuleLike,
  value: unknown,
  declared?: MssqlTypedValue,
): MssqlTypedValue | undefined {
  if (value instanceof Date) {
    return declared && declared.type !== mssql.DateTime && declared.type !== mssql.DateTime2
      ? declared
      : mssql.DateTime2(7);
  }
  if (typeof value === 'string' && (!declared || isStringType(mssql, declared.type))) {
    const known =
      typeof declared?.length === 'number' && declared.length > 0 && declared.length !== mssql.MAX
        ? declared.length
        : undefined;
    if (ASCII_ONLY.test(value)) {
      const length = known ?? VARCHAR_MAX_LENGTH;
      return mssql.VarChar(value.length > length || length > VARCHAR_MAX_LENGTH ? mssql.MAX : length);
    }
    const length = known ?? NVARCHAR_MAX_LENGTH;
    return mssql.NVarChar(value.length > length || length > NVARCHAR_MAX_LENGTH ? mssql.MAX : length);
  }
  return declared;
}

function asTypedValue(type: unknown): MssqlTypedValue | undefined {
  if (typeof type === 'function') return (type as MssqlTypeFactory)();
  if (type && typeof type === 'object' && 'type' in type) return type as MssqlTypedValue;
  return undefined;
}

/**
 * node-mssql with a `Request` whose `input()` applies `mssqlParameterType`, and whose `query()` is cancelled
 * when the HTTP request it serves runs out of time (`cancelOnDeadline`): give it to TypeORM as the `driver`
 * option. Everything else is node-mssql itself (looked up through the prototype).
 */
export function typedMssqlDriver(mssql: MssqlModuleLike): MssqlModuleLike {
  const Base = mssql.Request as unknown as new (...args: unknown[]) => MssqlRequestLike;
  class TypedRequest extends Base {
    override input(name: string, ...rest: unknown[]): unknown {
      if (rest.length === 1) {
        const type = mssqlParameterType(mssql, rest[0]);
        return type ? super.input(name, type, rest[0]) : super.input(name, rest[0]);
      }
      const [declared, value] = rest;
      const type = mssqlParameterType(mssql, value, asTypedValue(declared));
      return super.input(name, type ?? declared, value);
    }

    override query(command: string, ...rest: unknown[]): unknown {
      // TypeORM awaits the promise form; the callback form (not used by the application) is left alone.
      if (rest.length > 0) return super.query(command, ...rest);
      return cancelOnDeadline(this, () => super.query(command) as Promise<unknown>);
    }
  }
  return Object.assign(Object.create(mssql) as MssqlModuleLike, { Request: TypedRequest });
}

/** node-mssql, loaded only when the SQL Server dialect is used. */
export function loadTypedMssqlDriver(): MssqlModuleLike {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return typedMssqlDriver(require('mssql') as MssqlModuleLike);
}

/** A parameter as node-mssql's `Request` records it (`request.parameters[name]`). */
export interface MssqlRecordedParameter {
  name: string;
  type: MssqlTypeFactory;
  value: unknown;
  length?: number;
  scale?: number;
  precision?: number;
}

interface TediousType {
  name: string;
  declaration(parameter: { value: unknown; length?: number; scale?: number; precision?: number }): string;
}

/**
 * The declaration tedious writes into `sp_executesql` for a recorded parameter (`@0 varchar(36)`), by
 * tedious's own code: what SQL Server will see, without a server. For tests and the SQL snapshot.
 */
export function mssqlDeclaration(parameter: MssqlRecordedParameter): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TYPES } = require('tedious') as { TYPES: Record<string, TediousType> };
  const name = parameter.type.declaration ?? '';
  const tediousType = Object.values(TYPES).find((t) => t.name.toLowerCase() === name);
  if (!tediousType) return `@${parameter.name} ${name || 'unknown'}`;
  return `@${parameter.name} ${tediousType.declaration(parameter)}`;
}
