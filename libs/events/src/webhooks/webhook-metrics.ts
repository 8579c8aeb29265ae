import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService, TransactionService } from '@aero/core';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhooksRepository } from './webhooks.repository';

/** Webhooks in /metrics: attempts and deliveries by outcome, attempt latency, per-endpoint lag, disabled endpoints. */
@Injectable()
export class WebhookMetrics {
  private readonly logger = new Logger(WebhookMetrics.name);
  readonly attempts: Counter<'outcome'>;
  readonly deliveries: Counter<'outcome'>;
  readonly latency: Histogram;
  readonly autoDisabled: Counter;
  readonly fannedOut: Counter;

  constructor(metrics: MetricsService, repo: WebhooksRepository, tx: TransactionService, dispatcher: WebhookDispatcher) {
    dispatcher.useMetrics(this);
    const registers = [metrics.registry];
    this.attempts = new Counter({
      name: 'webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome: succeeded (2xx in time), failed (retried), refused (target not allowed)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.deliveries = new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook deliveries finished, by outcome: succeeded, or failed once the retry schedule was spent',
      labelNames: ['outcome'] as const,
      registers,
    });
    for (const outcome of ['succeeded', 'failed', 'refused']) this.attempts.inc({ outcome }, 0);
    for (const outcome of ['succeeded', 'failed']) this.deliveries.inc({ outcome }, 0);
    this.latency = new Histogram({
      name: 'webhook_attempt_duration_seconds',
      help: 'Time from the start of a webhook attempt to the receiver\'s answer (or the timeout)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.autoDisabled = new Counter({
      name: 'webhook_endpoints_auto_disabled_total',
      help: 'Endpoints this instance disabled after failing for WEBHOOKS_DISABLE_AFTER_HOURS',
      registers,
    });
    this.fannedOut = new Counter({
      name: 'webhook_deliveries_created_total',
      help: 'Deliveries made from the events feed (one per endpoint and event)',
      registers,
    });
    // Refreshed by the dispatcher's rounds (at most once a second), so a scrape sends no query.
    this.disabledFailing = new Gauge({
      name: 'webhook_endpoints_disabled_failing',
      help: 'Endpoints disabled by the API because they kept failing (an admin must look and re-enable)',
      registers,
    });
    this.lag = new Gauge({
      name: 'webhook_endpoint_lag_seconds',
      help: 'Per enabled endpoint with events waiting, the age of its oldest event not yet delivered',
      labelNames: ['endpoint'] as const,
      registers,
    });
    this.refreshFrom = async () => {
      const [disabled, oldest] = await Promise.all([
        tx.read(() => repo.countDisabledForFailing()),
        tx.read(() => repo.oldestUndelivered()),
      ]);
      this.disabledFailing.set(disabled);
      this.lag.reset();
      const now = Date.now();
      for (const row of oldest) this.lag.set({ endpoint: row.endpointId }, Math.max(0, (now - row.oldest.getTime()) / 1000));
    };
  }

  private readonly disabledFailing: Gauge;
  private readonly lag: Gauge<'endpoint'>;
  private readonly refreshFrom: () => Promise<void>;
  private refreshedAt = 0;

  /** Re-reads the disabled-endpoint count and per-endpoint lag; a database that cannot answer keeps the last values. */
  async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.refreshedAt < 1000) return;
    this.refreshedAt = Date.now();
    try {
      await this.refreshFrom();
    } catch (error) {
      this.logger.warn(`webhook metrics not refreshed: ${(error as Error).message}`);
    }
  }
}
