#!/usr/bin/env node
// `node bench/hostile-body.js`: the server CPU a hostile body costs. The production build runs as its own
// process; one client sends, one request at a time, a 90 kB body of 45,000 nested arrays to
// POST /v1/auth/login, then a minimal refused body (`{}`, a 400 from validation), then GET /health/live.
// Three figures per case: the server time (from the API's own http_request_duration_seconds histogram, which
// times each request from the first middleware until the response is written), the server process's CPU
// time (utime + stime from /proc/<pid>/stat: all its threads, GC and the kernel's share of the socket I/O
// included) and the client's round-trip percentiles. Needs `nest build api`
// (BENCH_SKIP_BUILD=1 reuses dist/). Prints JSON; fails if any answer is not the expected status.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const N = Number(process.env.BENCH_HOSTILE_REQUESTS ?? 1000);
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000;
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function send(port, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent: keepAlive, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** Seconds and requests the API's duration histogram holds, all routes but /metrics itself. */
function serverTime(port) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          const total = { seconds: 0, requests: 0 };
          for (const match of text.matchAll(/^http_request_duration_seconds_(sum|count)\{(.*)\} (\S+)$/gm)) {
            if (match[2].includes('route="/metrics"')) continue;
            if (match[1] === 'sum') total.seconds += Number(match[3]);
            else total.requests += Number(match[3]);
          }
          resolve(total);
        });
      })
      .on('error', reject);
  });
}

async function main() {
  if (!process.env.BENCH_SKIP_BUILD) spawnSync('npx', ['nest', 'build', 'api'], { cwd: root, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'aero-hostile-'));
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    PORT: String(port),
    DB_TYPE: 'sqlite',
    DB_DATABASE: join(dir, 'hostile.sqlite'),
    JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
    API_KEY_PEPPER: randomBytes(32).toString('hex'),
    WEBHOOKS_SECRET_KEY: randomBytes(32).toString('hex'),
    // Every request here is anonymous: lift the anonymous limits so the refusals are the app's, not the limiter's.
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000000',
    RATE_LIMIT_ANONYMOUS_BURST: '1000000000',
  };
  const api = spawn(process.execPath, [join(root, 'dist/apps/api/apps/api/src/main.js')], { env, stdio: 'ignore' });
  try {
    for (let i = 0; i < 200; i++) {
      try {
        if ((await send(port, 'GET', '/health/live')) === 200) break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const nested = '['.repeat(45_000) + ']'.repeat(45_000);
    const cases = [
      ['nested90kB', 'POST', '/v1/auth/login', nested, 400],
      ['emptyObject', 'POST', '/v1/auth/login', '{}', 400],
      ['health', 'GET', '/health/live', undefined, 200],
    ];
    const result = { requestsPerCase: N, bodyBytes: nested.length, serverMsPerRequest: {}, serverCpuMsPerRequest: {}, wallMs: {} };
    for (const [name, method, path, body, expected] of cases) {
      for (let i = 0; i < 50; i++) await send(port, method, path, body); // warm-up
      const timed = await serverTime(port);
      const before = cpuMs(api.pid);
      const walls = [];
      for (let i = 0; i < N; i++) {
        const started = process.hrtime.bigint();
        const status = await send(port, method, path, body);
        walls.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (status !== expected) throw new Error(`${name}: expected ${expected}, got ${status}`);
      }
      result.serverCpuMsPerRequest[name] = Number(((cpuMs(api.pid) - before) / N).toFixed(3));
      const after = await serverTime(port);
      if (after.requests - timed.requests !== N) throw new Error(`${name}: the histogram counted ${after.requests - timed.requests} requests, not ${N}`);
      result.serverMsPerRequest[name] = Number((((after.seconds - timed.seconds) * 1000) / N).toFixed(3));
      // Round trip seen by the client: an upper bound of the time the server took to answer.
      walls.sort((a, b) => a - b);
      const at = (q) => Number(walls[Math.min(walls.length - 1, Math.floor(q * walls.length))].toFixed(3));
      result.wallMs[name] = { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
    }
    console.log(JSON.stringify(result, null, 2));
  } finally {
    api.kill('SIGTERM');
    keepAlive.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`hostile-body bench failed: ${error.message}`);
  process.exit(1);
});
