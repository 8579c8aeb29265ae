import type { PrincipalKind } from './usage-record';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

export function statusClass(status: number): StatusClass {
  const hundred = Math.min(5, Math.max(1, Math.floor(status / 100)));
  return `${hundred}xx` as StatusClass;
}

export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** The facts a roll-up needs from one raw record. */
export interface UsageFact {
  at: number;
  principalKind: PrincipalKind;
  principalId: string;
  app: string;
  method: string;
  route: string;
  status: number;
  latencyUs: number;
  responseBytes: number;
  clientIp: string;
  throttled: boolean;
  replayed: boolean;
}

/** One hour of one principal on one route and status class: the unit of the roll-up table. */
export interface UsageGroup {
  hourStart: number;
  principalKind: PrincipalKind;
  principalId: string;
  app: string;
  method: string;
  route: string;
  statusClass: StatusClass;
  requests: number;
  errors: number;
  throttled: number;
  replayed: number;
  latencyP50Us: number;
  latencyP95Us: number;
  responseBytes: number;
  distinctClientIps: number;
}

/** Nearest-rank percentile of ascending values (0 for none); the same answer on every database. */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number {
  const n = sortedAscending.length;
  if (n === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sortedAscending[Math.min(n, rank) - 1];
}

interface Accumulator {
  group: UsageGroup;
  latencies: number[];
  ips: Set<string>;
}

/**
 * Groups raw records per hour, principal, method, route and status class, with percentiles computed here
 * rather than in SQL (SQL Server, PostgreSQL and SQLite disagree on percentile functions).
 */
export function rollUp(facts: Iterable<UsageFact>): UsageGroup[] {
  const groups = new Map<string, Accumulator>();
  for (const fact of facts) {
    const hour = hourStart(fact.at);
    const cls = statusClass(fact.status);
    const key = `${hour}|${fact.principalKind}|${fact.principalId}|${fact.method}|${fact.route}|${cls}`;
    let acc = groups.get(key);
    if (!acc) {
      acc = {
        group: {
          hourStart: hour,
          principalKind: fact.principalKind,
          principalId: fact.principalId,
          app: fact.app,
          method: fact.method,
          route: fact.route,
          statusClass: cls,
          requests: 0,
          errors: 0,
          throttled: 0,
          replayed: 0,
          latencyP50Us: 0,
          latencyP95Us: 0,
          responseBytes: 0,
          distinctClientIps: 0,
        },
        latencies: [],
        ips: new Set(),
      };
      groups.set(key, acc);
    }
    const g = acc.group;
    g.requests++;
    if (fact.status >= 400) g.errors++;
    if (fact.throttled) g.throttled++;
    if (fact.replayed) g.replayed++;
    g.responseBytes += fact.responseBytes;
    if (!g.app && fact.app) g.app = fact.app;
    acc.latencies.push(fact.latencyUs);
    acc.ips.add(fact.clientIp);
  }
  return [...groups.values()].map(({ group, latencies, ips }) => {
    latencies.sort((a, b) => a - b);
    group.latencyP50Us = percentile(latencies, 50);
    group.latencyP95Us = percentile(latencies, 95);
    group.distinctClientIps = ips.size;
    return group;
  });
}

export type Granularity = 'hour' | 'day';

export interface UsageCounts {
  requests: number;
  errors: number;
  clientErrors: number;
  serverErrors: number;
  throttled: number;
  replayed: number;
  responseBytes: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
}

export interface UsageTotals extends UsageCounts {
  /** errors / requests (0 without requests). */
  errorRate: number;
  /** throttled / requests. */
  throttleRate: number;
  /** Requests per status class. */
  statuses: Record<StatusClass, number>;
}

export interface UsageBucket extends UsageCounts {
  start: string;
}

export interface UsageRouteLine {
  method: string;
  route: string;
  requests: number;
  errors: number;
  throttled: number;
}

/** Count-weighted percentiles: exact within a group, an approximation across groups (documented). */
function counts(groups: UsageGroup[]): UsageCounts {
  const c: UsageCounts = {
    requests: 0,
    errors: 0,
    clientErrors: 0,
    serverErrors: 0,
    throttled: 0,
    replayed: 0,
    responseBytes: 0,
    latencyP50Ms: 0,
    latencyP95Ms: 0,
  };
  let p50 = 0;
  let p95 = 0;
  for (const g of groups) {
    c.requests += g.requests;
    c.errors += g.errors;
    if (g.statusClass === '4xx') c.clientErrors += g.requests;
    if (g.statusClass === '5xx') c.serverErrors += g.requests;
    c.throttled += g.throttled;
    c.replayed += g.replayed;
    c.responseBytes += g.responseBytes;
    p50 += g.latencyP50Us * g.requests;
    p95 += g.latencyP95Us * g.requests;
  }
  if (c.requests > 0) {
    c.latencyP50Ms = Math.round(p50 / c.requests / 10) / 100;
    c.latencyP95Ms = Math.round(p95 / c.requests / 10) / 100;
  }
  return c;
}

export function totalsOf(groups: UsageGroup[]): UsageTotals {
  const c = counts(groups);
  const statuses: Record<StatusClass, number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  for (const g of groups) statuses[g.statusClass] += g.requests;
  return {
    ...c,
    errorRate: c.requests ? round4(c.errors / c.requests) : 0,
    throttleRate: c.requests ? round4(c.throttled / c.requests) : 0,
    statuses,
  };
}

/** One bucket per hour or UTC day from `from` to `to`, empty ones included (so charts keep their shape). */
export function seriesOf(
  groups: UsageGroup[],
  from: number,
  to: number,
  granularity: Granularity,
): UsageBucket[] {
  const step = granularity === 'hour' ? HOUR_MS : DAY_MS;
  const first = Math.floor(from / step) * step;
  const byBucket = new Map<number, UsageGroup[]>();
  for (const g of groups) {
    const bucket = Math.floor(g.hourStart / step) * step;
    const list = byBucket.get(bucket);
    if (list) list.push(g);
    else byBucket.set(bucket, [g]);
  }
  const series: UsageBucket[] = [];
  for (let start = first; start < to; start += step) {
    series.push({ start: new Date(start).toISOString(), ...counts(byBucket.get(start) ?? []) });
  }
  return series;
}

/** Busiest routes first. */
export function routesOf(groups: UsageGroup[], limit = 20): UsageRouteLine[] {
  const routes = new Map<string, UsageRouteLine>();
  for (const g of groups) {
    const key = `${g.method} ${g.route}`;
    let line = routes.get(key);
    if (!line) {
      line = { method: g.method, route: g.route, requests: 0, errors: 0, throttled: 0 };
      routes.set(key, line);
    }
    line.requests += g.requests;
    line.errors += g.errors;
    line.throttled += g.throttled;
  }
  return [...routes.values()]
    .sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route))
    .slice(0, limit);
}

export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
