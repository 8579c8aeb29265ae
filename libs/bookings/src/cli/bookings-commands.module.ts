import { Module } from '@nestjs/common';
import { BookingsModule } from '../bookings.module';
import { BookingsShowCommand, SessionsListCommand, VenuesListCommand } from './lookup.commands';
import { SessionsScheduleCommand } from './sessions-schedule.command';

/** The bookings feature's CLI commands, imported by apps/cli. */
@Module({
  imports: [BookingsModule],
  providers: [SessionsScheduleCommand, BookingsShowCommand, VenuesListCommand, SessionsListCommand],
  exports: [BookingsModule],
})
export class BookingsCommandsModule {}
