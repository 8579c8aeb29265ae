import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { IntervalJob } from '@aero/core';
import { EventsService } from './events.service';

/** How often each API instance purges events past EVENTS_RETENTION_DAYS. */
export const EVENTS_PURGE_INTERVAL_MS = 15 * 60_000;

/**
 * Deletes events past their retention on a schedule, in batches (a delete of rows nobody will read again,
 * so two instances purging at once only share the work).
 */
@Injectable()
export class EventsPurger implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventsPurger.name);
  private readonly job = new IntervalJob({
    name: 'events purge',
    intervalMs: EVENTS_PURGE_INTERVAL_MS,
    logger: this.logger,
    run: async () => {
      const purged = await this.events.purgeExpired();
      if (purged > 0) this.logger.log(`purged ${purged} event(s) past retention`);
    },
  });

  constructor(private readonly events: EventsService) {}

  onModuleInit(): void {
    this.job.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }
}
