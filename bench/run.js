#!/usr/bin/env node
// `npm run bench`: the production build of the API in its own process, with production settings, seeded at
// realistic size, measured by autocannon from this process over 127.0.0.1. Every scenario runs once per
// round and the rounds are interleaved, so a slow minute on a shared machine hits all scenarios alike; the
// report gives the median of the per-round ratios to /health/live and their spread. Any unexpected status
// fails the run. See bench/README.md for how to read bench/results/latest.json.
//
//   npm run bench                         # SQLite, 100,000 members, 3 rounds × 5 s per scenario, 50 connections
//   npm run bench -- --db postgres        # the same on 127.0.0.1:5432 (its own throwaway database)
//   npm run bench -- --quick              # CI smoke: small seed, 3 rounds of 1 s; fails on errors and, via
//                                         # bench/gate.js, on a ratio > 20 % below bench/results/quick-baseline.json
//   npm run bench -- --profile memberByKey   # then a CPU profile of the server during that scenario
//   npm run bench -- --baseline 7400bb8     # also a build of that commit, interleaved in the same rounds
//   npm run bench -- --node-options "--max-old-space-size=128"   # try runtime flags on the API process
//   npm run bench -- --adapter fastify    # the API on Fastify instead of Express (HTTP_ADAPTER)
//   npm run bench -- --compare-adapters   # both adapters, interleaved in the same rounds (the default in full mode)
//   options: --rounds N --seconds S --connections C --members N --skip-build --out FILE
'use strict';
const { spawn, spawnSync, execSync } = require('node:child_process');
const { mkdtempSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { randomBytes, randomUUID } = require('node:crypto');
const os = require('node:os');
const { join } = require('node:path');
const net = require('node:net');
const autocannon = require('autocannon');
const { summarise } = require('./profile-summary');

const root = join(__dirname, '..');

function parseArgs(argv) {
  const opts = { db: 'sqlite', adapter: 'express', quick: false, skipBuild: Boolean(process.env.BENCH_SKIP_BUILD), profile: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i];
    if (arg === '--quick') opts.quick = true;
    else if (arg === '--db') opts.db = value();
    else if (arg === '--adapter') opts.adapter = value();
    else if (arg === '--rounds') opts.rounds = Number(value());
    else if (arg === '--seconds') opts.seconds = Number(value());
    else if (arg === '--connections') opts.connections = Number(value());
    else if (arg === '--members') opts.members = Number(value());
    else if (arg === '--profile') opts.profile = value();
    else if (arg === '--skip-build') opts.skipBuild = true;
    else if (arg === '--out') opts.out = value();
    else if (arg === '--baseline') opts.baseline = value();
    else if (arg === '--node-options') opts.nodeOptions = value();
    else if (arg === '--compare-adapters') opts.compareAdapters = true;
    else if (arg === '--no-compare-adapters') opts.compareAdapters = false;
    else throw new Error(`unknown option ${arg}`);
  }
  if (!['sqlite', 'postgres'].includes(opts.db)) throw new Error('--db must be sqlite or postgres');
  if (!['express', 'fastify'].includes(opts.adapter)) throw new Error('--adapter must be express or fastify');
  const q = opts.quick;
  if (opts.compareAdapters && opts.baseline) throw new Error('--compare-adapters and --baseline both need the second API process: choose one');
  return {
    ...opts,
    // Full mode measures the other HTTP adapter too (issue 20's Fastify decision), unless a baseline build takes its place.
    compareAdapters: opts.compareAdapters ?? (!q && !opts.baseline),
    rounds: opts.rounds ?? 3,
    seconds: opts.seconds ?? (q ? 1 : 5),
    warmupSeconds: q ? 0.5 : 2,
    connections: opts.connections ?? (q ? 10 : 50),
    members: opts.members ?? (q ? 2000 : 100000),
    days: q ? 7 : 30,
    bookings: q ? 100 : 2000,
    extraKeys: q ? 3 : 50,
    out: opts.out ?? join(root, 'bench/results', q ? 'quick.json' : 'latest.json'),
  };
}

/**
 * The API's environment, in one place: production settings, nothing inherited from the shell that runs the
 * bench. Production logs every request at `info` as JSON to stdout; here stdout goes to a file, as a log
 * collector would take it. Production also runs rate limiting (RATE_LIMIT_*) and usage recording (USAGE_*)
 * on every request: their variables belong in this object as soon as those features are part of the build,
 * so that every scenario pays for them as production does.
 */
