import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventEntity, EventSequencerEntity } from './event.entity';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';
import { CredentialLifecycle } from './webhooks/credential-lifecycle';

/** The events outbox: the writer features call inside their transactions, and the feed's reader. */
@Module({
  imports: [TypeOrmModule.forFeature([EventEntity, EventSequencerEntity])],
  providers: [EventsRepository, EventsService, CredentialLifecycle],
  exports: [EventsService, CredentialLifecycle],
})
export class EventsModule {}
