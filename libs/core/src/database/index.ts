export * from './columns';
export * from './data-source-options';
export * from './database.module';
export * from './dialect';
export * from './migrations';
export * from './query-counter.logger';
export * from './schema-types';
export * from './transaction.service';
