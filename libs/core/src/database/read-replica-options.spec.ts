import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { REPLICA_LAG_SQL } from './read-data-source';
import { withReadOnlyIntent, withReadReplica } from './read-replica-options';

type Db = AppConfig['db'];

const db = (type: Db['type'], replica?: Db['replica']): Db => ({ type, replica }) as Db;

describe('read replica connection options', () => {
  it('without DB_REPLICA_HOST the options are left alone', () => {
    const options = { type: 'postgres', host: 'db', port: 5432 } as DataSourceOptions;
    expect(withReadReplica(options, db('postgres'))).toBe(options);
  });

  it('postgres: the primary as master, the replica as the one slave, every query on the master by default', () => {
    const options = {
      type: 'postgres',
      host: 'db',
      port: 5432,
      username: 'app',
      password: 'pw',
      database: 'aero',
      poolSize: 7,
    } as DataSourceOptions;
    const result = withReadReplica(
      options,
      db('postgres', { host: 'db-ro', port: 5433 }),
    ) as unknown as Record<string, unknown>;
    expect(result.replication).toEqual({
      master: { host: 'db', port: 5432, username: 'app', password: 'pw', database: 'aero' },
      slaves: [{ host: 'db-ro', port: 5433, username: 'app', password: 'pw', database: 'aero' }],
      defaultMode: 'master',
    });
    expect(result.poolSize).toBe(7);
  });

  it('mssql: only the replica pool connects with ApplicationIntent=ReadOnly, also on the same listener', () => {
    const built: Record<string, unknown>[] = [];
    class ConnectionPool {
      constructor(config: Record<string, unknown>) {
        built.push(config);
      }
    }
    const options = {
      type: 'mssql',
      host: 'ag-listener',
      port: 1433,
      username: 'app',
      password: 'pw',
      database: 'aero',
      driver: { ConnectionPool },
      options: { encrypt: true },
    } as unknown as DataSourceOptions;
    const result = withReadReplica(options, db('mssql', { host: 'ag-listener' })) as unknown as {
      driver: { ConnectionPool: new (config: unknown) => unknown };
      replication: { master: Record<string, unknown>; slaves: Record<string, unknown>[] };
    };
    // What TypeORM's SqlServerDriver hands node-mssql for each pool: the shared options plus that pool's credentials.
    new result.driver.ConnectionPool({
      server: 'ag-listener',
      options: { encrypt: true },
      authentication: result.replication.master.authentication,
    });
    new result.driver.ConnectionPool({
      server: 'ag-listener',
      options: { encrypt: true },
      authentication: result.replication.slaves[0].authentication,
    });
    expect(built.map((config) => config.options)).toEqual([
      { encrypt: true },
      { encrypt: true, readOnlyIntent: true },
    ]);
    expect(result.replication.slaves[0]).toMatchObject({
      host: 'ag-listener',
      port: 1433,
      username: 'app',
      database: 'aero',
    });
  });

  it('a plain node-mssql pool is never made read-only', () => {
    const seen: unknown[] = [];
    class ConnectionPool {
      constructor(config: { options?: unknown }) {
        seen.push(config.options);
      }
    }
    const Wrapped = withReadOnlyIntent({ ConnectionPool }).ConnectionPool;
    new Wrapped({ options: { encrypt: false }, authentication: { type: 'default' } });
    expect(seen).toEqual([{ encrypt: false }]);
  });

  it('the lag queries: 0 when all received WAL is replayed (idle primary); the SQL Server DMV of this database', () => {
    expect(REPLICA_LAG_SQL.postgres).toContain('pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0');
    expect(REPLICA_LAG_SQL.postgres).toContain('pg_last_xact_replay_timestamp()');
    expect(REPLICA_LAG_SQL.mssql).toContain('sys.dm_hadr_database_replica_states');
    expect(REPLICA_LAG_SQL.mssql).toContain('rs.is_local = 1 AND rs.database_id = DB_ID()');
  });
});
