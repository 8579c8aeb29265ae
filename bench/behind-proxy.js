#!/usr/bin/env node
// throughputBehindProxy: the member read by key (`GET /v1/members/:id` with an API key) through HAProxy in
// front of 3 production instances (scripts/cluster.sh: PostgreSQL, Redis, NODE_ENV=production), beside the
// same request sent straight to one instance of the same cluster. Reports both req/s and the ratio
// proxy ÷ (3 × one instance): 1.0 would be perfect scaling. On a machine with fewer than 4 cores the
// instances, HAProxy and autocannon share the cores, so the ratio says more about the machine than the API;
// run it where each instance gets a core.
//
//   npm run bench:proxy                       # 3 rounds × 10 s, 60 connections; writes bench/results/behind-proxy.json
//   npm run bench:proxy -- --quick            # smoke: 1 round × 2 s, 10 connections (writes nothing)
//   options: --rounds N --seconds S --connections C --members M --out FILE
// Fails (exit 1) when any response is not a 200.
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir, cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');

const root = join(__dirname, '..');
const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const quick = argv.includes('--quick');
const rounds = Number(flag('rounds', quick ? 1 : 3));
const seconds = Number(flag('seconds', quick ? 2 : 10));
const connections = Number(flag('connections', quick ? 10 : 60));
const members = Number(flag('members', quick ? 200 : 5000));
const out = flag('out', quick ? undefined : join(root, 'bench/results/behind-proxy.json'));

const log = (message) => process.stderr.write(`[bench:proxy ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

const state = mkdtempSync(join(tmpdir(), 'aero-bench-proxy-'));
const port = 30000 + Math.floor(Math.random() * 20000);
const envFile = join(state, 'extra.env');
// The limiter counts every request but never refuses one, as in bench/run.js; request logs on, as production.
writeFileSync(
  envFile,
  ['API_KEY', 'ADMIN', 'STAFF', 'MEMBER', 'ANONYMOUS']
    .flatMap((tier) => [`RATE_LIMIT_${tier}_PER_MINUTE=1000000000`, `RATE_LIMIT_${tier}_BURST=1000000000`])
    .join('\n') + '\n',
);
const clusterEnv = {
  ...process.env,
  CLUSTER_STATE_DIR: state,
  CLUSTER_PORT: String(port),
  CLUSTER_DB_NAME: `aero_bench_proxy_${process.pid}`,
  CLUSTER_ENV_FILE: envFile,
  SEED_MEMBERS: String(members),
};
const cluster = (...args) =>
  execFileSync('bash', [join(root, 'scripts/cluster.sh'), ...args], { cwd: root, env: clusterEnv, maxBuffer: 256 * 1024 * 1024 }).toString();

async function measure(base, seed) {
  let i = 0;
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        path: `/v1/members/${seed.memberIds[0]}`,
        headers: { 'x-api-key': seed.kioskKey },
        setupRequest: (req) => ({ ...req, path: `/v1/members/${seed.memberIds[(i = (i + 7919) % seed.memberIds.length)]}` }),
      },
    ],
  });
  const non200 = Object.entries(result.statusCodeStats ?? {}).filter(([code]) => code !== '200');
  const errors = non200.reduce((n, [, { count }]) => n + count, 0) + result.errors + result.timeouts;
  return { rps: result.requests.total / seconds, p50Ms: result.latency.p50, p99Ms: result.latency.p99, errors };
}

async function main() {
  if (!argv.includes('--skip-build') && !process.env.BENCH_SKIP_BUILD) {
    log('building (npm run build)');
    execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  log(`starting the cluster on 127.0.0.1:${port} (3 instances, HAProxy, Redis, PostgreSQL)`);
  cluster('up');
  try {
    log(`seeding ${members} members`);
    const seed = JSON.parse(cluster('seed').trim().split('\n').pop());
    const proxy = `http://127.0.0.1:${port}`;
    const single = `http://127.0.0.1:${port + 1}`;
    log('warming up');
    await measure(proxy, seed);
    const rows = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate the order, so a slow moment of a shared machine hits both alike.
      const order = r % 2 ? ['single', 'proxy'] : ['proxy', 'single'];
      const round = {};
      for (const name of order) round[name] = await measure(name === 'proxy' ? proxy : single, seed);
      round.ratio = round.proxy.rps / (3 * round.single.rps);
      rows.push(round);
      log(`round ${r + 1}: proxy ${round.proxy.rps.toFixed(0)} req/s, one instance ${round.single.rps.toFixed(0)} req/s, ratio ${round.ratio.toFixed(3)}`);
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const report = {
      scenario: 'throughputBehindProxy',
      request: 'GET /v1/members/:id with an API key',
      machine: { cores: cpus().length, loadavg: loadavg().map((n) => Math.round(n * 100) / 100), node: process.version },
      settings: { rounds, seconds, connections, members, instances: 3 },
      proxyRps: Math.round(median(rows.map((r) => r.proxy.rps))),
      singleInstanceRps: Math.round(median(rows.map((r) => r.single.rps))),
      ratioToThreeSingles: Math.round(median(rows.map((r) => r.ratio)) * 1000) / 1000,
      rounds: rows,
    };
    console.log(JSON.stringify(report, null, 2));
    if (out) writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    const errors = rows.reduce((n, r) => n + r.proxy.errors + r.single.errors, 0);
    if (errors > 0) {
      log(`${errors} response(s) were not 200`);
      process.exitCode = 1;
    }
  } finally {
    cluster('down', '--drop-db');
    rmSync(state, { recursive: true, force: true });
  }
}

main().catch((error) => {
  log(`failed: ${error.stack ?? error}`);
  try {
    cluster('down', '--drop-db');
  } catch {
    // already down
  }
  process.exit(1);
});
