import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import type { FailureCause } from '../errors/failure-cause';
import { errorIdentity } from '../errors/failure-cause';
import { scrubMessage } from '../logging/log-safety';
import { CoreProblems } from '../errors/problem-types';
import { currentDeadline, remainingMs } from '../http/request-deadline';
import { requestTimedOut } from '../http/request-timeout.middleware';
import type { DialectErrors } from './dialect';
import { dialectErrors } from './dialect';
import { CursorCodec } from '../pagination/pagination';
import { DatabaseBreaker, DatabaseCircuitOpenError, RetryBudget } from './resilience';
import { onReadReplica } from './replica-scope';

export interface TransactionOptions {
  isolation?: IsolationLevel;
  /** Attempts after the first when the database reports a transient failure. */
  maxRetries?: number;
}

/** Seconds a client should wait before retrying when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * The one way features open transactions. `run(work)` executes `work` inside a transaction and, when
 * the database reports a transient failure (deadlock, lock timeout, serialization conflict, failover),
 * re-runs the whole unit of work from its start with jittered exponential backoff. So `work` must be a
 * function of its inputs alone: no side effects outside the database before it commits.
 *
 * Repositories read `manager`, which is the transaction's manager inside `run` and the pool's outside,
 * so services never see TypeORM.
 */
