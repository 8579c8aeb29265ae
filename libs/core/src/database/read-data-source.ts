import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpException, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Counter, Gauge } from 'prom-client';
import type { EntityManager, QueryRunner } from 'typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { MetricsService } from '../metrics/metrics.service';
import { replicaScope } from './replica-scope';

/** Where stale-tolerant reads go right now. */
export type ReplicaState = 'none' | 'up' | 'lagging' | 'down';

/**
 * The replica's lag in milliseconds, measured on the replica. PostgreSQL: an idle primary sends nothing
 * to replay, so `now() - pg_last_xact_replay_timestamp()` would grow for ever; when everything received
 * is replayed the lag is 0, else it is the age of the last replayed commit. SQL Server: the database's
 * row in sys.dm_hadr_database_replica_states on the secondary (needs VIEW SERVER STATE): 0 with an empty
 * redo queue, else the age of the last redone commit; no row (not in an availability group) counts as 0.
 */
export const REPLICA_LAG_SQL = {
  postgres: `SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM (clock_timestamp() - pg_last_xact_replay_timestamp())) * 1000, 0)
  END AS lag_ms`,
  mssql: `SELECT COALESCE(MAX(CASE WHEN rs.redo_queue_size > 0
      THEN DATEDIFF(millisecond, rs.last_commit_time, GETDATE()) ELSE 0 END), 0) AS lag_ms
    FROM sys.dm_hadr_database_replica_states rs WHERE rs.is_local = 1 AND rs.database_id = DB_ID()`,
} as const;

/**
 * The one seam for reads that tolerate bounded staleness (usage reports and summaries, admin lists,
 * exports, the events feed). With DB_REPLICA_HOST set, `read(work)` runs `work` with `manager` bound to a
 * query runner on the read replica, while the replica answers and its lag is at most
 * DB_REPLICA_MAX_LAG_MS; otherwise — no replica, replica down, lagging, or failing mid-read — on the
 * primary, with no error for the client. Outside `read`, and for everything a client reads right after
 * writing it, `manager` is the primary's.
 *
 * The lag is measured every DB_REPLICA_CHECK_INTERVAL_MS (and shown in /metrics as
 * `db_replica_lag_seconds`, `db_replica_up`, `db_replica_fallbacks_total`); a failed read marks the
 * replica down at once, the next successful measurement brings it back.
 */
