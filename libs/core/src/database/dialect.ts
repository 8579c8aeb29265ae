import type { DbType } from '../config/env.dto';

/**
 * What differs between the three databases when an error comes back. Everything dialect-specific about
 * errors lives here, with a test per dialect, so the rest of the code asks questions, not error numbers.
 */
export interface DialectErrors {
  /** Worth re-running the whole transaction: deadlock, lock timeout, serialization failure, failover. */
  isTransient(error: unknown): boolean;
  /** The connection itself is gone or cannot be opened: the database is down for now. */
  isConnectionFailure(error: unknown): boolean;
  /**
   * An established (pooled) connection was lost under a statement: the server ended the session
   * (`pg_terminate_backend`, a failover, a DBA killing sessions) or the socket was reset. The transaction died
   * with it, so its unit of work may run again on a fresh connection; on its own it says nothing about the
   * database's health. Failing to open a connection (refused, unreachable, login timeout) is not this.
   */
  isDroppedConnection(error: unknown): boolean;
  /** A unique constraint or index rejected the row ("already there"). */
  isUniqueViolation(error: unknown): boolean;
  /** A CHECK or foreign-key constraint rejected the change. */
  isConstraintViolation(error: unknown): boolean;
  /**
   * The database could not serve this statement now, but nothing is known to be wrong with the request:
   * a statement cancelled by its timeout, no pooled connection within the acquire timeout, a connection
   * released under the query. Not re-run inside the transaction (a timed-out write may have committed);
   * answered 503 so the client retries with its Idempotency-Key.
   */
  isUnavailable(error: unknown): boolean;
}

/**
 * TypeORM refuses a statement on a query runner it has already given back: the statement was never sent.
 * On PostgreSQL this happens when the connection died between two statements of a transaction (the pool
 * client's 'error' event releases the runner), so the server has already rolled the transaction back.
 */
function isReleasedRunner(error: unknown): boolean {
  return unwrap(error).some((e) => {
    const name = (e as { name?: unknown }).name;
    return name === 'QueryRunnerAlreadyReleasedError' || name === 'QueryRunnerProviderAlreadyReleasedError';
  });
}

/** Faults that look the same whatever the dialect: TypeORM's and the pools' own errors. */
function isDriverIndependentUnavailable(error: unknown): boolean {
  if (isReleasedRunner(error)) return true;
  return unwrap(error).some((e) => {
    const name = (e as { name?: unknown }).name;
    return (
      name === 'ConnectionIsNotSetError' ||
      name === 'CannotExecuteNotConnectedError' ||
      // tarn (node-mssql's pool): no connection within acquireTimeoutMillis
      name === 'TimeoutError'
    );
  }) || /timeout exceeded when trying to connect|Query read timeout|Connection pool is closed|pool is draining/i.test(messageOf(error));
}

/**
 * SQL Server error numbers that are safe to retry as a whole transaction, from Microsoft.Data.SqlClient's
 * default retry list and EF Core's SqlServerTransientExceptionDetector.
 */
export const MSSQL_TRANSIENT_ERROR_NUMBERS: ReadonlySet<number> = new Set([
  1205, // deadlock victim
  1222, // lock request timeout
  1204, // lock resources exhausted
  3960, // snapshot isolation update conflict
  4060, // cannot open database (failover in progress)
  4221, // login to read-secondary failed during redo
  40143, 40197, 40501, 40540, 40613, // Azure SQL: service busy / reconfiguring / not available
  49918, 49919, 49920, // Azure SQL: too many operations in progress
  10928, 10929, // resource limits reached
  10053, 10054, 10060, // transport-level errors
  233, 64, 20, // connection closed / broken by the server
  41301, 41302, 41305, 41325, // in-memory OLTP conflicts
]);

/** SQL Server numbers that must never be retried (the same request would fail the same way). */
export const MSSQL_PERMANENT_ERROR_NUMBERS: ReadonlySet<number> = new Set([
  2627, 2601, 547, 8152, 2628, 245, 8114, 18456, 229, 230,
]);

const MSSQL_CONNECTION_CODES = new Set(['ESOCKET', 'ECONNCLOSED', 'ENOCONN', 'ETIMEOUT', 'ELOGIN']);
const NODE_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** PostgreSQL SQLSTATEs that are transient; the twins of SQL Server's numbers for local tests. */
export const POSTGRES_TRANSIENT_CODES: ReadonlySet<string> = new Set([
  '40001', // serialization_failure ↔ 3960
  '40P01', // deadlock_detected ↔ 1205
  '55P03', // lock_not_available ↔ 1222
  '57P01', // admin_shutdown (connection terminated) ↔ 10054
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections ↔ 10928
  '08000', '08003', '08006', '08001', '08004', // connection exceptions
]);

interface DriverErrorShape {
  code?: unknown;
  number?: unknown;
  errno?: unknown;
  message?: unknown;
  driverError?: unknown;
  originalError?: unknown;
  cause?: unknown;
}

/** TypeORM wraps driver errors (QueryFailedError.driverError); node-mssql wraps tedious ones. */
function unwrap(error: unknown): DriverErrorShape[] {
  const chain: DriverErrorShape[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const shape = current as DriverErrorShape;
    chain.push(shape);
    current = shape.driverError ?? shape.originalError ?? shape.cause;
  }
  return chain;
}

function codes(error: unknown): string[] {
  return unwrap(error)
    .map((e) => e.code)
    .filter((c): c is string => typeof c === 'string');
}

function messageOf(error: unknown): string {
  return unwrap(error)
    .map((e) => (typeof e.message === 'string' ? e.message : ''))
    .join(' | ');
}

function isNodeConnectionError(error: unknown): boolean {
  return codes(error).some((c) => NODE_CONNECTION_CODES.has(c));
}

