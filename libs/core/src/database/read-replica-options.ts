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
    return {
      ...options,
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
