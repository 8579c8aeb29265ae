export * from './fingerprint';
export * from './idempotency.errors';
export * from './idempotency.interceptor';
export * from './idempotency.module';
export * from './idempotency.service';
export * from './idempotent.decorator';