function serverEnv({ db, adapter, database, port, nodeOptions }) {
  return {
    PATH: process.env.PATH,
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    NODE_ENV: 'production',
    HTTP_ADAPTER: adapter,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    PORT: String(port),
    // Throwaway secrets, new for every run.
    JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
    API_KEY_PEPPER: randomBytes(32).toString('hex'),
    WEBHOOKS_SECRET_KEY: randomBytes(32).toString('hex'),
    JWT_ACCESS_TTL_SECONDS: '3600',
    // As production runs: traffic control and usage recording are on and cost what they cost on every
    // request. The limits are set above what this load reaches, so the limiter counts every request but
    // never refuses one (a 429 would fail the run); usage records are buffered and flushed as configured.
    RATE_LIMIT_ENABLED: 'true',
    ...Object.fromEntries(
      ['API_KEY', 'ADMIN', 'STAFF', 'MEMBER', 'ANONYMOUS'].flatMap((tier) => [
        [`RATE_LIMIT_${tier}_PER_MINUTE`, '1000000000'],
        [`RATE_LIMIT_${tier}_BURST`, '1000000000'],
      ]),
    ),
    ...(db === 'sqlite'
      ? { DB_TYPE: 'sqlite', DB_DATABASE: database }
      : {
          DB_TYPE: 'postgres',
          DB_HOST: '127.0.0.1',
          DB_PORT: '5432',
          DB_USERNAME: 'aero_test',
          DB_PASSWORD: 'aero_test',
          DB_DATABASE: database,
        }),
  };
}

/**
 * The Node runtime flags production starts the API with: the arguments between `node` and the entry point in
 * the Dockerfile's `CMD` (V8 heap sizing; see "Memory" in bench/README.md), so the bench runs the API as the
 * image does. `dir` is the checkout whose Dockerfile counts (a `--baseline` build runs with its own).
 */
function productionNodeFlags(dir = root) {
  let text;
  try {
    text = readFileSync(join(dir, 'Dockerfile'), 'utf8');
  } catch {
    return [];
  }
  const cmd = [...text.matchAll(/^CMD\s+(\[.*\])\s*$/gm)].pop();
  const args = cmd ? JSON.parse(cmd[1]) : [];
  const main = args.findIndex((a) => a.endsWith('/main.js'));
  return args[0] === 'node' && main > 0 ? args.slice(1, main) : [];
}

/**
 * The runtime tuning the image sets in its environment (the C allocator's `MALLOC_*`, libuv's thread pool), from
 * the Dockerfile's `ENV` lines, so the bench runs the API with it as the image does. Application settings are
 * not taken from there: the bench sets its own (serverEnv).
 */
function productionRuntimeEnv(dir = root) {
  let text;
  try {
    text = readFileSync(join(dir, 'Dockerfile'), 'utf8');
  } catch {
    return {};
  }
  const env = {};
  for (const [, line] of text.matchAll(/^ENV\s+(.+)$/gm)) {
    for (const [, key, value] of line.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) if (/^(MALLOC_|UV_THREADPOOL_SIZE$)/.test(key)) env[key] = value;
  }
  return env;
}

const log = (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function run(cmd, args, env, cwd = root) {
  const res = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${res.stderr}${res.stdout}`);
  return res.stdout;
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url, child, what) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready`);
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

/** The statement counter and the V8 heap figures (prom-client's default metrics) from /metrics. */
async function scrape(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const metric = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    queries: metric('db_queries_total'),
    heapUsedMb: metric('nodejs_heap_size_used_bytes') / 1048576,
    heapTotalMb: metric('nodejs_heap_size_total_bytes') / 1048576,
    externalMb: metric('nodejs_external_memory_bytes') / 1048576,
  };
}

function rssMb(pid, field = 'VmRSS') {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, every thread) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

async function startProcess(args, env, logFile, cwd = root) {
  const out = openSync(logFile, 'a');
  return spawn(process.execPath, args, { cwd, env, stdio: ['ignore', out, out] });
}

