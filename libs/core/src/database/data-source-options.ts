import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { MIGRATIONS } from './migrations';
import { loadTypedMssqlDriver } from './mssql-parameters';
import { QueryCounterLogger } from './query-counter.logger';

export interface DataSourceExtras {
  entities?: DataSourceOptions['entities'];
  logger?: QueryCounterLogger;
}

/**
 * The one place TypeORM connection options are built, for the app, the CLI and the TypeORM CLI
 * (`ormconfig.ts`), on each of the three dialects. Schema changes only ever come from migrations.
 */
export function buildDataSourceOptions(db: AppConfig['db'], extras: DataSourceExtras = {}): DataSourceOptions {
  const common = {
    entities: extras.entities ?? [],
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logger: extras.logger ?? new QueryCounterLogger(db.logging),
    maxQueryExecutionTime: 1000,
  };
  switch (db.type) {
    case 'sqlite': {
      const inMemory = db.database === ':memory:';
      if (!inMemory) mkdirSync(dirname(db.database), { recursive: true });
      return {
        ...common,
        type: 'better-sqlite3',
        database: db.database,
        enableWAL: !inMemory,
        prepareDatabase: (connection: { pragma(source: string): unknown }) => {
          connection.pragma('foreign_keys = ON');
          connection.pragma('busy_timeout = 5000');
        },
      };
    }
    case 'postgres':
      return {
        ...common,
        type: 'postgres',
        host: db.host,
        port: db.port ?? 5432,
        username: db.username,
        password: db.password,
        database: db.database,
        applicationName: 'aero-core-api',
        poolSize: db.poolSize,
        connectTimeoutMS: db.connectTimeoutMs,
        extra: {
          max: db.poolSize,
          // Server-side guard; the client never waits longer than this for one statement.
          statement_timeout: db.requestTimeoutMs,
          // Waiting for a pooled connection (or opening one) longer than this is a 503, not a hung request.
          connectionTimeoutMillis: Math.min(db.connectTimeoutMs, db.poolAcquireTimeoutMs),
          options: '-c TimeZone=UTC',
        },
      };
    case 'mssql':
      return {
        ...common,
        type: 'mssql',
        // node-mssql with exact parameter types: datetime2 for instants, varchar for ASCII strings.
        driver: loadTypedMssqlDriver(),
        host: db.host,
        port: db.port ?? 1433,
        username: db.username,
        password: db.password,
        database: db.database,
        connectionTimeout: db.connectTimeoutMs,
        requestTimeout: db.requestTimeoutMs,
        pool: { max: db.poolSize, min: 0, idleTimeoutMillis: 30000, acquireTimeoutMillis: db.poolAcquireTimeoutMs },
        options: {
          encrypt: db.mssqlEncrypt,
          trustServerCertificate: db.mssqlTrustServerCertificate,
          appName: 'aero-core-api',
          useUTC: true,
        },
      };
  }
}