@Injectable()
export class ReadDataSource implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ReadReplica');
  private readonly scope = replicaScope;
  private current: ReplicaState;
  private lag?: number;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  private fallbacks?: Counter<'reason'>;
  private readonly configured: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {
    this.configured = Boolean(config.db.replica) && this.hasReplication();
    this.current = this.configured ? 'down' : 'none';
  }

  /** `none` without a replica; `up`, `lagging` or `down` with one. */
  get state(): ReplicaState {
    return this.current;
  }

  /** The last measured lag in milliseconds (undefined before the first measurement or while down). */
  get lagMs(): number | undefined {
    return this.lag;
  }

  /** The replica's manager inside `read` (when it is used), the primary's otherwise. */
  get manager(): EntityManager {
    return this.scope.getStore() ?? this.dataSource.manager;
  }

  /** Whether the current read runs on the replica (inside `read`, while the replica serves it). */
  get onReplica(): boolean {
    return this.scope.getStore() !== undefined;
  }

  /**
   * Runs read-only `work` on the replica when it is up and fresh enough, else on the primary. `seen`, when
   * given, is asked on the replica (its `manager` still the replica's) whether the replica has caught up
   * with what the caller already knows (a cursor from a fresher page, say); false answers from the
   * primary (`db_replica_fallbacks_total{reason="behind"}`). Inside the replica's scope the transaction
   * service's reads skip the primary's circuit breaker: only the primary's own failures count there.
   */
  async read<T>(work: () => Promise<T>, seen?: (result: T) => Promise<boolean>): Promise<T> {
    if (this.current !== 'up' || this.scope.getStore()) {
      if (this.current === 'lagging' || this.current === 'down')
        this.fallbacks?.inc({ reason: this.current });
      return work();
    }
    let runner: QueryRunner | undefined;
    try {
      runner = this.dataSource.createQueryRunner('slave');
      await runner.connect();
    } catch (error) {
      await runner?.release().catch(() => undefined);
      this.markDown(error as Error, 'connect');
      return work();
    }
    let answer: { value: T } | undefined;
    try {
      answer = await this.scope.run(runner.manager, async () => {
        const value = await work();
        return !seen || (await seen(value)) ? { value } : undefined;
      });
    } catch (error) {
      // The work only reads: what failed on the replica is asked of the primary. The caller's own errors
      // (not found, forbidden) are the same on either server and are passed on.
      if (error instanceof AppError || error instanceof HttpException) throw error;
      this.markDown(error as Error, 'error');
      return work();
    } finally {
      await runner.release().catch(() => undefined);
    }
    if (answer) return answer.value;
    this.fallbacks?.inc({ reason: 'behind' });
    return work();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.registerMetrics();
    if (!this.configured) return;
    guardReplicaPoolErrors(this.dataSource);
    await this.check();
    this.timer = setInterval(() => void this.check(), this.config.db.replicaCheckIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
  }

  /** Measures the lag now (tests and the periodic check); resolves with the new state. */
  async check(): Promise<ReplicaState> {
    if (!this.configured) return this.current;
    this.checking ??= this.measure().finally(() => (this.checking = undefined));
    await this.checking;
    return this.current;
  }

  private async measure(): Promise<void> {
    let runner: QueryRunner | undefined;
    try {
      runner = this.dataSource.createQueryRunner('slave');
      await runner.connect();
      const sql = this.config.db.type === 'mssql' ? REPLICA_LAG_SQL.mssql : REPLICA_LAG_SQL.postgres;
      const rows = (await runner.query(sql)) as { lag_ms: number | string }[];
      const lag = Math.max(0, Math.round(Number(rows[0]?.lag_ms ?? 0)));
      this.lag = lag;
      this.setState(lag > this.config.db.replicaMaxLagMs ? 'lagging' : 'up', `lag ${lag} ms`);
    } catch (error) {
      this.lag = undefined;
      this.setState('down', (error as Error).message);
    } finally {
      await runner?.release().catch(() => undefined);
    }
  }

  private markDown(error: Error, reason: 'connect' | 'error'): void {
    this.fallbacks?.inc({ reason });
    this.lag = undefined;
    this.setState('down', error.message);
  }

  private setState(next: ReplicaState, why: string): void {
    if (next === this.current) return;
    this.current = next;
    const bound = this.config.db.replicaMaxLagMs;
    if (next === 'up') this.logger.log(`read replica in use (${why}, bound ${bound} ms)`);
    else if (next === 'lagging')
      this.logger.warn(`read replica behind (${why} > ${bound} ms): stale-tolerant reads go to the primary`);
    else this.logger.warn(`read replica unavailable (${why}): stale-tolerant reads go to the primary`);
  }

  private hasReplication(): boolean {
    const options = this.dataSource.options as { replication?: unknown };
    return Boolean(options.replication);
  }

  private registerMetrics(): void {
    let metrics: MetricsService;
    try {
      metrics = this.moduleRef.get(MetricsService, { strict: false });
    } catch {
      return;
    }
    const self = (): ReadDataSource => this;
    new Gauge({
      name: 'db_replica_lag_seconds',
      help: 'Read replica lag in seconds as last measured (-1 while it does not answer; absent reads of no replica show 0)',
      registers: [metrics.registry],
      collect(this: Gauge) {
        const { state, lagMs } = self();
        this.set(state === 'none' ? 0 : lagMs === undefined ? -1 : lagMs / 1000);
      },
    });
    new Gauge({
      name: 'db_replica_up',
      help: 'Whether stale-tolerant reads go to the read replica (1) or to the primary (0)',
      registers: [metrics.registry],
      collect(this: Gauge) {
        this.set(self().state === 'up' ? 1 : 0);
      },
    });
    this.fallbacks = new Counter({
      name: 'db_replica_fallbacks_total',
      help: 'Stale-tolerant reads answered by the primary because the replica was down, lagging or failed',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
  }
}

interface ErrorEmitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  _clients?: ErrorEmitter[];
}

/**
 * node-postgres emits 'error' on an idle client whose server went away; without a listener that is an
 * uncaught exception. The replica's pools (stopped far more often than the primary) get one on every client.
 */
function guardReplicaPoolErrors(dataSource: DataSource): void {
  const slaves = (dataSource.driver as unknown as { slaves?: ErrorEmitter[] }).slaves ?? [];
  for (const pool of slaves) {
    if (typeof pool?.on !== 'function') continue;
    const guard = (client: unknown): void => {
      const emitter = client as ErrorEmitter;
      if (typeof emitter?.on === 'function') emitter.on('error', () => undefined);
    };
    for (const client of pool._clients ?? []) guard(client);
    pool.on('connect', guard);
    pool.on('error', () => undefined);
  }
}
