import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, AppError } from '@aero/core';
import { HoldsService } from './holds.service';

/**
 * Gives expired holds' places back every `BOOKINGS_HOLD_SWEEP_INTERVAL_SECONDS`, without anyone asking.
 * Reads also treat a lapsed hold as free, so correctness never waits for the sweeper.
 */
@Injectable()
export class HoldSweeper implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(HoldSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly holds: HoldsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.tick(), this.config.bookings.holdSweepIntervalSeconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.holds
      .sweepExpired()
      .catch((error: unknown) => {
        // Database faults arrive classified (503 AppError): expected during an outage, retried next tick.
        if (error instanceof AppError) this.logger.warn(`hold sweep skipped: ${error.detail ?? error.message}`);
        else this.logger.error(`hold sweep failed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => (this.running = undefined));
  }
}
