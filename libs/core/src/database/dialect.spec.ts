import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { dialectErrors, mssqlErrors, postgresErrors, sqliteErrors } from './dialect';

/** The shape TypeORM gives a failed query: QueryFailedError with the driver's error inside. */
const wrapped = (driverError: object): object =>
  Object.assign(new Error('Query failed'), { name: 'QueryFailedError', query: 'UPDATE …', driverError });

/** node-mssql: a RequestError ('EREQUEST') carrying the server's error number, wrapping tedious's. */
const mssqlRequestError = (number: number): object =>
  Object.assign(new Error(`SQL Server error ${number}`), {
    name: 'RequestError',
    code: 'EREQUEST',
    number,
    originalError: { number, message: 'tedious' },
  });

const pgError = (code: string): object => Object.assign(new Error(`pg ${code}`), { code, severity: 'ERROR' });
const sqliteError = (code: string): object => Object.assign(new Error(code), { code });

describe('SQL Server errors', () => {
  it.each([1205, 1222, 3960, 40613, 40501, 10054, 4060])('retries error %i (transient)', (number) => {
    expect(mssqlErrors.isTransient(mssqlRequestError(number))).toBe(true);
    expect(mssqlErrors.isTransient(wrapped(mssqlRequestError(number)))).toBe(true);
  });

  it('treats a broken socket as transient and as a connection failure', () => {
    const error = Object.assign(new Error('Connection lost - read ECONNRESET'), {
      name: 'ConnectionError',
      code: 'ESOCKET',
    });
    expect(mssqlErrors.isTransient(error)).toBe(true);
    expect(mssqlErrors.isConnectionFailure(error)).toBe(true);
    expect(mssqlErrors.isConnectionFailure(wrapped(error))).toBe(true);
  });

  it.each([2627, 2601])('reports duplicate key %i as a unique violation, never as transient', (number) => {
    const error = wrapped(mssqlRequestError(number));
    expect(mssqlErrors.isUniqueViolation(error)).toBe(true);
    expect(mssqlErrors.isTransient(error)).toBe(false);
    expect(mssqlErrors.isConstraintViolation(error)).toBe(false);
  });

  it('reports 547 as a constraint violation, not transient', () => {
    const error = wrapped(mssqlRequestError(547));
    expect(mssqlErrors.isConstraintViolation(error)).toBe(true);
    expect(mssqlErrors.isUniqueViolation(error)).toBe(false);
    expect(mssqlErrors.isTransient(error)).toBe(false);
  });

  it('never retries a request timeout: the write may have committed', () => {
    const error = Object.assign(new Error('Timeout: Request failed to complete in 15000ms'), {
      name: 'RequestError',
      code: 'ETIMEOUT',
    });
    expect(mssqlErrors.isTransient(error)).toBe(false);
    expect(mssqlErrors.isTransient(wrapped(error))).toBe(false);
    expect(mssqlErrors.isConnectionFailure(error)).toBe(false);
  });

  it('answers 503 for a statement refused on a released runner, without re-running the transaction', () => {
    // node-mssql's runners are not released by a dying connection (that reaches the query as ESOCKET), so
    // here it says nothing about the transaction having been rolled back.
    expect(mssqlErrors.isUnavailable(new QueryRunnerProviderAlreadyReleasedError())).toBe(true);
    expect(mssqlErrors.isTransient(new QueryRunnerProviderAlreadyReleasedError())).toBe(false);
  });

  it.each([
    ['error 233 (the session was killed)', () => wrapped(mssqlRequestError(233))],
    ['error 10054 (connection reset by the server)', () => wrapped(mssqlRequestError(10054))],
    ['error 10053 (connection aborted)', () => mssqlRequestError(10053)],
    [
      'ESOCKET "Connection lost - read ECONNRESET"',
      () =>
        Object.assign(new Error('Connection lost - read ECONNRESET'), {
          name: 'ConnectionError',
          code: 'ESOCKET',
        }),
    ],
    ['a bare ECONNRESET', () => wrapped(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))],
    [
      'ECONNCLOSED "Connection is closed."',
      () =>
        Object.assign(new Error('Connection is closed.'), { name: 'ConnectionError', code: 'ECONNCLOSED' }),
    ],
  ])('reports %s as a dropped connection (re-run once on a fresh one)', (_what, make) => {
    expect(mssqlErrors.isDroppedConnection(make())).toBe(true);
    expect(mssqlErrors.isTransient(make())).toBe(true);
  });

  it.each([
    [
      'a refused connect',
      () =>
        Object.assign(new Error('Failed to connect to db:1433 - connect ECONNREFUSED 10.0.0.5:1433'), {
          name: 'ConnectionError',
          code: 'ESOCKET',
        }),
    ],
    [
      'a failed login',
      () => Object.assign(new Error('Login failed for user'), { name: 'ConnectionError', code: 'ELOGIN' }),
    ],
    ['a request timeout', () => Object.assign(new Error('Timeout: Request failed'), { code: 'ETIMEOUT' })],
    ['a deadlock', () => wrapped(mssqlRequestError(1205))],
    ['a duplicate key', () => wrapped(mssqlRequestError(2627))],
    ['a released runner', () => new QueryRunnerProviderAlreadyReleasedError()],
  ])('does not report %s as a dropped connection', (_what, make) => {
    expect(mssqlErrors.isDroppedConnection(make())).toBe(false);
  });

  it.each([8152, 245, 18456, 229])('does not retry permanent error %i', (number) => {
    expect(mssqlErrors.isTransient(wrapped(mssqlRequestError(number)))).toBe(false);
  });

  it('does not read other dialects’ codes', () => {
    expect(mssqlErrors.isTransient(wrapped(pgError('40P01')))).toBe(false);
    expect(mssqlErrors.isUniqueViolation(wrapped(pgError('23505')))).toBe(false);
  });
});

