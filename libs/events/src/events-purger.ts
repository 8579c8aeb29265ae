import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '@aero/core';
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
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly events: EventsService) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.tick(), EVENTS_PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.events
      .purgeExpired()
      .then((purged) => purged > 0 && this.logger.log(`purged ${purged} event(s) past retention`))
      .catch((error: unknown) => {
        if (error instanceof AppError) this.logger.warn(`events purge skipped: ${error.detail ?? error.message}`);
        else this.logger.error(`events purge failed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => (this.running = undefined));
  }
}
