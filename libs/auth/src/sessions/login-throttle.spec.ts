import type { ModuleRef } from '@nestjs/core';
import type { AppConfig, AppError } from '@aero/core';
import { RateLimitStorage } from '@aero/core';
import { IP_FAILURE_MULTIPLIER, LoginThrottle } from './login-throttle';

const config = {
  login: { maxFailures: 3, lockoutSeconds: 60, accountMaxFailures: 10 },
  jwt: { signingKey: 's'.repeat(32) },
} as AppConfig;

function newThrottle(): LoginThrottle {
  return new LoginThrottle(config, new RateLimitStorage(config, {} as ModuleRef));
}

/** Retry-After of the 429, or undefined when the attempt is allowed. */
async function retryAfter(throttle: LoginThrottle, email: string, ip: string, now: number, device?: string): Promise<string | undefined> {
  try {
    await throttle.begin(email, ip, now, device);
    return undefined;
  } catch (error) {
    return (error as AppError).headers['Retry-After'];
  }
}

describe('LoginThrottle', () => {
  it('slows one account from one address after the configured failures, for the lockout, with Retry-After', async () => {
    const throttle = newThrottle();
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) expect(await retryAfter(throttle, 'a@x', '10.0.0.1', t0)).toBeUndefined();
    expect(await retryAfter(throttle, 'a@x', '10.0.0.1', t0 + 1000)).toBe('59');
    expect(await retryAfter(throttle, 'b@x', '10.0.0.1', t0 + 1000)).toBeUndefined();
    expect(await retryAfter(throttle, 'a@x', '10.0.0.1', t0 + 60_000)).toBeUndefined();
  });

  it('does not lock the owner out from another address', async () => {
    const throttle = newThrottle();
    for (let i = 0; i < 5; i++) await retryAfter(throttle, 'a@x', '10.6.6.6', 0);
    expect(await retryAfter(throttle, 'a@x', '10.6.6.6', 10)).toBe('60');
    expect(await retryAfter(throttle, 'a@x', '192.168.1.20', 10)).toBeUndefined();
  });

  it('slows one address that fails across many accounts', async () => {
    const throttle = newThrottle();
    const limit = 3 * IP_FAILURE_MULTIPLIER;
    for (let i = 0; i < limit; i++) expect(await retryAfter(throttle, `user${i}@x`, '10.9.9.9', 0)).toBeUndefined();
    expect(await retryAfter(throttle, 'fresh@x', '10.9.9.9', 10)).toBe('60');
    expect(await retryAfter(throttle, 'fresh@x', '10.9.9.8', 10)).toBeUndefined();
  });

  it('limits one account across many addresses only at the account-wide limit', async () => {
    const throttle = newThrottle();
    for (let i = 0; i < 10; i++) expect(await retryAfter(throttle, 'a@x', `10.1.0.${i}`, 0)).toBeUndefined();
    expect(await retryAfter(throttle, 'a@x', '10.1.0.99', 10)).toBe('60');
  });

  it('gives back a successful attempt and forgets that address’s failures for the account', async () => {
    const throttle = newThrottle();
    await throttle.begin('a@x', '1.1.1.1', 0);
    await throttle.begin('a@x', '1.1.1.1', 0);
    const ok = await throttle.begin('a@x', '1.1.1.1', 0);
    await ok.succeeded(0);
    for (let i = 0; i < 3; i++) expect(await retryAfter(throttle, 'a@x', '1.1.1.1', 0)).toBeUndefined();
    expect(await retryAfter(throttle, 'a@x', '1.1.1.1', 0)).toBe('60');
  });

  it('counts an abandoned attempt (the database did not answer) as no failure, and keeps the failures before it', async () => {
    const throttle = newThrottle();
    await throttle.begin('a@x', '1.1.1.1', 0);
    await throttle.begin('a@x', '1.1.1.1', 0);
    for (let i = 0; i < 20; i++) await (await throttle.begin('a@x', '1.1.1.1', 0)).abandoned(0);
    // Still one attempt left of 3 for the account from this address, and of 12 across accounts.
    expect(await retryAfter(throttle, 'a@x', '1.1.1.1', 0)).toBeUndefined();
    expect(await retryAfter(throttle, 'a@x', '1.1.1.1', 0)).toBe('60');
    for (let i = 0; i < 3 * IP_FAILURE_MULTIPLIER - 3; i++) expect(await retryAfter(throttle, `other${i}@x`, '1.1.1.1', 0)).toBeUndefined();
    expect(await retryAfter(throttle, 'fresh@x', '1.1.1.1', 0)).toBe('60');
  });

  it('does not lock a device that signed in within 30 days when the account-wide limit is spent elsewhere', async () => {
    const throttle = newThrottle();
    const t0 = Date.UTC(2026, 11, 1);
    const device = await (await throttle.begin('a@x', '10.0.0.1', t0)).succeeded(t0);
    for (let i = 0; i < 10; i++) await retryAfter(throttle, 'a@x', `10.2.0.${i}`, t0 + 1);
    expect(await retryAfter(throttle, 'a@x', '10.2.0.99', t0 + 2)).toBe('60');
    expect(await retryAfter(throttle, 'a@x', '10.3.0.1', t0 + 2, device)).toBeUndefined();
    // Older than 30 days, for another account, or altered: an unknown device.
    const days30 = 30 * 86_400_000;
    expect(throttle.knownDevice(device, 'a@x', t0 + days30)).toBeDefined();
    expect(throttle.knownDevice(device, 'a@x', t0 + days30 + 1)).toBeUndefined();
    expect(throttle.knownDevice(device, 'b@x', t0 + 2)).toBeUndefined();
    expect(throttle.knownDevice(`${device.slice(0, -2)}xx`, 'a@x', t0 + 2)).toBeUndefined();
    expect(throttle.knownDevice('v1.garbage', 'a@x', t0 + 2)).toBeUndefined();
  });

  it('keeps the keys of each storage call under one Redis hash tag (Redis Cluster)', async () => {
    const throttle = newThrottle();
    const calls: string[][] = [];
    const storage = (throttle as unknown as { storage: RateLimitStorage }).storage;
    const consume = storage.consume.bind(storage);
    storage.consume = (windows, now) => {
      calls.push(windows.map((w) => w.key));
      return consume(windows, now);
    };
    const t0 = Date.UTC(2026, 11, 1);
    const device = await (await throttle.begin('a@x', '10.0.0.1', t0)).succeeded(t0);
    expect(throttle.knownDevice(device, 'a@x', t0)).toBeDefined();
    await throttle.begin('a@x', '10.0.0.2', t0, device);
    expect(calls.length).toBeGreaterThanOrEqual(6);
    for (const keys of calls) {
      const tags = new Set(keys.map((key) => /\{[^}]+\}/.exec(key)?.[0]));
      expect(tags.size).toBe(1);
      expect([...tags][0]).toBeDefined();
    }
  });
});
