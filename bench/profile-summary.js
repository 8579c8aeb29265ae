'use strict';
// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by area (a package under
// node_modules, Node's internals, or the project's own code), largest first.
const { readFileSync } = require('node:fs');

const NATIVE = '(native / GC / idle)';

function areaOf(url) {
  if (!url) return NATIVE;
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/dist/')) return 'project code';
  return url;
}

/** The concern a package or file belongs to, for the summary by concern (bench/README.md, "Where a request's CPU goes"). */
const CONCERNS = [
  ['Node core in JavaScript (http, streams, timers)', /^node internals$/],
  ['framework (Nest, Express/Fastify and their helpers)', /^(@nestjs\/(core|common|platform-express|platform-fastify)|express|router|path-to-regexp|body-parser|finalhandler|send|serve-static|helmet|content-type|etag|fresh|on-finished|reflect-metadata|rxjs|fastify|@fastify\/.*|find-my-way|light-my-request|avvio|middie|@nestjs\/swagger|tslib|iterare|uid|cookie|qs|vary|cors|accepts|type-is|mime-types|negotiator|statuses|depd|encodeurl|escape-html|parseurl|proxy-addr|ipaddr\.js|forwarded|raw-body|iconv-lite|safer-buffer|http-errors|setprototypeof|inherits|toidentifier|ms|debug|merge-descriptors|methods|range-parser|utils-merge|destroy|ee-first|unpipe|media-typer|call-bind.*|function-bind|get-intrinsic|has-symbols|object-inspect|side-channel.*|es-errors|gopd|hasown|dunder-proto|es-object-atoms|math-intrinsics|get-proto|es-define-property)$/],
  ['authentication (passport, JWT)', /^(passport.*|@nestjs\/(passport|jwt)|jsonwebtoken|jws|jwa|safe-buffer|buffer-equal-constant-time|ecdsa-sig-formatter|lodash\..*|semver)$/],
  ['rate limiting (@nestjs/throttler)', /^@nestjs\/throttler$/],
  ['Redis client', /^(ioredis|redis-parser|cluster-key-slot|denque|standard-as-callback|redis-errors|lodash\.defaults|lodash\.isarguments)$/],
  ['logging (pino)', /^(pino.*|@pinojs\/.*|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|atomic-sleep|on-exit-leak-free|safe-stable-stringify|real-require|process-warning)$/],
  ['metrics (prom-client)', /^(prom-client|tdigest|bintrees)$/],
  ['validation (class-validator/-transformer)', /^(class-validator|class-transformer|validator|libphonenumber-js)$/],
  ['ORM (TypeORM)', /^(typeorm|app-root-path|sha\.js|dayjs|uuid|dotenv|glob|reflect-metadata)$/],
  ['database driver', /^(better-sqlite3|pg|pg-.*|postgres-.*|mssql|tedious|tarn|bindings|file-uri-to-path)$/],
  ['own code', /^project code$/],
];
/** Frames without a script: named by what they do (V8 reports the native function's name). */
function nativeConcern(functionName) {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (/^(writev|writeString|writeBuffer|writeUtf8String|writeLatin1String|shutdown|close|onStreamRead|readStop|readStart)$/.test(functionName)) return 'socket I/O (native writes and reads)';
  if (/^(all|get|run|iterate|prepare|exec|pluck|raw|expand|columns|bind|step)$/.test(functionName)) return 'database driver';
  return 'native runtime (V8, Node, microtasks)';
}
function concernOf(area) {
  const hit = CONCERNS.find(([, re]) => re.test(area));
  return hit ? hit[0] : 'other packages';
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
  const natives = new Map();
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
    if (!callFrame.url) natives.set(callFrame.functionName, (natives.get(callFrame.functionName) ?? 0) + micros);
    const area = areaOf(callFrame.url);
    areas.set(area, (areas.get(area) ?? 0) + micros);
  }
  const pct = (m) => Math.round((1000 * m) / total) / 10;
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, m]) => ({ name, selfPct: pct(m) }));
  const concerns = new Map();
  for (const [area, m] of areas) if (area !== NATIVE) concerns.set(concernOf(area), (concerns.get(concernOf(area)) ?? 0) + m);
  for (const [name, m] of natives) concerns.set(nativeConcern(name), (concerns.get(nativeConcern(name)) ?? 0) + m);
  const others = [...areas].filter(([area]) => concernOf(area) === 'other packages').sort((a, b) => b[1] - a[1]).slice(0, 8).map(([a]) => a);
  return {
    busyMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    concerns: [...concerns].sort((a, b) => b[1] - a[1]).map(([name, m]) => ({ name, selfPct: pct(m), ...(name === 'other packages' ? { largest: others } : {}) })),
    areas: sorted(areas),
    functions: sorted(fns),
  };
}

module.exports = { summarise };
