import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import type { AppConfig } from '@aero/core';
import { MetricsService } from '@aero/core';
import type { UsageRecord } from './usage-record';
import { UsageMetrics } from './usage.metrics';
import { UsageMiddleware } from './usage.middleware';
import { UsageRecorder, UsageSink } from './usage.recorder';

class FakeSink extends UsageSink {
  batches: UsageRecord[][] = [];
  failuresLeft = 0;
  async insertEvents(records: UsageRecord[]): Promise<void> {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('database is down');
    }
    this.batches.push([...records]);
  }
  get written(): number {
    return this.batches.reduce((n, b) => n + b.length, 0);
  }
}

const config = (usage: Partial<AppConfig['usage']> = {}): AppConfig =>
  ({
    usage: { bufferSize: 1000, flushIntervalMs: 1000, flushBatchSize: 100, ...usage },
    http: { shutdownGraceMs: 5000 },
  }) as AppConfig;

const record = (overrides: Partial<UsageRecord> = {}): UsageRecord => ({
  at: Date.now(),
  principalKind: 'apiKey',
  principalId: 'k1',
  app: 'kiosk',
  method: 'GET',
  route: '/v1/auth/me',
  status: 200,
  latencyUs: 1200,
  responseBytes: 80,
  clientIp: '10.0.0.1',
  throttled: false,
  replayed: false,
  ...overrides,
});

async function metricValue(metrics: MetricsService, name: string, outcome?: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const value = metric?.values.find((v) => outcome === undefined || v.labels.outcome === outcome);
  return value?.value ?? 0;
}

describe('UsageRecorder', () => {
  let metricsService: MetricsService;
  let sink: FakeSink;
  const make = (usage: Partial<AppConfig['usage']> = {}): UsageRecorder => {
    const recorder = new UsageRecorder(config(usage), sink, new UsageMetrics(metricsService));
    recorder.retryDelaysMs = [1, 1];
    return recorder;
  };

  beforeEach(() => {
    metricsService = new MetricsService();
    sink = new FakeSink();
  });

  it('keeps records in memory until a flush, then writes them in batches of the batch size', async () => {
    const recorder = make({ flushBatchSize: 100 });
    for (let i = 0; i < 250; i++) recorder.record(record());
    expect(sink.written).toBe(0);
    await recorder.flush();
    expect(sink.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(recorder.buffered).toBe(0);
    expect(await metricValue(metricsService, 'usage_records_total', 'written')).toBe(250);
  });

  it('starts a flush by itself once a batch is full, without waiting for the interval', async () => {
    const recorder = make({ flushBatchSize: 10 });
    for (let i = 0; i < 10; i++) recorder.record(record());
    await new Promise((resolve) => setImmediate(resolve));
    await recorder.flush();
    expect(sink.written).toBe(10);
  });

  it('drops records beyond the buffer size and counts them, never throwing to the caller', async () => {
    const recorder = make({ bufferSize: 3, flushBatchSize: 100 });
    for (let i = 0; i < 5; i++) expect(() => recorder.record(record())).not.toThrow();
    expect(recorder.buffered).toBe(3);
    expect(await metricValue(metricsService, 'usage_records_total', 'overflow')).toBe(2);
  });

  it('retries a failed write, and writes the batch when the database comes back', async () => {
    const recorder = make();
    sink.failuresLeft = 2;
    recorder.record(record());
    await recorder.flush();
    expect(sink.written).toBe(1);
    expect(await metricValue(metricsService, 'usage_flush_failures_total')).toBe(2);
    expect(await metricValue(metricsService, 'usage_records_total', 'flush_failed')).toBe(0);
  });

  it('drops and counts a batch that keeps failing, while recording goes on', async () => {
    const recorder = make();
    sink.failuresLeft = 3;
    recorder.record(record());
    recorder.record(record());
    const flushing = recorder.flush();
    recorder.record(record()); // during the failing flush: accepted at once
    await flushing;
    expect(await metricValue(metricsService, 'usage_records_total', 'flush_failed')).toBe(2);
    expect(recorder.buffered).toBe(1);
    await recorder.flush();
    expect(sink.written).toBe(1);
  });

  it('on shutdown waits for the requests in flight, then writes everything buffered', async () => {
    const recorder = make({ flushBatchSize: 100 });
    for (let i = 0; i < 150; i++) recorder.record(record());
    recorder.begin();
    const shutdown = recorder.beforeApplicationShutdown();
    await new Promise((resolve) => setImmediate(resolve));
    recorder.record(record({ status: 201 }));
    await shutdown;
    expect(sink.written).toBe(151);
    expect(sink.batches.flat().at(-1)?.status).toBe(201);
  });
});

describe('UsageMiddleware', () => {
  const finish = (
    status: number,
    options: { principal?: object; headers?: Record<string, string> } = {},
  ): UsageRecord => {
    const records: UsageRecord[] = [];
    const recorder = {
      begin: () => undefined,
      record: (r: UsageRecord) => records.push(r),
    } as unknown as UsageRecorder;
    const req = Object.assign(new EventEmitter(), {
      method: 'POST',
      ip: '203.0.113.9',
      baseUrl: '/v1/bookings',
      route: { path: '/:id/cancel' },
      principal: options.principal,
    }) as unknown as Request;
    const headers: Record<string, string> = { 'content-length': '42', ...options.headers };
    const res = Object.assign(new EventEmitter(), {
      statusCode: status,
      writableFinished: true,
      getHeader: (name: string) => headers[name.toLowerCase()],
    }) as unknown as Response;
    let nextCalled = false;
    new UsageMiddleware(recorder).use(req, res, () => (nextCalled = true));
    expect(nextCalled).toBe(true);
    expect(records).toHaveLength(0);
    res.emit('close');
    expect(records).toHaveLength(1);
    return records[0];
  };

  it('records a 429 as throttled and attributes a request without principal to anonymous', () => {
    expect(finish(429)).toMatchObject({
      principalKind: 'anonymous',
      principalId: '',
      status: 429,
      throttled: true,
      route: '/v1/bookings/:id/cancel',
      method: 'POST',
      clientIp: '203.0.113.9',
      responseBytes: 42,
    });
  });

  it('records the principal set by the guard and an idempotent replay', () => {
    const r = finish(201, {
      principal: { kind: 'apiKey', id: 'key-1', app: 'pos' },
      headers: { 'idempotent-replayed': 'true' },
    });
    expect(r).toMatchObject({
      principalKind: 'apiKey',
      principalId: 'key-1',
      app: 'pos',
      throttled: false,
      replayed: true,
    });
  });
});
