import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '@aero/core';
import { ANOMALY_REASONS } from './anomalies';
import type { AnomalyReasonCode } from './anomalies';

/** The usage ledger's own health in /metrics: what was written, what was lost and why, what is flagged. */
@Injectable()
export class UsageMetrics {
  /** Records by outcome: `written`, `overflow` (buffer full) or `flush_failed` (dropped after retries). */
  readonly records: Counter<'outcome'>;
  readonly flushFailures: Counter;
  readonly anomalies: Gauge<'reason'>;
  private bufferedNow: () => number = () => 0;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.records = new Counter({
      name: 'usage_records_total',
      help: 'Usage records by outcome: written, overflow (buffer full, dropped) or flush_failed (dropped after retries)',
      labelNames: ['outcome'] as const,
      registers,
    });
    for (const outcome of ['written', 'overflow', 'flush_failed']) this.records.inc({ outcome }, 0);
    this.flushFailures = new Counter({
      name: 'usage_flush_failures_total',
      help: 'Failed attempts to write a batch of usage records (each batch is retried before it is dropped)',
      registers,
    });
    const buffered = (): number => this.bufferedNow();
    new Gauge({
      name: 'usage_buffer_records',
      help: 'Usage records waiting in memory for the next flush',
      registers,
      collect() {
        this.set(buffered());
      },
    });
    this.anomalies = new Gauge({
      name: 'usage_anomalies',
      help: 'Principals flagged as anomalous at the last evaluation, by reason (volume, errorRate, throttleRate, clientIps)',
      labelNames: ['reason'] as const,
      registers,
    });
    for (const reason of ANOMALY_REASONS) this.anomalies.set({ reason }, 0);
  }

  watchBuffer(read: () => number): void {
    this.bufferedNow = read;
  }

  setAnomalies(counts: Record<AnomalyReasonCode, number>): void {
    for (const reason of ANOMALY_REASONS) this.anomalies.set({ reason }, counts[reason]);
  }
}
