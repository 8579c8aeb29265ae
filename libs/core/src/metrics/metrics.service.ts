import { Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { QueryCounterLogger } from '../database/query-counter.logger';
import type { DatabaseResilienceStats } from '../database/resilience';
import { TransactionService } from '../database/transaction.service';

/** The Prometheus registry of this app instance (one per app, so tests can boot several). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** Requests refused because the instance was shutting down (503 `service-draining`): a deploy, not an outage. */
  readonly drainingRefusals = new Counter({
    name: 'http_draining_refusals_total',
    help: 'Requests refused with 503 service-draining because this instance was shutting down (not timed in http_request_duration_seconds)',
    registers: [this.registry],
  });

  constructor(@Optional() dataSource?: DataSource, @Optional() tx?: TransactionService) {
    collectDefaultMetrics({ register: this.registry });
    if (tx) this.registerResilience(tx.breaker.stats, tx.dialect);
    const logger = dataSource?.logger;
    if (logger instanceof QueryCounterLogger) {
      // Read at scrape time from the data source's counter: no work per query beyond an increment.
      let reported = 0;
      new Counter({
        name: 'db_queries_total',
        help: 'SQL statements sent to the database by this instance',
        registers: [this.registry],
        collect() {
          this.inc(logger.count - reported);
          reported = logger.count;
        },
      });
    }
  }

  /** Breaker state, transitions, retries and refusals, read at scrape time from plain counters. */
  private registerResilience(stats: DatabaseResilienceStats, dialect: string): void {
    const states = ['closed', 'half-open', 'open', 'isolated'] as const;
    new Gauge({
      name: 'db_circuit_breaker_state',
      help: 'Database circuit breaker: 1 for the current state (closed, half-open, open), 0 otherwise',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        for (const state of states) this.set({ state }, stats.state === state ? 1 : 0);
      },
    });
    const counter = (name: string, help: string, read: () => number) => {
      let reported = 0;
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          const value = read();
          this.inc(value - reported);
          reported = value;
        },
      });
    };
    const transitions: Record<string, number> = { closed: 0, 'half-open': 0, open: 0 };
    new Counter({
      name: 'db_circuit_breaker_transitions_total',
      help: 'Database circuit breaker state changes, by the state entered',
      labelNames: ['to'] as const,
      registers: [this.registry],
      collect() {
        for (const to of ['closed', 'half-open', 'open'] as const) {
          this.inc({ to }, stats.transitions[to] - transitions[to]);
          transitions[to] = stats.transitions[to];
        }
      },
    });
    const reconnects = { recovered: 0, failed: 0 };
    new Counter({
      name: 'db_reconnects_total',
      help: 'Units of work re-run at once on a fresh connection after their pooled one was dropped, by how the re-run ended',
      labelNames: ['dialect', 'outcome'] as const,
      registers: [this.registry],
      collect() {
        for (const outcome of ['recovered', 'failed'] as const) {
          this.inc({ dialect, outcome }, stats.reconnectOutcomes[outcome] - reconnects[outcome]);
          reconnects[outcome] = stats.reconnectOutcomes[outcome];
        }
      },
    });
    counter('db_transaction_retries_total', 'Transactions re-run after a transient database error', () => stats.retries);
    counter(
      'db_retry_budget_exhausted_total',
      'Transient failures answered 503 because the retry budget was spent',
      () => stats.retryBudgetExhausted,
    );
    counter(
      'db_circuit_breaker_rejections_total',
      'Database calls refused at once (503) because the breaker was open or probing',
      () => stats.rejectedByBreaker,
    );
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
