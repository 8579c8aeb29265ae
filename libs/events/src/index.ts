export * from './event-types';
export * from './event.dto';
export * from './events.module';
export * from './events.service';
export * from './events-openapi';
export * from './cli/events-commands.module';
