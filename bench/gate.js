#!/usr/bin/env node
// The regression gate of `npm run bench -- --quick` (CI): each ratio of the run just made is compared with
// the committed quick-mode baseline (bench/results/quick-baseline.json). A ratio more than 20 % below its
// baseline fails; the caller (scripts/bench.js) then measures once more and fails only if the second run
// confirms it, so one noisy second on a shared machine does not fail CI but a real regression does.
//
//   node bench/gate.js RESULT.json [BASELINE.json]     # exit 1 and list the ratios that fell
//   node bench/gate.js --write RESULT.json [BASELINE]  # make RESULT the new baseline (after a perf change)
//
// The ratios: the pipeline's cost (floor ÷ health in server CPU per request), every scenario ÷ health, and the
// issue's targets (memberByJwt ÷ memberByKey, membersDeep ÷ membersPage1). Ratios, not req/s: a slower or busier machine
// moves every scenario alike, a regression moves one.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const DEFAULT_BASELINE = join(root, 'bench/results/quick-baseline.json');
const ALLOWED_DROP = 0.2;

/** name → ratio, from a bench/run.js result. */
function ratiosOf(result) {
  const ratios = {};
  const s = result.scenarios;
  // health ÷ floor in req/s is not gated: near the floor's rate the single load generator is the limit, and the
  // ratio moved 0.064–0.108 between quiet runs of one commit. The pipeline's cost is gated as server CPU per
  // request instead ('health ÷ floor, server CPU per request' among the targets).
  for (const [name, scenario] of Object.entries(s)) {
    if (name === 'floor' || name === 'health') continue;
    ratios[`${name} ÷ health`] = scenario.ratioToHealth;
  }
  for (const [label, target] of Object.entries(result.targets ?? {})) {
    if (typeof target.median === 'number' && !(label in ratios) && label !== 'health ÷ floor') ratios[label] = target.median;
  }
  return ratios;
}

/** The ratios of `result` more than ALLOWED_DROP below `baseline`'s, with both figures. */
function regressions(result, baseline) {
  const now = ratiosOf(result);
  const before = baseline.ratios;
  const fell = [];
  for (const [name, was] of Object.entries(before)) {
    const is = now[name];
    if (typeof is !== 'number' || typeof was !== 'number' || was <= 0) continue;
    if (is < was * (1 - ALLOWED_DROP)) fell.push({ name, baseline: was, now: round(is), change: round(is / was) });
  }
  return fell;
}

const round = (n) => Math.round(n * 1000) / 1000;

function main(argv) {
  const write = argv[0] === '--write';
  const [resultFile, baselineFile = DEFAULT_BASELINE] = write ? argv.slice(1) : argv;
  if (!resultFile) throw new Error('usage: node bench/gate.js [--write] RESULT.json [BASELINE.json]');
  const result = JSON.parse(readFileSync(resultFile, 'utf8'));
  if (write) {
    const ratios = Object.fromEntries(Object.entries(ratiosOf(result)).map(([k, v]) => [k, round(v)]));
    const baseline = { commit: result.commit, machine: result.machine, settings: { mode: result.settings.mode, rounds: result.settings.rounds }, allowedDrop: ALLOWED_DROP, ratios };
    writeFileSync(baselineFile, `${JSON.stringify(baseline, null, 2)}\n`);
    console.log(`[gate] baseline written to ${baselineFile} (${Object.keys(ratios).length} ratios, commit ${result.commit})`);
    return 0;
  }
  const baseline = JSON.parse(readFileSync(baselineFile, 'utf8'));
  const fell = regressions(result, baseline);
  if (!fell.length) {
    console.log(`[gate] every ratio within ${ALLOWED_DROP * 100} % of the baseline of ${baseline.commit}`);
    return 0;
  }
  console.log(`[gate] ratios more than ${ALLOWED_DROP * 100} % below the baseline of ${baseline.commit}:`);
  for (const f of fell) console.log(`  ${f.name.padEnd(32)} ${f.baseline} → ${f.now} (× ${f.change})`);
  return 1;
}

module.exports = { ratiosOf, regressions, ALLOWED_DROP };
if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (error) {
    console.error(`[gate] ${error.message}`);
    process.exit(2);
  }
}
