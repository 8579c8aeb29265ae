export * from './api-key-cache';
export * from './api-key-format';
export * from './api-key.dto';
export * from './api-keys.errors';
export * from './api-keys.module';
export * from './api-keys.service';
