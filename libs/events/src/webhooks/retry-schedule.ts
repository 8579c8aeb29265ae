/**
 * When the next attempt of a failed delivery is due. The schedule's nominal delays after attempt 1, 2, …:
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then every 12 h, until 72 h after the first attempt. Each delay is
 * drawn with full jitter (uniformly in [0, nominal], at least 1 s), so receivers coming back from an outage
 * are not hit by every queued delivery at once.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
];
export const RETRY_STEADY_DELAY_MS = 12 * 3_600_000;
/** No attempt is scheduled later than this after the first one; the delivery is then failed. */
export const RETRY_HORIZON_MS = 72 * 3_600_000;
export const RETRY_MIN_DELAY_MS = 1_000;
/** A receiver's Retry-After is honoured up to this. */
export const RETRY_AFTER_MAX_MS = 24 * 3_600_000;

/** The nominal delay after attempt number `attempt` (1-based) failed. */
export function nominalRetryDelayMs(attempt: number): number {
  return RETRY_DELAYS_MS[attempt - 1] ?? RETRY_STEADY_DELAY_MS;
}

export interface RetryDecision {
  /** When to try again, or null: the delivery has failed for good. */
  nextAttemptAt: Date | null;
}

/**
 * The next attempt after attempt `attempt` (1-based) failed at `now`, for a delivery first tried at
 * `firstAttemptAt`. `retryAfterMs` (from a 429/503 answer) replaces the scheduled delay when it is longer.
 * `random` is injectable so the jitter can be pinned in tests.
 */
export function nextRetry(
  attempt: number,
  firstAttemptAt: Date,
  now: Date,
  retryAfterMs: number | null = null,
  random: () => number = Math.random,
): RetryDecision {
  const nominal = nominalRetryDelayMs(attempt);
  let delay = Math.max(RETRY_MIN_DELAY_MS, Math.round(random() * nominal));
  if (retryAfterMs !== null && retryAfterMs > delay) delay = Math.min(retryAfterMs, RETRY_AFTER_MAX_MS);
  const at = now.getTime() + delay;
  if (at - firstAttemptAt.getTime() > RETRY_HORIZON_MS) return { nextAttemptAt: null };
  return { nextAttemptAt: new Date(at) };
}

/** `Retry-After` as delay-seconds or an HTTP date → milliseconds from `now`, or null when absent or unusable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}
