import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, IntervalJob } from '@aero/core';
import { countByReason } from './anomalies';
import { HOUR_MS } from './rollup';
import { UsageMetrics } from './usage.metrics';
import { UsageService } from './usage.service';

/**
 * Every USAGE_ROLLUP_INTERVAL_SECONDS: rolls up closed hours and re-evaluates anomaly flags (the
 * `usage_anomalies` gauge); once an hour it also applies retention. Each instance runs it; the roll-up
 * claim makes that safe, and pruning twice deletes nothing twice.
 */
@Injectable()
export class UsageScheduler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(UsageScheduler.name);
  private readonly job: IntervalJob;
  private lastPruneAt = 0;

  constructor(
    private readonly usage: UsageService,
    private readonly metrics: UsageMetrics,
    config: AppConfig,
  ) {
    this.job = new IntervalJob({
      name: 'usage job',
      intervalMs: config.usage.rollupIntervalSeconds * 1000,
      logger: this.logger,
      // Every failure is a warning here, an unclassified one too: the next tick tries again.
      run: () =>
        this.runOnce().catch((error: unknown) =>
          this.logger.warn(`usage job failed: ${error instanceof Error ? error.message : String(error)}`),
        ),
    });
  }

  onModuleInit(): void {
    this.job.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  /** One run of the job; also what tests call instead of waiting for the timer. */
  async runOnce(now = Date.now()): Promise<void> {
    if (now - this.lastPruneAt >= HOUR_MS) {
      this.lastPruneAt = now;
      await this.usage.prune(now);
    } else {
      await this.usage.rollUpClosedHours(now);
    }
    this.metrics.setAnomalies(countByReason(await this.usage.anomalies(now)));
  }
}
