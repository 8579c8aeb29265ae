import { Injectable } from '@nestjs/common';
import { AppConfig } from '@aero/core';
import type { Anomaly, PrincipalBaseline } from './anomalies';
import { detectAnomalies, principalKey } from './anomalies';
import type { Granularity, UsageBucket, UsageGroup, UsageRouteLine, UsageTotals } from './rollup';
import { DAY_MS, HOUR_MS, hourStart, rollUp, round4, routesOf, seriesOf, totalsOf } from './rollup';
import type { PrincipalKind } from './usage-record';
import type { PrincipalFilter } from './usage.repository';
import { UsageRepository } from './usage.repository';

/** A closed hour is rolled up only this long after it ended, so records still in some buffer are in. */
export const ROLLUP_GRACE_MS = 2 * 60_000;
/** At most this many hours are rolled up per run (a backlog catches up over a few runs). */
const MAX_HOURS_PER_RUN = 48;

export interface UsageRange {
  /** Inclusive, epoch ms, on an hour boundary. */
  from: number;
  /** Exclusive, epoch ms, on an hour boundary. */
  to: number;
}

export interface UsageReport {
  from: string;
  to: string;
  granularity: Granularity;
  totals: UsageTotals;
  series: UsageBucket[];
  routes: UsageRouteLine[];
}

export interface UsagePrincipalLine {
  principalKind: PrincipalKind;
  principalId: string;
  app: string;
  requests: number;
  errors: number;
  throttled: number;
  errorRate: number;
  throttleRate: number;
  latencyP95Ms: number;
}

export interface UsageSummary {
  from: string;
  to: string;
  totals: UsageTotals;
  principals: number;
  topPrincipals: UsagePrincipalLine[];
  routes: UsageRouteLine[];
  anomalies: Anomaly[];
  anomaliesEvaluatedAt: string;
}

export interface UsageReportLine extends UsagePrincipalLine {
  /** Requests per hour over the range, oldest first (the CLI draws a sparkline of it). */
  hourly: number[];
}

export interface PruneResult {
  hoursRolledUp: number;
  rawDeleted: number;
  rollupsDeleted: number;
}

