import type { SharedInstances, TestApp } from '@aero/testing';
import { createUser, startSharedInstances, stopSharedInstances } from '@aero/testing';

// Argon2id (~30 ms per hash) on every sign-in, 60 of them.
jest.setTimeout(120_000);

/**
 * The account-wide sign-in lock (AUTH_LOGIN_ACCOUNT_MAX_FAILURES, 50) applies only to unknown devices: two
 * instances share the counters through Redis behind a trusted proxy (loopback), so X-Forwarded-For says
 * which address each request comes from; a device that signed in before carries its device token.
 */
describe('sign-in lockout cannot be turned against the owner (e2e)', () => {
  let instances: Partial<SharedInstances> = {};
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => ({ a, b } = instances = await startSharedInstances({ HTTP_TRUST_PROXY: 'loopback' })));
  afterAll(() => stopSharedInstances(instances));

  const login = (t: TestApp, ip: string, email: string, password: string) =>
    t.http.post('/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });

  it("55 addresses × 1 wrong password lock a stranger's address; the owner's known device still signs in", async () => {
    const owner = await createUser(a, { role: 'staff' });
    const home = await login(a, '198.51.100.7', owner.email, owner.password).expect(200);
    const deviceToken = home.body.deviceToken as string;
    expect(deviceToken).toMatch(/^v1\./);
    const cookie = (home.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('aero_device='));
    expect(cookie).toContain(`aero_device=${encodeURIComponent(deviceToken)}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/v1\/auth/);

    const statuses: number[] = [];
    for (let i = 0; i < 55; i++) {
      statuses.push((await login(i % 2 ? b : a, `203.0.113.${i + 1}`, owner.email, `wrong-password-${i}`)).status);
    }
    expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(50)).toEqual([429, 429, 429, 429, 429]);
    // A stranger's fresh address is locked, even with the right password.
    const stranger = await login(b, '203.0.113.200', owner.email, owner.password).expect(429);
    expect(stranger.body.type).toBe('/problems/login-throttled');
    expect(Number(stranger.headers['retry-after'])).toBeGreaterThan(0);

    // The owner's device, now on another address (mobile), on either instance: by header and by cookie.
    const byHeader = await login(b, '192.0.2.44', owner.email, owner.password).set('X-Device-Token', deviceToken).expect(200);
    expect(byHeader.body.accessToken).toEqual(expect.any(String));
    await login(a, '192.0.2.45', owner.email, owner.password).set('Cookie', `other=1; aero_device=${deviceToken}`).expect(200);
    // A token that is not this account's, or was tampered with, is an unknown device.
    const other = await createUser(a, { role: 'staff' });
    const foreign = (await login(a, '198.51.100.8', other.email, other.password).expect(200)).body.deviceToken as string;
    await login(a, '192.0.2.46', owner.email, owner.password).set('X-Device-Token', foreign).expect(429);
    const tampered = deviceToken.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    await login(b, '192.0.2.47', owner.email, owner.password).set('X-Device-Token', tampered).expect(429);
  });

  it('gives a known device only the failures one address has: a stolen token is no way around the limits', async () => {
    const owner = await createUser(a, { role: 'staff' });
    const deviceToken = (await login(a, '198.51.100.9', owner.email, owner.password).expect(200)).body.deviceToken as string;
    // Five failures (AUTH_LOGIN_MAX_FAILURES) with the token, each from another address, spend its own window.
    for (let i = 0; i < 5; i++) {
      await login(i % 2 ? a : b, `203.0.114.${i + 1}`, owner.email, 'wrong-password').set('X-Device-Token', deviceToken).expect(401);
    }
    await login(a, '203.0.114.99', owner.email, owner.password).set('X-Device-Token', deviceToken).expect(429);
    // Without the token the account is not locked (5 failures is far below 50).
    await login(b, '203.0.114.100', owner.email, owner.password).expect(200);
  });
});
