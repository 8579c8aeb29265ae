import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../errors/app-error';
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
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly idempotency: IdempotencyService) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.tick(), IDEMPOTENCY_PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.idempotency
      .purgeExpired()
      .then((purged) => purged > 0 && this.logger.log(`purged ${purged} expired idempotency record(s)`))
      .catch((error: unknown) => {
        if (error instanceof AppError) this.logger.warn(`idempotency purge skipped: ${error.detail ?? error.message}`);
        else this.logger.error(`idempotency purge failed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => (this.running = undefined));
  }
}