@Injectable()
export class TransactionService {
  private readonly logger = new Logger(TransactionService.name);
  private readonly storage = new AsyncLocalStorage<EntityManager>();
  readonly errors: DialectErrors;
  private cursorCodec?: CursorCodec;
  /**
   * SQLite: TypeORM's better-sqlite3 driver shares ONE connection, so two transactions whose work awaits
   * real I/O would interleave on it ("cannot start a transaction within a transaction"). They queue here.
   */
  private readonly serialize: boolean;
  private queueTail: Promise<void> = Promise.resolve();
  /** Connection-level failures in a row open it; then every call is a 503 at once. */
  readonly breaker: DatabaseBreaker;
  private readonly budget = new RetryBudget();

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    this.errors = dialectErrors(config.db.type);
    this.serialize = config.db.type === 'sqlite';
    if (config.db.type === 'postgres') keepPoolClientErrorsHandled(dataSource);
    this.breaker = new DatabaseBreaker(
      (error) => this.errors.isConnectionFailure(error),
      config.db.breakerFailureThreshold ?? 5,
      config.db.breakerHalfOpenAfterMs ?? 5000,
    );
  }

  /** Signs and checks the keyset cursors of every list (a position in the database's order). */
  get cursors(): CursorCodec {
    this.cursorCodec ??= new CursorCodec(this.config.jwt.signingKey);
    return this.cursorCodec;
  }

  /** The manager of the current transaction, or the data source's manager outside one. */
  get manager(): EntityManager {
    return this.storage.getStore() ?? this.dataSource.manager;
  }

  get inTransaction(): boolean {
    return this.storage.getStore() !== undefined;
  }

  async run<T>(work: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    // A nested call joins the outer transaction; the outer one owns retries.
    if (this.inTransaction) return work();
    if (!this.serialize) return this.runWithRetries(work, options);
    const previous = this.queueTail;
    let release!: () => void;
    this.queueTail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await this.runWithRetries(work, options);
    } finally {
      release();
    }
  }

  private async runWithRetries<T>(work: () => Promise<T>, options: TransactionOptions): Promise<T> {
    const unit = { reconnected: false };
    return this.settleReconnect(unit, () => this.attempts(work, options, unit));
  }

  private async attempts<T>(work: () => Promise<T>, options: TransactionOptions, unit: { reconnected: boolean }): Promise<T> {
    const maxRetries = options.maxRetries ?? this.config.db.transactionMaxRetries;
    this.budget.recordAttempt();
    const dropped = (error: unknown) => !unit.reconnected && this.errors.isDroppedConnection(error);
    for (let attempt = 0; ; attempt++) {
      this.assertBeforeDeadline();
      try {
        return await this.breaker.execute(() => this.once(work, options), dropped);
      } catch (error) {
        // The pooled connection died under the transaction (the server rolled it back): once per unit of work,
        // it runs again at once on a fresh connection, outside the retry count, the budget and the breaker.
        if (dropped(error) && !currentDeadline()?.expired) {
          unit.reconnected = true;
          attempt--;
          this.droppedConnection();
          this.logger.warn('database connection lost under a transaction: re-running it on a fresh connection');
          continue;
        }
        const retry =
          this.errors.isTransient(error) &&
          !(error instanceof DatabaseCircuitOpenError) &&
          attempt < maxRetries &&
          !currentDeadline()?.expired;
        if (!retry) throw this.translate(error);
        if (!this.budget.tryRetry()) {
          this.breaker.stats.retryBudgetExhausted++;
          this.logger.warn('transient database error, retry budget exhausted: answering 503');
          throw this.translate(error, 'retry-budget-exhausted');
        }
        this.breaker.stats.retries++;
        const delayMs = backoffMs(attempt);
        this.logger.warn(`transient database error, retry ${attempt + 1}/${maxRetries} in ${delayMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** One attempt: statements bounded by the request's time left, and no commit once it has run out. */
  private once<T>(work: () => Promise<T>, options: TransactionOptions): Promise<T> {
    const execute = async (manager: EntityManager): Promise<T> => {
      await this.boundStatements(manager);
      const result = await this.storage.run(manager, work);
      // The client may have been told 503 meanwhile: throwing here rolls the work back.
      this.assertBeforeDeadline();
      return result;
    };
    return options.isolation
      ? this.dataSource.transaction(options.isolation, execute)
      : this.dataSource.transaction(execute);
  }

  /**
   * PostgreSQL: when less time is left than the configured per-statement timeout, the server cancels any
   * statement of this transaction that would outlive the request (SET LOCAL ends with the transaction).
   * SQL Server has no such setting: the driver cancels a statement still running at the deadline
   * (`cancelOnDeadline`, an attention packet), on top of DB_REQUEST_TIMEOUT_MS; better-sqlite3 runs
   * statements synchronously and cannot be interrupted, so SQLite relies on the check before commit.
   */
  private async boundStatements(manager: EntityManager): Promise<void> {
    if (this.config.db.type !== 'postgres') return;
    const left = remainingMs();
    if (left === undefined || left >= this.config.db.requestTimeoutMs) return;
    await manager.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(left))}`);
  }

  private assertBeforeDeadline(): void {
    const left = remainingMs();
    if (left !== undefined && left <= 0) throw requestTimedOut();
  }

  /**
   * Runs a read outside any transaction, translating "database down" into a 503 like `run` does. A read whose
   * pooled connection was dropped runs once more on a fresh connection, like a transaction. Inside
   * `ReadDataSource.read` on the replica it runs as is: the replica's failures neither count towards the
   * primary's breaker nor reach the client (the seam answers from the primary, through here, instead).
   */
  read<T>(work: () => Promise<T>): Promise<T> {
    return onReadReplica() ? work() : this.guarded(work);
  }

  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    const dropped = (error: unknown) => this.errors.isDroppedConnection(error);
    try {
      return await this.breaker.execute(work, dropped);
    } catch (error) {
      if (!dropped(error) || currentDeadline()?.expired) throw this.translate(error);
      this.droppedConnection();
    }
    return this.settleReconnect({ reconnected: true }, async () => {
      try {
        return await this.breaker.execute(work);
      } catch (error) {
        throw this.translate(error);
      }
    });
  }

  /**
   * Counts how a unit of work that was re-run on a fresh connection ended (`db_reconnects_total`): recovered,
   * unless the client is answered a 5xx all the same (the fresh connection failed too, or the deadline passed).
   */
  private async settleReconnect<T>(unit: { reconnected: boolean }, run: () => Promise<T>): Promise<T> {
    const outcomes = this.breaker.stats.reconnectOutcomes;
    try {
      const result = await run();
      if (unit.reconnected) outcomes.recovered++;
      return result;
    } catch (error) {
      if (unit.reconnected) {
        if (error instanceof AppError && error.status >= 500) outcomes.failed++;
        else outcomes.recovered++;
      }
      throw error;
    }
  }

  /** The dialect this service talks to (the `dialect` label of its metrics). */
  get dialect(): AppConfig['db']['type'] {
    return this.config.db.type;
  }

  /**
   * Single statements outside a transaction (autocommit), e.g. a background write or a marker that must be
   * visible to other instances before the work it guards begins; faults are classified like `run`, and a
   * dropped pooled connection is retried once on a fresh one like `read`. So `work` must be a statement whose
   * repeat changes nothing more, in case the first one committed just before its connection dropped: every
   * caller's is (an insert guarded by a unique key, a conditional update on an owner token, a delete).
   */
  write<T>(work: () => Promise<T>): Promise<T> {
    return this.guarded(work);
  }

  /**
   * A pooled connection was found dead: the server may have ended its siblings too (pg_terminate_backend of every
   * session, a failover), and an idle one is not known dead until its socket reports it. The idle connections are
   * closed so the retry runs on a fresh one; connections in use report for themselves.
   */
  private droppedConnection(): void {
    this.breaker.stats.reconnects++;
    if (this.config.db.type === 'postgres') discardIdlePoolClients(this.dataSource);
  }

  /**
   * Anything the database threw → what the client should see: a fault (connection lost, failover, the
   * breaker open, a statement cancelled, no pooled connection) is a 503 with Retry-After, never a 500.
   * Other errors pass through unchanged.
   */
  translate(error: unknown, reason?: string): unknown {
    if (error instanceof AppError) return error;
    if (error instanceof DatabaseCircuitOpenError) {
      return databaseUnavailable(error.retryAfterSeconds).causedBy(this.failure('breaker', error, 'circuit-open'));
    }
    const kind = this.errors.isConnectionFailure(error)
      ? 'connection-failure'
      : this.errors.isTransient(error)
        ? 'transient'
        : this.errors.isUnavailable(error)
          ? 'unavailable'
          : undefined;
    if (kind) return databaseUnavailable(DATABASE_RETRY_AFTER_SECONDS).causedBy(this.failure('database', error, reason ?? kind));
    return error;
  }

  /** What the request's log line says about a database 503: the error's identity and the breaker's state. */
  private failure(dependency: FailureCause['dependency'], error: unknown, reason: string): FailureCause {
    return { dependency, reason, ...errorIdentity(error, scrubMessage), breaker: this.breaker.state };
  }
}

