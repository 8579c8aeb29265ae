import type { AppConfig, AppError } from '@aero/core';
import { IP_FAILURE_MULTIPLIER, LoginThrottle } from './login-throttle';

const config = { login: { maxFailures: 3, lockoutSeconds: 60 } } as AppConfig;

function retryAfter(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as AppError).headers['Retry-After'];
  }
}

describe('LoginThrottle', () => {
  it('locks an account after the configured failures, for the lockout, with Retry-After', () => {
    const throttle = new LoginThrottle(config);
    const t0 = 1_000_000;
    for (let i = 0; i < 2; i++) throttle.recordFailure('a@x', `10.0.0.${i}`, t0);
    expect(retryAfter(() => throttle.assertAllowed('a@x', '10.0.0.9', t0))).toBeUndefined();
    throttle.recordFailure('a@x', '10.0.0.3', t0);
    expect(retryAfter(() => throttle.assertAllowed('a@x', '10.0.0.9', t0 + 1000))).toBe('59');
    expect(retryAfter(() => throttle.assertAllowed('b@x', '10.0.0.9', t0 + 1000))).toBeUndefined();
    expect(retryAfter(() => throttle.assertAllowed('a@x', '10.0.0.9', t0 + 60_000))).toBeUndefined();
  });

  it('slows one address that fails across many accounts', () => {
    const throttle = new LoginThrottle(config);
    const limit = 3 * IP_FAILURE_MULTIPLIER;
    for (let i = 0; i < limit; i++) throttle.recordFailure(`user${i}@x`, '10.9.9.9', 0);
    expect(retryAfter(() => throttle.assertAllowed('fresh@x', '10.9.9.9', 10))).toBe('60');
    expect(retryAfter(() => throttle.assertAllowed('fresh@x', '10.9.9.8', 10))).toBeUndefined();
  });

  it('forgets an account’s failures after a success', () => {
    const throttle = new LoginThrottle(config);
    throttle.recordFailure('a@x', '1.1.1.1', 0);
    throttle.recordFailure('a@x', '1.1.1.1', 0);
    throttle.recordSuccess('a@x');
    throttle.recordFailure('a@x', '1.1.1.1', 0);
    expect(retryAfter(() => throttle.assertAllowed('a@x', '1.1.1.2', 0))).toBeUndefined();
  });
});
