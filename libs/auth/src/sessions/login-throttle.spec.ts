import type { ModuleRef } from '@nestjs/core';
import type { AppConfig, AppError } from '@aero/core';
import { RateLimitStorage } from '@aero/core';
import { IP_FAILURE_MULTIPLIER, LoginThrottle } from './login-throttle';

const config = { login: { maxFailures: 3, lockoutSeconds: 60, accountMaxFailures: 10 } } as AppConfig;

function newThrottle(): LoginThrottle {
  return new LoginThrottle(config, new RateLimitStorage(config, {} as ModuleRef));
}

/** Retry-After of the 429, or undefined when the attempt is allowed. */
async function retryAfter(throttle: LoginThrottle, email: string, ip: string, now: number): Promise<string | undefined> {
  try {
    await throttle.begin(email, ip, now);
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
});