/**
 * The usage ledger's rules: reading (roll-ups for closed hours merged with raw records for the hours not
 * rolled up yet, so recent traffic shows at once), hourly roll-ups safe with several instances, retention,
 * and anomaly flags. Used by the API and the CLI alike.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly repo: UsageRepository,
    private readonly config: AppConfig,
  ) {}

  /** Usage of one principal (or of everyone) over a range, bucketed per hour or UTC day. */
  async report(
    principal: PrincipalFilter | undefined,
    range: UsageRange,
    granularity: Granularity,
  ): Promise<UsageReport> {
    const groups = await this.groups(range, principal);
    return {
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      granularity,
      totals: totalsOf(groups),
      series: seriesOf(groups, range.from, range.to, granularity),
      routes: routesOf(groups),
    };
  }

  /** Platform-wide: totals, the busiest principals with their error and throttle rates, and current anomalies. */
  async summary(range: UsageRange, now = Date.now()): Promise<UsageSummary> {
    const groups = await this.groups(range);
    const lines = this.principalLines(groups, range);
    return {
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      totals: totalsOf(groups),
      principals: lines.length,
      topPrincipals: lines.slice(0, 10).map(({ hourly: _hourly, ...line }) => line),
      routes: routesOf(groups, 10),
      anomalies: await this.anomalies(now),
      anomaliesEvaluatedAt: new Date(now).toISOString(),
    };
  }

  /** One line per principal (busiest first), with hourly request counts: the CLI's report. */
  async principalReport(
    principal: PrincipalFilter | undefined,
    range: UsageRange,
  ): Promise<UsageReportLine[]> {
    return this.principalLines(await this.groups(range, principal), range);
  }

  /**
   * Flags principals whose last hour (raw records) is far above their own baseline (the 24 clock hours
   * before it); see ANOMALY_RULES.
   */
  async anomalies(now = Date.now()): Promise<Anomaly[]> {
    const recentFrom = now - HOUR_MS;
    const recent = await this.repo.windowsBetween(recentFrom, now + 1);
    const baseEnd = hourStart(recentFrom);
    const baseGroups = recent.length ? await this.groups({ from: baseEnd - 24 * HOUR_MS, to: baseEnd }) : [];
    const baselines = new Map<string, PrincipalBaseline & { hours: Map<number, number> }>();
    for (const g of baseGroups) {
      const key = principalKey(g.principalKind, g.principalId);
      let b = baselines.get(key);
      if (!b) {
        b = {
          requests: 0,
          errors: 0,
          throttled: 0,
          activeHours: 0,
          maxClientIpsPerHour: 0,
          hours: new Map(),
        };
        baselines.set(key, b);
      }
      b.requests += g.requests;
      b.errors += g.errors;
      b.throttled += g.throttled;
      b.hours.set(g.hourStart, (b.hours.get(g.hourStart) ?? 0) + g.distinctClientIps);
    }
    for (const b of baselines.values()) {
      b.activeHours = b.hours.size;
      b.maxClientIpsPerHour = Math.max(0, ...b.hours.values());
    }
    return detectAnomalies(recent, baselines);
  }

  /**
   * Rolls up every closed hour (ended more than ROLLUP_GRACE_MS ago) not rolled up yet, oldest first. Each
   * hour is claimed through a primary key, so with several instances exactly one does each hour.
   */
  async rollUpClosedHours(now = Date.now()): Promise<number> {
    let rolled = 0;
    for (let i = 0; i < MAX_HOURS_PER_RUN; i++) {
      const watermark = await this.repo.rollupWatermark();
      const next = await this.repo.earliestEventAtOrAfter(watermark ?? 0);
      if (next === undefined) break;
      const hour = hourStart(next);
      if (hour + HOUR_MS + ROLLUP_GRACE_MS > now) break;
      const groups = rollUp(await this.repo.factsBetween(hour, hour + HOUR_MS));
      if (await this.repo.claimHour(hour, groups, new Date(now))) rolled++;
    }
    return rolled;
  }

  /**
   * Applies retention: rolls up what is closed, then deletes raw records older than USAGE_RAW_RETENTION_DAYS
   * (never one that is not rolled up yet) and roll-ups older than USAGE_ROLLUP_RETENTION_DAYS.
   */
  async prune(now = Date.now()): Promise<PruneResult> {
    const hoursRolledUp = await this.rollUpClosedHours(now);
    const watermark = await this.repo.rollupWatermark();
    const rawCutoff = Math.min(
      now - this.config.usage.rawRetentionDays * DAY_MS,
      watermark ?? Number.NEGATIVE_INFINITY,
    );
    const rawDeleted = Number.isFinite(rawCutoff) ? await this.repo.deleteEventsBefore(rawCutoff) : 0;
    const rollupsDeleted = await this.repo.deleteRollupsBefore(
      now - this.config.usage.rollupRetentionDays * DAY_MS,
    );
    return { hoursRolledUp, rawDeleted, rollupsDeleted };
  }

  /** Roll-ups for the hours below the watermark, raw records (rolled up here) from it on. */
  private async groups(range: UsageRange, principal?: PrincipalFilter): Promise<UsageGroup[]> {
    const watermark = (await this.repo.rollupWatermark()) ?? range.from;
    const split = Math.min(Math.max(watermark, range.from), range.to);
    const rolled = split > range.from ? await this.repo.groupsBetween(range.from, split, principal) : [];
    const raw = split < range.to ? rollUp(await this.repo.factsBetween(split, range.to, principal)) : [];
    return rolled.concat(raw);
  }

  private principalLines(groups: UsageGroup[], range: UsageRange): UsageReportLine[] {
    const hours = Math.max(1, Math.ceil((range.to - range.from) / HOUR_MS));
    const byPrincipal = new Map<string, UsageGroup[]>();
    for (const g of groups) {
      const key = principalKey(g.principalKind, g.principalId);
      const list = byPrincipal.get(key);
      if (list) list.push(g);
      else byPrincipal.set(key, [g]);
    }
    const lines: UsageReportLine[] = [];
    for (const list of byPrincipal.values()) {
      const totals = totalsOf(list);
      const hourly = new Array<number>(hours).fill(0);
      for (const g of list) {
        const index = Math.floor((g.hourStart - range.from) / HOUR_MS);
        if (index >= 0 && index < hours) hourly[index] += g.requests;
      }
      lines.push({
        principalKind: list[0].principalKind,
        principalId: list[0].principalId,
        app: list.find((g) => g.app)?.app ?? '',
        requests: totals.requests,
        errors: totals.errors,
        throttled: totals.throttled,
        errorRate: round4(totals.errorRate),
        throttleRate: round4(totals.throttleRate),
        latencyP95Ms: totals.latencyP95Ms,
        hourly,
      });
    }
    return lines.sort((a, b) => b.requests - a.requests || a.principalId.localeCompare(b.principalId));
  }
}
