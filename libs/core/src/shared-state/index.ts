export * from './broadcast.service';
export * from './shared-state.module';
