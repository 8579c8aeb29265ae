import type { Logger as TypeOrmLogger, QueryRunner } from 'typeorm';

type LogSink = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/**
 * TypeORM logger that counts every statement sent to the database (tests assert "no query" on hot
 * paths with it; the benchmark reports queries per request) and logs them only when DB_LOGGING is on.
 * Parameters are never logged: they may carry secrets.
 */
export class QueryCounterLogger implements TypeOrmLogger {
  private queries = 0;

  constructor(
    private readonly logQueries = false,
    private readonly sink: LogSink = () => undefined,
  ) {}

  /** Statements sent since the data source was created. */
  get count(): number {
    return this.queries;
  }

  logQuery(query: string, _parameters?: unknown[], _queryRunner?: QueryRunner): void {
    this.queries++;
    if (this.logQueries) this.sink('debug', `query: ${query}`);
  }

  /**
   * Debug only: most failed statements are expected (a unique violation meaning "already there") and are
   * handled by the caller; an unexpected one surfaces as a 500 whose error the problem filter logs once.
   */
  logQueryError(error: string | Error, query: string): void {
    this.sink('debug', `query failed: ${error instanceof Error ? error.message : error} -- ${query}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.sink('warn', `slow query (${time} ms): ${query}`);
  }

  logSchemaBuild(message: string): void {
    if (this.logQueries) this.sink('debug', message);
  }

  logMigration(message: string): void {
    this.sink('info', message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    this.sink(level === 'log' ? 'info' : level, String(message));
  }
}