/** One autocannon run; rotates ids through `next()` so no scenario reads one cached row. */
async function measure(target, scenario, seconds, connections, pid) {
  const before = target.metrics ? (await scrape(target.base)).queries : NaN;
  let peak = rssMb(pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 100);
  const request = scenario.next
    ? { setupRequest: (req) => Object.assign(req, scenario.next()) }
    : {};
  const cpuBefore = cpuSeconds(pid);
  const result = await autocannon({
    url: target.base,
    connections,
    duration: seconds,
    method: scenario.method ?? 'GET',
    path: scenario.path,
    headers: scenario.headers,
    body: scenario.body,
    requests: [{ method: scenario.method ?? 'GET', path: scenario.path, headers: scenario.headers, body: scenario.body, ...request }],
  });
  const cpuUsed = cpuSeconds(pid) - cpuBefore;
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(pid));
  const end = target.metrics ? await scrape(target.base) : { queries: NaN };
  const total = result.requests.total;
  const unexpected = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    if (!(scenario.expect ?? [200]).includes(Number(code))) unexpected[code] = count;
  }
  return {
    rps: total / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: total,
    // The server's own CPU per request: unlike req/s it does not depend on whether the load generator kept up.
    cpuUsPerRequest: total ? (cpuUsed * 1e6) / total : NaN,
    errors: Object.values(unexpected).reduce((a, b) => a + b, 0) + result.errors + result.timeouts,
    unexpected,
    // /metrics is scraped once between the two readings and runs no statement.
    queries: end.queries - before,
    peakRssMb: peak,
    heapTotalMb: end.heapTotalMb,
    heapUsedMb: end.heapUsedMb,
    externalMb: end.externalMb,
  };
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (n, d = 3) => (Number.isFinite(n) ? Math.round(n * 10 ** d) / 10 ** d : null);

/** The targets of the performance work (issue 20's table), as ratios of per-round throughputs. */
const TARGETS = [
  ['health ÷ floor', 'health', 'floor', 0.25],
  ['memberByKey ÷ health', 'memberByKey', 'health', 0.6],
  ['memberByJwt ÷ memberByKey', 'memberByJwt', 'memberByKey', 0.95],
  ['availabilityDay ÷ health', 'availabilityDay', 'health', 0.3],
  ['availabilityWeek ÷ health', 'availabilityWeek', 'health', 0.15],
  ['bookingWrite ÷ health', 'bookingWrite', 'health', 0.2],
  ['membersDeep ÷ membersPage1', 'membersDeep', 'membersPage1', 0.95],
];
/** Tail latency targets: a scenario's p99 at most this many times its p50 (medians of rounds). */
const TAIL_TARGETS = [['availabilityWeek', 5]];
/** Issue 20: Fastify becomes the default only at ≥ these throughput ratios over Express (and every suite green on it). */
const ADAPTER_ADOPTION = { health: 1.3, memberByKey: 1.15 };
const RSS_TARGET_MB = 200;