const CONNECT_FAILURE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ELOGIN']);

/** The connection could not be opened at all: a fresh connection failed, which is about the database. */
function isConnectFailure(error: unknown): boolean {
  return (
    codes(error).some((c) => CONNECT_FAILURE_CODES.has(c)) ||
    /Failed to connect|connect ECONNREFUSED|timeout exceeded when trying to connect|connection timeout/i.test(
      messageOf(error),
    )
  );
}

/** SQL Server / TDS: the session ended or its socket broke under a request (not a failed connect). */
export const MSSQL_DROPPED_CONNECTION_NUMBERS: ReadonlySet<number> = new Set([
  233, // no process is on the other end of the pipe (the session was killed)
  10053, // an established connection was aborted by the software in the host
  10054, // an existing connection was forcibly closed by the remote host (connection reset)
  64, // the specified network name is no longer available
]);

export const mssqlErrors: DialectErrors = {
  isTransient(error) {
    const numbers = unwrap(error)
      .map((e) => e.number)
      .filter((n): n is number => typeof n === 'number');
    if (numbers.some((n) => MSSQL_PERMANENT_ERROR_NUMBERS.has(n))) return false;
    return numbers.some((n) => MSSQL_TRANSIENT_ERROR_NUMBERS.has(n)) || this.isConnectionFailure(error);
  },
  isConnectionFailure(error) {
    // ETIMEOUT on a request is deliberately not here: a write that timed out may have committed.
    return (
      codes(error).some((c) => MSSQL_CONNECTION_CODES.has(c) && c !== 'ETIMEOUT' && c !== 'ELOGIN') ||
      isNodeConnectionError(error)
    );
  },
  isDroppedConnection(error) {
    // A released runner is not here: node-mssql does not release one when its connection dies.
    if (isConnectFailure(error)) return false;
    const numbers = unwrap(error).map((e) => e.number);
    return (
      numbers.some((n) => typeof n === 'number' && MSSQL_DROPPED_CONNECTION_NUMBERS.has(n)) ||
      codes(error).some((c) => c === 'ECONNRESET' || c === 'EPIPE' || c === 'ESOCKET' || c === 'ECONNCLOSED') ||
      /connection reset|Connection lost|socket hang up|Connection is closed/i.test(messageOf(error))
    );
  },
  isUniqueViolation(error) {
    return unwrap(error).some((e) => e.number === 2627 || e.number === 2601);
  },
  isConstraintViolation(error) {
    return unwrap(error).some((e) => e.number === 547);
  },
  isUnavailable(error) {
    // ECANCEL: the statement was cancelled on the request's deadline (mssql-deadline.ts); the client has its 503.
    return codes(error).some((c) => c === 'ETIMEOUT' || c === 'ECANCEL') || isDriverIndependentUnavailable(error);
  },
};

export const postgresErrors: DialectErrors = {
  isTransient(error) {
    return (
      codes(error).some((c) => POSTGRES_TRANSIENT_CODES.has(c)) ||
      this.isConnectionFailure(error) ||
      // The connection was terminated between two statements: nothing of the transaction survives, so the
      // whole unit of work can run again on a fresh connection.
      isReleasedRunner(error)
    );
  },
  isConnectionFailure(error) {
    if (isNodeConnectionError(error)) return true;
    if (codes(error).some((c) => c.startsWith('08') || c === '57P01' || c === '57P03')) return true;
    // node-postgres reports a dropped socket as a plain Error without a code.
    return /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error|Client was closed and is not queryable|Received unexpected \w+ message from backend/i.test(
      messageOf(error),
    );
  },
  isDroppedConnection(error) {
    if (isReleasedRunner(error)) return true;
    if (isConnectFailure(error)) return false;
    // 57P01 admin_shutdown is what pg_terminate_backend and a fast shutdown send; 08003/08006 a lost socket.
    return (
      codes(error).some((c) => ['57P01', '08003', '08006', 'ECONNRESET', 'EPIPE'].includes(c)) ||
      /Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|terminating connection due to administrator command/i.test(
        messageOf(error),
      )
    );
  },
  isUniqueViolation(error) {
    return codes(error).includes('23505');
  },
  isConstraintViolation(error) {
    return codes(error).some((c) => c === '23514' || c === '23503');
  },
  isUnavailable(error) {
    // 57014 query_canceled: statement_timeout or a cancel sent on the request's deadline; 25P02: the
    // transaction was already aborted by such a failure.
    return codes(error).some((c) => c === '57014' || c === '25P02') || isDriverIndependentUnavailable(error);
  },
};

export const sqliteErrors: DialectErrors = {
  isTransient(error) {
    return codes(error).some((c) => c === 'SQLITE_BUSY' || c.startsWith('SQLITE_BUSY_') || c === 'SQLITE_LOCKED');
  },
  isConnectionFailure(error) {
    return codes(error).some((c) => c === 'SQLITE_CANTOPEN' || c === 'SQLITE_IOERR' || c.startsWith('SQLITE_IOERR_'));
  },
  isDroppedConnection() {
    // An in-process file: there is no connection to lose.
    return false;
  },
  isUniqueViolation(error) {
    return codes(error).some((c) => c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY');
  },
  isConstraintViolation(error) {
    return codes(error).some((c) => c === 'SQLITE_CONSTRAINT_CHECK' || c === 'SQLITE_CONSTRAINT_FOREIGNKEY');
  },
  isUnavailable(error) {
    return codes(error).includes('SQLITE_INTERRUPT') || isDriverIndependentUnavailable(error);
  },
};

export function dialectErrors(type: DbType): DialectErrors {
  switch (type) {
    case 'mssql':
      return mssqlErrors;
    case 'postgres':
      return postgresErrors;
    case 'sqlite':
      return sqliteErrors;
  }
}
