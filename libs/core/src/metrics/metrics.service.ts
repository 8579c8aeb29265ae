import { Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { QueryCounterLogger } from '../database/query-counter.logger';

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

  constructor(@Optional() dataSource?: DataSource) {
    collectDefaultMetrics({ register: this.registry });
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

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
