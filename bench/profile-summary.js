'use strict';
// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by area (a package under
// node_modules, Node's internals, or the project's own code), largest first.
const { readFileSync } = require('node:fs');

function areaOf(url) {
  if (!url) return '(native / GC / idle)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/dist/')) return 'project code';
  return url;
}

/**
 * `window`: only the samples between `startMsBeforeEnd` and `endMsBeforeEnd` milliseconds before the
 * profile ends (the load, not the boot or the shutdown).
 */
function summarise(path, { top = 15, window } = {}) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  const from = window ? profile.endTime - window.startMsBeforeEnd * 1000 : -Infinity;
  const to = window ? profile.endTime - window.endMsBeforeEnd * 1000 : Infinity;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += deltas[i] ?? 0;
    if (t < from || t > to) continue;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (deltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  const fns = new Map();
  const areas = new Map();
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    total += micros;
    const short = callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\/apps\/api\//, '');
    const key = `${callFrame.functionName || '(anonymous)'} ${short}:${callFrame.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + micros);
    const area = areaOf(callFrame.url);
    areas.set(area, (areas.get(area) ?? 0) + micros);
  }
  const pct = (m) => Math.round((1000 * m) / total) / 10;
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, m]) => ({ name, selfPct: pct(m) }));
  return { busyMs: Math.round(total / 1000), idleMs: Math.round(idle / 1000), areas: sorted(areas), functions: sorted(fns) };
}

module.exports = { summarise };
