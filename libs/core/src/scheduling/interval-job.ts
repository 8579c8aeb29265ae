import type { Logger } from '@nestjs/common';
import { AppError } from '../errors/app-error';

export interface IntervalJobOptions {
  /** Names the job in its log lines: `<name> skipped: …` for an AppError, `<name> failed: …` otherwise. */
  readonly name: string;
  readonly intervalMs: number;
  /** The owner's logger, so the lines keep its context. */
  readonly logger: Pick<Logger, 'warn' | 'error'>;
  /** One run of the job. */
  readonly run: () => Promise<unknown>;
}

/**
 * Runs a background job every `intervalMs` in each instance, for the owner's `onModuleInit` /
 * `onModuleDestroy`. The timer never keeps the process alive; a tick that comes while the last run is still
 * going is skipped rather than stacked; stopping waits for the run in progress. A failed run is logged and
 * the next tick tries again: an AppError (a classified fault, e.g. the database unavailable) as a warning,
 * anything else as an error.
 */
export class IntervalJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly options: IntervalJobOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress (which never rejects). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    const { name, logger, run } = this.options;
    // Called from an async function, so a job that throws before its first await is caught as well.
    this.running = (async () => run())()
      .catch((error: unknown) => {
        if (error instanceof AppError) logger.warn(`${name} skipped: ${error.detail ?? error.message}`);
        else logger.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => (this.running = undefined));
  }
}
