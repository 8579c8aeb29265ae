import type { TestApp } from '@aero/testing';
import { adminAuth, createTestApp, listTablesSql, randomPassword } from '@aero/testing';

/** Every row of every table, as text: what someone with a database dump would see. */
async function dumpEveryTable(t: TestApp): Promise<{ tables: string[]; text: string }> {
  const runner = t.dataSource.createQueryRunner();
  try {
    const names = (await runner.query(listTablesSql(t.config.db.type))) as { name: string }[];
    const tables = names.map((row) => row.name).sort();
    let text = '';
    for (const table of tables) {
      const rows = await t.dataSource.createQueryBuilder().select('*').from(table, 'x').getRawMany();
      text += `${table}\n${JSON.stringify(rows)}\n`;
    }
    return { tables, text };
  } finally {
    await runner.release();
  }
}

// Six Argon2id hashes and verifications (~30 ms each, more on a busy machine).
jest.setTimeout(60_000);

describe('no secret in clear at rest (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('stores no password, refresh token, access token or API key in any table', async () => {
    const admin = await adminAuth(t);
    const secrets: string[] = [];

    for (const role of ['admin', 'staff', 'member'] as const) {
      const password = randomPassword();
      const email = `${role}.dump@example.test`;
      await t.http.post('/v1/users').set(admin).send({ email, password, roles: [role] }).expect(201);
      const login = await t.http.post('/v1/auth/login').send({ email, password }).expect(200);
      const refreshed = await t.http.post('/v1/auth/refresh').send({ refreshToken: login.body.refreshToken }).expect(200);
      secrets.push(password, login.body.refreshToken, login.body.accessToken, refreshed.body.refreshToken, refreshed.body.accessToken);
    }
    for (const app of ['kiosk', 'pos', 'partner']) {
      const created = await t.http.post('/v1/api-keys').set(admin).send({ name: `${app} key`, app, scopes: ['members:read'] }).expect(201);
      const rotated = await t.http.post(`/v1/api-keys/${created.body.id}/rotate`).set(admin).send({ gracePeriodSeconds: 60 }).expect(201);
      await t.http.get('/v1/auth/me').set('X-API-Key', rotated.body.key).expect(200);
      secrets.push(created.body.key, rotated.body.key);
    }

    const { tables, text } = await dumpEveryTable(t);
    expect(tables).toEqual(expect.arrayContaining(['users', 'refresh_tokens', 'api_keys']));
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      // Not even a recognisable piece of it (the key's public id and last four are fine to keep).
      const middle = secret.slice(Math.floor(secret.length / 2) - 8, Math.floor(secret.length / 2) + 8);
      expect(text).not.toContain(middle);
    }
    // What is there instead: Argon2id hashes and 64-hex digests.
    expect(text).toMatch(/\$argon2id\$v=19\$m=19456/);
  });
});
