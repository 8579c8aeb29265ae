import type { SharedInstances, TestApp } from '@aero/testing';
import { createUser, startSharedInstances, stopSharedInstances } from '@aero/testing';

// Argon2id (~30 ms per hash) on every sign-in.
jest.setTimeout(60_000);

/**
 * Sign-in throttling on the shared storage: two instances behind a trusted proxy (loopback), so
 * X-Forwarded-For says which client each request comes from.
 */
describe('sign-in limits shared across two instances (e2e)', () => {
  let instances: Partial<SharedInstances> = {};
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    ({ a, b } = instances = await startSharedInstances({
      HTTP_TRUST_PROXY: 'loopback',
      AUTH_LOGIN_MAX_FAILURES: '3',
      AUTH_LOGIN_ACCOUNT_MAX_FAILURES: '8',
      AUTH_LOGIN_LOCKOUT_SECONDS: '120',
    }));
  });
  afterAll(() => stopSharedInstances(instances));

  const login = (t: TestApp, ip: string, email: string, password: string) =>
    t.http.post('/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });

  it('counts an attacker’s failures on both instances together, and the owner from another address still signs in', async () => {
    const owner = await createUser(a, { role: 'staff' });
    const attacker = '203.0.113.9';
    await login(a, attacker, owner.email, 'wrong-password-1').expect(401);
    await login(b, attacker, owner.email, 'wrong-password-2').expect(401);
    await login(a, attacker, owner.email, 'wrong-password-3').expect(401);
    // Three failures in all: either instance now refuses this address for this account, even the right password.
    for (const instance of [b, a]) {
      const res = await login(instance, attacker, owner.email, owner.password).expect(429);
      expect(res.body.type).toBe('/problems/login-throttled');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(120);
    }
    await login(a, '198.51.100.20', owner.email, owner.password).expect(200);
    await login(b, '198.51.100.20', owner.email, owner.password).expect(200);
  });

  it('limits one address across accounts, and one account across many addresses only at its higher limit', async () => {
    const owner = await createUser(a, { role: 'member' });
    // Four times the per-account limit from one address, spread over accounts and instances.
    for (let i = 0; i < 12; i++) {
      await login(i % 2 ? a : b, '203.0.113.50', `nobody-${i}@example.test`, 'wrong-password').expect(401);
    }
    await login(a, '203.0.113.50', owner.email, owner.password).expect(429);

    // A distributed attack: eight failures for one account from eight addresses.
    for (let i = 0; i < 8; i++) await login(i % 2 ? a : b, `192.0.2.${i + 1}`, owner.email, 'wrong-password').expect(401);
    const res = await login(b, '198.51.100.99', owner.email, owner.password).expect(429);
    expect(res.body.type).toBe('/problems/login-throttled');
  });
});
