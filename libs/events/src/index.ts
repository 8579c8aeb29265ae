export * from './event-types';
export * from './event.dto';
export * from './events.module';
export * from './events.service';
