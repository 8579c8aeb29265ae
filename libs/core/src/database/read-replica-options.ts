import { EventEmitter } from 'node:events';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';

type Credentials = { host?: string; port?: number; username?: string; password?: string; database?: string };

/** The authentication objects of replica pools: node-mssql pools built with one get ApplicationIntent=ReadOnly. */
const READ_ONLY_AUTHENTICATION = new WeakSet<object>();

/**
 * With DB_REPLICA_HOST set (postgres, mssql), TypeORM `replication`: the primary as `master`, the replica as
 * the one `slave`, and `defaultMode: 'master'` so that every query stays on the primary unless it runs on
 * a query runner made with `createQueryRunner('slave')` — which only ReadDataSource does. Migrations,
 * transactions and every read-after-write keep using the primary. Pool settings (size, timeouts) apply to
 * each of the two pools.
 *
 * SQL Server: the replica is usually the availability-group listener itself (DB_REPLICA_HOST = DB_HOST);
 * its pool connects with `ApplicationIntent=ReadOnly` (tedious `readOnlyIntent`), which read-only routing
 * sends to a readable secondary. TypeORM hands one options object to every pool, so the replica's pool is
 * told apart by its own `authentication` object and node-mssql's ConnectionPool adds the intent for it.
 */
export function withReadReplica(options: DataSourceOptions, db: AppConfig['db']): DataSourceOptions {
  const replica = db.replica;
  if (!replica || (options.type !== 'postgres' && options.type !== 'mssql')) return options;
  const { host, port, username, password, database } = options as Credentials;
  const master: Credentials = { host, port, username, password, database };
  const slave: Credentials = {
    host: replica.host,
    port: replica.port ?? port,
    username: replica.username ?? username,
    password: replica.password ?? password,
    database,
  };
  if (options.type === 'postgres') {
    const pg = (options.driver ?? loadPg()) as PgModule;
    const tolerant = slave.host !== master.host || slave.port !== master.port;
    return {
      ...options,
      driver: tolerant ? withBootTolerantReplicaPool(pg, slave) : pg,
      replication: { master, slaves: [slave], defaultMode: 'master' },
    } as DataSourceOptions;
  }
  const authentication = { type: 'default', options: { userName: slave.username, password: slave.password } };
  READ_ONLY_AUTHENTICATION.add(authentication);
  return {
    ...options,
    driver: withReadOnlyIntent(options.driver as MssqlModule),
    replication: { master, slaves: [{ ...slave, authentication }], defaultMode: 'master' },
  } as DataSourceOptions;
}

interface MssqlPoolConfig {
  authentication?: object;
  options?: Record<string, unknown>;
}
interface MssqlModule {
  ConnectionPool: new (config: MssqlPoolConfig, ...rest: unknown[]) => object;
}

/** node-mssql whose ConnectionPool asks for a read-only connection when built for the replica. */
export function withReadOnlyIntent(mssql: MssqlModule): MssqlModule {
  const Base = mssql.ConnectionPool;
  class ReadIntentConnectionPool extends Base {
    constructor(config: MssqlPoolConfig, ...rest: unknown[]) {
      const readOnly =
        config.authentication !== undefined && READ_ONLY_AUTHENTICATION.has(config.authentication);
      super(readOnly ? { ...config, options: { ...config.options, readOnlyIntent: true } } : config, ...rest);
    }
  }
  return Object.assign(Object.create(mssql) as MssqlModule, { ConnectionPool: ReadIntentConnectionPool });
}

type PgConnectCallback = (error: Error | undefined, client: unknown, release: () => void) => void;
interface PgPoolLike {
  connect(callback?: PgConnectCallback): unknown;
}
interface PgModule {
  Pool: new (config: { host?: string; port?: number }) => PgPoolLike;
}

function loadPg(): PgModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('pg') as PgModule;
}

/**
 * TypeORM opens one connection per pool while the data source initializes and fails the boot when one of
 * them does not connect. A replica that is down must not stop the API: the replica's pool (told apart by its
 * host and port) answers that first probe with a stand-in client, and ReadDataSource's measurement decides
 * when the replica is used. Every later connection is a real one.
 */
export function withBootTolerantReplicaPool(pg: PgModule, replica: Credentials): PgModule {
  const Base = pg.Pool;
  class BootTolerantPool extends Base {
    private probed: boolean;

    constructor(config: { host?: string; port?: number }) {
      super(config);
      this.probed = !(config.host === replica.host && Number(config.port) === Number(replica.port));
    }

    override connect(callback?: PgConnectCallback): unknown {
      if (this.probed || !callback) return super.connect(callback);
      this.probed = true;
      return super.connect((error, client, release) => {
        if (error) callback(undefined, new EventEmitter(), () => undefined);
        else callback(undefined, client, release);
      });
    }
  }
  return Object.assign(Object.create(pg) as PgModule, { Pool: BootTolerantPool });
}
