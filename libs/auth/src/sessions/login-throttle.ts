import { Injectable } from '@nestjs/common';
import type { WindowRequest, WindowState } from '@aero/core';
import { AppConfig, AppError, ipTrackerId, isRefused, RateLimitStorage } from '@aero/core';
import { AuthProblems } from '../auth.errors';

/** One address may fail this many times more than one account before it is slowed (shared NATs, kiosks). */
export const IP_FAILURE_MULTIPLIER = 4;

/** The hash tag of every login-throttle counter. */
export const LOGIN_SLOT = '{login}';

/** A sign-in attempt in progress. Unless it `succeeded()`, it stays counted as a failure. */
export interface LoginAttempt {
  /** The password was right: the attempt is given back, and this address's failures for the account forgotten. */
  succeeded(now?: number): Promise<void>;
}

/**
 * Slows password guessing without locking the owner out, on the shared rate-limit storage (Redis when
 * configured, so every instance counts the same failures). Within AUTH_LOGIN_LOCKOUT_SECONDS:
 * - AUTH_LOGIN_MAX_FAILURES failures for one account from one client IP,
 * - four times that from one client IP across accounts,
 * - AUTH_LOGIN_ACCOUNT_MAX_FAILURES for one account across every IP (a distributed attack),
 * and further attempts get 429 with `Retry-After` without checking the password. The owner signing in from
 * another address is refused only by the last, deliberately high, limit.
 *
 * Each attempt is counted before the password is checked (so parallel guesses cannot overshoot) and given
 * back when it succeeds: one storage call per attempt, one more on success. The three counters share one
 * Redis hash slot (`{login}`), so the call is one atomic script on a single Redis and on Redis Cluster alike.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    private readonly config: AppConfig,
    private readonly storage: RateLimitStorage,
  ) {}

  /** Counts an attempt for (email, ip); throws 429 when any of its limits is spent. */
  async begin(email: string, ip: string, now = Date.now()): Promise<LoginAttempt> {
    const windows = this.windows(email, ip, 1);
    const result = await this.storage.consume(windows, now);
    if (!result.allowed) throw throttled(result.windows.filter(isRefused));
    return {
      succeeded: async (at = Date.now()) => {
        const refund = this.windows(email, ip, -1);
        refund[0].cost = -refund[0].limit;
        await this.storage.consume(refund, at);
      },
    };
  }

  private windows(email: string, ip: string, cost: number): WindowRequest[] {
    const { maxFailures, lockoutSeconds, accountMaxFailures } = this.config.login;
    const windowMs = lockoutSeconds * 1000;
    // One hash tag for the three counters, so one atomic script covers them on Redis Cluster too (the tag
    // comes first, so braces in an email cannot move the slot).
    const account = `${LOGIN_SLOT}:${email}`;
    return [
      { key: `${account}:${ipTrackerId(ip)}`, policy: 'login-account-ip', limit: maxFailures, windowMs, cost },
      { key: `${LOGIN_SLOT}:${ipTrackerId(ip)}`, policy: 'login-ip', limit: maxFailures * IP_FAILURE_MULTIPLIER, windowMs, cost },
      { key: account, policy: 'login-account', limit: accountMaxFailures, windowMs, cost },
    ];
  }
}

function throttled(refused: WindowState[]): AppError {
  const retryAfter = Math.max(1, ...refused.map((state) => Math.ceil(state.resetMs / 1000)));
  return new AppError(
    AuthProblems.loginThrottled,
    `Too many failed sign-ins. Try again in ${retryAfter} seconds.`,
    { retryAfterSeconds: retryAfter },
    { 'Retry-After': String(retryAfter) },
  );
}
