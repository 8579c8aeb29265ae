#!/usr/bin/env node
// `npm run bench:usage`: what usage recording costs one request, measured in-process (no HTTP noise).
// 1. the request path: UsageMiddleware.use + the 'close' listener pushing the record into the buffer,
//    over N synthetic request/response pairs, minus the same loop without the middleware;
// 2. the write path, off the request: batched multi-row INSERTs of those records into SQLite (per record).
//
//   npm run bench:usage            # 100k synthetic requests
//   BENCH_USAGE_REQUESTS=500000 npm run bench:usage
'use strict';
const { EventEmitter } = require('node:events');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

const root = join(__dirname, '..');
process.chdir(root);
require('ts-node').register({ project: join(root, 'tsconfig.json'), transpileOnly: true, swc: true });
require('tsconfig-paths').register({
  baseUrl: root,
  paths: require('../tsconfig.json').compilerOptions.paths,
});
require('reflect-metadata');

const { DataSource } = require('typeorm');
const { MetricsService, MIGRATIONS } = require('../libs/core/src');
const { UsageMetrics } = require('../libs/usage/src/usage.metrics');
const { UsageMiddleware } = require('../libs/usage/src/usage.middleware');
const { UsageRecorder, UsageSink } = require('../libs/usage/src/usage.recorder');
const { UsageRepository } = require('../libs/usage/src/usage.repository');
const {
  UsageEventEntity,
  UsageHourlyEntity,
  UsageRollupHourEntity,
} = require('../libs/usage/src/usage.entities');

const N = Number(process.env.BENCH_USAGE_REQUESTS ?? 100_000);
const principal = {
  kind: 'apiKey',
  id: '3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b',
  app: 'kiosk',
  roles: [],
  scopes: [],
};
const headers = { 'content-length': '312' };

function pair() {
  const req = Object.assign(new EventEmitter(), {
    method: 'GET',
    ip: '203.0.113.7',
    baseUrl: '/v1/sessions',
    route: { path: '/:id/availability' },
    principal,
  });
  const res = Object.assign(new EventEmitter(), {
    statusCode: 200,
    writableFinished: true,
    getHeader: (name) => headers[name],
  });
  return { req, res };
}

function run(handle) {
  const next = () => undefined;
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    const { req, res } = pair();
    handle(req, res, next);
    res.emit('close');
  }
  return ((performance.now() - start) * 1000) / N; // µs per request
}

class NullSink extends UsageSink {
  async insertEvents() {}
}

async function main() {
  const config = {
    usage: { bufferSize: N + 1, flushIntervalMs: 60_000, flushBatchSize: N + 1 },
    http: { shutdownGraceMs: 0 },
    db: { type: 'sqlite' },
  };
  const metrics = new UsageMetrics(new MetricsService());
  const recorder = new UsageRecorder(config, new NullSink(), metrics);
  const middleware = new UsageMiddleware(recorder);
  const baseline = (req, res, next) => {
    res.once('close', () => undefined);
    next();
  };
  // Warm up both paths, then measure each three times and keep the best (least disturbed) run.
  run(baseline);
  run((req, res, next) => middleware.use(req, res, next));
  const take = () => recorder['buffer'].splice(0);
  take();
  let base = Infinity;
  let usage = Infinity;
  let records = [];
  for (let round = 0; round < 3; round++) {
    base = Math.min(base, run(baseline));
    usage = Math.min(
      usage,
      run((req, res, next) => middleware.use(req, res, next)),
    );
    records = take();
  }

  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    entities: [UsageEventEntity, UsageHourlyEntity, UsageRollupHourEntity],
    migrations: MIGRATIONS,
    migrationsRun: true,
  });
  await dataSource.initialize();
  const repo = new UsageRepository(dataSource, {}, config);
  const writeStart = performance.now();
  for (let i = 0; i < records.length; i += 500) await repo.insertEvents(records.slice(i, i + 500));
  const writeUs = ((performance.now() - writeStart) * 1000) / records.length;
  await dataSource.destroy();

  const fmt = (n) => n.toFixed(2).padStart(8);
  console.log(
    `usage recording, ${N.toLocaleString('en')} synthetic requests (best of 3), ${process.version}`,
  );
  console.log(
    `  request path, per request  ${fmt(usage - base)} µs   (middleware + buffer push; loop without it: ${base.toFixed(2)} µs)`,
  );
  console.log(
    `  write path, per record     ${fmt(writeUs)} µs   (off the request: 500-row batches into SQLite in memory)`,
  );
  console.log(`  target: within 10 µs per request on the request path`);
}

main().catch((error) => {
  console.error(`bench:usage failed: ${error.stack ?? error}`);
  process.exit(1);
});
