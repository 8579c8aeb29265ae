import { Injectable } from '@nestjs/common';
import { AppConfig, AppError } from '@aero/core';
import { AuthProblems } from '../auth.errors';

interface Counter {
  failures: number;
  windowEndsAt: number;
  lockedUntil: number;
}

/** One address may fail this many times more than one account before it is slowed (shared NATs, kiosks). */
export const IP_FAILURE_MULTIPLIER = 4;

/**
 * Slows password guessing: after AUTH_LOGIN_MAX_FAILURES failures for one account, or four times that from
 * one client IP, within AUTH_LOGIN_LOCKOUT_SECONDS, further attempts get 429 with `Retry-After` until the
 * lockout ends — without even checking the password. In memory, per instance.
 */
@Injectable()
export class LoginThrottle {
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly config: AppConfig) {}

  /** Throws 429 when the account or the address is locked out. */
  assertAllowed(email: string, ip: string, now = Date.now()): void {
    const lockedUntil = Math.max(this.lockedUntil(`a:${email}`, now), this.lockedUntil(`i:${ip}`, now));
    if (lockedUntil > now) {
      const retryAfter = Math.max(1, Math.ceil((lockedUntil - now) / 1000));
      throw new AppError(
        AuthProblems.loginThrottled,
        `Too many failed sign-ins. Try again in ${retryAfter} seconds.`,
        { retryAfterSeconds: retryAfter },
        { 'Retry-After': String(retryAfter) },
      );
    }
  }

  recordFailure(email: string, ip: string, now = Date.now()): void {
    const { maxFailures } = this.config.login;
    this.bump(`a:${email}`, maxFailures, now);
    this.bump(`i:${ip}`, maxFailures * IP_FAILURE_MULTIPLIER, now);
    if (this.counters.size > 10_000) this.sweep(now);
  }

  recordSuccess(email: string): void {
    this.counters.delete(`a:${email}`);
  }

  private lockedUntil(key: string, now: number): number {
    const counter = this.counters.get(key);
    return counter && counter.lockedUntil > now ? counter.lockedUntil : 0;
  }

  private bump(key: string, max: number, now: number): void {
    const windowMs = this.config.login.lockoutSeconds * 1000;
    let counter = this.counters.get(key);
    if (!counter || (counter.windowEndsAt <= now && counter.lockedUntil <= now)) {
      counter = { failures: 0, windowEndsAt: now + windowMs, lockedUntil: 0 };
      this.counters.set(key, counter);
    }
    counter.failures++;
    if (counter.failures >= max) counter.lockedUntil = now + windowMs;
  }

  private sweep(now: number): void {
    for (const [key, counter] of this.counters) {
      if (counter.windowEndsAt <= now && counter.lockedUntil <= now) this.counters.delete(key);
    }
  }
}
