import { Module } from '@nestjs/common';
import { EventsModule } from '../events.module';
import { EventsPurgeCommand } from './events-purge.command';

/** `events:*` commands for the admin CLI; thin wrappers over EventsService. */
@Module({
  imports: [EventsModule],
  providers: [EventsPurgeCommand],
})
export class EventsCommandsModule {}
