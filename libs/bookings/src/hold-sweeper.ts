import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, IntervalJob } from '@aero/core';
import { HoldsService } from './holds.service';

/**
 * Gives expired holds' places back every `BOOKINGS_HOLD_SWEEP_INTERVAL_SECONDS`, without anyone asking.
 * Reads also treat a lapsed hold as free, so correctness never waits for the sweeper.
 */
@Injectable()
export class HoldSweeper implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(HoldSweeper.name);
  private readonly job: IntervalJob;

  constructor(holds: HoldsService, config: AppConfig) {
    // Database faults arrive classified (503 AppError): logged as a warning, retried next tick.
    this.job = new IntervalJob({
      name: 'hold sweep',
      intervalMs: config.bookings.holdSweepIntervalSeconds * 1000,
      logger: this.logger,
      run: () => holds.sweepExpired(),
    });
  }

  onModuleInit(): void {
    this.job.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }
}
