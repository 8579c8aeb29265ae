import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventEntity, EventSequencerEntity } from './event.entity';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

/** The events outbox: the writer features call inside their transactions, and the feed's reader. */
@Module({
  imports: [TypeOrmModule.forFeature([EventEntity, EventSequencerEntity])],
  providers: [EventsRepository, EventsService],
  exports: [EventsService],
})
export class EventsModule {}