interface ErrorEmitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
}

/**
 * node-postgres emits 'error' on a client whose connection dies (pg_terminate_backend, a reset, a server
 * shutdown). TypeORM listens only until it hands the client back, and a second 'error' (the socket closing
 * after the FATAL message) then has no listener: an uncaught exception that would kill the process. Every
 * pool client gets a permanent listener; the failure itself reaches the query that was running.
 */
function keepPoolClientErrorsHandled(dataSource: DataSource): void {
  const pool = (dataSource.driver as unknown as { master?: ErrorEmitter & { _clients?: ErrorEmitter[] } } | undefined)?.master;
  if (!pool || typeof pool.on !== 'function') return;
  const guard = (client: unknown) => {
    const emitter = client as ErrorEmitter;
    if (typeof emitter?.on === 'function') emitter.on('error', () => undefined);
  };
  for (const client of pool._clients ?? []) guard(client);
  pool.on('connect', guard);
}

interface PgPoolInternals {
  _idle?: { client: unknown }[];
  _remove?(client: unknown): void;
}

/**
 * Closes the idle clients of node-postgres's pool (pg-pool 3 keeps them in `_idle` and closes one with
 * `_remove`, as it does itself on an idle client's error or timeout); the pool opens new ones on demand.
 */
function discardIdlePoolClients(dataSource: DataSource): void {
  const pool = (dataSource.driver as unknown as { master?: PgPoolInternals } | undefined)?.master;
  if (!pool || !Array.isArray(pool._idle) || typeof pool._remove !== 'function') return;
  for (const { client } of pool._idle.slice()) pool._remove(client);
}

function databaseUnavailable(retryAfterSeconds: number): AppError {
  return new AppError(CoreProblems.databaseUnavailable, 'The database is temporarily unavailable.', {}, {
    'Retry-After': String(retryAfterSeconds),
  });
}

/** Full-jitter exponential backoff: random in [0, 50 ms · 2^attempt], capped at 1 s. */
export function backoffMs(attempt: number, random = Math.random): number {
  return Math.round(random() * Math.min(1000, 50 * 2 ** attempt));
}
