import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { IntervalJob } from '../scheduling/interval-job';
import { IdempotencyService } from './idempotency.service';

/** How often the API purges idempotency records past their retention. */
export const IDEMPOTENCY_PURGE_INTERVAL_MS = 15 * 60_000;

/**
 * Deletes expired idempotency records on a schedule in every API instance (a delete of rows nobody reads,
 * so concurrent purges are harmless). Expired rows are also ignored when met, so nothing waits for it.
 */
@Injectable()
export class IdempotencyPurger implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyPurger.name);
  private readonly job = new IntervalJob({
    name: 'idempotency purge',
    intervalMs: IDEMPOTENCY_PURGE_INTERVAL_MS,
    logger: this.logger,
    run: async () => {
      const purged = await this.idempotency.purgeExpired();
      if (purged > 0) this.logger.log(`purged ${purged} expired idempotency record(s)`);
    },
  });

  constructor(private readonly idempotency: IdempotencyService) {}

  onModuleInit(): void {
    this.job.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }
}
