import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import type { DialectErrors } from './dialect';
import { dialectErrors } from './dialect';
import { CursorCodec } from '../pagination/pagination';

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

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    this.errors = dialectErrors(config.db.type);
    this.serialize = config.db.type === 'sqlite';
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
    const maxRetries = options.maxRetries ?? this.config.db.transactionMaxRetries;
    for (let attempt = 0; ; attempt++) {
      try {
        const execute = (manager: EntityManager) => this.storage.run(manager, work);
        return options.isolation
          ? await this.dataSource.transaction(options.isolation, execute)
          : await this.dataSource.transaction(execute);
      } catch (error) {
        if (!this.errors.isTransient(error) || attempt >= maxRetries) throw this.translate(error);
        const delayMs = backoffMs(attempt);
        this.logger.warn(`transient database error, retry ${attempt + 1}/${maxRetries} in ${delayMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** Runs a read outside any transaction, translating "database down" into a 503 like `run` does. */
  async read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.translate(error);
    }
  }

  private translate(error: unknown): unknown {
    if (error instanceof AppError) return error;
    if (this.errors.isConnectionFailure(error) || this.errors.isTransient(error)) {
      return new AppError(CoreProblems.databaseUnavailable, 'The database is temporarily unavailable.', {}, {
        'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS),
      });
    }
    return error;
  }
}

/** Full-jitter exponential backoff: random in [0, 50 ms · 2^attempt], capped at 1 s. */
export function backoffMs(attempt: number, random = Math.random): number {
  return Math.round(random() * Math.min(1000, 50 * 2 ** attempt));
}
