#!/usr/bin/env node
// The rate limiter's own cost per request, outside HTTP: what the guard's one storage call costs in memory
// (idle key and a key with 10,000 hits in its window, beside @nestjs/throttler's default store), and with
// Redis (round trips per request, latency one at a time, throughput 50 at a time). Uses the compiled API
// (`nest build api`; set BENCH_SKIP_BUILD=1 to reuse dist/). Redis: REDIS_URL or 127.0.0.1:6379, under a
// throwaway key prefix that is deleted afterwards.
//
//   node scripts/bench-rate-limit.js
//   REDIS_URL=redis://10.0.0.5:6379 node scripts/bench-rate-limit.js
'use strict';
const { spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');

const root = join(__dirname, '..');
if (!process.env.BENCH_SKIP_BUILD) {
  const res = spawnSync('npx', ['nest', 'build', 'api'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
require('reflect-metadata');
const core = require(join(root, 'dist/apps/api/libs/core/src'));
const { ThrottlerStorageService } = require('@nestjs/throttler');
const { Redis } = require('ioredis');

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const prefix = `bench:rl:${randomBytes(4).toString('hex')}:`;

function config(redis) {
  const tier = { perMinute: 1e9, burst: 1e9 };
  return {
    redisUrl: redis ? redisUrl : undefined,
    rateLimit: {
      enabled: true,
      burstWindowSeconds: 10,
      apiKey: tier,
      admin: tier,
      staff: tier,
      member: tier,
      anonymous: tier,
      authFailuresPerMinute: 1e9,
      redisKeyPrefix: prefix,
      redisTimeoutMs: 1000,
      redisBreakerSeconds: 5,
      redisBreakerFailures: 3,
      expectedInstances: 1,
      quotaFlushMs: 1000,
      minuteWindowMs: 60_000,
    },
  };
}

// Monthly quotas are also counted in the database, as in the app: a SQLite database in memory, migrated.
const { DataSource } = require('typeorm');
const database = new DataSource({ type: 'better-sqlite3', database: ':memory:', migrations: core.MIGRATIONS });
const moduleRef = {
  get: (token) => {
    if (token === DataSource) return database;
    throw new Error('no metrics here');
  },
};

async function perCall(label, n, fn) {
  for (let i = 0; i < Math.min(n, 2000); i++) await fn(i); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  const us = Number(process.hrtime.bigint() - start) / 1000 / n;
  console.log(`${label.padEnd(64)}${us.toFixed(2).padStart(9)} µs/request`);
  return us;
}

async function main() {
  console.log(`rate limiter micro-benchmark, node ${process.version}, ${new Date().toISOString()}\n`);
  await database.initialize();
  await database.runMigrations();
  const key = (id) => ({ kind: 'apiKey', id, roles: [], rateLimitPerMinute: 1e9 });
  const quotaKey = (id) => ({ kind: 'apiKey', id, roles: [], monthlyQuota: 1e9 });

  // --- in memory -------------------------------------------------------------------------------------
  const memory = new core.RateLimiterService(config(false), new core.RateLimitStorage(config(false), moduleRef));
  await perCall('memory: guard check, burst+minute, a fresh key each time', 50_000, (i) => memory.check(key(`idle-${i}`), undefined));
  await perCall('memory: guard check, burst+minute, one key (busy: all hits on it)', 50_000, () => memory.check(key('busy'), undefined));
  await perCall('memory: guard check, burst+minute+monthly quota', 50_000, () => memory.check(quotaKey('quota'), undefined));
  await perCall('memory: anonymous (by IP)', 50_000, (i) => memory.check(undefined, `10.0.${(i >> 8) & 255}.${i & 255}`));

  const throttler = new ThrottlerStorageService();
  await perCall('@nestjs/throttler default store: increment, idle key', 2000, (i) => throttler.increment(`idle-${i}`, 60_000, 1e9, 0, 'default'));
  for (let i = 0; i < 10_000; i++) await throttler.increment('busy', 60_000, 1e9, 0, 'default');
  await perCall('@nestjs/throttler default store: increment, key with 10,000 hits', 2000, () => throttler.increment('busy', 60_000, 1e9, 0, 'default'));
  throttler.onApplicationShutdown?.();

  // --- Redis -----------------------------------------------------------------------------------------
  const storage = new core.RateLimitStorage(config(true), moduleRef);
  await storage.onModuleInit();
  const client = storage['redis'];
  await new Promise((resolve, reject) => {
    if (client.status === 'ready') return resolve();
    client.once('ready', resolve);
    setTimeout(() => reject(new Error(`no Redis at ${redisUrl}`)), 3000);
  });
  let commands = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, ...rest) => {
    commands++;
    return send(command, ...rest);
  };
  const ping = new Redis(redisUrl);
  await perCall('redis: bare PING round trip on this machine, for reference', 2000, () => ping.ping());
  ping.disconnect();
  const shared = new core.RateLimiterService(config(true), storage);
  await shared.check(quotaKey('warm'), undefined);
  commands = 0;
  const n = 5000;
  await perCall('redis: guard check, burst+minute+quota, one at a time (latency)', n, () => shared.check(quotaKey('r1'), undefined));
  console.log(`${'redis: commands sent per request (EVALSHA)'.padEnd(64)}${(commands / (n + Math.min(n, 2000))).toFixed(2).padStart(9)}`);
  const batches = 200;
  const start = process.hrtime.bigint();
  for (let b = 0; b < batches; b++) await Promise.all(Array.from({ length: 50 }, (_, i) => shared.check(quotaKey(`r2-${i}`), undefined)));
  const us = Number(process.hrtime.bigint() - start) / 1000 / (batches * 50);
  console.log(`${'redis: guard check, 50 concurrent (throughput)'.padEnd(64)}${us.toFixed(2).padStart(9)} µs/request`);
  // What RATE_LIMIT_REDIS_TIMEOUT_MS is set from: each call's latency with 50 in flight, as the guard sees it.
  const latencies = [];
  for (let b = 0; b < batches; b++) {
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const t0 = process.hrtime.bigint();
        await shared.check(quotaKey(`r3-${i}`), undefined);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }),
    );
  }
  latencies.sort((x, y) => x - y);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  console.log(`${'redis: per-call latency, 50 concurrent, p50 / p99 / p99.9 / max (ms)'.padEnd(64)}${`${at(0.5)} / ${at(0.99)} / ${at(0.999)} / ${at(1)}`.padStart(9)}`);
  console.log(`${'redis: sharing state'.padEnd(64)}${storage.sharing.padStart(9)}`);
  await storage.reset('');
  await storage.onModuleDestroy();
  await database.destroy();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
