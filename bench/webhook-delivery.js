#!/usr/bin/env node
// `npm run bench:webhooks` (and a step of `npm run bench`): the webhookDelivery scenario — events per second
// from the commit of the change to a local receiver's 2xx, through the real outbox, fan-out, claims, signing
// and HTTP sends of one API instance (in-process, SQLite file or DB_TYPE=postgres), to a receiver on
// 127.0.0.1 answering 204. Also reports the p50/p95 of commit→2xx per event.
//
//   npm run bench:webhooks                    # 2,000 events, 4 in flight; writes bench/results/webhook-delivery.json
//   npm run bench:webhooks -- --quick         # 200 events, a smoke run
//   BENCH_WEBHOOK_EVENTS=10000 WEBHOOKS_MAX_IN_FLIGHT=16 npm run bench:webhooks
'use strict';
const { createServer } = require('node:http');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { randomBytes } = require('node:crypto');

const root = join(__dirname, '..');
process.chdir(root);
require('ts-node').register({ project: join(root, 'tsconfig.json'), transpileOnly: true, swc: true });
require('tsconfig-paths').register({ baseUrl: root, paths: require('../tsconfig.json').compilerOptions.paths });
require('reflect-metadata');

const quick = process.argv.includes('--quick');
const N = Number(process.env.BENCH_WEBHOOK_EVENTS ?? (quick ? 200 : 2000));

async function main() {
  const { loadConfig, TransactionService } = require('../libs/core/src');
  const { EventsService, WebhookEndpointsService, WebhookDispatcher } = require('../libs/events/src');
  const { createApiApp } = require('../apps/api/src/create-api-app');

  const arrived = new Map();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      if (!arrived.has(id)) arrived.set(id, performance.now());
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${receiver.address().port}/hooks`;

  const dir = mkdtempSync(join(tmpdir(), 'aero-bench-webhooks-'));
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
    API_KEY_PEPPER: randomBytes(32).toString('hex'),
    WEBHOOKS_SECRET_KEY: randomBytes(32).toString('hex'),
    WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOKS_DISPATCH_INTERVAL_MS: '20',
    RATE_LIMIT_ENABLED: 'false',
    DB_TYPE: process.env.DB_TYPE ?? 'sqlite',
    DB_DATABASE: process.env.DB_TYPE && process.env.DB_TYPE !== 'sqlite' ? process.env.DB_DATABASE : join(dir, 'bench.sqlite'),
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(DB_|WEBHOOKS_MAX_IN_FLIGHT)/.test(k) && k !== 'DB_DATABASE' && k !== 'DB_TYPE')),
  };
  const config = loadConfig(env, dir);
  const app = await createApiApp(config, { quiet: true });
  await app.init();
  try {
    const tx = app.get(TransactionService);
    const events = app.get(EventsService);
    await app.get(WebhookEndpointsService).create({ url, types: ['*'] }, 'cli');
    const committed = new Map();
    const started = performance.now();
    for (let i = 0; i < N; i++) {
      const event = await tx.run(() =>
        events.record('venue.updated', { venueId: null, actor: { kind: 'system', id: 'bench' }, data: { n: i } }),
      );
      committed.set(event.id, performance.now());
    }
    const committedAll = performance.now();
    const deadline = Date.now() + 120_000;
    while (arrived.size < N && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const done = performance.now();
    await app.get(WebhookDispatcher).drain();
    const latencies = [...committed].map(([id, at]) => (arrived.get(id) ?? Infinity) - at).sort((a, b) => a - b);
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    const result = {
      scenario: 'webhookDelivery',
      db: config.db.type,
      events: N,
      delivered: arrived.size,
      maxInFlight: config.webhooks.maxInFlight,
      eventsPerSecond: Math.round((arrived.size / (done - started)) * 1000),
      commitsPerSecond: Math.round((N / (committedAll - started)) * 1000),
      commitTo2xxMs: { p50: Math.round(pct(50)), p95: Math.round(pct(95)) },
    };
    console.log(JSON.stringify(result, null, 2));
    // `npm run bench` folds this file into latest.json (stations.webhookDelivery).
    if (!quick) writeFileSync(join(root, 'bench/results/webhook-delivery.json'), `${JSON.stringify(result, null, 2)}\n`);
    if (arrived.size < N) {
      console.error(`webhookDelivery: only ${arrived.size} of ${N} events arrived within 120 s`);
      process.exitCode = 1;
    }
  } finally {
    await app.close();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
