import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { WindowRequest, WindowState } from '@aero/core';
import { AppConfig, AppError, ipTrackerId, isRefused, RateLimitStorage } from '@aero/core';
import { AuthProblems } from '../auth.errors';

/** One address may fail this many times more than one account before it is slowed (shared NATs, kiosks). */
export const IP_FAILURE_MULTIPLIER = 4;

/** A device that signed in successfully within this long is known to the account. */
export const KNOWN_DEVICE_DAYS = 30;
const KNOWN_DEVICE_MS = KNOWN_DEVICE_DAYS * 86_400_000;

/** The cookie (browsers) and the request header (other apps) that carry a device token. */
export const DEVICE_COOKIE = 'aero_device';
export const DEVICE_HEADER = 'X-Device-Token';

/** A sign-in attempt in progress. Unless it `succeeded()`, it stays counted as a failure. */
export interface LoginAttempt {
  /**
   * The password was right: the attempt is given back, this address's failures for the account forgotten,
   * and a fresh device token (good for KNOWN_DEVICE_DAYS) returned for this device.
   */
  succeeded(now?: number): Promise<string>;
  /**
   * The attempt could not be decided (the database did not answer): it is given back and counts as no
   * failure, so an outage never locks anyone out; the failures before it stay counted.
   */
  abandoned(now?: number): Promise<void>;
}

/**
 * Slows password guessing without letting a stranger lock the owner out, on the shared rate-limit storage
 * (Redis when configured, so every instance counts the same failures). Within AUTH_LOGIN_LOCKOUT_SECONDS:
 * - AUTH_LOGIN_MAX_FAILURES failures for one account from one client IP,
 * - four times that from one client IP across accounts,
 * - AUTH_LOGIN_ACCOUNT_MAX_FAILURES for one account across every IP (a distributed attack) — but only for
 *   unknown devices. A device that signed in to the account within KNOWN_DEVICE_DAYS presents its device
 *   token (an HMAC over the account, a device id and the sign-in time, keyed from JWT_SIGNING_KEY, so any
 *   instance can check it without storage) and is counted instead in a window of its own, of
 *   AUTH_LOGIN_MAX_FAILURES: failures from elsewhere never lock it, and a stolen token buys no more guesses
 *   than one address has.
 * Further attempts get 429 with `Retry-After` without checking the password.
 *
 * Each attempt is counted before the password is checked (so parallel guesses cannot overshoot) and given
 * back when it succeeds. Two storage calls per attempt, each over keys of one Redis hash tag (so it runs on
 * Redis Cluster): the account's windows under `{login:<email>}`, then the address's under `{login:<ip>}`;
 * when the second refuses, the first is given back.
 */
@Injectable()
export class LoginThrottle {
  private deviceKey?: Buffer;

  constructor(
    private readonly config: AppConfig,
    private readonly storage: RateLimitStorage,
  ) {}

  /** Counts an attempt for (email, ip, device); throws 429 when any of its limits is spent. */
  async begin(email: string, ip: string, now = Date.now(), deviceToken?: string): Promise<LoginAttempt> {
    const deviceId = deviceToken ? this.knownDevice(deviceToken, email, now) : undefined;
    const account = this.accountWindows(email, ip, deviceId, 1);
    const counted = await this.storage.consume(account, now);
    if (!counted.allowed) throw throttled(counted.windows.filter(isRefused));
    const address = await this.storage.consume([this.ipWindow(ip, 1)], now);
    if (!address.allowed) {
      await this.storage.consume(this.accountWindows(email, ip, deviceId, -1), now);
      throw throttled(address.windows.filter(isRefused));
    }
    return {
      succeeded: async (at = Date.now()) => {
        const refund = this.accountWindows(email, ip, deviceId, -1);
        refund[0].cost = -refund[0].limit;
        await this.storage.consume(refund, at);
        await this.storage.consume([this.ipWindow(ip, -1)], at);
        return this.issueDeviceToken(email, deviceId ?? randomBytes(12).toString('base64url'), at);
      },
      abandoned: async (at = Date.now()) => {
        await this.storage.consume(this.accountWindows(email, ip, deviceId, -1), at);
        await this.storage.consume([this.ipWindow(ip, -1)], at);
      },
    };
  }

  /** A device token for this account: `v1.<device id>.<issued at, ms>.<HMAC>`. */
  issueDeviceToken(email: string, deviceId: string, now = Date.now()): string {
    const body = `v1.${deviceId}.${now}`;
    return `${body}.${this.sign(email, body)}`;
  }

  /** The device id of a token this deployment issued for this account within KNOWN_DEVICE_DAYS, else undefined. */
  knownDevice(token: string, email: string, now = Date.now()): string | undefined {
    const match = /^(v1\.([A-Za-z0-9_-]{16})\.(\d{13}))\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return undefined;
    const [, body, deviceId, issued, signature] = match;
    const expected = Buffer.from(this.sign(email, body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const age = now - Number(issued);
    return age >= -60_000 && age <= KNOWN_DEVICE_MS ? deviceId : undefined;
  }

  private sign(email: string, body: string): string {
    // A key of its own, derived from the JWT signing key: a device token is never a valid JWT signature.
    this.deviceKey ??= createHmac('sha256', this.config.jwt.signingKey).update('aero login device token v1').digest();
    return createHmac('sha256', this.deviceKey).update(`${email}\n${body}`).digest('base64url');
  }

  /** The account's windows, all under the `{login:<email>}` hash tag; the first is the (account, IP) one. */
  private accountWindows(email: string, ip: string, deviceId: string | undefined, cost: number): WindowRequest[] {
    const { maxFailures, lockoutSeconds, accountMaxFailures } = this.config.login;
    const windowMs = lockoutSeconds * 1000;
    const account = `{login:${email}}`;
    return [
      { key: `${account}:${ipTrackerId(ip)}`, policy: 'login-account-ip', limit: maxFailures, windowMs, cost },
      deviceId
        ? { key: `${account}:device:${deviceId}`, policy: 'login-device', limit: maxFailures, windowMs, cost }
        : { key: account, policy: 'login-account', limit: accountMaxFailures, windowMs, cost },
    ];
  }

  /** The address's window across accounts, under its own `{login:<ip>}` hash tag. */
  private ipWindow(ip: string, cost: number): WindowRequest {
    const { maxFailures, lockoutSeconds } = this.config.login;
    const limit = maxFailures * IP_FAILURE_MULTIPLIER;
    return { key: `{login:${ipTrackerId(ip)}}`, policy: 'login-ip', limit, windowMs: lockoutSeconds * 1000, cost };
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
