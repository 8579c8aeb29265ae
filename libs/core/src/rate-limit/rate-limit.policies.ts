import { normalizeIp } from '@nestjs/throttler';
import type { RateLimitConfig, RateLimitTier } from '../config/app-config';
import type { RateLimitSubject, WindowRequest } from './rate-limit.types';

/** Whose budget a request spends: the API key, else the user, else the client IP. */
export interface Tracker {
  /** `key:<id>`, `user:<id>` or `ip:<address>` (IPv6 by /64). */
  id: string;
  /** The policy tier: `apiKey`, `admin`/`staff`/`member`, or `anonymous`. */
  tier: string;
}

const ROLE_TIERS = ['admin', 'staff', 'member'] as const;

/** Tracker precedence: API key, then user, then client IP. */
export function trackerFor(subject: RateLimitSubject | undefined, clientIp: string | undefined): Tracker {
  if (subject?.kind === 'apiKey') return { id: `key:${subject.id}`, tier: 'apiKey' };
  if (subject?.kind === 'user') {
    return { id: `user:${subject.id}`, tier: ROLE_TIERS.find((role) => subject.roles.includes(role)) ?? 'member' };
  }
  return { id: ipTrackerId(clientIp), tier: 'anonymous' };
}

/** `ip:<address>`, IPv6 addresses by their /64 (one host usually owns the whole prefix). */
export function ipTrackerId(clientIp: string | undefined): string {
  return `ip:${clientIp ? normalizeIp(clientIp) : 'unknown'}`;
}

/** The tier's two windows, or a key's own per-minute limit with a burst that does not undercut it. */
export function tierLimits(config: RateLimitConfig, tracker: Tracker, subject?: RateLimitSubject): RateLimitTier {
  const base = config[tracker.tier as 'apiKey' | 'admin' | 'staff' | 'member' | 'anonymous'] ?? config.anonymous;
  const override = subject?.kind === 'apiKey' ? subject.rateLimitPerMinute : undefined;
  if (override === undefined) return base;
  // A key's own limit: its burst may use the whole minute's budget at once, or at least the tier's burst
  // scaled to the window, never less than twice its even share.
  const evenShare = Math.ceil((2 * override * config.burstWindowSeconds) / 60);
  return { perMinute: override, burst: Math.min(override, Math.max(base.burst, evenShare)) };
}

let month = { start: 0, end: 0, suffix: '' };

/** Calendar month (UTC) of `now`: its key suffix, its length and the time left, in ms. */
export function monthWindow(now: number): { suffix: string; lengthMs: number; remainingMs: number } {
  if (now < month.start || now >= month.end) {
    // Computed once a month (per process), not per request.
    const date = new Date(now);
    month = {
      start: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1),
      end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1),
      suffix: `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`,
    };
  }
  return { suffix: month.suffix, lengthMs: month.end - month.start, remainingMs: month.end - now };
}

/** Storage keys keep a subject's windows in one Redis hash slot (`{...}`), so one script covers them. */
function slot(trackerId: string): string {
  return `{${trackerId}}`;
}

export const POLICY_BURST = 'burst';
export const POLICY_MINUTE = 'minute';
export const POLICY_QUOTA = 'quota';
export const POLICY_AUTH_FAILURES = 'auth-failures';

/** Every window a request of this subject spends `cost` from: burst, minute and, for a key, its monthly quota. */
export function windowsFor(
  config: RateLimitConfig,
  tracker: Tracker,
  subject: RateLimitSubject | undefined,
  cost: number,
  now: number,
): WindowRequest[] {
  const limits = tierLimits(config, tracker, subject);
  const key = slot(tracker.id);
  const windows: WindowRequest[] = [
    { key: `${key}:burst`, policy: POLICY_BURST, limit: limits.burst, windowMs: config.burstWindowSeconds * 1000, cost },
    { key: `${key}:minute`, policy: POLICY_MINUTE, limit: limits.perMinute, windowMs: config.minuteWindowMs ?? 60_000, cost },
  ];
  if (subject?.kind === 'apiKey' && subject.monthlyQuota !== undefined) {
    const month = monthWindow(now);
    // The quota counts requests, whatever they cost against the rate limits.
    windows.push({
      key: `${key}:quota:${month.suffix}`,
      policy: POLICY_QUOTA,
      limit: subject.monthlyQuota,
      windowMs: month.remainingMs,
      policyWindowSeconds: month.lengthMs / 1000,
      cost: cost > 0 ? 1 : 0,
      durable: month.suffix,
    });
  }
  return windows;
}

/** The strict window that failed credentials from one client IP spend. */
export function authFailureWindow(config: RateLimitConfig, clientIp: string | undefined, cost = 1): WindowRequest {
  return {
    key: `${slot(ipTrackerId(clientIp))}:auth-failures`,
    policy: POLICY_AUTH_FAILURES,
    limit: config.authFailuresPerMinute,
    windowMs: 60_000,
    cost,
  };
}

/** Prefix of every counter of one tracker (for status and reset). */
export function trackerKeyPrefix(trackerId: string): string {
  return slot(trackerId);
}
