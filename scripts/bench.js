#!/usr/bin/env node
// `npm run bench [-- options]`: the whole-pipeline benchmark (bench/, explained in bench/README.md), then —
// except with --quick — the per-station costs it cannot separate: the rate limiter in memory and with Redis
// beside @nestjs/throttler's own store, usage recording per request, and the server CPU of a hostile body. Any failure fails the run.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const args = process.argv.slice(2);
const QUICK_RESULT = join(root, 'bench/results/quick.json');
const BASELINE = join(root, 'bench/results/quick-baseline.json');
const gate = () =>
  spawnSync(process.execPath, [join(root, 'bench/gate.js'), QUICK_RESULT, BASELINE], { cwd: root, stdio: 'inherit' }).status;
const step = (script, extraArgs = [], env = process.env) => {
  const res = spawnSync(process.execPath, [join(root, script), ...extraArgs], { cwd: root, env, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
};

step('bench/run.js', args);
if (args.includes('--quick') && !args.includes('--out') && existsSync(BASELINE)) {
  // The regression gate (bench/gate.js): a ratio > 20 % below the committed quick baseline fails, once
  // confirmed by a second measurement (one noisy second on a shared machine is not a regression).
  if (gate() !== 0) {
    console.log('[gate] measuring once more to confirm');
    step('bench/run.js', [...args, '--skip-build']);
    if (gate() !== 0) {
      console.log('[gate] confirmed: a ratio fell more than 20 % (if the change is meant, e.g. health got faster, run `npm run bench:baseline`)');
      process.exit(1);
    }
  }
}
if (!args.includes('--quick')) {
  // The pipeline run built dist/ already.
  const built = { ...process.env, BENCH_SKIP_BUILD: '1' };
  console.log('\nper-station costs (micro-benchmarks on the built code):');
  step('scripts/bench-rate-limit.js', [], built);
  step('scripts/bench-usage.js', [], built);
  // A hostile body's server CPU beside a minimal refused body and the health probe.
  step('bench/hostile-body.js', [], built);
  // throughputBehindProxy: 3 instances behind HAProxy vs one instance (bench/behind-proxy.js).
  step('bench/behind-proxy.js', [], built);
  // webhookDelivery: events per second from commit to a local receiver's 2xx (outbox → fan-out → claim → signed POST).
  step('bench/webhook-delivery.js', [], built);
  // One committed file for the whole run: the two station results join the pipeline's report.
  const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : join(root, 'bench/results/latest.json');
  const report = JSON.parse(readFileSync(out, 'utf8'));
  const read = (name) => {
    const { rounds, ...rest } = JSON.parse(readFileSync(join(root, 'bench/results', name), 'utf8'));
    return rest;
  };
  report.stations = { throughputBehindProxy: read('behind-proxy.json'), webhookDelivery: read('webhook-delivery.json') };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nthroughputBehindProxy ${report.stations.throughputBehindProxy.proxyRps} req/s (× ${report.stations.throughputBehindProxy.ratioToThreeSingles} of 3 × one instance); webhookDelivery ${report.stations.webhookDelivery.eventsPerSecond} events/s — both in ${out}`);
}