describe('PostgreSQL errors', () => {
  it.each(['40P01', '40001', '55P03', '57P01', '53300'])('retries SQLSTATE %s (transient)', (code) => {
    expect(postgresErrors.isTransient(pgError(code))).toBe(true);
    expect(postgresErrors.isTransient(wrapped(pgError(code)))).toBe(true);
  });

  it('reports 23505 as a unique violation, never transient', () => {
    const error = wrapped(pgError('23505'));
    expect(postgresErrors.isUniqueViolation(error)).toBe(true);
    expect(postgresErrors.isTransient(error)).toBe(false);
  });

  it.each(['23514', '23503'])('reports %s as a constraint violation', (code) => {
    expect(postgresErrors.isConstraintViolation(wrapped(pgError(code)))).toBe(true);
    expect(postgresErrors.isTransient(wrapped(pgError(code)))).toBe(false);
  });

  it('recognises a dropped or refused connection', () => {
    expect(postgresErrors.isConnectionFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(postgresErrors.isConnectionFailure(wrapped(sqliteError('ECONNREFUSED')))).toBe(true);
    expect(postgresErrors.isConnectionFailure(pgError('57P01'))).toBe(true);
    expect(postgresErrors.isConnectionFailure(pgError('23505'))).toBe(false);
  });

  it.each([
    ['the manager', () => new QueryRunnerProviderAlreadyReleasedError()],
    ['the query runner', () => new QueryRunnerAlreadyReleasedError()],
  ])(
    're-runs a transaction whose connection died between statements (%s refuses the next one)',
    (_via, make) => {
      // The pool client's 'error' event released the runner: the statement was never sent, the server
      // rolled the transaction back with the connection. Seen as a 500 under pg_terminate_backend.
      expect(postgresErrors.isTransient(make())).toBe(true);
      expect(postgresErrors.isUnavailable(make())).toBe(true);
      // One terminated connection says nothing about the database being down.
      expect(postgresErrors.isConnectionFailure(make())).toBe(false);
    },
  );

  it.each([
    ['57P01 from pg_terminate_backend', () => wrapped(pgError('57P01'))],
    ['"Connection terminated unexpectedly"', () => new Error('Connection terminated unexpectedly')],
    ['an ECONNRESET', () => wrapped(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))],
    ['a released runner', () => new QueryRunnerAlreadyReleasedError()],
    [
      '"Client has encountered a connection error"',
      () => new Error('Client has encountered a connection error and is not queryable'),
    ],
  ])('reports %s as a dropped connection (re-run once on a fresh one)', (_what, make) => {
    expect(postgresErrors.isDroppedConnection(make())).toBe(true);
    expect(postgresErrors.isTransient(make())).toBe(true);
  });

  it.each([
    [
      'a refused connect',
      () =>
        wrapped(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
    ],
    ['a connect timeout', () => new Error('Connection terminated due to connection timeout')],
    ['no pooled connection in time', () => new Error('timeout exceeded when trying to connect')],
    ['57P03 cannot_connect_now (starting up)', () => pgError('57P03')],
    ['53300 too_many_connections', () => pgError('53300')],
    ['a deadlock', () => wrapped(pgError('40P01'))],
    ['a statement timeout', () => wrapped(pgError('57014'))],
  ])('does not report %s as a dropped connection', (_what, make) => {
    expect(postgresErrors.isDroppedConnection(make())).toBe(false);
  });

  it('does not retry a syntax error or an arbitrary exception', () => {
    expect(postgresErrors.isTransient(wrapped(pgError('42601')))).toBe(false);
    expect(postgresErrors.isTransient(new Error('boom'))).toBe(false);
    expect(postgresErrors.isTransient(undefined)).toBe(false);
  });
});

describe('SQLite errors', () => {
  it.each(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED'])('retries %s (transient)', (code) => {
    expect(sqliteErrors.isTransient(sqliteError(code))).toBe(true);
    expect(sqliteErrors.isTransient(wrapped(sqliteError(code)))).toBe(true);
  });

  it.each(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'])(
    'reports %s as a unique violation',
    (code) => {
      const error = wrapped(sqliteError(code));
      expect(sqliteErrors.isUniqueViolation(error)).toBe(true);
      expect(sqliteErrors.isTransient(error)).toBe(false);
    },
  );

  it.each(['SQLITE_CONSTRAINT_CHECK', 'SQLITE_CONSTRAINT_FOREIGNKEY'])(
    'reports %s as a constraint violation',
    (code) => {
      expect(sqliteErrors.isConstraintViolation(wrapped(sqliteError(code)))).toBe(true);
      expect(sqliteErrors.isUniqueViolation(wrapped(sqliteError(code)))).toBe(false);
    },
  );
});

describe('SQLite connections', () => {
  it('never reports a dropped connection: the database is a file in the process', () => {
    for (const code of ['SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_BUSY', 'ECONNRESET'])
      expect(sqliteErrors.isDroppedConnection(wrapped(sqliteError(code)))).toBe(false);
  });
});

describe('dialectErrors', () => {
  it('returns the classifier of the configured dialect', () => {
    expect(dialectErrors('mssql')).toBe(mssqlErrors);
    expect(dialectErrors('postgres')).toBe(postgresErrors);
    expect(dialectErrors('sqlite')).toBe(sqliteErrors);
  });
});
