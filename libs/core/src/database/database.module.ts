import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';
import { QueryCounterLogger } from './query-counter.logger';
import { ReadDataSource } from './read-data-source';
import { withReadReplica } from './read-replica-options';
import { TransactionService } from './transaction.service';

const typeormLogger = new Logger('Database');

/**
 * The data source, built from config; features register their entities with
 * `TypeOrmModule.forFeature` and they are loaded automatically.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // With DB_REPLICA_HOST: TypeORM replication, every query on the primary unless ReadDataSource asks.
        ...withReadReplica(
          buildDataSourceOptions(config.db, {
            logger: new QueryCounterLogger(config.db.logging, (level, message) =>
              level === 'error'
                ? typeormLogger.error(message)
                : level === 'warn'
                  ? typeormLogger.warn(message)
                  : level === 'info'
                    ? typeormLogger.log(message)
                    : typeormLogger.debug(message),
            ),
          }),
          config.db,
        ),
        autoLoadEntities: true,
        migrationsRun: config.db.migrationsRun,
        manualInitialization: config.db.openAtStart === false,
        // Fail fast at boot; the readiness probe reports later outages.
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [TransactionService, ReadDataSource],
  exports: [TransactionService, ReadDataSource],
})
export class DatabaseModule {}
