import type { BeforeApplicationShutdown, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AppConfig } from '@aero/core';
import type { UsageRecord } from './usage-record';
import { UsageMetrics } from './usage.metrics';

/** Where flushed records go (the repository in the app; a fake in unit tests). */
export abstract class UsageSink {
  abstract insertEvents(records: UsageRecord[]): Promise<void>;
}

/**
 * The in-memory side of the ledger. `record` only pushes onto a bounded array (no I/O, no await); batches
 * are written every USAGE_FLUSH_INTERVAL_MS or as soon as USAGE_FLUSH_BATCH_SIZE records wait. A failed
 * batch is retried, then dropped and counted; requests never wait for any of it. On shutdown it waits for
 * in-flight requests (up to HTTP_SHUTDOWN_GRACE_MS) and writes what is buffered, before the database closes.
 */
@Injectable()
export class UsageRecorder implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(UsageRecorder.name);
  private buffer: UsageRecord[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private kicked = false;
  private inFlight = 0;
  private idle?: () => void;
  /** Waits between attempts of one batch; after the last, the batch is dropped. */
  retryDelaysMs = [100, 500];
  private readonly capacity: number;
  private readonly batchSize: number;

  constructor(
    private readonly config: AppConfig,
    private readonly sink: UsageSink,
    private readonly metrics: UsageMetrics,
    @Optional() private readonly httpHost?: HttpAdapterHost,
  ) {
    this.capacity = config.usage.bufferSize;
    this.batchSize = config.usage.flushBatchSize;
    metrics.watchBuffer(() => this.buffer.length);
  }

  get buffered(): number {
    return this.buffer.length;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.usage.flushIntervalMs);
    this.timer.unref();
  }

  /** Called by the middleware when a request starts, so shutdown can wait for it to finish. */
  begin(): void {
    this.inFlight++;
  }

  /** Called once per request when its response is done (or the client went away). */
  record(record: UsageRecord): void {
    if (--this.inFlight <= 0) {
      this.inFlight = 0;
      this.idle?.();
    }
    if (this.buffer.length >= this.capacity) {
      this.metrics.records.inc({ outcome: 'overflow' });
      return;
    }
    this.buffer.push(record);
    if (this.buffer.length >= this.batchSize && !this.kicked) {
      this.kicked = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Writes what is buffered now, in batches; joins a flush already running. Never rejects. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.kicked = false;
    if (this.buffer.length === 0) return Promise.resolve();
    this.flushing = this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async drain(): Promise<void> {
    // Only what is there now: under steady traffic a flush must end, the next tick takes the rest.
    let budget = this.buffer.length;
    while (budget > 0 && this.buffer.length > 0) {
      const batch = this.buffer.length <= this.batchSize ? this.buffer : this.buffer.slice(0, this.batchSize);
      if (batch === this.buffer) this.buffer = [];
      else this.buffer = this.buffer.slice(batch.length);
      budget -= batch.length;
      await this.write(batch);
    }
  }

  private async write(batch: UsageRecord[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sink.insertEvents(batch);
        this.metrics.records.inc({ outcome: 'written' }, batch.length);
        return;
      } catch (error) {
        this.metrics.flushFailures.inc();
        const delay = this.retryDelaysMs[attempt];
        if (delay === undefined) {
          this.metrics.records.inc({ outcome: 'flush_failed' }, batch.length);
          this.logger.warn(
            `dropped ${batch.length} usage record(s) after ${attempt + 1} failed write(s): ${error instanceof Error ? error.message : String(error)}`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  /** Before the database closes: let in-flight requests finish, then write everything. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    if (this.inFlight > 0) {
      // Nest closes the listener only after this hook: stop taking connections now, so the wait ends.
      const server: unknown = this.httpHost?.httpAdapter?.getHttpServer();
      if (server && typeof (server as { close?: unknown }).close === 'function')
        (server as { close(): void }).close();
      await new Promise<void>((resolve) => {
        const giveUp = setTimeout(resolve, this.config.http.shutdownGraceMs);
        giveUp.unref();
        this.idle = () => {
          clearTimeout(giveUp);
          resolve();
        };
      });
    }
    await this.flush();
    while (this.buffer.length > 0) await this.flush();
  }

  /** Anything recorded after the final flush (a request that slipped in during close) is counted as lost. */
  onApplicationShutdown(): void {
    if (this.buffer.length > 0) {
      this.metrics.records.inc({ outcome: 'flush_failed' }, this.buffer.length);
      this.logger.warn(`dropped ${this.buffer.length} usage record(s) that arrived after the final flush`);
      this.buffer = [];
    }
  }
}
