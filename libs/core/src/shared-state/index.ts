export * from './broadcast.service';
export * from './shared-state.module';
export * from './redis-client';
