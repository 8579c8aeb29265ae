import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import type { SharedInstances, TcpProxy, TestApp, TestDatabase } from '@aero/testing';
import { createTestApp, createTestDatabase, createUser, startSharedInstances, startTcpProxy, stopSharedInstances } from '@aero/testing';

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

/**
 * An outage is not a password guess. The database fails for this app only: on PostgreSQL a proxy of its own
 * between the app and the server resets every connection; on SQLite the driver's statements fail with a disk
 * I/O error.
 */
describe('a sign-in while the database is down is not a failed sign-in (e2e)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy | undefined;
  let t: TestApp;
  let restore: () => void = () => undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    if (database.env.DB_TYPE === 'postgres') proxy = await startTcpProxy(Number(database.env.DB_PORT));
    t = await createTestApp({
      database,
      env: {
        ...(proxy ? { DB_PORT: String(proxy.port) } : {}),
        AUTH_LOGIN_MAX_FAILURES: '3',
        DB_TRANSACTION_MAX_RETRIES: '0',
        DB_CONNECT_TIMEOUT_MS: '1000',
        DB_POOL_ACQUIRE_TIMEOUT_MS: '1000',
        // The breaker stays closed here, so the first request after the outage reaches the database.
        DB_BREAKER_FAILURE_THRESHOLD: '100',
      },
    });
  });
  afterAll(async () => {
    restore();
    await t?.close();
    await proxy?.close();
    await database?.drop();
  });

  function failDatabase(): void {
    if (proxy) {
      proxy.setMode('cut');
      restore = () => proxy?.setMode('pass');
      return;
    }
    const connection = (t.app.get(DataSource).driver as unknown as { databaseConnection: { prepare: (sql: string) => unknown } }).databaseConnection;
    const prepare = connection.prepare;
    connection.prepare = () => {
      throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR');
    };
    restore = () => {
      connection.prepare = prepare;
    };
  }

  const login = (email: string, password: string) => t.http.post('/v1/auth/login').send({ email, password });

  it('answers 503 with Retry-After during the outage, counts none of it, and the owner signs in at once after', async () => {
    const owner = await createUser(t, { role: 'staff' });
    failDatabase();
    // Twice AUTH_LOGIN_MAX_FAILURES: had they counted, the last ones would be 429 and the owner locked out.
    for (let i = 0; i < 6; i++) {
      const res = await login(owner.email, i % 2 ? owner.password : 'wrong-password');
      expect(res.status).toBe(503);
      expect(res.body.type).toBe('/problems/service-unavailable');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    restore();

    await login(owner.email, owner.password).expect(200);
    // The address's whole budget is left: 4 × 3 wrong passwords over four accounts are told 401, the next 429.
    for (let i = 0; i < 12; i++) await login(`nobody-${i % 4}@example.test`, 'wrong-password').expect(401);
    await login('nobody-5@example.test', 'wrong-password').expect(429);
  });
});