async function createPostgresDatabase() {
  const { Client } = require('pg');
  const name = `aero_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const client = new Client({ host: '127.0.0.1', port: 5432, user: 'aero_test', password: 'aero_test', database: 'aero_test' });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return {
    name,
    drop: async () => {
      const c = new Client({ host: '127.0.0.1', port: 5432, user: 'aero_test', password: 'aero_test', database: 'aero_test' });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model,
    cores: cpus.length,
    memoryMb: Math.round(os.totalmem() / 1048576),
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/**
 * A build of `ref` for before/after comparisons: the commit's files exported (git archive) to a directory
 * of its own, the shared node_modules linked in, `nest build api` there. Reused while it exists.
 */
function buildBaseline(ref) {
  const sha = execSync(`git rev-parse --short ${ref}`, { cwd: root, encoding: 'utf8' }).trim();
  const dir = join(os.tmpdir(), `aero-bench-baseline-${sha}`);
  const main = join(dir, 'dist/apps/api/apps/api/src/main.js');
  try {
    statSync(main);
    return { sha, dir, main };
  } catch {
    // not built yet
  }
  log(`building the baseline ${sha} in ${dir}…`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execSync(`git archive ${sha} | tar -x -C ${dir}`, { cwd: root });
  execSync(`ln -s ${join(root, 'node_modules')} ${join(dir, 'node_modules')}`);
  run('npx', ['nest', 'build', 'api'], process.env, dir);
  return { sha, dir, main };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = Date.now();
  if (!opts.skipBuild) {
    log('building (nest build api, cli)…');
    run('npx', ['nest', 'build', 'api'], process.env);
    run('npx', ['nest', 'build', 'cli'], process.env);
  }
  const otherAdapter = opts.adapter === 'express' ? 'fastify' : 'express';
  // The second API process: a baseline build, or this build on the other HTTP adapter.
  const baseline = opts.baseline
    ? buildBaseline(opts.baseline)
    : opts.compareAdapters
      ? { sha: `${otherAdapter} adapter`, dir: root, main: join(root, 'dist/apps/api/apps/api/src/main.js'), adapter: otherAdapter }
      : undefined;
  const work = mkdtempSync(join(os.tmpdir(), 'aero-bench-'));
  const pg = opts.db === 'postgres' ? await createPostgresDatabase() : undefined;
  const port = await freePort();
  const env = serverEnv({ db: opts.db, adapter: opts.adapter, database: pg ? pg.name : join(work, 'bench.sqlite'), port, nodeOptions: opts.nodeOptions });
  const children = [];
  try {
    log(`seeding ${opts.members} members, ${opts.days} days × 3 venues × 20 sessions, ${opts.bookings} bookings (${opts.db})…`);
    const seedStart = Date.now();
    const seed = JSON.parse(
      run(process.execPath, [join(__dirname, 'seed.js'), opts.members, opts.days, opts.bookings, opts.extraKeys], {
        ...env,
        LOG_LEVEL: 'warn',
      }),
    );
    const seedSeconds = (Date.now() - seedStart) / 1000;
    log(`seeded in ${seedSeconds.toFixed(1)} s`);

    const serverLog = join(work, 'server.log');
    const api = await startProcess([...productionNodeFlags(), join(root, 'dist/apps/api/apps/api/src/main.js')], { ...env, ...productionRuntimeEnv() }, serverLog);
    children.push(api);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/health/ready`, api, 'API');
    const healthBody = await (await fetch(`${base}/health/live`)).text();
    const floorPort = await freePort();
    const floor = await startProcess([join(__dirname, 'floor.js')], { PATH: process.env.PATH, PORT: String(floorPort), FLOOR_BODY: healthBody }, join(work, 'floor.log'));
    children.push(floor);
    const floorBase = `http://127.0.0.1:${floorPort}`;
    await waitFor(floorBase, floor, 'floor server');

    let baselineApi;
    let baselineBase;
    if (baseline) {
      const baselinePort = await freePort();
      baselineApi = await startProcess([...productionNodeFlags(baseline.dir), baseline.main], { ...env, ...productionRuntimeEnv(baseline.dir), PORT: String(baselinePort), ...(baseline.adapter ? { HTTP_ADAPTER: baseline.adapter } : {}) }, join(work, 'baseline.log'), baseline.dir);
      children.push(baselineApi);
      baselineBase = `http://127.0.0.1:${baselinePort}`;
      await waitFor(`${baselineBase}/health/ready`, baselineApi, baseline.adapter ? `API on ${baseline.adapter}` : 'baseline API');
    }

    const kiosk = { 'x-api-key': seed.kioskKey };
    const admin = { 'x-api-key': seed.adminKey };
    const login = await call(base, 'POST', '/v1/auth/login', {}, seed.staff);
    const jwt = { authorization: `Bearer ${login.accessToken}` };

    // The cursor of the page at half the members (50,000 of 100,000), reached by paging once.
    const depth = Math.floor(seed.memberIds.length / 2);
    log(`paging to depth ${depth} for the deep-page cursor…`);
    let cursor;
    for (let seen = 0; seen < depth; seen += 100) {
      const page = await call(base, 'GET', `/v1/members?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, admin);
      cursor = page.nextCursor;
    }

    const ids = seed.memberIds;
    const sessions = seed.sessionIds;
    const venue = seed.venueIds[0];
    const day = seed.firstDay;
    const weekEnd = new Date(Date.parse(`${day}T00:00:00Z`) + 6 * 86400000).toISOString().slice(0, 10);
    const searches = ['sin', 'mart', 'trem', 'roy', 'gag', 'lee', 'wil', 'john', 'macd', 'tay', 'maya', 'liam', 'noah.', 'pat', 'ngu'];
    let i = 0;
    let b = 0;
    const counter = () => (i = (i + 7919) % ids.length);
    const apiTarget = { base, metrics: true };
    const scenarios = [
      { name: 'floor', target: { base: floorBase, metrics: false }, pid: floor.pid, path: '/health/live' },
      { name: 'health', path: '/health/live' },
      { name: 'memberByKey', headers: kiosk, path: `/v1/members/${ids[0]}`, next: () => ({ path: `/v1/members/${ids[counter()]}` }) },
      { name: 'memberByJwt', headers: jwt, path: `/v1/members/${ids[0]}`, next: () => ({ path: `/v1/members/${ids[counter()]}` }) },
      { name: 'availabilityDay', headers: kiosk, path: `/v1/sessions?venueId=${venue}&from=${day}&to=${day}&limit=50` },
      { name: 'availabilityWeek', headers: kiosk, path: `/v1/sessions?venueId=${venue}&from=${day}&to=${weekEnd}&limit=100` },
      {
        name: 'bookingWrite',
        method: 'POST',
        expect: [201],
        path: '/v1/bookings',
        headers: { ...kiosk, 'content-type': 'application/json' },
        next: () => {
          b++;
          return {
            headers: { ...kiosk, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
            body: JSON.stringify({ sessionId: sessions[b % sessions.length], memberId: ids[(b * 31) % ids.length], quantity: 1 }),
          };
        },
      },
      { name: 'membersPage1', headers: admin, path: '/v1/members?limit=50' },
      { name: 'membersDeep', headers: admin, path: `/v1/members?limit=50&cursor=${encodeURIComponent(cursor)}` },
      {
        name: 'membersSearch',
        headers: admin,
        path: '/v1/members?search=sin&limit=20',
        next: () => ({ path: `/v1/members?search=${searches[counter() % searches.length]}&limit=20` }),
      },
    ].map((s) => ({ target: apiTarget, pid: api.pid, ...s }));
    // The same API scenarios against the baseline build, interleaved with the current ones.
    const baselineScenarios = baseline
      ? scenarios
          .filter((s) => s.name !== 'floor')
          .map((s) => ({ ...s, target: { base: baselineBase, metrics: true }, pid: baselineApi.pid, baseline: true }))
      : [];

    log(`warming up (${opts.warmupSeconds} s per scenario)…`);
    for (const s of [...scenarios, ...baselineScenarios]) await measure(s.target, s, opts.warmupSeconds, opts.connections, s.pid);

    const rounds = [];
    const baselineRounds = [];
    for (let r = 0; r < opts.rounds; r++) {
      // Each round starts at a different scenario, so none always runs first or last.
      const order = scenarios.map((_, k) => scenarios[(k + r) % scenarios.length]);
      const results = {};
      const baselineResults = {};
      for (const s of order) {
        const twin = baselineScenarios.find((b) => b.name === s.name);
        // With a baseline, each scenario runs on both builds back to back, the first alternating by round.
        const pair = twin ? (r % 2 ? [twin, s] : [s, twin]) : [s];
        for (const x of pair) {
          log(`round ${r + 1}/${opts.rounds}: ${x.name}${x.baseline ? ' (baseline)' : ''}`);
          (x.baseline ? baselineResults : results)[x.name] = await measure(x.target, x, opts.seconds, opts.connections, x.pid);
        }
      }
      rounds.push(results);
      if (baseline) baselineRounds.push(baselineResults);
    }

    const scenarioReport = {};
    for (const s of scenarios) {
      const per = rounds.map((r) => r[s.name]);
      const ratios = rounds.map((r) => r[s.name].rps / r.health.rps);
      const requests = per.reduce((a, x) => a + x.requests, 0);
      scenarioReport[s.name] = {
        rps: round(median(per.map((x) => x.rps)), 1),
        p50Ms: round(median(per.map((x) => x.p50Ms)), 2),
        p99Ms: round(median(per.map((x) => x.p99Ms)), 2),
        cpuUsPerRequest: round(median(per.map((x) => x.cpuUsPerRequest)), 1),
        errors: per.reduce((a, x) => a + x.errors, 0),
        queriesPerRequest: s.target.metrics ? round(per.reduce((a, x) => a + x.queries, 0) / requests, 2) : null,
        peakRssMb: round(Math.max(...per.map((x) => x.peakRssMb)), 1),
        // Where the resident memory is: V8's heap (reserved and used) and memory held outside it, at the end.
        ...(s.target.metrics
          ? {
              heapTotalMb: round(Math.max(...per.map((x) => x.heapTotalMb)), 1),
              heapUsedMb: round(Math.max(...per.map((x) => x.heapUsedMb)), 1),
              externalMb: round(Math.max(...per.map((x) => x.externalMb)), 1),
            }
          : {}),
        ratioToHealth: round(median(ratios)),
        ratioToHealthSpread: [round(Math.min(...ratios)), round(Math.max(...ratios))],
        ...(per.some((x) => Object.keys(x.unexpected).length) ? { unexpectedStatuses: per.map((x) => x.unexpected) } : {}),
      };
    }
    const targets = {};
    for (const [label, num, den, min] of TARGETS) {
      const ratios = rounds.map((r) => r[num].rps / r[den].rps);
      const value = round(median(ratios));
      targets[label] = { median: value, spread: [round(Math.min(...ratios)), round(Math.max(...ratios))], target: `≥ ${min}`, met: value >= min };
    }
    // The pipeline's cost as the server's CPU per request, floor ÷ health: the load generator tops out near the
    // floor's rate (one autocannon process), so the req/s ratio above partly measures the client; CPU does not.
    {
      const ratios = rounds.map((r) => r.floor.cpuUsPerRequest / r.health.cpuUsPerRequest);
      const value = round(median(ratios));
      targets['health ÷ floor, server CPU per request'] = { median: value, spread: [round(Math.min(...ratios)), round(Math.max(...ratios))], target: '≥ 0.25', met: value >= 0.25 };
    }
    for (const [name, factor] of TAIL_TARGETS) {
      const s = scenarioReport[name];
      const value = round(s.p99Ms / s.p50Ms, 2);
      targets[`${name} p99 ÷ p50`] = { value, p50Ms: s.p50Ms, p99Ms: s.p99Ms, target: `≤ ${factor}`, met: value <= factor };
    }
    const apiPeak = Math.max(...scenarios.filter((s) => s.pid === api.pid).map((s) => scenarioReport[s.name].peakRssMb));
    targets['peak RSS of the API under load (MB)'] = { value: apiPeak, lifetimeHighWaterMb: round(rssMb(api.pid, 'VmHWM'), 1), target: `≤ ${RSS_TARGET_MB}`, met: apiPeak <= RSS_TARGET_MB };

    let comparison;
    if (baseline) {
      comparison = { baseline: baseline.sha, note: 'ratioToHealth of each build, and current ÷ baseline of those ratios (median of rounds)', scenarios: {} };
      for (const s of baselineScenarios) {
        const before = baselineRounds.map((r) => r[s.name].rps / r.health.rps);
        const after = rounds.map((r) => r[s.name].rps / r.health.rps);
        const change = rounds.map((r, k) => r[s.name].rps / r.health.rps / (baselineRounds[k][s.name].rps / baselineRounds[k].health.rps));
        const per = baselineRounds.map((r) => r[s.name]);
        comparison.scenarios[s.name] = {
          baselineRps: round(median(per.map((x) => x.rps)), 1),
          baselineRatioToHealth: round(median(before)),
          ratioToHealth: round(median(after)),
          change: round(median(change)),
          baselineQueriesPerRequest: round(per.reduce((a, x) => a + x.queries, 0) / per.reduce((a, x) => a + x.requests, 0), 2),
          baselinePeakRssMb: round(Math.max(...per.map((x) => x.peakRssMb)), 1),
          baselineErrors: per.reduce((a, x) => a + x.errors, 0),
        };
      }
      comparison.healthRpsChange = round(median(rounds.map((r, k) => r.health.rps / baselineRounds[k].health.rps)));
    }
    // Both adapters' throughput side by side, and whether Fastify clears the bar for becoming the default.
    let adapters;
    if (baseline?.adapter) {
      const rpsOf = (set, name) => round(median(set.map((r) => r[name].rps)), 1);
      const fastifyRounds = opts.adapter === 'fastify' ? rounds : baselineRounds;
      const expressRounds = opts.adapter === 'fastify' ? baselineRounds : rounds;
      adapters = { measured: opts.adapter, twin: baseline.adapter, scenarios: {}, fastifyOverExpress: {} };
      for (const s of baselineScenarios) {
        adapters.scenarios[s.name] = {
          express: { rps: rpsOf(expressRounds, s.name), p99Ms: round(median(expressRounds.map((r) => r[s.name].p99Ms)), 2), peakRssMb: round(Math.max(...expressRounds.map((r) => r[s.name].peakRssMb)), 1) },
          fastify: { rps: rpsOf(fastifyRounds, s.name), p99Ms: round(median(fastifyRounds.map((r) => r[s.name].p99Ms)), 2), peakRssMb: round(Math.max(...fastifyRounds.map((r) => r[s.name].peakRssMb)), 1) },
          fastifyOverExpress: round(median(fastifyRounds.map((r, k) => r[s.name].rps / expressRounds[k][s.name].rps))),
        };
      }
      for (const [name, min] of Object.entries(ADAPTER_ADOPTION)) {
        const value = adapters.scenarios[name].fastifyOverExpress;
        adapters.fastifyOverExpress[name] = { value, adoptAt: `≥ ${min}`, met: value >= min };
      }
    }

    let profile;
    if (opts.profile) profile = await profileScenario(opts, scenarios, env, work);

    // What the request log cost: lines and bytes per logged request.
    const logText = readFileSync(serverLog, 'utf8');
    const requestLines = logText.split('\n').filter((l) => l.includes('"responseTime"'));
    const report = {
      machine: machine(),
      commit: (() => {
        try {
          return execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8' }).trim() + (execSync('git status --porcelain --untracked-files=no', { cwd: root, encoding: 'utf8' }).trim() ? '+dirty' : '');
        } catch {
          return 'unknown';
        }
      })(),
      settings: {
        mode: opts.quick ? 'quick' : 'full',
        db: opts.db,
        adapter: opts.adapter,
        rounds: opts.rounds,
        secondsPerScenario: opts.seconds,
        connections: opts.connections,
        seed: { ...seed.counts, deepPageDepth: depth, seedSeconds: round(seedSeconds, 1) },
        nodeFlags: productionNodeFlags(),
        runtimeEnv: productionRuntimeEnv(),
        server: Object.fromEntries(Object.entries(env).filter(([k]) => !/KEY|SECRET|PASSWORD|PATH/.test(k))),
        logDestination: 'stdout to a file (as a log collector reads it)',
        requestLog: {
          lines: requestLines.length,
          bytesPerLine: requestLines.length ? Math.round(requestLines.reduce((a, l) => a + l.length + 1, 0) / requestLines.length) : null,
        },
        durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      },
      scenarios: scenarioReport,
      targets,
      ...(adapters ? { adapters } : comparison ? { comparison } : {}),
      ...(profile ? { profile } : {}),
      rounds: rounds.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { rps: round(v.rps, 1), p99Ms: v.p99Ms, cpuUsPerRequest: round(v.cpuUsPerRequest, 1), errors: v.errors }]))),
    };
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
    printTable(report);
    log(`wrote ${opts.out}`);
    const failed = Object.entries(scenarioReport).filter(([, s]) => s.errors > 0);
    // The second process (the other adapter, or a baseline build) must answer as expected too.
    for (const s of baselineScenarios) {
      const errors = baselineRounds.reduce((a, r) => a + r[s.name].errors, 0);
      if (errors > 0) failed.push([`${s.name} on ${baseline.sha}`, { errors, unexpectedStatuses: baselineRounds.map((r) => r[s.name].unexpected) }]);
    }
    if (failed.length) {
      log(`FAILED: unexpected responses in ${failed.map(([n, s]) => `${n} (${s.errors}: ${JSON.stringify(s.unexpectedStatuses ?? [])})`).join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    if (pg) await pg.drop().catch((error) => log(`could not drop ${pg.name}: ${error.message}`));
    rmSync(work, { recursive: true, force: true });
  }
}

/** A second API process under `node --cpu-prof`, loaded with one scenario, then stopped to write the profile. */
async function profileScenario(opts, scenarios, env, work) {
  const scenario = scenarios.find((s) => s.name === opts.profile);
  if (!scenario || scenario.name === 'floor') throw new Error(`--profile: no API scenario named ${opts.profile}`);
  const dir = join(work, 'prof');
  mkdirSync(dir);
  const port = await freePort();
  const profEnv = { ...env, PORT: String(port) };
  const api = await startProcess([...productionNodeFlags(), '--cpu-prof', '--cpu-prof-dir', dir, join(root, 'dist/apps/api/apps/api/src/main.js')], { ...profEnv, ...productionRuntimeEnv() }, join(work, 'server-prof.log'));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/health/ready`, api, 'profiled API');
  log(`profiling ${scenario.name}…`);
  const target = { base, metrics: true };
  await measure(target, scenario, opts.warmupSeconds, opts.connections, api.pid);
  const loadStart = Date.now();
  await measure(target, scenario, opts.seconds * 2, opts.connections, api.pid);
  const loadEnd = Date.now();
  api.kill('SIGTERM');
  await new Promise((r) => api.once('exit', r));
  const shutdownMs = Date.now() - loadEnd;
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no CPU profile was written');
  const keep = join(root, 'bench/results', `${scenario.name}.cpuprofile`);
  writeFileSync(keep, readFileSync(join(dir, file)));
  log(`profile saved to ${keep} (${Math.round(statSync(keep).size / 1024)} kB; open it in Chrome DevTools)`);
  // The samples of the measured load only: neither the boot nor the warm-up nor the shutdown.
  const exitedAt = loadEnd + shutdownMs;
  return {
    scenario: scenario.name,
    ...summarise(keep, { window: { startMsBeforeEnd: exitedAt - loadStart, endMsBeforeEnd: exitedAt - loadEnd } }),
  };
}

function printTable(report) {
  const pad = (s, n) => String(s ?? '-').padEnd(n);
  const { settings } = report;
  console.log(`\nAeroSports Core API benchmark — ${settings.db}, ${settings.adapter ?? 'express'}, ${settings.connections} connections, ${settings.rounds} round(s) × ${settings.secondsPerScenario} s, commit ${report.commit}`);
  console.log(`${pad('scenario', 18)}${pad('req/s', 9)}${pad('× health', 10)}${pad('spread', 15)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('µs CPU', 8)}${pad('errors', 8)}${pad('q/req', 7)}peak RSS MB`);
  for (const [name, s] of Object.entries(report.scenarios)) {
    console.log(`${pad(name, 18)}${pad(s.rps, 9)}${pad(s.ratioToHealth, 10)}${pad(s.ratioToHealthSpread.join('–'), 15)}${pad(s.p50Ms, 8)}${pad(s.p99Ms, 8)}${pad(s.cpuUsPerRequest, 8)}${pad(s.errors, 8)}${pad(s.queriesPerRequest, 7)}${s.peakRssMb}`);
  }
  console.log('\ntargets:');
  for (const [label, t] of Object.entries(report.targets)) {
    console.log(`  ${pad(label, 38)}${pad(t.median ?? t.value, 8)}${pad(t.target, 8)}${t.met ? 'met' : 'NOT met'}${t.spread ? `  (spread ${t.spread.join('–')})` : ''}`);
  }
  if (report.adapters) {
    console.log(`\nHTTP adapters, interleaved (req/s; fastify ÷ express, median of rounds):`);
    for (const [name, a] of Object.entries(report.adapters.scenarios)) {
      console.log(`  ${pad(name, 18)}express ${pad(a.express.rps, 9)}fastify ${pad(a.fastify.rps, 9)}× ${a.fastifyOverExpress}`);
    }
    for (const [name, t] of Object.entries(report.adapters.fastifyOverExpress)) console.log(`  adopt Fastify: ${pad(name, 12)}${pad(t.value, 8)}${pad(t.adoptAt, 8)}${t.met ? 'met' : 'NOT met'}`);
  } else if (report.comparison) {
    console.log(`\nagainst baseline ${report.comparison.baseline} (ratio to health, before → after; health rps × ${report.comparison.healthRpsChange}):`);
    for (const [name, c] of Object.entries(report.comparison.scenarios)) {
      console.log(`  ${pad(name, 18)}${pad(c.baselineRatioToHealth, 8)}→ ${pad(c.ratioToHealth, 8)}× ${pad(c.change, 8)}q/req ${c.baselineQueriesPerRequest} → ${report.scenarios[name].queriesPerRequest}, RSS ${c.baselinePeakRssMb} → ${report.scenarios[name].peakRssMb} MB`);
    }
  }
  if (report.profile) {
    console.log(`\nCPU profile of ${report.profile.scenario} (self time):`);
    for (const a of report.profile.areas.slice(0, 10)) console.log(`  ${pad(`${a.selfPct} %`, 8)}${a.name}`);
    for (const f of report.profile.functions.slice(0, 12)) console.log(`  ${pad(`${f.selfPct} %`, 8)}${f.name}`);
  }
}

main().catch((error) => {
  log(`failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
