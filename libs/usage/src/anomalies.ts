import type { PrincipalKind } from './usage-record';
import { round4 } from './rollup';

export const ANOMALY_REASONS = ['volume', 'errorRate', 'throttleRate', 'clientIps'] as const;
export type AnomalyReasonCode = (typeof ANOMALY_REASONS)[number];

/**
 * When a principal's last hour counts as far above its own baseline (the 24 hours before it). Rates need
 * enough requests to mean something; volume and client-IP rules need a baseline to compare with, so a
 * brand-new key is never flagged for merely being used.
 */
export const ANOMALY_RULES = {
  /** Requests in the last hour before error or throttle rates are judged. */
  minRequestsForRates: 20,
  /** Error (4xx + 5xx) rate that is flagged when it is also well above the baseline rate. */
  errorRate: 0.5,
  /** 429 rate that is flagged when it is also well above the baseline rate. */
  throttleRate: 0.25,
  /** How far (absolute) a rate must exceed the baseline rate. */
  rateMargin: 0.2,
  /** Volume: at least this many requests in the hour … */
  minVolume: 100,
  /** … and this many times the mean of the baseline's active hours. */
  volumeFactor: 5,
  /** Client IPs: at least this many distinct addresses in the hour … */
  minClientIps: 5,
  /** … and this many times the most seen in one baseline hour. */
  clientIpsFactor: 3,
} as const;

/** One principal's last hour (from raw records). */
export interface PrincipalWindow {
  principalKind: PrincipalKind;
  principalId: string;
  app: string;
  requests: number;
  errors: number;
  throttled: number;
  distinctClientIps: number;
}

/** One principal's baseline (from roll-ups and raw records of the 24 hours before). */
export interface PrincipalBaseline {
  requests: number;
  errors: number;
  throttled: number;
  /** Hours of the baseline with at least one request. */
  activeHours: number;
  /** Most distinct client IPs seen in one baseline hour (per route group, summed over the hour). */
  maxClientIpsPerHour: number;
}

export interface AnomalyReason {
  code: AnomalyReasonCode;
  /** The last hour's value (requests, a rate 0–1, or a count of addresses). */
  observed: number;
  /** The same measure over the baseline. */
  baseline: number;
  message: string;
}

export interface Anomaly {
  principalKind: PrincipalKind;
  principalId: string;
  app: string;
  /** Requests in the last hour. */
  requests: number;
  reasons: AnomalyReason[];
}

const pct = (rate: number): string => `${Math.round(rate * 100)}%`;

export function detectAnomalies(
  recent: PrincipalWindow[],
  baselines: Map<string, PrincipalBaseline>,
  rules: typeof ANOMALY_RULES = ANOMALY_RULES,
): Anomaly[] {
  const anomalies: Anomaly[] = [];
  for (const w of recent) {
    const b: PrincipalBaseline = baselines.get(principalKey(w.principalKind, w.principalId)) ?? {
      requests: 0,
      errors: 0,
      throttled: 0,
      activeHours: 0,
      maxClientIpsPerHour: 0,
    };
    const reasons: AnomalyReason[] = [];
    if (b.activeHours > 0) {
      const mean = b.requests / b.activeHours;
      if (w.requests >= rules.minVolume && w.requests >= rules.volumeFactor * mean) {
        reasons.push({
          code: 'volume',
          observed: w.requests,
          baseline: Math.round(mean),
          message: `${w.requests} requests in the last hour, ${round1(w.requests / mean)}× the usual ${Math.round(mean)} per active hour`,
        });
      }
    }
    if (w.requests >= rules.minRequestsForRates) {
      const errorRate = w.errors / w.requests;
      const baseErrorRate = b.requests ? b.errors / b.requests : 0;
      if (errorRate >= rules.errorRate && errorRate - baseErrorRate >= rules.rateMargin) {
        reasons.push({
          code: 'errorRate',
          observed: round4(errorRate),
          baseline: round4(baseErrorRate),
          message: `${pct(errorRate)} of ${w.requests} requests failed (4xx/5xx) in the last hour, against ${pct(baseErrorRate)} before`,
        });
      }
      const throttleRate = w.throttled / w.requests;
      const baseThrottleRate = b.requests ? b.throttled / b.requests : 0;
      if (throttleRate >= rules.throttleRate && throttleRate - baseThrottleRate >= rules.rateMargin) {
        reasons.push({
          code: 'throttleRate',
          observed: round4(throttleRate),
          baseline: round4(baseThrottleRate),
          message: `${pct(throttleRate)} of ${w.requests} requests were rate limited (429) in the last hour, against ${pct(baseThrottleRate)} before`,
        });
      }
    }
    if (w.principalKind !== 'anonymous' && b.activeHours > 0) {
      const usual = b.maxClientIpsPerHour;
      if (
        w.distinctClientIps >= rules.minClientIps &&
        w.distinctClientIps >= rules.clientIpsFactor * Math.max(1, usual)
      ) {
        reasons.push({
          code: 'clientIps',
          observed: w.distinctClientIps,
          baseline: usual,
          message: `used from ${w.distinctClientIps} client IPs in the last hour, against at most ${usual} per hour before`,
        });
      }
    }
    if (reasons.length > 0) {
      anomalies.push({
        principalKind: w.principalKind,
        principalId: w.principalId,
        app: w.app,
        requests: w.requests,
        reasons,
      });
    }
  }
  return anomalies.sort((a, b) => b.reasons.length - a.reasons.length || b.requests - a.requests);
}

export function principalKey(kind: PrincipalKind, id: string): string {
  return `${kind}:${id}`;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** How many flagged principals carry each reason (the `usage_anomalies` gauge). */
export function countByReason(anomalies: Anomaly[]): Record<AnomalyReasonCode, number> {
  const counts = Object.fromEntries(ANOMALY_REASONS.map((reason) => [reason, 0])) as Record<
    AnomalyReasonCode,
    number
  >;
  for (const anomaly of anomalies) for (const reason of anomaly.reasons) counts[reason.code]++;
  return counts;
}
