#!/usr/bin/env node
// `npm run bench`: the production build under autocannon, one scenario after another, on a throwaway
// SQLite database. Reports requests/s, latency percentiles, database statements per request (from
// /metrics db_queries_total) and each scenario's throughput as a ratio of the health probe's, all from
// this one run. Numbers vary by machine and load; compare ratios, not absolute figures.
//
//   npm run bench                       # 10 connections, 5 s per scenario
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=20 npm run bench
//   BENCH_SKIP_BUILD=1 npm run bench    # reuse dist/
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const net = require('node:net');
const autocannon = require('autocannon');

const root = join(__dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const memberCount = Number(process.env.BENCH_MEMBERS ?? 5000);

const work = mkdtempSync(join(tmpdir(), 'aero-bench-'));
const env = {
  ...process.env,
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  DB_TYPE: 'sqlite',
  DB_DATABASE: join(work, 'bench.sqlite'),
  JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
  API_KEY_PEPPER: randomBytes(32).toString('hex'),
  BOOKINGS_MAX_ACTIVE_PER_MEMBER_SESSION: '100',
  // Traffic control stays on (its cost is part of every request) with limits the load never reaches;
  // `RATE_LIMIT_ENABLED=false npm run bench` runs the same routes without it, `REDIS_URL=…` with Redis.
  ...Object.fromEntries(
    ['API_KEY', 'ADMIN', 'STAFF', 'MEMBER', 'ANONYMOUS'].flatMap((tier) => [
      [`RATE_LIMIT_${tier}_PER_MINUTE`, '1000000000'],
      [`RATE_LIMIT_${tier}_BURST`, '1000000000'],
    ]),
  ),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '1000000000',
};

function run(cmd, args, extraEnv = {}) {
  const res = spawnSync(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${res.stderr}${res.stdout}`);
  return res.stdout;
}

function cli(...args) {
  return run(process.execPath, [join(root, 'dist/apps/cli/apps/cli/src/main.js'), ...args]);
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function call(base, method, path, headers = {}, body) {
  const res = await fetch(base + path, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function queriesSoFar(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^db_queries_total (\d+)$/m.exec(text)?.[1] ?? NaN);
}

async function scenario(base, name, options) {
  const before = await queriesSoFar(base);
  const result = await autocannon({ url: base + options.path, connections, duration: seconds, ...options, path: undefined });
  const after = await queriesSoFar(base);
  const total = result.requests.total;
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    errors: result.non2xx + result.errors,
    // /metrics itself is scraped once between the two readings and costs no statement.
    queriesPerRequest: total > 0 ? (after - before) / total : NaN,
  };
}

async function main() {
  if (!process.env.BENCH_SKIP_BUILD) {
    process.stderr.write('building (nest build api, cli)…\n');
    run('npx', ['nest', 'build', 'api']);
    run('npx', ['nest', 'build', 'cli']);
  }
  process.stderr.write(`preparing data in ${work}…\n`);
  cli('db:migrate');
  const adminKey = JSON.parse(cli('api-keys:create', '--name', 'bench admin', '--app', 'internal', '--scopes', 'admin', '--json')).key;
  const readKey = JSON.parse(
    cli('api-keys:create', '--name', 'bench kiosk', '--app', 'kiosk', '--scopes', 'members:read,bookings:read,bookings:write,venues:read', '--json'),
  ).key;
  const password = randomBytes(12).toString('base64url');
  cli('users:create', '--email', 'bench-staff@example.com', '--password', password, '--role', 'staff');
  const rows = ['firstName,lastName,dateOfBirth,email,phone,guardianEmail'];
  for (let i = 0; i < memberCount; i++) {
    rows.push(`Member${i},Bench${String(i).padStart(5, '0')},1990-01-01,bench${i}@example.com,,`);
  }
  writeFileSync(join(work, 'members.csv'), rows.join('\n') + '\n');
  cli('members:import', '--file', join(work, 'members.csv'));

  const port = await freePort();
  const api = spawn(process.execPath, [join(root, 'dist/apps/api/apps/api/src/main.js')], {
    cwd: root,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/health/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (i > 100) throw new Error('API did not become ready');
      await new Promise((r) => setTimeout(r, 200));
    }
    const admin = { 'x-api-key': adminKey };
    const key = { 'x-api-key': readKey };
    const login = await call(base, 'POST', '/v1/auth/login', {}, { email: 'bench-staff@example.com', password });
    const jwt = { authorization: `Bearer ${login.accessToken}` };
    const venue = await call(base, 'POST', '/v1/venues', admin, { name: 'Bench Park', timeZone: 'America/Toronto' });
    const day = new Date(Date.now() + 86400000);
    day.setUTCHours(14, 0, 0, 0);
    const session = await call(base, 'POST', '/v1/sessions', admin, {
      venueId: venue.id,
      activity: 'Open Jump',
      startsAt: day.toISOString(),
      endsAt: new Date(day.getTime() + 3600000).toISOString(),
      capacity: 10000,
    });
    const from = day.toISOString().slice(0, 10);
    const to = new Date(day.getTime() + 7 * 86400000).toISOString().slice(0, 10);
    let cursor;
    for (let page = 0; page < Math.floor(memberCount / 100) - 2; page++) {
      const res = await call(base, 'GET', `/v1/members?limit=100${cursor ? `&cursor=${cursor}` : ''}`, admin);
      cursor = res.nextCursor;
    }

    // Warm up JIT and connection pools so the first scenario is not penalised.
    await autocannon({ url: `${base}/v1/auth/me`, headers: key, connections, duration: 2 });
    const results = [];
    const runs = [
      ['health (public, no auth)', { path: '/health/live' }],
      ['GET /v1/auth/me with API key', { path: '/v1/auth/me', headers: key }],
      ['GET /v1/auth/me with JWT', { path: '/v1/auth/me', headers: jwt }],
      ['availability (7 days)', { path: `/v1/sessions?venueId=${venue.id}&from=${from}&to=${to}`, headers: key }],
      ['members page 1 (limit 50)', { path: '/v1/members?limit=50', headers: admin }],
      [`members deep page (~${memberCount - 200})`, { path: `/v1/members?limit=50&cursor=${cursor}`, headers: admin }],
      [
        'POST /v1/holds (write)',
        { path: '/v1/holds', method: 'POST', headers: { ...key, 'content-type': 'application/json' }, body: JSON.stringify({ sessionId: session.id, quantity: 1 }) },
      ],
    ];
    for (const [name, options] of runs) {
      process.stderr.write(`running ${name}…\n`);
      results.push(await scenario(base, name, options));
    }
    const baseline = results[0].rps;
    const pad = (s, n) => String(s).padEnd(n);
    const num = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
    console.log(`\nAeroSports Core API benchmark — ${connections} connections × ${seconds} s per scenario, SQLite, ${new Date().toISOString()}`);
    console.log(`${pad('scenario', 38)}${pad('req/s', 10)}${pad('× health', 10)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('non-2xx', 9)}queries/req`);
    for (const r of results) {
      console.log(
        `${pad(r.name, 38)}${pad(num(r.rps), 10)}${pad(num(r.rps / baseline, 2), 10)}${pad(num(r.p50), 8)}${pad(num(r.p99), 8)}${pad(r.errors, 9)}${num(r.queriesPerRequest, 2)}`,
      );
    }
    if (results.some((r) => r.ok === 0)) process.exitCode = 1;
    // What usage recording adds to each request, measured in-process (scripts/bench-usage.js).
    console.log('');
    const usage = spawnSync(process.execPath, [join(__dirname, 'bench-usage.js')], { cwd: root, stdio: 'inherit' });
    if (usage.status !== 0) process.exitCode = 1;
  } finally {
    api.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.message}\n`);
  process.exit(1);
});
