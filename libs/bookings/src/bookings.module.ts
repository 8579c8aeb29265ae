import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '@aero/events';
import { MembersModule } from '@aero/members';
import { BookingEntity } from './booking.entity';
import { BookingsController } from './bookings.controller';
import { BookingsRepository } from './bookings.repository';
import { BookingsSeedService } from './bookings-seed.service';
import { BookingsService } from './bookings.service';
import { CapacityService } from './capacity.service';
import { HoldEntity } from './hold.entity';
import { HoldSweeper } from './hold-sweeper';
import { HoldsController } from './holds.controller';
import { HoldsService } from './holds.service';
import { SessionAllowanceEntity } from './session-allowance.entity';
import { SessionEntity } from './session.entity';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { VenueEntity } from './venue.entity';
import { VenuesController } from './venues.controller';
import { VenuesService } from './venues.service';

/** Venues, sessions, holds, bookings and check-in. Reaches members only through MembersService. */
@Module({
  imports: [TypeOrmModule.forFeature([VenueEntity, SessionEntity, HoldEntity, BookingEntity, SessionAllowanceEntity]), MembersModule, EventsModule],
  controllers: [VenuesController, SessionsController, HoldsController, BookingsController],
  providers: [
    BookingsRepository,
    CapacityService,
    VenuesService,
    SessionsService,
    HoldsService,
    BookingsService,
    HoldSweeper,
    BookingsSeedService,
  ],
  exports: [VenuesService, SessionsService, HoldsService, BookingsService, BookingsSeedService],
})
export class BookingsModule {}
