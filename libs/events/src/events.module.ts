import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEventSink } from '@aero/auth';
import { EventEntity, EventSequencerEntity } from './event.entity';
import { EventsController } from './events.controller';
import { EventsFeedService } from './events-feed.service';
import { EventsPurger } from './events-purger';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';
import { CredentialLifecycle } from './webhooks/credential-lifecycle';
import { UserEventsAdapter } from './user-events.adapter';

/**
 * The events outbox: the writer features call inside their transactions, and its reader. Global, so the
 * auth lib (which the events lib depends on) gets its UserEventSink port filled without importing it.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([EventEntity, EventSequencerEntity])],
  providers: [EventsRepository, EventsService, CredentialLifecycle, { provide: UserEventSink, useClass: UserEventsAdapter }],
  exports: [EventsService, UserEventSink, CredentialLifecycle],
})
export class EventsModule {}

/** The API's part: `GET /v1/events` and the scheduled retention purge. */
@Module({
  imports: [EventsModule],
  controllers: [EventsController],
  providers: [EventsFeedService, EventsPurger],
})
export class EventsApiModule {}
