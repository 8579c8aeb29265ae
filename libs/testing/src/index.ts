export * from './domain.factory';
export * from './identity.factory';
export * from './openapi-validator';
export * from './test-app';
export * from './test-database';
export * from './cli-sandbox';
export * from './redis-server';
