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
    const logger = this.logger;
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
    // Read at scrape time; a database that cannot answer leaves the previous values (and /metrics up).
    new Gauge({
      name: 'webhook_endpoints_disabled_failing',
      help: 'Endpoints disabled by the API because they kept failing (an admin must look and re-enable)',
      registers,
      async collect() {
        try {
          this.set(await tx.read(() => repo.countDisabledForFailing()));
        } catch (error) {
          logger.warn(`webhook metrics: ${(error as Error).message}`);
        }
      },
    });
    new Gauge({
      name: 'webhook_endpoint_lag_seconds',
      help: 'Per enabled endpoint, the age of its oldest event not yet delivered (0 when none is waiting)',
      labelNames: ['endpoint'] as const,
      registers,
      async collect() {
        try {
          const rows = await tx.read(() => repo.oldestUndelivered());
          this.reset();
          const now = Date.now();
          for (const row of rows) this.set({ endpoint: row.endpointId }, Math.max(0, (now - row.oldest.getTime()) / 1000));
        } catch (error) {
          logger.warn(`webhook metrics: ${(error as Error).message}`);
        }
      },
    });
  }
}
